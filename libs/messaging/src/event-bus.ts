import { type EventDefinition, type EventEnvelope, InvalidEventError, parseEnvelope } from '@portcullis/contracts';
import type { z } from 'zod';

/**
 * The Portcullis event bus. Two implementations share this contract and one contract test suite:
 * Kafka (distributed mode) and in-process (embedded mode).
 *
 * Delivery is at-least-once and ordered per key. A handler that throws is retried a bounded number
 * of times; then the message goes to the topic's dead-letter topic with the reason, and consumption
 * moves on. Messages that fail schema validation are dead-lettered without retries. Consumers must
 * therefore be idempotent by `eventId`.
 */
export interface PublishOptions {
  tenantId: string;
  traceparent?: string;
  key?: string;
  eventId?: string;
}

export type EventHandler<P> = (envelope: EventEnvelope<P>) => Promise<void>;
export type BatchHandler<P> = (envelopes: EventEnvelope<P>[]) => Promise<void>;

export interface SubscribeOptions {
  /**
   * Consumer group. Each group receives every event once; members of a group share the work.
   * `broadcast: true` gives this process its own group (every replica sees every event) — used by
   * gateways for policy snapshots and revocations.
   */
  group: string;
  broadcast?: boolean;
  /** Start from the earliest retained event when the group has no committed position. */
  fromBeginning?: boolean;
  /** Attempts per message (or batch) before dead-lettering. Default 5. */
  maxAttempts?: number;
  /** Initial retry delay in ms (doubles per attempt). Default 100. */
  retryDelayMs?: number;
}

/** Options of `subscribeBatch`, beyond the group and retry options. */
export interface BatchSubscribeOptions extends SubscribeOptions {
  /** Most events per handler call. Default 500. */
  maxBatchSize?: number;
  /**
   * Kafka: the most bytes fetched per partition per request (kafkajs `maxBytesPerPartition`, default
   * 1 MiB), which bounds how many events one fetch can hand over (then split by `maxBatchSize`).
   * Ignored by the in-process bus.
   */
  maxBytesPerPartition?: number;
}

export interface DeadLetter {
  topic: string;
  reason: string;
  attempts: number;
  /** The original message value as received. */
  value: string;
  eventId?: string;
}

export interface Subscription {
  close(): Promise<void>;
}

export interface EventBus {
  readonly kind: 'kafka' | 'in-process';
  /** Creates topics / connects. Safe to call more than once. */
  start(): Promise<void>;
  /**
   * Validates and publishes; resolves once the event is durably acknowledged (Kafka: acks=all).
   * Throws InvalidEventError for an invalid payload, BusUnavailableError when it cannot be acknowledged.
   */
  publish<S extends z.ZodType>(def: EventDefinition<S>, payload: z.input<S>, opts: PublishOptions): Promise<EventEnvelope<z.output<S>>>;
  /** Publishes several events of one type in one acknowledged request. */
  publishMany<S extends z.ZodType>(
    def: EventDefinition<S>,
    items: { payload: z.input<S>; opts: PublishOptions }[],
  ): Promise<EventEnvelope<z.output<S>>[]>;
  subscribe<S extends z.ZodType>(def: EventDefinition<S>, opts: SubscribeOptions, handler: EventHandler<z.output<S>>): Promise<Subscription>;
  /** Batch consumption: the positions are committed only after the handler resolves for the batch. */
  subscribeBatch<S extends z.ZodType>(
    def: EventDefinition<S>,
    opts: BatchSubscribeOptions,
    handler: BatchHandler<z.output<S>>,
  ): Promise<Subscription>;
  /** Dead-letter topic subscription, for operators and tests. */
  subscribeDeadLetters(def: EventDefinition, opts: SubscribeOptions, handler: (dl: DeadLetter) => Promise<void>): Promise<Subscription>;
  healthy(): Promise<boolean>;
  close(): Promise<void>;
}

export class BusUnavailableError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'BusUnavailableError';
  }
}

export const EVENT_BUS = Symbol('EVENT_BUS');

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Decodes raw messages for `def`: valid envelopes, and the rest with the reason (to dead-letter at once). */
export function decodeMessages<S extends z.ZodType, M>(
  def: EventDefinition<S>,
  messages: M[],
  valueOf: (m: M) => string,
): { valid: { envelope: EventEnvelope<z.output<S>>; message: M }[]; invalid: { message: M; reason: string }[] } {
  const valid: { envelope: EventEnvelope<z.output<S>>; message: M }[] = [];
  const invalid: { message: M; reason: string }[] = [];
  for (const message of messages) {
    try {
      valid.push({ envelope: parseEnvelope(def, JSON.parse(valueOf(message))), message });
    } catch (err) {
      invalid.push({ message, reason: err instanceof InvalidEventError ? err.message : `Unparseable message: ${(err as Error).message}` });
    }
  }
  return { valid, invalid };
}

/**
 * Runs `fn` up to `maxAttempts` times with doubling delays. Resolves `null` on success, or the
 * dead-letter reason once the attempts are spent.
 */
export async function withBoundedRetries(fn: () => Promise<void>, maxAttempts: number, retryDelayMs: number): Promise<{ reason: string; attempts: number } | null> {
  for (let attempt = 1; ; attempt++) {
    try {
      await fn();
      return null;
    } catch (err) {
      if (attempt >= maxAttempts) return { reason: `Handler failed after ${attempt} attempts: ${(err as Error).message}`, attempts: attempt };
      await sleep(retryDelayMs * 2 ** (attempt - 1));
    }
  }
}

/** A per-event handler as a batch handler (both buses implement `subscribe` this way). */
export function oneByOne<P>(handler: EventHandler<P>): BatchHandler<P> {
  return async (envelopes) => {
    for (const e of envelopes) await handler(e);
  };
}
