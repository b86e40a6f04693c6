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
 * One topic's messages. Uncompacted, `messages[i]` has offset `base + i`, so reads and appends are
 * O(1) by offset; a compacted log is sparse and read by filtering. `next` is the next offset to assign.
 */
interface TopicLog {
  base: number;
  next: number;
  messages: StoredMessage[];
}

/**
 * In-process bus for embedded mode. A log per topic (messages are kept, as Kafka keeps them, so a
 * late group can start from the beginning); each consumer group has a position and delivers
 * sequentially, which preserves order per key. Delivery is at-least-once: the position moves only
 * after the handler resolves or the message is dead-lettered. Compacted topics keep the latest per key.
 *
 * Retention (`maxRetained`) only ever drops messages every active group has consumed: a consumer
 * that falls behind (audit ingest during a burst) finds its backlog intact, however long it is.
 */
export class InProcessEventBus implements EventBus {
  readonly kind = 'in-process' as const;
  private readonly logs = new Map<string, TopicLog>();
  private readonly groups = new Map<string, GroupState>();
  /** Consumer groups by topic, so an append wakes only that topic's groups. */
  private readonly groupsByTopic = new Map<string, Set<GroupState>>();
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
      this.store(def.topic, env.key, JSON.stringify(env), headers);
    }
    this.wake(def.topic);
    return envelopes;
  }

  /** Appends a raw message (used by tests to inject malformed data, and for dead letters). */
  append(topic: string, key: string, value: string, headers: Record<string, string> = {}): void {
    this.store(topic, key, value, headers);
    this.wake(topic);
  }

  private logOf(topic: string): TopicLog {
    let log = this.logs.get(topic);
    if (!log) this.logs.set(topic, (log = { base: 0, next: 0, messages: [] }));
    return log;
  }

  private store(topic: string, key: string, value: string, headers: Record<string, string>): void {
    const log = this.logOf(topic);
    const offset = log.next++;
    log.messages.push({ offset, key, value, headers });
    if (this.compacted.has(topic)) this.compact(topic, log);
    else if (this.opts.maxRetained) this.trim(topic, log, this.opts.maxRetained);
  }

  /** The lowest position among groups with live members: nothing at or after it may be dropped. */
  private consumedBy(topic: string, end: number): number {
    let min = end;
    for (const g of this.groupsByTopic.get(topic) ?? []) if (g.members.length > 0 && g.position < min) min = g.position;
    return min;
  }

  private trim(topic: string, log: TopicLog, maxRetained: number): void {
    const excess = log.messages.length - maxRetained;
    // Drop in chunks (a tenth of the retention at a time) so appending stays O(1) amortised.
    if (excess < Math.max(1, maxRetained / 10)) return;
    const droppable = Math.min(excess, this.consumedBy(topic, log.next) - log.base);
    if (droppable <= 0) return;
    log.messages.splice(0, droppable);
    log.base += droppable;
  }

  /** Keeps only the newest message per key among those every group has consumed. */
  private compact(topic: string, log: TopicLog): void {
    const minPos = this.consumedBy(topic, log.next);
    const latest = new Map<string, number>();
    for (const m of log.messages) latest.set(m.key, m.offset);
    const kept = log.messages.filter((m) => m.offset >= minPos || latest.get(m.key) === m.offset);
    if (kept.length === log.messages.length) return;
    // Offsets stay as they were; the log becomes sparse below the slowest group's position.
    log.messages = kept;
    log.base = kept.length ? kept[0]!.offset : log.base;
  }

  private wake(topic: string): void {
    for (const g of this.groupsByTopic.get(topic) ?? []) void this.pump(topic, g);
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
      const log = this.logOf(topic);
      group = { position: opts.fromBeginning ? log.base : log.next, members: [], running: false };
      this.groups.set(groupName, group);
      const ofTopic = this.groupsByTopic.get(topic) ?? new Set<GroupState>();
      this.groupsByTopic.set(topic, ofTopic.add(group));
    }
    const member: Member = { deliver, maxBatch, closed: false };
    group.members.push(member);
    void this.pump(topic, group);
    return {
      close: async () => {
        member.closed = true;
        group!.members = group!.members.filter((m) => m !== member);
        if (opts.broadcast) {
          this.groups.delete(groupName);
          this.groupsByTopic.get(topic)?.delete(group!);
        }
      },
    };
  }

  private roundRobin = 0;

  /** Up to `max` messages at or after `position` (a position before the retained log starts at its head). */
  private pending(topic: string, position: number, max: number): StoredMessage[] {
    const log = this.logOf(topic);
    if (this.compacted.has(topic)) return log.messages.filter((m) => m.offset >= position).slice(0, max);
    const from = Math.max(0, position - log.base);
    return log.messages.slice(from, from + max);
  }

  private async pump(topic: string, group: GroupState): Promise<void> {
    if (group.running) return;
    group.running = true;
    try {
      for (;;) {
        const members = group.members.filter((m) => !m.closed);
        if (members.length === 0 || this.closed) return;
        const member = members[this.roundRobin++ % members.length]!;
        const batch = this.pending(topic, group.position, member.maxBatch);
        if (batch.length === 0) return;
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
