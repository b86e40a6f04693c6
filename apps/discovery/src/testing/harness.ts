import type { AddressInfo } from 'node:net';
import type { INestApplication } from '@nestjs/common';
import type { Env } from '@portcullis/config';
import { createLogger } from '@portcullis/observability';
import {
  buildDistributedPlatform,
  createServiceApp,
  loadPlatformConfig,
  type Platform,
} from '@portcullis/runtime';
import { DiscoveryModule, discoveryPersistence, discoveryService } from '../discovery.module';
import { DiscoveryRunner } from '../discovery/runner.service';

/** Test support for discovery (not used by the service): boots it for real on Kafka + PostgreSQL. */
export const TEST_SECRET = 'discovery-integration-test-secret-0123456789';

export interface RunningDiscovery {
  url: string;
  platform: Platform;
  app: INestApplication;
  runner: DiscoveryRunner;
  close(): Promise<void>;
}

export function discoveryEnv(opts: {
  databaseUrl: string;
  kafkaBrokers: string[];
  topicPrefix: string;
  secret?: string;
  oktaMcpUrl?: string;
  /** auth's internal URL (its token broker). Default: a closed port — no auth in this test. */
  authUrl?: string;
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
    INTERNAL_SERVICE_SECRET: opts.secret ?? TEST_SECRET,
    AUTH_INTERNAL_URL: opts.authUrl ?? 'http://127.0.0.1:1',
    DISCOVERY_TICK_MS: '500',
    DISCOVERY_TIMEOUT_MS: '5000',
    ...(opts.oktaMcpUrl ? { OKTA_MCP_URL: opts.oktaMcpUrl } : {}),
    ...opts.extra,
  };
}

/**
 * Boots discovery for real. With `logs`, every log line (debug and up, as written — after the
 * logger's redaction) is appended there, so a test can check what discovery logs.
 */
export async function startDiscovery(env: Env, opts: { logs?: string[] } = {}): Promise<RunningDiscovery> {
  const config = loadPlatformConfig('discovery', discoveryService.needs, env);
  const logs = opts.logs;
  const platform = await buildDistributedPlatform({
    service: 'discovery',
    config,
    features: [discoveryPersistence],
    migrate: true,
    ...(logs
      ? { logger: createLogger('discovery', 'debug', { write: (line: string) => void logs.push(line) }) }
      : {}),
  });
  const app = await createServiceApp({
    platform,
    env,
    modules: [DiscoveryModule],
    services: [discoveryService],
    label: 'discovery',
  });
  await app.listen(0, '127.0.0.1');
  const { port } = app.getHttpServer().address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    platform,
    app,
    runner: app.get(DiscoveryRunner),
    close: async () => {
      await app.close();
      await platform.bus.close().catch(() => undefined);
      if (platform.dataSource?.isInitialized) await platform.dataSource.destroy().catch(() => undefined);
    },
  };
}
