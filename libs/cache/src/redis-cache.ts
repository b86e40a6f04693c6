import { randomUUID } from 'node:crypto';
import type { default as Redis, RedisOptions } from 'ioredis';
import { type Cache, CacheUnavailableError, type Lock } from './cache';

/** ioredis, loaded on first use: the embedded host never needs it, and loading it costs start-up time. */
function ioredis(): typeof Redis {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- deliberate lazy load (see above)
  return (require('ioredis') as typeof import('ioredis')).default;
}

const RELEASE_LOCK = `if redis.call("get", KEYS[1]) == ARGV[1] then return redis.call("del", KEYS[1]) else return 0 end`;

export interface RedisCacheOptions {
  url: string;
  keyPrefix?: string;
  /** Per-command deadline; past it the call fails and the caller falls back. */
  commandTimeoutMs?: number;
}

/** Redis implementation (ioredis). Keys are prefixed per deployment; locks use SET NX PX + compare-and-delete. */
export class RedisCache implements Cache {
  readonly kind = 'redis' as const;
  private readonly client: Redis;
  private subscriber?: Redis;
  private readonly handlers = new Map<string, Set<(m: string) => void>>();
  private readonly prefix: string;
  private connectedOnce = false;

  constructor(private readonly opts: RedisCacheOptions) {
    this.prefix = opts.keyPrefix ?? 'portcullis:';
    this.client = new (ioredis())(opts.url, this.connectionOptions());
    this.client.once('ready', () => (this.connectedOnce = true));
    // Connection errors surface through commands (as CacheUnavailableError); the event is noise.
    this.client.on('error', () => undefined);
  }

  private connectionOptions(): RedisOptions {
    return {
      lazyConnect: false,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      commandTimeout: this.opts.commandTimeoutMs ?? 500,
      connectTimeout: 2000,
      retryStrategy: (times) => Math.min(times * 200, 2000),
      enableAutoPipelining: true,
    };
  }

  /**
   * Waits briefly for the FIRST connection (commands are not queued while disconnected). Once
   * connected, a lost connection fails commands at once while ioredis reconnects in the background:
   * callers fall back (e.g. to the database) instead of paying the wait on every command of an outage.
   */
  private async ready(): Promise<void> {
    if (this.client.status === 'ready') return;
    if (this.client.status === 'end') throw new Error('connection closed');
    if (this.connectedOnce) throw new Error(`connection lost, reconnecting (status ${this.client.status})`);
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.client.off('ready', onReady);
        reject(new Error(`not connected (status ${this.client.status})`));
      }, this.opts.commandTimeoutMs ?? 500);
      const onReady = () => {
        clearTimeout(timer);
        resolve();
      };
      this.client.once('ready', onReady);
    });
  }

  private async run<T>(what: string, fn: () => Promise<T>): Promise<T> {
    try {
      await this.ready();
      return await fn();
    } catch (err) {
      throw new CacheUnavailableError(`Redis ${what} failed: ${(err as Error).message}`, { cause: err });
    }
  }

  async get(key: string): Promise<string | null> {
    return this.run('GET', () => this.client.get(this.prefix + key));
  }

  async set(key: string, value: string, ttlMs: number): Promise<void> {
    await this.run('SET', () => this.client.set(this.prefix + key, value, 'PX', Math.max(1, Math.round(ttlMs))));
  }

  async del(key: string): Promise<void> {
    await this.run('DEL', () => this.client.del(this.prefix + key));
  }

  async acquireLock(key: string, ttlMs: number): Promise<Lock | null> {
    const lockKey = `${this.prefix}lock:${key}`;
    const token = randomUUID();
    const ok = await this.run('SET NX', () => this.client.set(lockKey, token, 'PX', Math.round(ttlMs), 'NX'));
    if (ok !== 'OK') return null;
    return {
      key,
      release: async () => {
        await this.run('EVAL', () => this.client.eval(RELEASE_LOCK, 1, lockKey, token)).catch(() => undefined);
      },
    };
  }

  async publish(channel: string, message: string): Promise<void> {
    await this.run('PUBLISH', () => this.client.publish(this.prefix + channel, message));
  }

  async subscribe(channel: string, handler: (message: string) => void): Promise<() => Promise<void>> {
    const full = this.prefix + channel;
    if (!this.subscriber) {
      // A subscriber connection keeps retrying forever in the background, and re-subscribes on reconnect.
      this.subscriber = new (ioredis())(this.opts.url, { ...this.connectionOptions(), enableOfflineQueue: true, commandTimeout: undefined });
      this.subscriber.on('error', () => undefined);
      this.subscriber.on('message', (ch: string, msg: string) => {
        for (const h of this.handlers.get(ch) ?? []) h(msg);
      });
    }
    let set = this.handlers.get(full);
    if (!set) {
      set = new Set();
      this.handlers.set(full, set);
      await this.run('SUBSCRIBE', () => this.subscriber!.subscribe(full));
    }
    set.add(handler);
    return async () => {
      set!.delete(handler);
      if (set!.size === 0) {
        this.handlers.delete(full);
        await this.subscriber?.unsubscribe(full).catch(() => undefined);
      }
    };
  }

  async ping(): Promise<boolean> {
    try {
      await this.ready();
      return (await this.client.ping()) === 'PONG';
    } catch {
      return false;
    }
  }

  async close(): Promise<void> {
    this.client.disconnect();
    this.subscriber?.disconnect();
  }
}
