import { randomUUID } from 'node:crypto';
import { ALL_EVENTS, createEnvelope, deadLetterTopic, type EventDefinition } from '@portcullis/contracts';
import type { Admin, Consumer, EachBatchPayload, Kafka, KafkaConfig, KafkaMessage, Producer, SASLOptions } from 'kafkajs';
import type { z } from 'zod';
import {
  type BatchHandler,
  type BatchSubscribeOptions,
  BusUnavailableError,
  type DeadLetter,
  type EventBus,
  type EventHandler,
  type PublishOptions,
  type SubscribeOptions,
  type Subscription,
  decodeMessages,
  oneByOne,
  sleep,
  withBoundedRetries,
} from './event-bus';

export interface KafkaBusOptions {
  brokers: string[];
  clientId: string;
  /** Prepended to every topic name (lets several test runs share one broker). */
  topicPrefix?: string;
  ssl?: boolean;
  sasl?: { mechanism: 'plain' | 'scram-sha-256' | 'scram-sha-512'; username: string; password: string };
  /** Topic creation defaults; a single-node broker needs replicationFactor 1. */
  numPartitions?: number;
  replicationFactor?: number;
  /** How long a publish may wait for the brokers' acknowledgement before failing. */
  publishTimeoutMs?: number;
  logger?: { warn(obj: object, msg: string): void; error(obj: object, msg: string): void };
  /** Extra definitions whose topics are created on start (beyond ALL_EVENTS). */
  extraEvents?: readonly EventDefinition[];
}

/** Our own deadline for a send passed (kafkajs may still be retrying it). */
class PublishDeadlineError extends Error {}

let kafkajsModule: typeof import('kafkajs') | undefined;

/** kafkajs, loaded on first use: the embedded host never needs it, and loading it costs start-up time. */
function kafkajs(): typeof import('kafkajs') {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- deliberate lazy load (see above)
  return (kafkajsModule ??= require('kafkajs') as typeof import('kafkajs'));
}

/**
 * Kafka implementation (kafkajs). Idempotent producer with acks=all; topics (and dead-letter
 * topics) created on start; consumer groups with manual commits after the handler resolves, so a
 * crash re-delivers instead of losing; bounded retries then dead-letter; `traceparent` in headers.
 */
export class KafkaEventBus implements EventBus {
  readonly kind = 'kafka' as const;
  private readonly kafka: Kafka;
  private producer?: Producer;
  /** The last send queued: publishes wait for it, so sends run one at a time (see publishMany). */
  private sendQueue: Promise<unknown> = Promise.resolve();
  /** Bumped when the producer is replaced: sends queued before that do not run on the new one. */
  private producerGeneration = 0;
  private admin?: Admin;
  private readonly consumers = new Set<Consumer>();
  private started?: Promise<void>;
  private readonly prefix: string;

  constructor(private readonly opts: KafkaBusOptions) {
    this.prefix = opts.topicPrefix ?? '';
    const config: KafkaConfig = {
      clientId: opts.clientId,
      brokers: opts.brokers,
      ssl: opts.ssl ?? false,
      logLevel: kafkajs().logLevel.NOTHING,
      connectionTimeout: 3000,
      requestTimeout: 10000,
      retry: { initialRetryTime: 200, retries: 8, maxRetryTime: 5000 },
    };
    if (opts.sasl) config.sasl = opts.sasl as SASLOptions;
    this.kafka = new (kafkajs().Kafka)(config);
  }

  topic(def: EventDefinition): string {
    return this.prefix + def.topic;
  }

  start(): Promise<void> {
    this.started ??= this.startWithRetries().catch((err) => {
      this.started = undefined;
      throw new BusUnavailableError(`Cannot reach Kafka at ${this.opts.brokers.join(',')}: ${(err as Error).message}`, {
        cause: err,
      });
    });
    return this.started;
  }

  /**
   * Replicas and services start together: while another client is creating the same topics the
   * broker can briefly answer "does not host this topic-partition". Such errors are retried.
   */
  private async startWithRetries(): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.doStart();
      } catch (err) {
        const retriable = (err as { retriable?: boolean }).retriable === true || /topic-partition|already exists|leader/i.test(String((err as Error).message));
        if (!retriable || attempt >= 6) throw err;
        await this.admin?.disconnect().catch(() => undefined);
        await sleep(250 * attempt);
      }
    }
  }

  private async doStart(): Promise<void> {
    this.admin = this.kafka.admin();
    await this.admin.connect();
    const defs = [...ALL_EVENTS, ...(this.opts.extraEvents ?? [])];
    const existing = new Set(await this.admin.listTopics());
    const wanted = defs.flatMap((d) => [
      { topic: this.topic(d), compacted: d.compacted },
      { topic: deadLetterTopic(this.topic(d)), compacted: false },
    ]);
    const missing = wanted.filter((t) => !existing.has(t.topic));
    if (missing.length) {
      await this.admin.createTopics({
        waitForLeaders: true,
        topics: missing.map((t) => ({
          topic: t.topic,
          numPartitions: this.opts.numPartitions ?? 3,
          replicationFactor: this.opts.replicationFactor ?? 1,
          configEntries: t.compacted ? [{ name: 'cleanup.policy', value: 'compact' }] : [],
        })),
      });
    }
    this.producer = this.newProducer();
    await this.producer.connect();
  }

  private newProducer(): Producer {
    return this.kafka.producer({
      idempotent: true,
      maxInFlightRequests: 5,
      allowAutoTopicCreation: false,
      retry: { retries: 10, initialRetryTime: 100, maxRetryTime: 2000 },
    });
  }

  async publish<S extends z.ZodType>(def: EventDefinition<S>, payload: z.input<S>, opts: PublishOptions) {
    return (await this.publishMany(def, [{ payload, opts }]))[0]!;
  }

  async publishMany<S extends z.ZodType>(def: EventDefinition<S>, items: { payload: z.input<S>; opts: PublishOptions }[]) {
    // Validate everything first: an invalid event never reaches the broker.
    const envelopes = items.map((i) => createEnvelope(def, i.payload, i.opts));
    await this.start();
    const deadline = this.opts.publishTimeoutMs ?? 15000;
    let timer: NodeJS.Timeout | undefined;
    let abandoned = false;
    const generation = this.producerGeneration;
    // One send at a time. kafkajs numbers an idempotent batch when it builds the request and takes
    // the numbers back if the request fails; a send running alongside can then be given numbers that
    // a failed-but-written batch already holds, and the broker drops it as a duplicate while kafkajs
    // reports success: an acknowledged event that is not in Kafka (seen once in the broker-crash
    // test). In turn, the batch's own retries finish before the next batch is numbered.
    const turn = this.sendQueue.then(async () => {
      if (abandoned) return; // its caller already gave up: never written after "not acknowledged"
      // Queued behind a send that was abandoned, whose producer has since been replaced: running now
      // would send alongside the new producer's queue.
      if (generation !== this.producerGeneration) throw new Error('the Kafka producer was replaced after a failed send; retry');
      await this.producer!.send({
        topic: this.topic(def),
        acks: -1,
        compression: kafkajs().CompressionTypes.None,
        messages: envelopes.map((e) => ({
          key: e.key,
          value: JSON.stringify(e),
          headers: {
            'event-id': e.eventId,
            'event-type': e.type,
            'event-version': String(e.version),
            'tenant-id': e.tenantId,
            ...(e.traceparent ? { traceparent: e.traceparent } : {}),
          },
        })),
      });
    });
    this.sendQueue = turn.catch(() => undefined);
    try {
      await Promise.race([
        turn,
        new Promise((_, reject) => {
          timer = setTimeout(() => reject(new PublishDeadlineError(`no acknowledgement within ${deadline} ms`)), deadline);
        }),
      ]);
    } catch (err) {
      abandoned = true;
      // A send abandoned at the deadline may still be retrying inside kafkajs: later sends go through
      // a new producer (a new producer id numbers its batches afresh) and no longer wait for it.
      // After a broker crash the producer's sequence state can also be stale
      // (OUT_OF_ORDER_SEQUENCE_NUMBER / UNKNOWN_PRODUCER_ID): a fresh producer gets a new id too.
      if (err instanceof PublishDeadlineError || /out of order sequence|OUT_OF_ORDER_SEQUENCE|UNKNOWN_PRODUCER|producer.*fenced|INVALID_PRODUCER/i.test(String((err as Error).message))) {
        this.sendQueue = Promise.resolve();
        await this.resetProducer();
      }
      throw new BusUnavailableError(`Kafka did not acknowledge ${def.type}: ${(err as Error).message}`, { cause: err });
    } finally {
      clearTimeout(timer);
    }
    return envelopes;
  }

  private async resetProducer(): Promise<void> {
    this.producerGeneration++;
    const old = this.producer;
    this.producer = this.newProducer();
    await old?.disconnect().catch(() => undefined);
    await this.producer.connect().catch(() => undefined);
  }

  async subscribe<S extends z.ZodType>(def: EventDefinition<S>, opts: SubscribeOptions, handler: EventHandler<z.output<S>>) {
    return this.subscribeBatch(def, { ...opts, maxBatchSize: 1 }, oneByOne(handler));
  }

  async subscribeBatch<S extends z.ZodType>(
    def: EventDefinition<S>,
    opts: BatchSubscribeOptions,
    handler: BatchHandler<z.output<S>>,
  ): Promise<Subscription> {
    const topic = this.topic(def);
    const maxBatch = opts.maxBatchSize ?? 500;
    return this.consume(topic, opts, opts.maxBytesPerPartition, async (messages) => {
      // Decoded chunk by chunk, so only the chunk being handled is held as envelopes (a large fetch
      // holds thousands of messages).
      for (let i = 0; i < messages.length; i += maxBatch) {
        const { valid: chunk, invalid } = decodeMessages(def, messages.slice(i, i + maxBatch), (m) => m.value?.toString('utf8') ?? 'null');
        for (const { message, reason } of invalid) await this.deadLetter(topic, message, reason, 0);
        if (chunk.length === 0) continue;
        const failed = await withBoundedRetries(() => handler(chunk.map((c) => c.envelope)), opts.maxAttempts ?? 5, opts.retryDelayMs ?? 100);
        if (failed) {
          for (const { message } of chunk) await this.deadLetter(topic, message, failed.reason, failed.attempts);
          this.opts.logger?.error({ topic, reason: failed.reason }, 'events dead-lettered');
        }
      }
    });
  }

  async subscribeDeadLetters(def: EventDefinition, opts: SubscribeOptions, handler: (dl: DeadLetter) => Promise<void>) {
    return this.consume(deadLetterTopic(this.topic(def)), opts, undefined, async (messages) => {
      for (const m of messages) {
        const h = (k: string) => m.headers?.[k]?.toString();
        const dl: DeadLetter = {
          topic: h('dlq-original-topic') ?? this.topic(def),
          reason: h('dlq-reason') ?? 'unknown',
          attempts: Number(h('dlq-attempts') ?? 0),
          value: m.value?.toString('utf8') ?? '',
        };
        const eventId = h('event-id');
        if (eventId) dl.eventId = eventId;
        await handler(dl);
      }
    });
  }

  /** Raw publish for tests and tools that must put bytes on a topic (e.g. a malformed message). */
  async publishRaw(def: EventDefinition, key: string, value: string): Promise<void> {
    await this.start();
    await this.producer!.send({ topic: this.topic(def), acks: -1, messages: [{ key, value }] });
  }

  private async deadLetter(topic: string, m: KafkaMessage, reason: string, attempts: number): Promise<void> {
    const headers: Record<string, string> = {
      'dlq-original-topic': topic,
      'dlq-reason': reason.slice(0, 1000),
      'dlq-attempts': String(attempts),
      'dlq-at': new Date().toISOString(),
    };
    const eventId = m.headers?.['event-id']?.toString();
    if (eventId) headers['event-id'] = eventId;
    await this.start();
    await this.producer!.send({
      topic: deadLetterTopic(topic),
      acks: -1,
      messages: [{ key: m.key, value: m.value, headers }],
    });
  }

  private async consume(
    topic: string,
    opts: SubscribeOptions,
    maxBytesPerPartition: number | undefined,
    process: (messages: KafkaMessage[]) => Promise<void>,
  ): Promise<Subscription> {
    await this.start();
    // One Kafka consumer group per (logical group, topic): kafkajs assigns partitions across a group's
    // members assuming they all subscribe to the same topics, so a service consuming several topics
    // under one logical group gets a group per topic.
    const base = `${opts.group}.${topic}`;
    const groupId = opts.broadcast ? `${base}.${randomUUID()}` : base;
    const consumer = this.kafka.consumer({
      groupId,
      sessionTimeout: 10000,
      heartbeatInterval: 1000,
      rebalanceTimeout: 10000,
      maxWaitTimeInMs: 100,
      ...(maxBytesPerPartition ? { maxBytesPerPartition, maxBytes: Math.max(10 * 1024 * 1024, 3 * maxBytesPerPartition) } : {}),
      retry: { retries: Number.MAX_SAFE_INTEGER, initialRetryTime: 300, maxRetryTime: 5000 },
    });
    this.consumers.add(consumer);
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: opts.fromBeginning ?? false });
    await consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: 3,
      eachBatch: async ({ batch, resolveOffset, heartbeat, isRunning, isStale }: EachBatchPayload) => {
        if (!isRunning() || isStale() || batch.messages.length === 0) return;
        await process(batch.messages);
        const last = batch.messages[batch.messages.length - 1]!.offset;
        resolveOffset(last);
        // Commit only now that the handler has made the batch durable: a crash before this line
        // re-delivers the batch (at-least-once) rather than losing it.
        await consumer.commitOffsets([{ topic: batch.topic, partition: batch.partition, offset: (BigInt(last) + 1n).toString() }]);
        await heartbeat();
      },
    });
    return {
      close: async () => {
        this.consumers.delete(consumer);
        await consumer.disconnect().catch(() => undefined);
        if (opts.broadcast) await this.admin?.deleteGroups([groupId]).catch(() => undefined);
      },
    };
  }

  /**
   * Reachable and serving this bus's topics: the metadata of ONE of its own topics. (Cluster-wide
   * metadata lists every topic on the brokers, which on a shared cluster with thousands of topics
   * took longer than the probe allows, so every service reported Kafka down.)
   */
  async healthy(): Promise<boolean> {
    try {
      await this.start();
      await Promise.race([
        this.admin!.fetchTopicMetadata({ topics: [this.topic(ALL_EVENTS[0]!)] }),
        new Promise((_, rej) => setTimeout(() => rej(new Error('timeout')), 2000)),
      ]);
      return true;
    } catch {
      return false;
    }
  }

  async close(): Promise<void> {
    await Promise.all([...this.consumers].map((c) => c.disconnect().catch(() => undefined)));
    this.consumers.clear();
    await this.producer?.disconnect().catch(() => undefined);
    await this.admin?.disconnect().catch(() => undefined);
    this.started = undefined;
  }
}
