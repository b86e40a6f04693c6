import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The audit store (schema `audit`):
 *
 * - `events`: the append-only records, PARTITION BY RANGE (occurred_at); the service creates the
 *   partitions (ahead of time, and on demand for late events) and retention drops whole partitions.
 *   Each tenant's records form a hash chain in `seq` order (prev_hash, hash).
 * - `event_ids`: the idempotency ledger. A partitioned table cannot enforce UNIQUE(event_id) without
 *   the partition key, and a producer that re-publishes an event may give it a new occurredAt, so
 *   dedup is by event_id alone in this narrow unpartitioned table, inserted in the same transaction.
 * - `chain_heads`: per tenant, the last seq and hash; its row lock serializes chain appends per tenant.
 * - `chain_anchors`: written by retention before it drops a partition, so `verify` can tell a
 *   retention gap from a deletion.
 * - `partitions`: the service's registry of the partitions it created (range bounds).
 *
 * A trigger refuses UPDATE and DELETE on `events`: records are append-only; retention drops partitions.
 */
export class AuditInitial1764500000000 implements MigrationInterface {
  name = 'AuditInitial1764500000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE SCHEMA IF NOT EXISTS audit`);
    await q.query(`
      CREATE TABLE audit.events (
        tenant_id text NOT NULL,
        seq bigint NOT NULL,
        occurred_at timestamptz NOT NULL,
        recorded_at timestamptz NOT NULL,
        occurred_at_claimed text,
        event_id uuid NOT NULL,
        event_type text NOT NULL,
        event_version integer NOT NULL,
        kind text NOT NULL CHECK (kind IN ('tool_call', 'admin', 'system')),
        trace_id text,
        call_id text,
        phase text,
        outcome text,
        user_id text,
        user_email text,
        client_id text,
        client_name text,
        client_type text,
        server_id text,
        tool text,
        classification text,
        denial_reason text,
        error_message text,
        upstream_identity text,
        credential_mode text,
        latency_ms double precision,
        protocol_version text,
        arguments jsonb,
        result_summary text,
        verbosity text,
        action text,
        actor_type text,
        resource_type text,
        resource_id text,
        summary text,
        details jsonb,
        prev_hash bytea NOT NULL,
        hash bytea NOT NULL,
        CONSTRAINT events_pkey PRIMARY KEY (tenant_id, seq, occurred_at)
      ) PARTITION BY RANGE (occurred_at)`);
    // Query paths (each ends in (occurred_at, seq): the keyset order).
    await q.query(`CREATE INDEX events_tenant_time ON audit.events (tenant_id, occurred_at, seq)`);
    await q.query(
      `CREATE INDEX events_tenant_user_time ON audit.events (tenant_id, user_id, occurred_at, seq)`,
    );
    await q.query(
      `CREATE INDEX events_tenant_email_time ON audit.events (tenant_id, lower(user_email), occurred_at, seq)`,
    );
    await q.query(`CREATE INDEX events_tenant_tool_time ON audit.events (tenant_id, tool, occurred_at, seq)`);
    await q.query(
      `CREATE INDEX events_tenant_call ON audit.events (tenant_id, call_id) WHERE call_id IS NOT NULL`,
    );

    await q.query(`
      CREATE FUNCTION audit.refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION 'audit records are append-only (% refused); retention drops whole partitions', TG_OP
          USING ERRCODE = 'insufficient_privilege';
      END $$`);
    await q.query(`
      CREATE TRIGGER events_append_only BEFORE UPDATE OR DELETE ON audit.events
        FOR EACH ROW EXECUTE FUNCTION audit.refuse_change()`);

    await q.query(`
      CREATE TABLE audit.event_ids (
        event_id uuid PRIMARY KEY,
        occurred_at timestamptz NOT NULL
      )`);
    await q.query(`CREATE INDEX event_ids_occurred ON audit.event_ids (occurred_at)`);
    await q.query(`
      CREATE TABLE audit.chain_heads (
        tenant_id text PRIMARY KEY,
        seq bigint NOT NULL,
        hash bytea NOT NULL,
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`
      CREATE TABLE audit.chain_anchors (
        tenant_id text NOT NULL,
        seq bigint NOT NULL,
        prev_hash bytea NOT NULL,
        from_seq bigint NOT NULL,
        rows_dropped bigint NOT NULL,
        partition_name text NOT NULL,
        dropped_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id, seq)
      )`);
    await q.query(`
      CREATE TABLE audit.partitions (
        name text PRIMARY KEY,
        range_from timestamptz NOT NULL,
        range_to timestamptz NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE IF EXISTS audit.partitions`);
    await q.query(`DROP TABLE IF EXISTS audit.chain_anchors`);
    await q.query(`DROP TABLE IF EXISTS audit.chain_heads`);
    await q.query(`DROP TABLE IF EXISTS audit.event_ids`);
    await q.query(`DROP TABLE IF EXISTS audit.events`);
    await q.query(`DROP FUNCTION IF EXISTS audit.refuse_change()`);
  }
}
