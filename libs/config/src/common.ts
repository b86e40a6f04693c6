import { z } from 'zod';
import { bool, list, port, secret, url } from './config';

/**
 * Variables shared by every Portcullis service. Each app extends this with its own.
 * `PORTCULLIS_MODE=embedded` means in-process bus, embedded database and in-memory cache;
 * `distributed` means Kafka, Postgres and Redis.
 */
export const commonSchema = {
  PORTCULLIS_MODE: z.enum(['embedded', 'distributed'], { error: 'must be "embedded" or "distributed"' }).default('distributed'),
  PORTCULLIS_TENANT_ID: z
    .string()
    .regex(/^[a-z0-9][a-z0-9-]{0,62}$/, { error: 'must be lower-case letters, digits and dashes' })
    .default('default'),
  LOG_LEVEL: z
    .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], {
      error: 'must be one of fatal, error, warn, info, debug, trace, silent',
    })
    .default('info'),
  HOST: z.string().default('0.0.0.0'),
  SHUTDOWN_GRACE_MS: z.coerce.number().int().min(0).max(120_000).default(10_000),
};

export const kafkaSchema = {
  KAFKA_BROKERS: list('127.0.0.1:9092'),
  KAFKA_CLIENT_ID: z.string().optional(),
  KAFKA_SSL: bool(false),
  KAFKA_SASL_MECHANISM: z.enum(['plain', 'scram-sha-256', 'scram-sha-512']).optional(),
  KAFKA_SASL_USERNAME: z.string().optional(),
  KAFKA_SASL_PASSWORD: z.string().optional(),
  KAFKA_TOPIC_PREFIX: z
    .string()
    .regex(/^[a-zA-Z0-9._-]*$/, { error: 'may contain only letters, digits, ".", "_" and "-"' })
    .default(''),
};

export const databaseSchema = {
  DATABASE_URL: url(['postgres:', 'postgresql:'], 'postgres://user:pass@db:5432/portcullis'),
  DATABASE_POOL_SIZE: z.coerce.number().int().min(1).max(200).default(10),
};

export const redisSchema = {
  REDIS_URL: url(['redis:', 'rediss:'], 'redis://redis:6379'),
};

export const internalSchema = {
  INTERNAL_SERVICE_SECRET: secret(32),
};

export { port, bool, list, url, secret };
