import { DataSource, type DataSourceOptions } from 'typeorm';
import type { PersistenceFeature } from './feature';

export interface DataSourceSpec {
  url: string;
  features: PersistenceFeature[];
  /** Pool size. The embedded engine is a single session and must use exactly 1. */
  poolSize: number;
  /** Schema that holds the migrations table (the service's own, or "portcullis" when several share a database). */
  migrationsSchema: string;
  applicationName?: string;
  /** Per-statement deadline, so a stuck database fails calls instead of hanging them. */
  statementTimeoutMs?: number;
}

export class DatabaseUnavailableError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'DatabaseUnavailableError';
  }
}

/** Builds (does not connect) a TypeORM DataSource for one or more persistence features. */
export function buildDataSource(spec: DataSourceSpec): DataSource {
  const options: DataSourceOptions = {
    type: 'postgres',
    url: spec.url,
    schema: spec.migrationsSchema,
    entities: spec.features.flatMap((f) => f.entities as never[]),
    migrations: spec.features.flatMap((f) => f.migrations),
    migrationsTableName: 'migrations',
    migrationsTransactionMode: 'each',
    synchronize: false,
    migrationsRun: false,
    logging: ['error'],
    applicationName: spec.applicationName ?? 'portcullis',
    poolSize: spec.poolSize,
    extra: {
      max: spec.poolSize,
      connectionTimeoutMillis: 5000,
      idleTimeoutMillis: 30000,
      ...(spec.statementTimeoutMs ? { statement_timeout: spec.statementTimeoutMs } : {}),
    },
  };
  return new DataSource(options);
}

/** Connects, creating the schemas the features own, and optionally runs pending migrations. */
export async function openDataSource(spec: DataSourceSpec, opts: { migrate: boolean }): Promise<DataSource> {
  const ds = buildDataSource(spec);
  try {
    await ds.initialize();
  } catch (err) {
    const where = safeDatabaseLocation(spec.url);
    throw new DatabaseUnavailableError(`Cannot connect to the database at ${where}: ${(err as Error).message}`, {
      cause: err,
    });
  }
  if (opts.migrate) await migrate(ds, spec);
  return ds;
}

export async function migrate(ds: DataSource, spec: Pick<DataSourceSpec, 'features' | 'migrationsSchema'>): Promise<string[]> {
  const schemas = new Set([spec.migrationsSchema, ...spec.features.map((f) => f.schema)]);
  for (const s of schemas) await ds.query(`CREATE SCHEMA IF NOT EXISTS "${s.replace(/"/g, '')}"`);
  const ran = await ds.runMigrations({ transaction: 'each' });
  return ran.map((m) => m.name);
}

/** host:port/db of a database URL, without credentials, for messages and logs. */
export function safeDatabaseLocation(url: string): string {
  try {
    const u = new URL(url);
    return `${u.hostname}:${u.port || 5432}${u.pathname}`;
  } catch {
    return '(unparseable DATABASE_URL)';
  }
}
