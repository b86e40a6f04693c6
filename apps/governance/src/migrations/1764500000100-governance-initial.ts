import type { MigrationInterface, QueryRunner } from 'typeorm';

export class GovernanceInitial1764500000100 implements MigrationInterface {
  name = 'GovernanceInitial1764500000100';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE SCHEMA IF NOT EXISTS governance`);
    await q.query(`
      CREATE TABLE governance.policy_versions (
        tenant_id text PRIMARY KEY,
        version integer NOT NULL,
        compiled_at timestamptz NOT NULL DEFAULT now()
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE governance.policy_versions`);
  }
}
