import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { INestApplication } from '@nestjs/common';
import { INTROSPECTION_PATH } from '@portcullis/admin-auth';
import type { Env } from '@portcullis/config';
import { ServiceTokenVerifier } from '@portcullis/crypto';
import {
  buildDistributedPlatform,
  createServiceApp,
  loadPlatformConfig,
  type Platform,
} from '@portcullis/runtime';
import { GovernanceModule, governancePersistence, governanceService } from '../governance.module';
import { UPSTREAM_CLIENTS_PATH, type UpstreamClientConfig } from '../servers/upstream-clients';

/**
 * Test support for governance (not used by the service itself): a tiny real HTTP stand-in for the
 * two auth endpoints governance calls — introspection and upstream-client storage — since auth is
 * built in parallel (plus the token broker for static credentials, which discovery asks when the
 * stand-in is composed with it); and a way to boot governance for real on Kafka + PostgreSQL.
 */
export const TEST_SECRET = 'governance-integration-test-secret-0123456789';
export const ADMIN_TOKEN = 'admin-token';
export const USER_TOKEN = 'plain-user-token';

export interface StoredUpstreamClient extends Omit<UpstreamClientConfig, 'clientSecret' | 'staticHeaders'> {
  clientSecret: 'configured' | null;
  /** What auth received (tests check that secrets reach auth and nowhere else). */
  secretSeen?: string;
  staticHeaderNames?: string[];
}

export interface AuthStandIn {
  url: string;
  clients: Map<string, StoredUpstreamClient>;
  requests: { method: string; path: string; caller: string }[];
  /** The next upstream-client call answers with this status (once). */
  failNext(status: number, body?: unknown): void;
  setDown(down: boolean): void;
  close(): Promise<void>;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => resolve(body));
    req.on('error', reject);
  });
}

export async function startAuthStandIn(secret = TEST_SECRET): Promise<AuthStandIn> {
  const verifier = new ServiceTokenVerifier(secret, 'auth', ['governance', 'audit', 'gateway', 'discovery']);
  const clients = new Map<string, StoredUpstreamClient>();
  /** Static headers as received (kept out of `clients`, which tests read). */
  const staticHeadersOf = new Map<string, Record<string, string>>();
  const requests: AuthStandIn['requests'] = [];
  let down = false;
  let failure: { status: number; body?: unknown } | undefined;
  const server: Server = createServer((req, res) => {
    void (async () => {
      const body = await readBody(req);
      const send = (status: number, payload?: unknown) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(payload === undefined ? '' : JSON.stringify(payload));
      };
      if (down) return send(503, { error: 'down' });
      let caller: string;
      try {
        caller = await verifier.verify(req.headers.authorization);
      } catch (err) {
        return send(401, { error: (err as Error).message });
      }
      const path = (req.url ?? '').split('?')[0]!;
      requests.push({ method: req.method ?? '', path, caller });
      if (req.method === 'POST' && path === INTROSPECTION_PATH) {
        const { token } = JSON.parse(body || '{}') as { token?: string };
        return send(
          200,
          token === ADMIN_TOKEN
            ? {
                active: true,
                kind: 'admin_api_token',
                sub: 'tok-admin',
                name: 'CI admin token',
                groups: [],
                scopes: ['admin'],
                admin: true,
              }
            : token === USER_TOKEN
              ? {
                  active: true,
                  kind: 'access_token',
                  sub: 'user-1',
                  email: 'user@example.com',
                  groups: [],
                  scopes: [],
                  admin: false,
                }
              : { active: false, reason: 'unknown token' },
        );
      }
      if (req.method === 'POST' && path === '/internal/v1/upstream-token') {
        // The token broker, for static credentials only (what governance stored here).
        const { serverId } = JSON.parse(body || '{}') as { serverId?: string };
        const c = serverId ? clients.get(serverId) : undefined;
        const headers = serverId ? staticHeadersOf.get(serverId) : undefined;
        if (!c || c.credentialMode !== 'static' || !headers)
          return send(200, {
            status: 'not_configured',
            message: 'the stand-in answers static credentials only',
          });
        const auth = Object.entries(headers).find(([k]) => k.toLowerCase() === 'authorization')?.[1];
        return send(200, {
          status: 'ok',
          accessToken: auth && /^Bearer\s+/i.test(auth) ? auth.replace(/^Bearer\s+/i, '') : '',
          tokenType: 'static',
          headers,
          expiresAt: null,
          authorizedAs: `static credential of ${c.displayName}`,
          scopes: [],
        });
      }
      if (path.startsWith(UPSTREAM_CLIENTS_PATH + '/')) {
        const id = decodeURIComponent(path.slice(UPSTREAM_CLIENTS_PATH.length + 1));
        if (failure) {
          const f = failure;
          failure = undefined;
          return send(f.status, f.body ?? { detail: 'injected failure' });
        }
        if (req.method === 'PUT') {
          const cfg = JSON.parse(body) as UpstreamClientConfig;
          const prev = clients.get(id);
          const { clientSecret, staticHeaders, ...rest } = cfg;
          if (staticHeaders) staticHeadersOf.set(id, staticHeaders);
          else if (cfg.credentialMode !== 'static') staticHeadersOf.delete(id);
          clients.set(id, {
            ...rest,
            clientSecret:
              clientSecret || prev?.clientSecret === 'configured' || staticHeaders || prev?.staticHeaderNames
                ? 'configured'
                : null,
            ...(clientSecret
              ? { secretSeen: clientSecret }
              : prev?.secretSeen
                ? { secretSeen: prev.secretSeen }
                : {}),
            ...(staticHeaders
              ? { staticHeaderNames: Object.keys(staticHeaders) }
              : prev?.staticHeaderNames
                ? { staticHeaderNames: prev.staticHeaderNames }
                : {}),
          });
          return send(200, { serverId: id, clientSecret: clients.get(id)!.clientSecret });
        }
        if (req.method === 'GET') {
          const c = clients.get(id);
          return c ? send(200, { ...c, secretSeen: undefined }) : send(404, { detail: 'not found' });
        }
        if (req.method === 'DELETE') {
          staticHeadersOf.delete(id);
          return clients.delete(id) ? send(204) : send(404, { detail: 'not found' });
        }
      }
      send(404, { error: 'not_found' });
    })().catch(() => {
      res.writeHead(500).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    clients,
    requests,
    failNext: (status, body) => (failure = { status, ...(body !== undefined ? { body } : {}) }),
    setDown: (d) => (down = d),
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

export interface RunningGovernance {
  url: string;
  platform: Platform;
  app: INestApplication;
  close(): Promise<void>;
}

export function governanceEnv(opts: {
  databaseUrl: string;
  kafkaBrokers: string[];
  topicPrefix: string;
  authUrl: string;
  oktaMcpUrl?: string;
  extra?: Env;
}): Env {
  return {
    PORTCULLIS_MODE: 'distributed',
    PORTCULLIS_TENANT_ID: 'acme',
    LOG_LEVEL: 'silent',
    DATABASE_URL: opts.databaseUrl,
    DATABASE_POOL_SIZE: '6',
    KAFKA_BROKERS: opts.kafkaBrokers.join(','),
    KAFKA_TOPIC_PREFIX: opts.topicPrefix,
    KAFKA_PARTITIONS: '1',
    AUTH_INTERNAL_URL: opts.authUrl,
    INTERNAL_SERVICE_SECRET: TEST_SECRET,
    OKTA_ORG_ALLOWLIST: 'http://127.0.0.1:*',
    REMOTE_MCP_ALLOWLIST: 'http://127.0.0.1:*',
    GOVERNANCE_REPUBLISH_INTERVAL_MS: '500',
    ...(opts.oktaMcpUrl ? { OKTA_MCP_URL: opts.oktaMcpUrl } : {}),
    ...opts.extra,
  };
}

/** Boots governance for real (distributed platform: Kafka + PostgreSQL) on a free port. */
export async function startGovernance(env: Env): Promise<RunningGovernance> {
  const config = loadPlatformConfig('governance', governanceService.needs, env);
  const platform = await buildDistributedPlatform({
    service: 'governance',
    config,
    features: [governancePersistence],
    migrate: true,
  });
  const app = await createServiceApp({
    platform,
    env,
    modules: [GovernanceModule],
    services: [governanceService],
    label: 'governance',
  });
  await app.listen(0, '127.0.0.1');
  const { port } = app.getHttpServer().address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    platform,
    app,
    close: async () => {
      await app.close();
      await platform.bus.close().catch(() => undefined);
      await platform.cache.close().catch(() => undefined);
      if (platform.dataSource?.isInitialized) await platform.dataSource.destroy().catch(() => undefined);
    },
  };
}

export interface ApiResponse<T = unknown> {
  status: number;
  body: T;
  headers: Headers;
}

/** A small admin API client for tests. */
export function adminApi(baseUrl: string, token: string | null = ADMIN_TOKEN) {
  return async <T = Record<string, unknown>>(
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<ApiResponse<T>> => {
    const res = await fetch(`${baseUrl}${path}`, {
      method,
      headers: {
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...headers,
      },
      ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
    });
    const text = await res.text();
    const type = res.headers.get('content-type') ?? '';
    return {
      status: res.status,
      headers: res.headers,
      body: (type.includes('json') && text ? JSON.parse(text) : text) as T,
    };
  };
}
