import { bool, commonSchema, type Env, list, loadConfig, url } from '@portcullis/config';
import { z } from 'zod';

/**
 * What a service needs from its surroundings. Variables are required only for what the service
 * uses and only in distributed mode: a database-less service never asks for DATABASE_URL, and
 * embedded mode needs nothing at all.
 */
export interface PlatformNeeds {
  database: boolean;
  cache: boolean;
}

export function platformSchema(needs: PlatformNeeds, mode: 'embedded' | 'distributed') {
  const distributed = mode === 'distributed';
  return z.object({
    ...commonSchema,
    KAFKA_BROKERS: distributed ? list('127.0.0.1:9092') : list('127.0.0.1:9092').optional(),
    KAFKA_TOPIC_PREFIX: z
      .string()
      .regex(/^[a-zA-Z0-9._-]*$/, { error: 'may contain only letters, digits, ".", "_" and "-"' })
      .default(''),
    KAFKA_SSL: bool(false),
    KAFKA_SASL_MECHANISM: z.enum(['plain', 'scram-sha-256', 'scram-sha-512']).optional(),
    KAFKA_SASL_USERNAME: z.string().optional(),
    KAFKA_SASL_PASSWORD: z.string().optional(),
    KAFKA_REPLICATION_FACTOR: z.coerce.number().int().min(1).max(7).default(1),
    KAFKA_PARTITIONS: z.coerce.number().int().min(1).max(128).default(3),
    DATABASE_URL:
      distributed && needs.database
        ? url(['postgres:', 'postgresql:'], 'postgres://user:pass@db:5432/portcullis')
        : url(['postgres:', 'postgresql:'], 'postgres://user:pass@db:5432/portcullis').optional(),
    DATABASE_POOL_SIZE: z.coerce.number().int().min(1).max(200).default(10),
    REDIS_URL:
      distributed && needs.cache ? url(['redis:', 'rediss:'], 'redis://redis:6379') : url(['redis:', 'rediss:'], 'redis://redis:6379').optional(),
    REDIS_KEY_PREFIX: z.string().default('portcullis:'),
  });
}

export type PlatformConfig = z.output<ReturnType<typeof platformSchema>>;

export function loadPlatformConfig(service: string, needs: PlatformNeeds, env: Env): PlatformConfig {
  const mode = env['PORTCULLIS_MODE'] === 'embedded' ? 'embedded' : 'distributed';
  const cfg = loadConfig(service, platformSchema(needs, mode), env);
  const sasl = [cfg.KAFKA_SASL_MECHANISM, cfg.KAFKA_SASL_USERNAME, cfg.KAFKA_SASL_PASSWORD];
  if (sasl.some(Boolean) && !sasl.every(Boolean)) {
    loadConfig(
      service,
      z.object({
        KAFKA_SASL_MECHANISM: z.string({ error: 'is required when any KAFKA_SASL_* variable is set' }),
        KAFKA_SASL_USERNAME: z.string({ error: 'is required when any KAFKA_SASL_* variable is set' }),
        KAFKA_SASL_PASSWORD: z.string({ error: 'is required when any KAFKA_SASL_* variable is set' }),
      }),
      env,
    );
  }
  return cfg;
}
