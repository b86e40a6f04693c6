import { processEnv } from '@portcullis/config';
import { randomBytes } from 'node:crypto';
import { Client } from 'pg';

/**
 * Test access to the real services started by scripts/test.sh. A missing variable is an error, not
 * a skip: integration tests run against real PostgreSQL, Redis and Kafka or they fail.
 */
export interface ServiceEnvironment {
  databaseUrl: string;
  redisUrl: string;
  kafkaBrokers: string[];
}

function required(name: string): string {
  const v = processEnv()[name];
  if (!v) {
    throw new Error(`${name} is not set. Run the tests through "npm test" (it starts PostgreSQL, Redis and Kafka), or export ${name}.`);
  }
  return v;
}

export function serviceEnvironment(): ServiceEnvironment {
  return {
    databaseUrl: required('DATABASE_URL'),
    redisUrl: required('REDIS_URL'),
    kafkaBrokers: required('KAFKA_BROKERS').split(',').map((s) => s.trim()),
  };
}

export function uniqueName(prefix: string): string {
  return `${prefix}${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;
}

/** A Kafka topic prefix unique to one test, so parallel tests sharing a broker never see each other's events. */
export function uniqueTopicPrefix(): string {
  return `${uniqueName('t')}.`;
}

export interface TestDatabase {
  url: string;
  name: string;
  drop(): Promise<void>;
}

/** Creates a fresh, empty database on the test server (dropped by `drop()`). */
export async function freshDatabase(baseUrl = serviceEnvironment().databaseUrl): Promise<TestDatabase> {
  const name = uniqueName('pc_test_');
  const admin = new Client({ connectionString: baseUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const u = new URL(baseUrl);
  u.pathname = `/${name}`;
  return {
    url: u.toString(),
    name,
    drop: async () => {
      const c = new Client({ connectionString: baseUrl });
      await c.connect();
      try {
        await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await c.end();
      }
    },
  };
}

/** Polls `probe` until it returns a truthy value or the deadline passes (then throws with `what`). */
export async function eventually<T>(what: string, probe: () => Promise<T | undefined | null | false>, timeoutMs = 20_000, intervalMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      const v = await probe();
      if (v) return v;
    } catch (err) {
      lastError = err;
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
  throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}${lastError ? ` (last error: ${(lastError as Error).message})` : ''}`);
}

/** A TCP port that was free a moment ago on loopback (for child processes that need a fixed port). */
export async function freePort(): Promise<number> {
  const net = await import('node:net');
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}
