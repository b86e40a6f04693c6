import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { INTROSPECTION_PATH } from '@portcullis/admin-auth';
import type { Env } from '@portcullis/config';
import { createEnvelope, type EventDefinition, type EventEnvelope } from '@portcullis/contracts';
import { ServiceTokenVerifier } from '@portcullis/crypto';
import { BusUnavailableError } from '@portcullis/messaging';
import {
  buildDistributedPlatform,
  createServiceApp,
  loadPlatformConfig,
  type Platform,
} from '@portcullis/runtime';
import type { INestApplication } from '@nestjs/common';
import type { z } from 'zod';
import { auditPersistence, auditService, AuditModule } from '../audit.module';
import { loadAuditConfig } from '../audit.config';
import { createRedactor } from '../domain/redaction';
import { type AuditRow, toAuditRow } from '../domain/record';
import { AuditStore } from '../store/audit-store';

/**
 * Test support for the audit service's integration tests (not used by the service itself).
 */
export const TEST_SECRET = 'audit-integration-test-secret-0123456789abcdef';
export const ADMIN_TOKEN = 'admin-token';
export const USER_TOKEN = 'plain-user-token';

export interface IntrospectionStub {
  url: string;
  /** Introspection calls seen, with the calling service the token named. */
  calls: { caller: string; token: string }[];
  setDown(down: boolean): void;
  close(): Promise<void>;
}

/**
 * A tiny real HTTP stand-in for auth's `POST /internal/v1/introspect` (auth is built in parallel):
 * it checks the audit service's service token like auth will, and knows two bearer tokens — an
 * admin's and a non-admin's; anything else is inactive.
 */
export async function startIntrospectionStub(secret = TEST_SECRET): Promise<IntrospectionStub> {
  const verifier = new ServiceTokenVerifier(secret, 'auth', ['audit', 'governance']);
  const calls: { caller: string; token: string }[] = [];
  let down = false;
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      void (async () => {
        if (down) return void res.writeHead(503).end();
        if (req.method !== 'POST' || req.url !== INTROSPECTION_PATH) return void res.writeHead(404).end();
        let caller: string;
        try {
          caller = await verifier.verify(req.headers.authorization);
        } catch (err) {
          return void res
            .writeHead(401, { 'content-type': 'application/json' })
            .end(JSON.stringify({ error: (err as Error).message }));
        }
        const { token } = JSON.parse(body || '{}') as { token?: string };
        calls.push({ caller, token: token ?? '' });
        const result =
          token === ADMIN_TOKEN
            ? {
                active: true,
                kind: 'access_token',
                sub: 'admin-1',
                email: 'admin@example.com',
                groups: ['portcullis-admins'],
                scopes: [],
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
              : { active: false, reason: 'unknown token' };
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(result));
      })();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    calls,
    setDown: (d) => (down = d),
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

export interface RunningAudit {
  url: string;
  platform: Platform;
  app: INestApplication;
  store: AuditStore;
  close(): Promise<void>;
}

/** The environment of an audit process under test. */
export function auditEnv(opts: {
  databaseUrl: string;
  kafkaBrokers: string[];
  topicPrefix: string;
  authUrl: string;
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
    AUTH_INTERNAL_URL: opts.authUrl,
    INTERNAL_SERVICE_SECRET: TEST_SECRET,
    AUDIT_MAINTENANCE_INTERVAL_MINUTES: '0',
    ...opts.extra,
  };
}

/** Boots the audit service for real (distributed platform: Kafka + PostgreSQL), on a free port. */
export async function startAudit(env: Env): Promise<RunningAudit> {
  const config = loadPlatformConfig('audit', auditService.needs, env);
  let platform: Platform | undefined;
  for (let attempt = 1; !platform; attempt++) {
    try {
      platform = await buildDistributedPlatform({
        service: 'audit',
        config,
        features: [auditPersistence],
        migrate: true,
      });
    } catch (err) {
      // A broker that has just (re)started can briefly fail topic creation; a deployment would restart the pod.
      if (!(err instanceof BusUnavailableError) || attempt >= 5) throw err;
      await new Promise((r) => setTimeout(r, 1000));
    }
  }
  const app = await createServiceApp({
    platform,
    env,
    modules: [AuditModule],
    services: [auditService],
    label: 'audit',
  });
  await app.listen(0, '127.0.0.1');
  const { port } = app.getHttpServer().address() as AddressInfo;
  const cfg = loadAuditConfig(env);
  return {
    url: `http://127.0.0.1:${port}`,
    platform,
    app,
    store: new AuditStore(platform.dataSource!, cfg),
    close: async () => {
      await app.close();
      await platform.bus.close().catch(() => undefined);
      await platform.cache.close().catch(() => undefined);
      if (platform.dataSource?.isInitialized) await platform.dataSource.destroy().catch(() => undefined);
    },
  };
}

/** Builds a valid envelope with a chosen occurredAt (the bus stamps "now"), for seeding and raw publishing. */
export function envelope<S extends z.ZodType>(
  def: EventDefinition<S>,
  payload: z.input<S>,
  meta: { tenantId: string; occurredAt?: Date; eventId?: string; traceparent?: string },
): EventEnvelope<z.output<S>> {
  return createEnvelope(def, payload, meta);
}

/** Maps envelopes the way ingest does (default policy), for seeding the store directly. */
export function rowsOf(
  envs: EventEnvelope[],
  opts: { verbosity?: 'minimal' | 'standard' | 'full'; now?: Date } = {},
): AuditRow[] {
  const policy = { verbosityFor: () => opts.verbosity ?? 'full', redactor: createRedactor([]) } as const;
  return envs.map((e) => toAuditRow(e, policy, opts.now ?? new Date()));
}

export async function getJson(
  url: string,
  token: string | null = ADMIN_TOKEN,
): Promise<{ status: number; body: unknown; type: string }> {
  const res = await fetch(url, token ? { headers: { authorization: `Bearer ${token}` } } : {});
  const type = res.headers.get('content-type') ?? '';
  const text = await res.text();
  return { status: res.status, type, body: type.includes('json') && text ? JSON.parse(text) : text };
}
