import type { EventDefinition } from '@portcullis/contracts';
import type { BatchHandler, BatchSubscribeOptions, DeadLetter, EventBus, EventHandler, PublishOptions, SubscribeOptions } from '@portcullis/messaging';
import type { Metrics } from '@portcullis/observability';
import type { z } from 'zod';

/** Wraps a bus with RED-style metrics: published, consumed (ok/error) and handling lag per topic. */
export class InstrumentedEventBus implements EventBus {
  constructor(
    readonly inner: EventBus,
    private readonly metrics: Metrics,
    private readonly service: string,
  ) {}

  get kind() {
    return this.inner.kind;
  }

  start() {
    return this.inner.start();
  }

  async publish<S extends z.ZodType>(def: EventDefinition<S>, payload: z.input<S>, opts: PublishOptions) {
    const env = await this.inner.publish(def, payload, opts);
    this.metrics.eventsPublished.inc({ service: this.service, topic: def.topic });
    return env;
  }

  async publishMany<S extends z.ZodType>(def: EventDefinition<S>, items: { payload: z.input<S>; opts: PublishOptions }[]) {
    const envs = await this.inner.publishMany(def, items);
    this.metrics.eventsPublished.inc({ service: this.service, topic: def.topic }, envs.length);
    return envs;
  }

  subscribe<S extends z.ZodType>(def: EventDefinition<S>, opts: SubscribeOptions, handler: EventHandler<z.output<S>>) {
    return this.subscribeBatch(def, { ...opts, maxBatchSize: 1 }, async (envs) => {
      for (const e of envs) await handler(e);
    });
  }

  subscribeBatch<S extends z.ZodType>(
    def: EventDefinition<S>,
    opts: BatchSubscribeOptions,
    handler: BatchHandler<z.output<S>>,
  ) {
    const labels = { service: this.service, topic: def.topic, group: opts.group };
    return this.inner.subscribeBatch(def, opts, async (envs) => {
      try {
        await handler(envs);
      } catch (err) {
        this.metrics.eventsConsumed.inc({ ...labels, outcome: 'error' }, envs.length);
        throw err;
      }
      this.metrics.eventsConsumed.inc({ ...labels, outcome: 'ok' }, envs.length);
      const newest = envs[envs.length - 1];
      if (newest) this.metrics.consumerLag.set(labels, Math.max(0, (Date.now() - Date.parse(newest.occurredAt)) / 1000));
    });
  }

  subscribeDeadLetters(def: EventDefinition, opts: SubscribeOptions, handler: (dl: DeadLetter) => Promise<void>) {
    return this.inner.subscribeDeadLetters(def, opts, async (dl) => {
      this.metrics.eventsDeadLettered.inc({ service: this.service, topic: def.topic });
      await handler(dl);
    });
  }

  healthy() {
    return this.inner.healthy();
  }

  close() {
    return this.inner.close();
  }
}
