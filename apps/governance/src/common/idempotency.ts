import {
  type CallHandler,
  type ExecutionContext,
  Inject,
  Injectable,
  type NestInterceptor,
  type OnApplicationBootstrap,
  type OnModuleDestroy,
} from '@nestjs/common';
import { HTTP_CODE_METADATA } from '@nestjs/common/constants';
import type { AdminRequest } from '@portcullis/admin-auth';
import { canonicalJson, sha256Hex } from '@portcullis/crypto';
import { PLATFORM, type Platform } from '@portcullis/runtime';
import type { Response } from 'express';
import { from, type Observable, of } from 'rxjs';
import { catchError, mergeMap } from 'rxjs/operators';
import { Database } from '@portcullis/runtime';
import { ProblemError, ValidationProblem } from './problem';

const TTL_HOURS = 24;
const REPLAYED_HEADERS = ['etag', 'location'] as const;

interface Row {
  fingerprint: string;
  state: 'in_progress' | 'done';
  status: number | null;
  body: unknown;
  headers: Record<string, string> | null;
  expired: boolean;
}

/** Stored responses of POSTs sent with an Idempotency-Key, per tenant, for 24 hours. */
@Injectable()
export class IdempotencyStore implements OnApplicationBootstrap, OnModuleDestroy {
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly db: Database,
    @Inject(PLATFORM) private readonly platform: Platform,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => void this.purge().catch(() => undefined), 3600_000);
    this.timer.unref();
  }

  onModuleDestroy(): void {
    if (this.timer) clearInterval(this.timer);
  }

  /** Drops expired keys, and consumed-event ids old enough that no redelivery can still arrive. */
  async purge(): Promise<number> {
    await this.db.sql.exec(
      `DELETE FROM governance.consumed_events WHERE consumed_at < now() - interval '7 days'`,
    );
    return this.db.sql.exec(
      `DELETE FROM governance.idempotency_keys WHERE created_at < now() - interval '${TTL_HOURS} hours'`,
    );
  }

  /** Reserves the key; returns the stored row instead when the key was used before. */
  async reserve(key: string, fingerprint: string): Promise<Row | null> {
    const tenant = this.platform.tenantId;
    for (let attempt = 0; attempt < 2; attempt++) {
      const inserted = await this.db.sql.exec(
        `INSERT INTO governance.idempotency_keys (tenant_id, key, fingerprint, state) VALUES ($1, $2, $3, 'in_progress') ON CONFLICT DO NOTHING`,
        [tenant, key, fingerprint],
      );
      if (inserted) return null;
      const row = await this.db.sql.one<Row>(
        `SELECT fingerprint, state, status, body, headers, created_at < now() - interval '${TTL_HOURS} hours' AS expired
           FROM governance.idempotency_keys WHERE tenant_id = $1 AND key = $2`,
        [tenant, key],
      );
      if (!row) continue;
      if (!row.expired) return row;
      await this.db.sql.exec(`DELETE FROM governance.idempotency_keys WHERE tenant_id = $1 AND key = $2`, [
        tenant,
        key,
      ]);
    }
    throw new ProblemError(
      409,
      'idempotency-key-in-use',
      'Idempotency key is busy',
      'Another request with this Idempotency-Key is being stored right now; retry shortly.',
    );
  }

  async complete(key: string, status: number, body: unknown, headers: Record<string, string>): Promise<void> {
    await this.db.sql.exec(
      `UPDATE governance.idempotency_keys SET state = 'done', status = $3, body = $4, headers = $5 WHERE tenant_id = $1 AND key = $2`,
      [this.platform.tenantId, key, status, JSON.stringify(body ?? null), JSON.stringify(headers)],
    );
  }

  async release(key: string): Promise<void> {
    await this.db.sql.exec(
      `DELETE FROM governance.idempotency_keys WHERE tenant_id = $1 AND key = $2 AND state = 'in_progress'`,
      [this.platform.tenantId, key],
    );
  }
}

/**
 * Idempotent POSTs: a request carrying `Idempotency-Key` runs once; repeating it (same key, same
 * method, path, body and caller) within 24 h replays the stored response with
 * `Idempotent-Replayed: true`. The same key with a different request is refused (422); a key whose
 * first request is still running gets 409. Failed requests are not stored, so they can be retried.
 */
@Injectable()
export class IdempotencyInterceptor implements NestInterceptor {
  constructor(private readonly store: IdempotencyStore) {}

  intercept(ctx: ExecutionContext, next: CallHandler): Observable<unknown> {
    const req = ctx.switchToHttp().getRequest<AdminRequest>();
    const res = ctx.switchToHttp().getResponse<Response>();
    const key = req.headers['idempotency-key'];
    if (req.method !== 'POST' || key === undefined) return next.handle();
    if (typeof key !== 'string' || !/^[\x21-\x7e]{1,200}$/.test(key)) {
      throw new ValidationProblem(
        'The Idempotency-Key header must be 1–200 visible ASCII characters (e.g. a UUID).',
        [{ field: 'header.Idempotency-Key', message: 'must be 1–200 visible ASCII characters' }],
      );
    }
    const status = (Reflect.getMetadata(HTTP_CODE_METADATA, ctx.getHandler()) as number | undefined) ?? 201;
    const fingerprint = sha256Hex(
      `${req.method} ${req.originalUrl}\n${req.principal?.sub ?? ''}\n${canonicalJson(req.body ?? null)}`,
    );
    return from(this.store.reserve(key, fingerprint)).pipe(
      mergeMap((stored) => {
        if (stored) {
          if (stored.fingerprint !== fingerprint) {
            throw new ProblemError(
              422,
              'idempotency-key-reused',
              'Idempotency key reused for a different request',
              'This Idempotency-Key was already used with a different method, path, body or caller. Use a new key for a new request.',
            );
          }
          if (stored.state !== 'done') {
            throw new ProblemError(
              409,
              'idempotency-key-in-use',
              'Request still in progress',
              'The first request with this Idempotency-Key has not finished yet; retry shortly.',
            );
          }
          for (const [h, v] of Object.entries(stored.headers ?? {})) res.setHeader(h, v);
          res.setHeader('idempotent-replayed', 'true');
          return of(stored.body);
        }
        return next.handle().pipe(
          mergeMap(async (body: unknown) => {
            const headers: Record<string, string> = {};
            for (const h of REPLAYED_HEADERS) {
              const v = res.getHeader(h);
              if (typeof v === 'string') headers[h] = v;
            }
            await this.store.complete(key, status, body, headers);
            return body;
          }),
          catchError(async (err: unknown) => {
            await this.store.release(key).catch(() => undefined);
            throw err;
          }),
        );
      }),
    );
  }
}
