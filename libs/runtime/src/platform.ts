import { randomUUID } from 'node:crypto';
import { type Cache, MemoryCache, RedisCache } from '@portcullis/cache';
import { type EventBus, InProcessEventBus, KafkaEventBus } from '@portcullis/messaging';
import { createLogger, HealthRegistry, type Logger, Metrics } from '@portcullis/observability';
import { openDataSource, type PersistenceFeature } from '@portcullis/persistence';
import type { DataSource } from 'typeorm';
import { InstrumentedEventBus } from './instrumented-bus';
import type { PlatformConfig } from './platform-config';

/**
 * The infrastructure a Portcullis service runs on: logger, metrics, health, event bus, cache and
 * database. In distributed mode each service process builds its own from configuration; in embedded
 * mode the host builds one and every service module shares it.
 */
export interface Platform {
  mode: 'embedded' | 'distributed';
  instanceId: string;
  tenantId: string;
  logger: Logger;
  metrics: Metrics;
  health: HealthRegistry;
  bus: EventBus;
  cache: Cache;
  dataSource?: DataSource;
  version: string;
}

export const PLATFORM = Symbol('PLATFORM');
export const PORTCULLIS_VERSION = '0.1.0';

export async function buildDistributedPlatform(opts: {
  service: string;
  config: PlatformConfig;
  features: PersistenceFeature[];
  migrate: boolean;
  logger?: Logger;
  /** Whether the service uses the shared cache; without it REDIS_URL is ignored (and not a readiness dependency). */
  cache?: boolean;
}): Promise<Platform> {
  const { config, service } = opts;
  const logger = opts.logger ?? createLogger(service, config.LOG_LEVEL);
  const metrics = new Metrics();
  const health = new HealthRegistry();
  const instanceId = `${service}-${randomUUID().slice(0, 8)}`;
  const kafka = new KafkaEventBus({
    brokers: config.KAFKA_BROKERS ?? [],
    clientId: `portcullis-${service}`,
    topicPrefix: config.KAFKA_TOPIC_PREFIX,
    ssl: config.KAFKA_SSL,
    replicationFactor: config.KAFKA_REPLICATION_FACTOR,
    numPartitions: config.KAFKA_PARTITIONS,
    logger,
    ...(config.KAFKA_SASL_MECHANISM
      ? {
          sasl: {
            mechanism: config.KAFKA_SASL_MECHANISM,
            username: config.KAFKA_SASL_USERNAME!,
            password: config.KAFKA_SASL_PASSWORD!,
          },
        }
      : {}),
  });
  await kafka.start();
  const bus = new InstrumentedEventBus(kafka, metrics, service);
  health.register('kafka', () => kafka.healthy());

  const redisUrl = opts.cache === false ? undefined : config.REDIS_URL;
  const cache: Cache = redisUrl ? new RedisCache({ url: redisUrl, keyPrefix: config.REDIS_KEY_PREFIX }) : new MemoryCache();
  if (redisUrl) health.register('redis', () => cache.ping());

  let dataSource: DataSource | undefined;
  if (opts.features.length) {
    dataSource = await openDataSource(
      {
        url: config.DATABASE_URL!,
        features: opts.features,
        poolSize: config.DATABASE_POOL_SIZE,
        migrationsSchema: opts.features[0]!.schema,
        applicationName: `portcullis-${service}`,
      },
      { migrate: opts.migrate },
    );
    const ds = dataSource;
    health.register('database', async () => {
      await ds.query('SELECT 1');
      return true;
    });
  }
  return {
    mode: 'distributed',
    instanceId,
    tenantId: config.PORTCULLIS_TENANT_ID,
    logger,
    metrics,
    health,
    bus,
    cache,
    ...(dataSource ? { dataSource } : {}),
    version: PORTCULLIS_VERSION,
  };
}

/** The embedded platform: in-process bus, in-memory cache and one shared connection to the embedded database. */
export async function buildEmbeddedPlatform(opts: {
  tenantId: string;
  logLevel: string;
  databaseUrl: string;
  features: PersistenceFeature[];
}): Promise<Platform> {
  const logger = createLogger('portcullis', opts.logLevel);
  const metrics = new Metrics();
  const health = new HealthRegistry();
  const bus = new InstrumentedEventBus(new InProcessEventBus({ maxRetained: 10_000 }), metrics, 'portcullis');
  const dataSource = await openDataSource(
    { url: opts.databaseUrl, features: opts.features, poolSize: 1, migrationsSchema: 'portcullis', applicationName: 'portcullis' },
    { migrate: true },
  );
  health.register('database', async () => {
    await dataSource.query('SELECT 1');
    return true;
  });
  return {
    mode: 'embedded',
    instanceId: `embedded-${randomUUID().slice(0, 8)}`,
    tenantId: opts.tenantId,
    logger,
    metrics,
    health,
    bus,
    cache: new MemoryCache(),
    dataSource,
    version: PORTCULLIS_VERSION,
  };
}

/** A database-less in-process platform (in-process bus, memory cache): for tests and single-process tools. */
export function buildInProcessPlatform(opts: { tenantId: string; logLevel?: string; service?: string }): Platform {
  const metrics = new Metrics();
  return {
    mode: 'embedded',
    instanceId: `${opts.service ?? 'portcullis'}-${randomUUID().slice(0, 8)}`,
    tenantId: opts.tenantId,
    logger: createLogger(opts.service ?? 'portcullis', opts.logLevel ?? 'warn'),
    metrics,
    health: new HealthRegistry(),
    bus: new InstrumentedEventBus(new InProcessEventBus({ maxRetained: 10_000 }), metrics, opts.service ?? 'portcullis'),
    cache: new MemoryCache(),
    version: PORTCULLIS_VERSION,
  };
}

export async function closePlatform(p: Platform): Promise<void> {
  await p.bus.close().catch((err) => p.logger.warn({ err }, 'closing the event bus failed'));
  await p.cache.close().catch(() => undefined);
  if (p.dataSource?.isInitialized) await p.dataSource.destroy().catch(() => undefined);
}
