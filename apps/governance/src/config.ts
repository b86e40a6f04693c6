import { bool, ConfigError, type Env, list, loadConfig, secret, url } from '@portcullis/config';
import { parseOrgAllowlist } from '@portcullis/okta';
import { z } from 'zod';

/**
 * governance configuration: one zod schema over the environment, loaded once from the `ENV` token.
 * In embedded mode every service shares one process, so auth's internal URL defaults to the host's
 * own PUBLIC_URL.
 */
export const governanceConfigSchema = z.object({
  PORTCULLIS_MODE: z.enum(['embedded', 'distributed']).default('distributed'),
  PUBLIC_URL: url(['http:', 'https:'], 'http://127.0.0.1:8080').optional(),
  AUTH_INTERNAL_URL: url(['http:', 'https:'], 'http://auth:8081').optional(),
  INTERNAL_SERVICE_SECRET: secret(32),
  /** The hosted Okta MCP server registered Okta servers point at. */
  OKTA_MCP_URL: url(['http:', 'https:'], 'http://okta-mcp:8091/mcp').default('http://127.0.0.1:8091/mcp'),
  /** Extra Okta org origins beyond *.okta.com / *.oktapreview.com / *.okta-emea.com, e.g. http://127.0.0.1:* for the simulator. */
  OKTA_ORG_ALLOWLIST: list('http://127.0.0.1:*').default([]),
  /** Extra origins allowed for remote MCP servers besides public https hosts, e.g. http://127.0.0.1:* in tests. */
  REMOTE_MCP_ALLOWLIST: list('http://127.0.0.1:*').default([]),
  GOVERNANCE_MAX_BODY_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .max(10 * 1024 * 1024)
    .default(256 * 1024),
  /** How often a committed-but-unpublished policy change (or outbox event) is retried. */
  GOVERNANCE_REPUBLISH_INTERVAL_MS: z.coerce.number().int().min(100).max(60_000).default(2_000),
  GOVERNANCE_HTTP_TIMEOUT_MS: z.coerce.number().int().min(100).max(60_000).default(5_000),
  PORTCULLIS_DEMO: bool(false),
  DEMO_OKTA_ORG_URL: url(['http:', 'https:'], 'https://dev-123.okta.com').optional(),
  DEMO_GROUP: z.string().min(1).max(320).default('Portcullis Demo'),
  DEMO_OKTA_CLIENT_ID: z.string().min(1).max(200).default('portcullis-demo'),
  DEMO_OKTA_CLIENT_SECRET: z.string().min(1).max(500).optional(),
  DEMO_DISCOVERY_WAIT_SECONDS: z.coerce.number().int().min(1).max(3600).default(120),
});

export interface GovernanceConfig {
  mode: 'embedded' | 'distributed';
  authInternalUrl: string;
  internalSecret: string;
  oktaMcpUrl: string;
  oktaOrgAllowlist: string[];
  remoteMcpAllowlist: string[];
  maxBodyBytes: number;
  republishIntervalMs: number;
  httpTimeoutMs: number;
  demo: {
    enabled: boolean;
    oktaOrgUrl?: string;
    group: string;
    clientId: string;
    clientSecret?: string;
    discoveryWaitSeconds: number;
  };
}

export const GOVERNANCE_CONFIG = Symbol('GOVERNANCE_CONFIG');

export function loadGovernanceConfig(env: Env): GovernanceConfig {
  const c = loadConfig('governance', governanceConfigSchema, env);
  const authInternalUrl =
    c.AUTH_INTERNAL_URL ?? (c.PORTCULLIS_MODE === 'embedded' ? c.PUBLIC_URL : undefined);
  if (!authInternalUrl) {
    throw new ConfigError('governance', [
      {
        variable: 'AUTH_INTERNAL_URL',
        problem: 'is required (the auth service base URL, e.g. http://auth:8081)',
      },
    ]);
  }
  for (const [name, entries] of [
    ['OKTA_ORG_ALLOWLIST', c.OKTA_ORG_ALLOWLIST],
    ['REMOTE_MCP_ALLOWLIST', c.REMOTE_MCP_ALLOWLIST],
  ] as const) {
    try {
      parseOrgAllowlist(entries);
    } catch (err) {
      throw new ConfigError('governance', [{ variable: name, problem: (err as Error).message }]);
    }
  }
  if (c.PORTCULLIS_DEMO && !c.DEMO_OKTA_ORG_URL) {
    throw new ConfigError('governance', [
      { variable: 'DEMO_OKTA_ORG_URL', problem: 'is required when PORTCULLIS_DEMO=true' },
    ]);
  }
  return {
    mode: c.PORTCULLIS_MODE,
    authInternalUrl,
    internalSecret: c.INTERNAL_SERVICE_SECRET,
    oktaMcpUrl: c.OKTA_MCP_URL,
    oktaOrgAllowlist: c.OKTA_ORG_ALLOWLIST,
    remoteMcpAllowlist: c.REMOTE_MCP_ALLOWLIST,
    maxBodyBytes: c.GOVERNANCE_MAX_BODY_BYTES,
    republishIntervalMs: c.GOVERNANCE_REPUBLISH_INTERVAL_MS,
    httpTimeoutMs: c.GOVERNANCE_HTTP_TIMEOUT_MS,
    demo: {
      enabled: c.PORTCULLIS_DEMO,
      ...(c.DEMO_OKTA_ORG_URL ? { oktaOrgUrl: c.DEMO_OKTA_ORG_URL } : {}),
      group: c.DEMO_GROUP,
      clientId: c.DEMO_OKTA_CLIENT_ID,
      ...(c.DEMO_OKTA_CLIENT_SECRET ? { clientSecret: c.DEMO_OKTA_CLIENT_SECRET } : {}),
      discoveryWaitSeconds: c.DEMO_DISCOVERY_WAIT_SECONDS,
    },
  };
}
