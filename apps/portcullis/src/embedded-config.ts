import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { type Env, loadConfig, port } from '@portcullis/config';
import { z } from 'zod';

export const embeddedSchema = z.object({
  PORT: port(8080),
  HOST: z.string().default('127.0.0.1'),
  PORTCULLIS_DATA_DIR: z.string().default('.portcullis'),
  PORTCULLIS_TENANT_ID: z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/).default('default'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  PUBLIC_URL: z.string().url({ error: 'must be the URL AI clients use to reach Portcullis, e.g. https://mcp.example.com' }).optional(),
  /** A real company IdP; when unset, the embedded Okta simulator plays the IdP (and the Okta org). */
  IDP_ISSUER_URL: z.string().url({ error: 'must be your IdP issuer URL, e.g. https://acme.okta.com' }).optional(),
  /** A real Okta org; when set, no simulator and no demo set-up. */
  OKTA_ORG_URL: z.string().url({ error: 'must be your Okta org URL, e.g. https://acme.okta.com' }).optional(),
  OKTA_SIM_SEED: z.coerce.number().int().default(42),
  /** Loopback ports of the embedded Okta simulator and Okta MCP server (default PORT+10 and PORT+11, so
   * URLs stored in the data directory stay valid across restarts; random when PORT is 0). */
  OKTA_SIM_PORT: z.coerce.number().int().min(0).max(65535).optional(),
  OKTA_MCP_PORT: z.coerce.number().int().min(0).max(65535).optional(),
});
export type EmbeddedConfig = z.output<typeof embeddedSchema>;

export function loadEmbeddedConfig(env: Env): EmbeddedConfig {
  return loadConfig('embedded', embeddedSchema, env);
}

interface GeneratedSecrets {
  internalServiceSecret: string;
  keyEncryptionKeys: string;
  bootstrapAdminToken: string;
}

/**
 * Embedded mode needs secrets (service credential key, key-encryption key) but must need no
 * configuration: generate them once into the data directory (0600) and reuse them on restart, so
 * data sealed yesterday still opens today.
 */
export function loadOrCreateSecrets(dataDir: string): GeneratedSecrets {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const file = join(dataDir, 'secrets.json');
  const existing = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as Partial<GeneratedSecrets>) : {};
  if (existing.internalServiceSecret && existing.keyEncryptionKeys && existing.bootstrapAdminToken) return existing as GeneratedSecrets;
  const secrets: GeneratedSecrets = {
    internalServiceSecret: existing.internalServiceSecret ?? randomBytes(32).toString('base64url'),
    keyEncryptionKeys: existing.keyEncryptionKeys ?? `kek-${new Date().toISOString().slice(0, 10)}:${randomBytes(32).toString('base64')}`,
    bootstrapAdminToken: existing.bootstrapAdminToken ?? `pcat_${randomBytes(32).toString('base64url')}`,
  };
  writeFileSync(file, JSON.stringify(secrets, null, 2), { mode: 0o600 });
  return secrets;
}

/**
 * The environment every service module sees in embedded mode: the operator's variables win, the
 * generated secrets and embedded defaults fill the rest.
 */
export function embeddedServiceEnv(env: Env, cfg: EmbeddedConfig, secrets: GeneratedSecrets, publicUrl: string, wiring: Env): Env {
  return {
    INTERNAL_SERVICE_SECRET: secrets.internalServiceSecret,
    PORTCULLIS_KEKS: secrets.keyEncryptionKeys,
    PORTCULLIS_BOOTSTRAP_ADMIN_TOKEN: secrets.bootstrapAdminToken,
    PUBLIC_URL: publicUrl,
    AUTH_INTERNAL_URL: publicUrl,
    ...wiring,
    ...env,
    PORTCULLIS_MODE: 'embedded',
    PORTCULLIS_TENANT_ID: cfg.PORTCULLIS_TENANT_ID,
    PORTCULLIS_DATA_DIR: resolve(cfg.PORTCULLIS_DATA_DIR),
  };
}
