import { type EventDefinition, type EventEnvelope } from '@portcullis/contracts';
import { KafkaEventBus } from '@portcullis/messaging';
import { eventually } from '@portcullis/testing';
import type { z } from 'zod';

/** A test-side bus client that records every event of the given types (for assertions) and can publish. */
export class BusRecorder {
  readonly bus: KafkaEventBus;
  private readonly seen = new Map<string, EventEnvelope[]>();

  constructor(brokers: string[], topicPrefix: string, clientId = 'governance-test') {
    this.bus = new KafkaEventBus({ brokers, clientId, topicPrefix, numPartitions: 1 });
  }

  async start(defs: EventDefinition[]): Promise<this> {
    await this.bus.start();
    await Promise.all(
      defs.map((def) =>
        this.bus.subscribe(
          def,
          { group: `recorder-${def.type}`, broadcast: true, fromBeginning: true },
          async (e) => {
            this.seen.set(def.type, [...(this.seen.get(def.type) ?? []), e]);
          },
        ),
      ),
    );
    return this;
  }

  events<S extends z.ZodType>(def: EventDefinition<S>): EventEnvelope<z.output<S>>[] {
    return (this.seen.get(def.type) ?? []) as EventEnvelope<z.output<S>>[];
  }

  async waitFor<S extends z.ZodType>(
    def: EventDefinition<S>,
    what: string,
    pred: (e: EventEnvelope<z.output<S>>) => boolean,
    timeoutMs = 20_000,
  ): Promise<EventEnvelope<z.output<S>>> {
    return eventually(what, async () => this.events(def).find(pred), timeoutMs, 50);
  }

  close(): Promise<void> {
    return this.bus.close();
  }
}
