import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Discovery's own small state: its view of the registered servers (rebuilt from ServerChanged),
 * the last known tool inventory per server (for diffing), the tenant's discovery interval (from
 * policy snapshots) and the run/watch leases that let several replicas share the work.
 */
export class DiscoveryInitial1764600000300 implements MigrationInterface {
  name = 'DiscoveryInitial1764600000300';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE SCHEMA IF NOT EXISTS discovery`);
    await q.query(`
      CREATE TABLE discovery.servers (
        tenant_id text NOT NULL,
        server_id text NOT NULL,
        catalog_id text,
        kind text NOT NULL,
        upstream_url text,
        transport text NOT NULL DEFAULT 'streamable_http',
        okta_org_url text,
        paused boolean NOT NULL DEFAULT false,
        deleted boolean NOT NULL DEFAULT false,
        revision integer NOT NULL DEFAULT 0,
        pending jsonb,
        last_run_at timestamptz,
        last_ok boolean,
        last_error text,
        list_changed boolean NOT NULL DEFAULT false,
        lease_owner text,
        lease_until timestamptz,
        watch_owner text,
        watch_until timestamptz,
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id, server_id)
      )`);
    await q.query(`
      CREATE TABLE discovery.inventory (
        tenant_id text NOT NULL,
        server_id text NOT NULL,
        name text NOT NULL,
        hash text NOT NULL,
        PRIMARY KEY (tenant_id, server_id, name)
      )`);
    await q.query(`
      CREATE TABLE discovery.settings (
        tenant_id text PRIMARY KEY,
        interval_seconds integer NOT NULL,
        policy_version integer NOT NULL DEFAULT 0
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE discovery.settings`);
    await q.query(`DROP TABLE discovery.inventory`);
    await q.query(`DROP TABLE discovery.servers`);
  }
}
