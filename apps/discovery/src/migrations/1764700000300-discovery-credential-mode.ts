import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The registration's credential mode (from ServerChanged), so discovery knows whether to ask auth's
 * token broker for a remote server's credential. NULL for servers registered before this column
 * existed (discovery then asks the broker and goes anonymous when auth has nothing configured).
 */
export class DiscoveryCredentialMode1764700000300 implements MigrationInterface {
  name = 'DiscoveryCredentialMode1764700000300';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE discovery.servers ADD COLUMN IF NOT EXISTS credential_mode text`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE discovery.servers DROP COLUMN IF EXISTS credential_mode`);
  }
}
