import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Governance state: server registrations, tools and their history, toolsets, access profiles,
 * settings, kill switches, the policy outbox/versioning, the event outbox and idempotency keys.
 */
export class GovernanceRegistry1764600000100 implements MigrationInterface {
  name = 'GovernanceRegistry1764600000100';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE governance.policy_versions
        ADD COLUMN change_seq bigint NOT NULL DEFAULT 1,
        ADD COLUMN published_seq bigint NOT NULL DEFAULT 0,
        ADD COLUMN published_version integer NOT NULL DEFAULT 0,
        ADD COLUMN published_at timestamptz,
        ADD COLUMN last_error text`);
    await q.query(`
      CREATE TABLE governance.policy_snapshots (
        tenant_id text NOT NULL,
        version integer NOT NULL,
        body jsonb NOT NULL,
        compiled_at timestamptz NOT NULL DEFAULT now(),
        published_at timestamptz,
        PRIMARY KEY (tenant_id, version)
      )`);
    await q.query(`
      CREATE TABLE governance.settings (
        tenant_id text PRIMARY KEY,
        require_tool_approval boolean NOT NULL DEFAULT true,
        default_classification text NOT NULL DEFAULT 'unclassified',
        allowed_client_types jsonb NOT NULL DEFAULT '["personal","shared","service","ephemeral"]',
        discovery_interval_seconds integer NOT NULL DEFAULT 3600,
        pin_approved_definitions boolean NOT NULL DEFAULT true,
        audit_verbosity text NOT NULL DEFAULT 'standard',
        revision integer NOT NULL DEFAULT 1,
        updated_at timestamptz NOT NULL DEFAULT now(),
        updated_by text
      )`);
    await q.query(`
      CREATE TABLE governance.servers (
        id uuid PRIMARY KEY,
        tenant_id text NOT NULL,
        catalog_id text NOT NULL,
        kind text NOT NULL,
        display_name text NOT NULL,
        tool_prefix text NOT NULL,
        upstream_url text,
        transport text NOT NULL DEFAULT 'streamable_http',
        okta_org_url text,
        credential_mode text NOT NULL,
        upstream_auth text NOT NULL,
        oauth jsonb,
        client_secret_configured boolean NOT NULL DEFAULT false,
        static_header_name text,
        static_secret_configured boolean NOT NULL DEFAULT false,
        require_tool_approval boolean,
        paused boolean NOT NULL DEFAULT false,
        revision integer NOT NULL DEFAULT 1,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        created_by text,
        last_discovery jsonb,
        discovery_requested_at timestamptz,
        CONSTRAINT servers_tenant_prefix UNIQUE (tenant_id, tool_prefix)
      )`);
    await q.query(`CREATE INDEX servers_tenant_name ON governance.servers (tenant_id, display_name, id)`);
    await q.query(`
      CREATE TABLE governance.tools (
        id uuid PRIMARY KEY,
        tenant_id text NOT NULL,
        server_id uuid NOT NULL REFERENCES governance.servers (id) ON DELETE CASCADE,
        name text NOT NULL,
        state text NOT NULL,
        classification text NOT NULL,
        default_classification text NOT NULL,
        classification_source text NOT NULL,
        allowed_client_types jsonb,
        definition jsonb NOT NULL,
        definition_hash text NOT NULL,
        approved_hash text,
        revision integer NOT NULL DEFAULT 1,
        first_seen_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        removed_at timestamptz,
        CONSTRAINT tools_server_name UNIQUE (server_id, name)
      )`);
    await q.query(`CREATE INDEX tools_tenant_name ON governance.tools (tenant_id, name, id)`);
    await q.query(`
      CREATE TABLE governance.tool_history (
        id bigserial PRIMARY KEY,
        tenant_id text NOT NULL,
        tool_id uuid NOT NULL,
        server_id uuid NOT NULL,
        tool_name text NOT NULL,
        at timestamptz NOT NULL DEFAULT now(),
        actor_type text NOT NULL,
        actor_id text NOT NULL,
        actor_email text,
        change text NOT NULL,
        old_state text,
        new_state text,
        old_classification text,
        new_classification text,
        old_hash text,
        new_hash text,
        details jsonb
      )`);
    await q.query(`CREATE INDEX tool_history_tool ON governance.tool_history (tool_id, id)`);
    await q.query(`
      CREATE TABLE governance.toolsets (
        id uuid PRIMARY KEY,
        tenant_id text NOT NULL,
        kind text NOT NULL,
        name text,
        description text,
        server_id uuid REFERENCES governance.servers (id) ON DELETE CASCADE,
        revision integer NOT NULL DEFAULT 1,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT toolsets_maintained_once UNIQUE (server_id, kind)
      )`);
    await q.query(
      `CREATE UNIQUE INDEX toolsets_custom_name ON governance.toolsets (tenant_id, lower(name)) WHERE kind = 'custom'`,
    );
    await q.query(`
      CREATE TABLE governance.toolset_tools (
        toolset_id uuid NOT NULL REFERENCES governance.toolsets (id) ON DELETE CASCADE,
        tool_id uuid NOT NULL REFERENCES governance.tools (id) ON DELETE CASCADE,
        PRIMARY KEY (toolset_id, tool_id)
      )`);
    await q.query(`
      CREATE TABLE governance.toolset_includes (
        toolset_id uuid NOT NULL REFERENCES governance.toolsets (id) ON DELETE CASCADE,
        included_id uuid NOT NULL REFERENCES governance.toolsets (id) ON DELETE CASCADE,
        PRIMARY KEY (toolset_id, included_id)
      )`);
    await q.query(`
      CREATE TABLE governance.profiles (
        id uuid PRIMARY KEY,
        tenant_id text NOT NULL,
        name text NOT NULL,
        description text,
        revision integer NOT NULL DEFAULT 1,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE UNIQUE INDEX profiles_name ON governance.profiles (tenant_id, lower(name))`);
    await q.query(`
      CREATE TABLE governance.profile_toolsets (
        profile_id uuid NOT NULL REFERENCES governance.profiles (id) ON DELETE CASCADE,
        toolset_id uuid NOT NULL REFERENCES governance.toolsets (id) ON DELETE CASCADE,
        PRIMARY KEY (profile_id, toolset_id)
      )`);
    await q.query(`
      CREATE TABLE governance.profile_subjects (
        profile_id uuid NOT NULL REFERENCES governance.profiles (id) ON DELETE CASCADE,
        subject_type text NOT NULL,
        value text NOT NULL,
        expires_at timestamptz,
        PRIMARY KEY (profile_id, subject_type, value)
      )`);
    await q.query(`
      CREATE TABLE governance.kill_switches (
        id uuid PRIMARY KEY,
        tenant_id text NOT NULL,
        scope text NOT NULL,
        target_id text NOT NULL DEFAULT '',
        reason text,
        engaged_by text NOT NULL,
        engaged_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT kill_switches_target UNIQUE (tenant_id, scope, target_id)
      )`);
    await q.query(`
      CREATE TABLE governance.outbox (
        id bigserial PRIMARY KEY,
        tenant_id text NOT NULL,
        event_type text NOT NULL,
        event_id uuid NOT NULL,
        payload jsonb NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        attempts integer NOT NULL DEFAULT 0,
        last_error text
      )`);
    await q.query(`
      CREATE TABLE governance.idempotency_keys (
        tenant_id text NOT NULL,
        key text NOT NULL,
        fingerprint text NOT NULL,
        state text NOT NULL,
        status integer,
        body jsonb,
        headers jsonb,
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id, key)
      )`);
    await q.query(`CREATE INDEX idempotency_keys_age ON governance.idempotency_keys (created_at)`);
    await q.query(`
      CREATE TABLE governance.demo_seed (
        tenant_id text PRIMARY KEY,
        server_id uuid,
        completed_at timestamptz
      )`);
    await q.query(`
      CREATE TABLE governance.consumed_events (
        event_id uuid PRIMARY KEY,
        consumed_at timestamptz NOT NULL DEFAULT now()
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const t of [
      'consumed_events',
      'demo_seed',
      'idempotency_keys',
      'outbox',
      'kill_switches',
      'profile_subjects',
      'profile_toolsets',
      'profiles',
      'toolset_includes',
      'toolset_tools',
      'toolsets',
      'tool_history',
      'tools',
      'servers',
      'settings',
      'policy_snapshots',
    ]) {
      await q.query(`DROP TABLE governance.${t}`);
    }
    await q.query(`
      ALTER TABLE governance.policy_versions
        DROP COLUMN change_seq, DROP COLUMN published_seq, DROP COLUMN published_version,
        DROP COLUMN published_at, DROP COLUMN last_error`);
  }
}
