import { bool, ConfigError, type Env, loadConfig, secret, url } from '@portcullis/config';
import { z } from 'zod';

export const discoveryConfigSchema = z.object({
  PORTCULLIS_MODE: z.enum(['embedded', 'distributed']).default('distributed'),
  PUBLIC_URL: url(['http:', 'https:'], 'http://127.0.0.1:8080').optional(),
  /**
   * auth's base URL on the internal network: discovery asks its token broker for the credential of
   * remote servers registered with one. Embedded: PUBLIC_URL; distributed: required.
   */
  AUTH_INTERNAL_URL: url(['http:', 'https:'], 'http://auth:8081').optional(),
  INTERNAL_SERVICE_SECRET: secret(32),
  /** Where the hosted Okta MCP server answers; defaults to the URL in the server registration. */
  OKTA_MCP_URL: url(['http:', 'https:'], 'http://okta-mcp:8091/mcp').optional(),
  /** How often the scheduler looks for due or requested runs. */
  DISCOVERY_TICK_MS: z.coerce.number().int().min(100).max(600_000).default(5_000),
  /** Deadline for one run (connect + every tools/list page). */
  DISCOVERY_TIMEOUT_MS: z.coerce.number().int().min(500).max(600_000).default(30_000),
  /** Upper bound on tools/list pages per run (a server whose cursor never ends fails the run). */
  DISCOVERY_MAX_PAGES: z.coerce.number().int().min(1).max(10_000).default(100),
  /** Interval used until governance's first policy snapshot states the tenant setting. */
  DISCOVERY_DEFAULT_INTERVAL_SECONDS: z.coerce.number().int().min(0).max(604_800).default(3_600),
  /** Keep a connection open to servers that announce tools/list_changed, and re-discover on notification. */
  DISCOVERY_WATCH_LIST_CHANGED: bool(true),
  /** Watch connections are re-established this often (covers silently dropped streams). */
  DISCOVERY_WATCH_RECYCLE_MS: z.coerce.number().int().min(1_000).max(3_600_000).default(300_000),
  /** Runs at most this many servers at once per replica. */
  DISCOVERY_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(4),
});

export interface DiscoveryConfig {
  internalSecret: string;
  /** auth's base URL (no trailing slash): the token broker for remote servers' credentials. */
  authInternalUrl: string;
  oktaMcpUrl?: string;
  tickMs: number;
  timeoutMs: number;
  maxPages: number;
  defaultIntervalSeconds: number;
  watchListChanged: boolean;
  watchRecycleMs: number;
  concurrency: number;
}

export const DISCOVERY_CONFIG = Symbol('DISCOVERY_CONFIG');

export function loadDiscoveryConfig(env: Env): DiscoveryConfig {
  const c = loadConfig('discovery', discoveryConfigSchema, env);
  const authInternalUrl =
    c.AUTH_INTERNAL_URL ?? (c.PORTCULLIS_MODE === 'embedded' ? c.PUBLIC_URL : undefined);
  if (!authInternalUrl) {
    throw new ConfigError('discovery', [
      {
        variable: 'AUTH_INTERNAL_URL',
        problem:
          'is required (the auth service base URL, e.g. http://auth:8081; discovery asks its token broker for remote servers’ credentials)',
      },
    ]);
  }
  return {
    internalSecret: c.INTERNAL_SERVICE_SECRET,
    authInternalUrl: authInternalUrl.replace(/\/+$/, ''),
    ...(c.OKTA_MCP_URL ? { oktaMcpUrl: c.OKTA_MCP_URL } : {}),
    tickMs: c.DISCOVERY_TICK_MS,
    timeoutMs: c.DISCOVERY_TIMEOUT_MS,
    maxPages: c.DISCOVERY_MAX_PAGES,
    defaultIntervalSeconds: c.DISCOVERY_DEFAULT_INTERVAL_SECONDS,
    watchListChanged: c.DISCOVERY_WATCH_LIST_CHANGED,
    watchRecycleMs: c.DISCOVERY_WATCH_RECYCLE_MS,
    concurrency: c.DISCOVERY_CONCURRENCY,
  };
}
