import { Inject, Injectable } from '@nestjs/common';
import { DATA_SOURCE } from './platform.module';
import type { DataSource, QueryRunner } from 'typeorm';

/**
 * The one place a service's repositories reach TypeORM: raw SQL through a query runner, inside or outside a
 * transaction. Repositories receive an {@link Sql} and never see TypeORM themselves.
 */
export interface Sql {
  many<T>(sql: string, params?: unknown[]): Promise<T[]>;
  one<T>(sql: string, params?: unknown[]): Promise<T | undefined>;
  /** Runs a statement; returns the number of affected rows. */
  exec(sql: string, params?: unknown[]): Promise<number>;
}

class RunnerSql implements Sql {
  constructor(private readonly runner: () => Promise<{ qr: QueryRunner; release: boolean }>) {}

  private async run(sql: string, params?: unknown[]): Promise<{ records: unknown[]; affected: number }> {
    const { qr, release } = await this.runner();
    try {
      const r = await qr.query(sql, params, true);
      return { records: (r.records as unknown[] | undefined) ?? [], affected: r.affected ?? 0 };
    } finally {
      if (release) await qr.release();
    }
  }

  async many<T>(sql: string, params?: unknown[]): Promise<T[]> {
    return (await this.run(sql, params)).records as T[];
  }

  async one<T>(sql: string, params?: unknown[]): Promise<T | undefined> {
    return (await this.run(sql, params)).records[0] as T | undefined;
  }

  async exec(sql: string, params?: unknown[]): Promise<number> {
    return (await this.run(sql, params)).affected;
  }
}

/** A unique-constraint violation, with the constraint's name (so callers can say which field clashed). */
export function uniqueViolation(err: unknown): string | undefined {
  const e = err as { code?: string; constraint?: string } | undefined;
  return e?.code === '23505' ? (e.constraint ?? '') : undefined;
}

@Injectable()
export class Database {
  readonly sql: Sql;

  constructor(@Inject(DATA_SOURCE) private readonly ds: DataSource) {
    this.sql = new RunnerSql(async () => ({ qr: ds.createQueryRunner(), release: true }));
  }

  /** Runs `fn` in one transaction: everything it writes commits together or not at all. */
  async transaction<T>(fn: (sql: Sql) => Promise<T>): Promise<T> {
    return this.ds.transaction(async (em) => {
      const qr = em.queryRunner;
      if (!qr) throw new Error('TypeORM gave a transaction without a query runner.');
      return fn(new RunnerSql(async () => ({ qr, release: false })));
    });
  }
}
