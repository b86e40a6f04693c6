/**
 * The Portcullis cache: short-lived shared state (upstream access tokens, session state), locks
 * for single-flight work across replicas (token refresh), and pub/sub for invalidation.
 * Two implementations share one contract suite: Redis (distributed) and in-memory (embedded).
 *
 * Every operation fails fast (bounded command timeout, no offline queue) so that callers can fall
 * back — a Redis outage makes the gateway slower, never stuck.
 */
export interface Lock {
  readonly key: string;
  release(): Promise<void>;
}

export interface Cache {
  readonly kind: 'redis' | 'memory';
  get(key: string): Promise<string | null>;
  set(key: string, value: string, ttlMs: number): Promise<void>;
  del(key: string): Promise<void>;
  /** Atomic: acquires `key` for ttlMs if nobody holds it; null when held. */
  acquireLock(key: string, ttlMs: number): Promise<Lock | null>;
  publish(channel: string, message: string): Promise<void>;
  subscribe(channel: string, handler: (message: string) => void): Promise<() => Promise<void>>;
  ping(): Promise<boolean>;
  close(): Promise<void>;
}

export class CacheUnavailableError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'CacheUnavailableError';
  }
}

export const CACHE = Symbol('CACHE');
