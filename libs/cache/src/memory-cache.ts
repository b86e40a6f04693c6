import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import type { Cache, Lock } from './cache';

interface Entry {
  value: string;
  expiresAt: number;
}

/** In-memory cache for embedded mode (one process: locks and pub/sub are process-local, which is all there is). */
export class MemoryCache implements Cache {
  readonly kind = 'memory' as const;
  private readonly entries = new Map<string, Entry>();
  private readonly bus = new EventEmitter();
  private sweeper: NodeJS.Timeout;

  constructor(private readonly maxEntries = 100_000) {
    this.bus.setMaxListeners(0);
    this.sweeper = setInterval(() => this.sweep(), 30_000);
    this.sweeper.unref();
  }

  async get(key: string): Promise<string | null> {
    const e = this.entries.get(key);
    if (!e) return null;
    if (e.expiresAt <= Date.now()) {
      this.entries.delete(key);
      return null;
    }
    return e.value;
  }

  async set(key: string, value: string, ttlMs: number): Promise<void> {
    if (this.entries.size >= this.maxEntries && !this.entries.has(key)) {
      // Evict the oldest insertion (Map keeps insertion order): bounded memory over perfect LRU.
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
    this.entries.delete(key);
    this.entries.set(key, { value, expiresAt: Date.now() + ttlMs });
  }

  async del(key: string): Promise<void> {
    this.entries.delete(key);
  }

  async acquireLock(key: string, ttlMs: number): Promise<Lock | null> {
    // Check-and-set with no await in between: atomic on the single JS thread.
    const lockKey = `lock:${key}`;
    const held = this.entries.get(lockKey);
    if (held && held.expiresAt > Date.now()) return null;
    const token = randomUUID();
    this.entries.set(lockKey, { value: token, expiresAt: Date.now() + ttlMs });
    return {
      key,
      release: async () => {
        const e = this.entries.get(lockKey);
        if (e && e.value === token) this.entries.delete(lockKey);
      },
    };
  }

  async publish(channel: string, message: string): Promise<void> {
    // Deliver asynchronously, like Redis: a publisher never runs subscribers on its own stack.
    setImmediate(() => this.bus.emit(channel, message));
  }

  async subscribe(channel: string, handler: (message: string) => void): Promise<() => Promise<void>> {
    this.bus.on(channel, handler);
    return async () => {
      this.bus.off(channel, handler);
    };
  }

  async ping(): Promise<boolean> {
    return true;
  }

  async close(): Promise<void> {
    clearInterval(this.sweeper);
    this.bus.removeAllListeners();
  }

  private sweep(): void {
    const now = Date.now();
    for (const [k, e] of this.entries) if (e.expiresAt <= now) this.entries.delete(k);
  }
}
