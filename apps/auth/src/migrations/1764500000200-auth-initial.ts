import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The auth schema: the OAuth authorization server for AI clients (users, sessions, clients, codes,
 * tokens, signing keys, admin API tokens) and the token broker (upstream clients, connections).
 * Every row carries tenant_id. Secrets are either hashed (tokens we issue) or sealed with the
 * envelope cipher (keys and upstream credentials we must be able to read back).
 */
export class AuthInitial1764500000200 implements MigrationInterface {
  name = 'AuthInitial1764500000200';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE SCHEMA IF NOT EXISTS auth`);
    await q.query(`
      CREATE TABLE auth.signing_keys (
        kid text PRIMARY KEY,
        tenant_id text NOT NULL,
        alg text NOT NULL,
        public_jwk jsonb NOT NULL,
        private_jwk_sealed text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        retired_at timestamptz
      )`);
    await q.query(`CREATE INDEX signing_keys_tenant ON auth.signing_keys (tenant_id, created_at DESC)`);

    await q.query(`
      CREATE TABLE auth.users (
        id uuid PRIMARY KEY,
        tenant_id text NOT NULL,
        idp_issuer text NOT NULL,
        idp_subject text NOT NULL,
        email text,
        name text,
        groups jsonb NOT NULL DEFAULT '[]'::jsonb,
        created_at timestamptz NOT NULL DEFAULT now(),
        last_sign_in_at timestamptz,
        CONSTRAINT users_idp_identity UNIQUE (tenant_id, idp_issuer, idp_subject)
      )`);

    await q.query(`
      CREATE TABLE auth.browser_sessions (
        id_hash text PRIMARY KEY,
        tenant_id text NOT NULL,
        user_id uuid NOT NULL REFERENCES auth.users (id) ON DELETE CASCADE,
        csrf_secret text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        expires_at timestamptz NOT NULL
      )`);
    await q.query(`CREATE INDEX browser_sessions_expiry ON auth.browser_sessions (expires_at)`);

    await q.query(`
      CREATE TABLE auth.flow_states (
        id_hash text PRIMARY KEY,
        tenant_id text NOT NULL,
        kind text NOT NULL,
        data jsonb NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        expires_at timestamptz NOT NULL
      )`);
    await q.query(`CREATE INDEX flow_states_expiry ON auth.flow_states (expires_at)`);

    await q.query(`
      CREATE TABLE auth.registration_settings (
        tenant_id text PRIMARY KEY,
        allow_cimd boolean NOT NULL DEFAULT true,
        allow_dcr boolean NOT NULL DEFAULT true,
        updated_at timestamptz NOT NULL DEFAULT now(),
        updated_by text
      )`);

    await q.query(`
      CREATE TABLE auth.oauth_clients (
        tenant_id text NOT NULL,
        client_id text NOT NULL,
        registration text NOT NULL CHECK (registration IN ('cimd', 'dcr', 'admin')),
        client_name text,
        client_uri text,
        logo_uri text,
        redirect_uris jsonb NOT NULL DEFAULT '[]'::jsonb,
        grant_types jsonb NOT NULL DEFAULT '[]'::jsonb,
        token_endpoint_auth_method text NOT NULL,
        secret_hash text,
        scope text,
        metadata jsonb NOT NULL DEFAULT '{}'::jsonb,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id, client_id)
      )`);

    await q.query(`
      CREATE TABLE auth.ai_clients (
        id text PRIMARY KEY,
        tenant_id text NOT NULL,
        oauth_client_id text NOT NULL,
        owner_user_id uuid REFERENCES auth.users (id) ON DELETE CASCADE,
        owner_label text,
        name text NOT NULL,
        type text NOT NULL CHECK (type IN ('personal', 'shared', 'service', 'ephemeral')),
        state text NOT NULL CHECK (state IN ('active', 'hidden', 'closed')),
        groups jsonb NOT NULL DEFAULT '[]'::jsonb,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        last_used_at timestamptz,
        closed_at timestamptz,
        FOREIGN KEY (tenant_id, oauth_client_id) REFERENCES auth.oauth_clients (tenant_id, client_id) ON DELETE CASCADE
      )`);
    await q.query(
      `CREATE UNIQUE INDEX ai_clients_instance ON auth.ai_clients (tenant_id, oauth_client_id, (COALESCE(owner_user_id::text, '')))`,
    );
    await q.query(`CREATE INDEX ai_clients_owner ON auth.ai_clients (tenant_id, owner_user_id)`);

    await q.query(`
      CREATE TABLE auth.authorization_codes (
        code_hash text PRIMARY KEY,
        tenant_id text NOT NULL,
        ai_client_id text NOT NULL REFERENCES auth.ai_clients (id) ON DELETE CASCADE,
        oauth_client_id text NOT NULL,
        user_id uuid NOT NULL REFERENCES auth.users (id) ON DELETE CASCADE,
        redirect_uri text NOT NULL,
        code_challenge text NOT NULL,
        resource text NOT NULL,
        scope text NOT NULL,
        family_id uuid NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        expires_at timestamptz NOT NULL,
        used_at timestamptz
      )`);

    await q.query(`
      CREATE TABLE auth.refresh_tokens (
        id uuid PRIMARY KEY,
        token_hash text NOT NULL UNIQUE,
        tenant_id text NOT NULL,
        family_id uuid NOT NULL,
        ai_client_id text NOT NULL REFERENCES auth.ai_clients (id) ON DELETE CASCADE,
        oauth_client_id text NOT NULL,
        user_id uuid NOT NULL REFERENCES auth.users (id) ON DELETE CASCADE,
        scope text NOT NULL,
        resource text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        expires_at timestamptz NOT NULL,
        rotated_at timestamptz,
        revoked_at timestamptz
      )`);
    await q.query(`CREATE INDEX refresh_tokens_family ON auth.refresh_tokens (family_id)`);
    await q.query(`CREATE INDEX refresh_tokens_client ON auth.refresh_tokens (ai_client_id)`);

    await q.query(`
      CREATE TABLE auth.access_tokens (
        jti uuid PRIMARY KEY,
        tenant_id text NOT NULL,
        ai_client_id text NOT NULL REFERENCES auth.ai_clients (id) ON DELETE CASCADE,
        user_id uuid,
        family_id uuid,
        issued_at timestamptz NOT NULL DEFAULT now(),
        expires_at timestamptz NOT NULL,
        revoked_at timestamptz
      )`);
    await q.query(`CREATE INDEX access_tokens_client ON auth.access_tokens (ai_client_id, expires_at)`);
    await q.query(`CREATE INDEX access_tokens_family ON auth.access_tokens (family_id)`);

    await q.query(`
      CREATE TABLE auth.admin_tokens (
        id uuid PRIMARY KEY,
        tenant_id text NOT NULL,
        name text NOT NULL,
        token_hash text NOT NULL UNIQUE,
        token_hint text NOT NULL,
        scopes jsonb NOT NULL,
        created_by text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        expires_at timestamptz,
        last_used_at timestamptz,
        revoked_at timestamptz
      )`);

    await q.query(`
      CREATE TABLE auth.upstream_clients (
        tenant_id text NOT NULL,
        server_id text NOT NULL,
        kind text NOT NULL CHECK (kind IN ('okta', 'oauth', 'static')),
        display_name text NOT NULL,
        credential_mode text NOT NULL CHECK (credential_mode IN ('per_user', 'service', 'client_credentials', 'static')),
        okta_org_url text,
        authorization_endpoint text,
        token_endpoint text,
        revocation_endpoint text,
        client_id text,
        token_endpoint_auth_method text NOT NULL DEFAULT 'client_secret_basic',
        client_secret_sealed text,
        previous_client_secret_sealed text,
        previous_secret_until timestamptz,
        private_key_sealed text,
        private_key_id text,
        scopes jsonb NOT NULL DEFAULT '[]'::jsonb,
        static_headers_sealed text,
        revision integer NOT NULL DEFAULT 1,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id, server_id)
      )`);

    await q.query(`
      CREATE TABLE auth.connections (
        id uuid PRIMARY KEY,
        tenant_id text NOT NULL,
        server_id text NOT NULL,
        subject text NOT NULL,
        user_id uuid REFERENCES auth.users (id) ON DELETE CASCADE,
        mode text NOT NULL CHECK (mode IN ('per_user', 'service', 'client_credentials')),
        status text NOT NULL CHECK (status IN ('connected', 'needs_reconnect')),
        reconnect_reason text,
        authorized_as text,
        authorized_by uuid,
        scopes jsonb NOT NULL DEFAULT '[]'::jsonb,
        token_type text NOT NULL DEFAULT 'Bearer',
        access_token_sealed text,
        access_token_expires_at timestamptz,
        refresh_token_sealed text,
        version integer NOT NULL DEFAULT 1,
        connected_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        last_refreshed_at timestamptz,
        CONSTRAINT connections_subject UNIQUE (tenant_id, server_id, subject)
      )`);
    await q.query(`CREATE INDEX connections_user ON auth.connections (tenant_id, user_id)`);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const t of [
      'connections',
      'upstream_clients',
      'admin_tokens',
      'access_tokens',
      'refresh_tokens',
      'authorization_codes',
      'ai_clients',
      'oauth_clients',
      'registration_settings',
      'flow_states',
      'browser_sessions',
      'users',
      'signing_keys',
    ]) {
      await q.query(`DROP TABLE IF EXISTS auth.${t}`);
    }
  }
}
