import { randomUUID } from 'node:crypto';
import { createEnvelope, deadLetterTopic, type EventDefinition } from '@portcullis/contracts';
import type { z } from 'zod';
import {
  type BatchHandler,
  type BatchSubscribeOptions,
  type DeadLetter,
  type EventBus,
  type EventHandler,
  type PublishOptions,
  type SubscribeOptions,
  type Subscription,
  decodeMessages,
  oneByOne,
  withBoundedRetries,
} from './event-bus';

interface StoredMessage {
  offset: number;
  key: string;
  value: string;
  headers: Record<string, string>;
}

interface GroupState {
  /** Next offset to deliver; a group's position, like a committed Kafka offset. */
  position: number;
  members: Member[];
  running: boolean;
}

interface Member {
  deliver(messages: StoredMessage[]): Promise<void>;
  maxBatch: number;
  closed: boolean;
}

/**
 * In-process bus for embedded mode. A log per topic (messages are kept, as Kafka keeps them, so a
 * late group can start from the beginning); each consumer group has a position and delivers
 * sequentially, which preserves order per key. Delivery is at-least-once: the position moves only
 * after the handler resolves or the message is dead-lettered. Compacted topics keep the latest per key.
 */
export class InProcessEventBus implements EventBus {
  readonly kind = 'in-process' as const;
  private readonly logs = new Map<string, StoredMessage[]>();
  private readonly groups = new Map<string, GroupState>();
  private readonly compacted = new Set<string>();
  private closed = false;

  constructor(private readonly opts: { maxRetained?: number } = {}) {}

  async start(): Promise<void> {}

  async publish<S extends z.ZodType>(def: EventDefinition<S>, payload: z.input<S>, opts: PublishOptions) {
    return (await this.publishMany(def, [{ payload, opts }]))[0]!;
  }

  async publishMany<S extends z.ZodType>(def: EventDefinition<S>, items: { payload: z.input<S>; opts: PublishOptions }[]) {
    if (this.closed) throw new Error('The in-process event bus is closed.');
    const envelopes = items.map((i) => createEnvelope(def, i.payload, i.opts));
    if (def.compacted) this.compacted.add(def.topic);
    for (const env of envelopes) {
      const headers: Record<string, string> = { 'event-type': env.type, 'event-version': String(env.version) };
      if (env.traceparent) headers['traceparent'] = env.traceparent;
      this.append(def.topic, env.key, JSON.stringify(env), headers);
    }
    return envelopes;
  }

  /** Appends a raw message (used by tests to inject malformed data, and for dead letters). */
  append(topic: string, key: string, value: string, headers: Record<string, string> = {}): void {
    const log = this.logs.get(topic) ?? [];
    this.logs.set(topic, log);
    const offset = log.length ? log[log.length - 1]!.offset + 1 : 0;
    log.push({ offset, key, value, headers });
    if (this.compacted.has(topic)) {
      // Keep only the newest message per key among those every group has consumed.
      const minPos = Math.min(...[...this.groupsOf(topic)].map((g) => g.position), offset);
      const latest = new Map<string, number>();
      for (const m of log) latest.set(m.key, m.offset);
      this.logs.set(
        topic,
        log.filter((m) => m.offset >= minPos || latest.get(m.key) === m.offset),
      );
    } else if (this.opts.maxRetained && log.length > this.opts.maxRetained) {
      log.splice(0, log.length - this.opts.maxRetained);
    }
    for (const [name, g] of this.groups) if (name.startsWith(topic + '|')) void this.pump(topic, g);
  }

  private *groupsOf(topic: string): Iterable<GroupState> {
    for (const [name, g] of this.groups) if (name.startsWith(topic + '|')) yield g;
  }

  async subscribe<S extends z.ZodType>(def: EventDefinition<S>, opts: SubscribeOptions, handler: EventHandler<z.output<S>>) {
    return this.subscribeBatch(def, { ...opts, maxBatchSize: 1 }, oneByOne(handler));
  }

  async subscribeBatch<S extends z.ZodType>(
    def: EventDefinition<S>,
    opts: BatchSubscribeOptions,
    handler: BatchHandler<z.output<S>>,
  ): Promise<Subscription> {
    const deliver = async (messages: StoredMessage[]) => {
      // Invalid messages are dead-lettered at once; valid ones go to the handler as a batch.
      const { valid, invalid } = decodeMessages(def, messages, (m) => m.value);
      for (const { message, reason } of invalid) this.deadLetter(def.topic, message, reason, 0);
      if (valid.length === 0) return;
      const failed = await withBoundedRetries(() => handler(valid.map((v) => v.envelope)), opts.maxAttempts ?? 5, opts.retryDelayMs ?? 100);
      if (failed) for (const { message } of valid) this.deadLetter(def.topic, message, failed.reason, failed.attempts);
    };
    return this.join(def.topic, opts, deliver, opts.maxBatchSize ?? 500);
  }

  async subscribeDeadLetters(def: EventDefinition, opts: SubscribeOptions, handler: (dl: DeadLetter) => Promise<void>) {
    const topic = deadLetterTopic(def.topic);
    return this.join(
      topic,
      opts,
      async (messages) => {
        for (const m of messages) {
          const dl: DeadLetter = {
            topic: m.headers['dlq-original-topic'] ?? def.topic,
            reason: m.headers['dlq-reason'] ?? 'unknown',
            attempts: Number(m.headers['dlq-attempts'] ?? 0),
            value: m.value,
          };
          if (m.headers['event-id']) dl.eventId = m.headers['event-id'];
          await handler(dl);
        }
      },
      100,
    );
  }

  private deadLetter(topic: string, m: StoredMessage, reason: string, attempts: number): void {
    const headers: Record<string, string> = {
      'dlq-original-topic': topic,
      'dlq-reason': reason.slice(0, 1000),
      'dlq-attempts': String(attempts),
    };
    try {
      const id = (JSON.parse(m.value) as { eventId?: unknown }).eventId;
      if (typeof id === 'string') headers['event-id'] = id;
    } catch {
      /* the value is not JSON; nothing to extract */
    }
    this.append(deadLetterTopic(topic), m.key, m.value, headers);
  }

  private async join(
    topic: string,
    opts: SubscribeOptions,
    deliver: (messages: StoredMessage[]) => Promise<void>,
    maxBatch: number,
  ): Promise<Subscription> {
    const groupName = `${topic}|${opts.broadcast ? `${opts.group}-${randomUUID()}` : opts.group}`;
    let group = this.groups.get(groupName);
    if (!group) {
      const log = this.logs.get(topic) ?? [];
      const end = log.length ? log[log.length - 1]!.offset + 1 : 0;
      const start = log.length ? log[0]!.offset : 0;
      group = { position: opts.fromBeginning ? start : end, members: [], running: false };
      this.groups.set(groupName, group);
    }
    const member: Member = { deliver, maxBatch, closed: false };
    group.members.push(member);
    void this.pump(topic, group);
    return {
      close: async () => {
        member.closed = true;
        group!.members = group!.members.filter((m) => m !== member);
        if (opts.broadcast) this.groups.delete(groupName);
      },
    };
  }

  private roundRobin = 0;

  private async pump(topic: string, group: GroupState): Promise<void> {
    if (group.running) return;
    group.running = true;
    try {
      for (;;) {
        const members = group.members.filter((m) => !m.closed);
        if (members.length === 0 || this.closed) return;
        const log = this.logs.get(topic) ?? [];
        const pending = log.filter((m) => m.offset >= group.position);
        if (pending.length === 0) return;
        const member = members[this.roundRobin++ % members.length]!;
        const batch = pending.slice(0, member.maxBatch);
        await member.deliver(batch);
        if (member.closed) return; // closed mid-batch: redeliver to the next member (at-least-once)
        group.position = batch[batch.length - 1]!.offset + 1;
      }
    } finally {
      group.running = false;
    }
  }

  async healthy(): Promise<boolean> {
    return !this.closed;
  }

  async close(): Promise<void> {
    this.closed = true;
  }
}
