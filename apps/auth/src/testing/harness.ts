import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { Env } from '@portcullis/config';
import {
  AdminActionAudited,
  ClientChanged,
  ConnectionChanged,
  type EventEnvelope,
} from '@portcullis/contracts';
import type { Subscription } from '@portcullis/messaging';
import { type ServiceName, ServiceTokenSigner } from '@portcullis/crypto';
import { type OktaSim, startOktaSim } from '@portcullis/okta-sim';
import {
  buildDistributedPlatform,
  closePlatform,
  createServiceApp,
  loadPlatformConfig,
  type Platform,
} from '@portcullis/runtime';
import {
  freshDatabase,
  serviceEnvironment,
  type TestDatabase,
  uniqueName,
  uniqueTopicPrefix,
} from '@portcullis/testing';
import { authService } from '../auth.module';

/**
 * Boots the real auth service (Nest app over Postgres, Redis and Kafka) against an in-process Okta
 * simulator, plus a stand-in for the gateway that serves only its Protected Resource Metadata (so
 * an MCP SDK client can discover auth). Replicas share the database, Redis and the bus.
 */
export interface AuthInstance {
  url: string;
  app: NestExpressApplication;
  platform: Platform;
  env: Env;
  close(): Promise<void>;
}

export interface AuthHarness extends AuthInstance {
  sim: OktaSim;
  db: TestDatabase;
  /** The gateway's canonical resource URL (RFC 8707) and its stand-in server. */
  resource: string;
  gatewayUrl: string;
  bootstrapToken: string;
  kek: string;
  serviceToken(from: ServiceName): Promise<string>;
  /** Another auth process on the same database/Redis/bus (a replica), with env overrides. */
  startReplica(overrides?: Env, opts?: { publicUrl?: string }): Promise<AuthInstance>;
  /** POST JSON to an internal route as `from`. */
  internal(path: string, body: unknown, from?: ServiceName, method?: string): Promise<Response>;
  admin(path: string, init?: { method?: string; body?: unknown }): Promise<Response>;
  /** Everything auth published on the bus since the harness started. */
  published: {
    clientChanged: EventEnvelope<PayloadOf<typeof ClientChanged>>[];
    connectionChanged: EventEnvelope<PayloadOf<typeof ConnectionChanged>>[];
    audit: EventEnvelope<PayloadOf<typeof AdminActionAudited>>[];
  };
}

type PayloadOf<D> = D extends { payload: import('zod').ZodType<infer O> } ? O : never;

export async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as AddressInfo).port;
  await new Promise((r) => srv.close(r));
  return port;
}

async function startGatewayStandIn(authUrl: () => string): Promise<{ url: string; server: Server }> {
  const server = createServer((req, res) => {
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    if (
      req.url === '/.well-known/oauth-protected-resource/mcp' ||
      req.url === '/.well-known/oauth-protected-resource'
    ) {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          resource: `${url}/mcp`,
          authorization_servers: [authUrl()],
          scopes_supported: ['mcp'],
          resource_name: 'Portcullis (test gateway)',
        }),
      );
      return;
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

export async function startAuthHarness(overrides: Env = {}): Promise<AuthHarness> {
  const services = serviceEnvironment();
  const sim = await startOktaSim({ port: 0, seed: 7, size: { users: 40, groups: 16, apps: 6 } });
  const db = await freshDatabase();
  const port = await freePort();
  const publicUrl = `http://127.0.0.1:${port}`;
  const gateway = await startGatewayStandIn(() => publicUrl);
  const resource = `${gateway.url}/mcp`;
  const bootstrapToken = `bootstrap-${randomBytes(24).toString('hex')}`;
  const kek = `k1:${randomBytes(32).toString('base64')}`;
  const internalSecret = randomBytes(32).toString('base64url');
  const web = sim.fixtures.portcullisWebApp;
  sim.org.addRedirectUri(web.clientId, `${publicUrl}/oauth/idp/callback`);
  const baseEnv: Env = {
    PORTCULLIS_MODE: 'distributed',
    LOG_LEVEL: 'warn',
    DATABASE_URL: db.url,
    DATABASE_POOL_SIZE: '10',
    REDIS_URL: services.redisUrl,
    REDIS_KEY_PREFIX: `${uniqueName('t')}:`,
    KAFKA_BROKERS: services.kafkaBrokers.join(','),
    KAFKA_TOPIC_PREFIX: uniqueTopicPrefix(),
    KAFKA_PARTITIONS: '1',
    PUBLIC_URL: publicUrl,
    GATEWAY_RESOURCE_URL: resource,
    IDP_ISSUER_URL: sim.url,
    IDP_CLIENT_ID: web.clientId,
    IDP_CLIENT_SECRET: web.clientSecret,
    PORTCULLIS_KEKS: kek,
    INTERNAL_SERVICE_SECRET: internalSecret,
    ADMIN_GROUPS: 'IT',
    PORTCULLIS_BOOTSTRAP_ADMIN_TOKEN: bootstrapToken,
    CIMD_ALLOW_LOOPBACK: 'true',
    ...overrides,
  };

  const instances: AuthInstance[] = [];
  const boot = async (env: Env, listenPort: number): Promise<AuthInstance> => {
    const config = loadPlatformConfig('auth', authService.needs, env);
    const platform = await buildDistributedPlatform({
      service: 'auth',
      config,
      features: authService.features,
      migrate: true,
    });
    try {
      const app = await createServiceApp({
        platform,
        env,
        modules: [authService.module],
        services: [authService],
        label: 'auth',
      });
      await app.listen(listenPort, '127.0.0.1');
      const inst: AuthInstance = {
        url: `http://127.0.0.1:${listenPort}`,
        app,
        platform,
        env,
        close: async () => {
          await app.close();
          await closePlatform(platform);
        },
      };
      instances.push(inst);
      return inst;
    } catch (err) {
      await closePlatform(platform);
      throw err;
    }
  };

  let main: AuthInstance;
  try {
    main = await boot(baseEnv, port);
  } catch (err) {
    await new Promise((r) => gateway.server.close(r));
    await sim.close();
    await db.drop().catch(() => undefined);
    throw err;
  }
  const published: AuthHarness['published'] = { clientChanged: [], connectionChanged: [], audit: [] };
  const subs: Subscription[] = [];
  const group = uniqueName('auth-test-');
  subs.push(
    await main.platform.bus.subscribe(
      ClientChanged,
      { group: `${group}-c`, fromBeginning: true },
      async (e) => void published.clientChanged.push(e),
    ),
  );
  subs.push(
    await main.platform.bus.subscribe(
      ConnectionChanged,
      { group: `${group}-n`, fromBeginning: true },
      async (e) => void published.connectionChanged.push(e),
    ),
  );
  subs.push(
    await main.platform.bus.subscribe(
      AdminActionAudited,
      { group: `${group}-a`, fromBeginning: true },
      async (e) => void published.audit.push(e),
    ),
  );
  const signers = new Map<ServiceName, ServiceTokenSigner>();
  const serviceToken = (from: ServiceName) => {
    let s = signers.get(from);
    if (!s) signers.set(from, (s = new ServiceTokenSigner(internalSecret, from)));
    return s.authorizationFor('auth');
  };
  return {
    ...main,
    sim,
    db,
    resource,
    gatewayUrl: gateway.url,
    bootstrapToken,
    kek,
    serviceToken,
    startReplica: async (extra: Env = {}, opts = {}) => {
      const p = await freePort();
      const env = { ...baseEnv, ...(opts.publicUrl ? {} : {}), ...extra };
      return boot(env, p);
    },
    internal: async (path, body, from = 'gateway', method = 'POST') =>
      fetch(`${publicUrl}${path}`, {
        method,
        headers: { 'content-type': 'application/json', authorization: await serviceToken(from) },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      }),
    admin: (path, init = {}) =>
      fetch(`${publicUrl}${path}`, {
        method: init.method ?? (init.body === undefined ? 'GET' : 'POST'),
        headers: { 'content-type': 'application/json', authorization: `Bearer ${bootstrapToken}` },
        ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
      }),
    published,
    close: async () => {
      for (const sub of subs) await sub.close().catch(() => undefined);
      for (const i of instances.reverse()) await i.close().catch(() => undefined);
      await new Promise((r) => gateway.server.close(r));
      await sim.close();
      await db.drop().catch(() => undefined);
    },
  };
}
