import type { MigrationInterface, QueryRunner } from 'typeorm';

export class AuthInitial1764500000200 implements MigrationInterface {
  name = 'AuthInitial1764500000200';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE SCHEMA IF NOT EXISTS auth`);
    await q.query(`
      CREATE TABLE auth.signing_keys (
        kid text PRIMARY KEY,
        tenant_id text NOT NULL,
        public_jwk jsonb NOT NULL,
        private_jwk_sealed text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        retired_at timestamptz
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE auth.signing_keys`);
  }
}
