import type { MigrationInterface, QueryRunner } from 'typeorm';

export class AuditInitial1764500000000 implements MigrationInterface {
  name = 'AuditInitial1764500000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE SCHEMA IF NOT EXISTS audit`);
    await q.query(`
      CREATE TABLE audit.records (
        id bigserial PRIMARY KEY,
        event_id uuid NOT NULL UNIQUE,
        tenant_id text NOT NULL,
        type text NOT NULL,
        occurred_at timestamptz NOT NULL,
        recorded_at timestamptz NOT NULL DEFAULT now(),
        trace_id text,
        payload jsonb NOT NULL
      )`);
    await q.query(`CREATE INDEX records_tenant_time ON audit.records (tenant_id, occurred_at)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE audit.records`);
  }
}
