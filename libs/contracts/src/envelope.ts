import { randomUUID } from 'node:crypto';
import { z } from 'zod';

/**
 * Every event on the Portcullis bus is a versioned, schema-validated envelope. Producers validate
 * before publishing (a bad event never leaves the process); consumers validate again and dead-letter
 * what does not parse. Topic names: `portcullis.<domain>.<event>.v<N>`.
 */
export const envelopeSchema = z.object({
  eventId: z.uuid(),
  type: z.string().regex(/^[a-z]+\.[a-z][a-z-]*$/),
  version: z.number().int().min(1),
  tenantId: z.string().min(1).max(63),
  occurredAt: z.iso.datetime({ offset: true }),
  traceparent: z.string().optional(),
  key: z.string().min(1).max(512),
  payload: z.unknown(),
});

export interface EventEnvelope<P = unknown> {
  eventId: string;
  type: string;
  version: number;
  tenantId: string;
  occurredAt: string;
  traceparent?: string;
  /** Partition key: events with the same key are delivered in order. */
  key: string;
  payload: P;
}

export interface EventDefinition<S extends z.ZodType = z.ZodType> {
  readonly type: string;
  readonly version: number;
  readonly topic: string;
  readonly payload: S;
  /** Derives the partition key from the payload (ordering is guaranteed per key). */
  readonly keyOf: (payload: z.output<S>, tenantId: string) => string;
  /** Compacted topics keep the latest event per key (e.g. policy snapshots). */
  readonly compacted: boolean;
}

export type PayloadOf<D> = D extends EventDefinition<infer S> ? z.output<S> : never;

export function defineEvent<S extends z.ZodType>(spec: {
  type: string;
  version: number;
  payload: S;
  keyOf: (payload: z.output<S>, tenantId: string) => string;
  compacted?: boolean;
}): EventDefinition<S> {
  if (!/^[a-z]+\.[a-z][a-z-]*$/.test(spec.type)) throw new Error(`Event type "${spec.type}" must be "<domain>.<event>"`);
  return {
    type: spec.type,
    version: spec.version,
    topic: topicName(spec.type, spec.version),
    payload: spec.payload,
    keyOf: spec.keyOf,
    compacted: spec.compacted ?? false,
  };
}

export function topicName(type: string, version: number): string {
  return `portcullis.${type}.v${version}`;
}

export function deadLetterTopic(topic: string): string {
  return `${topic}.dlq`;
}

export class InvalidEventError extends Error {
  constructor(
    readonly eventType: string,
    readonly issues: string[],
  ) {
    super(`Invalid ${eventType} event: ${issues.join('; ')}`);
    this.name = 'InvalidEventError';
  }
}

function describeIssues(error: z.ZodError): string[] {
  return error.issues.map((i) => `${i.path.length ? i.path.join('.') : '(root)'}: ${i.message}`);
}

/** Builds and validates an envelope for publishing. Throws InvalidEventError naming every bad field. */
export function createEnvelope<S extends z.ZodType>(
  def: EventDefinition<S>,
  payload: z.input<S>,
  meta: { tenantId: string; traceparent?: string; key?: string; eventId?: string; occurredAt?: Date },
): EventEnvelope<z.output<S>> {
  const parsed = def.payload.safeParse(payload);
  if (!parsed.success) throw new InvalidEventError(def.type, describeIssues(parsed.error));
  const envelope: EventEnvelope<z.output<S>> = {
    eventId: meta.eventId ?? randomUUID(),
    type: def.type,
    version: def.version,
    tenantId: meta.tenantId,
    occurredAt: (meta.occurredAt ?? new Date()).toISOString(),
    key: meta.key ?? def.keyOf(parsed.data, meta.tenantId),
    payload: parsed.data,
  };
  if (meta.traceparent) envelope.traceparent = meta.traceparent;
  // The envelope is built here from the definition and a validated payload: only the caller's
  // inputs need checking, with the rules of `envelopeSchema` (cheaper than parsing the whole
  // envelope again, on the gateway's hot path twice per tool call).
  const issues = envelopeInputIssues(envelope, meta.eventId !== undefined);
  if (issues.length) throw new InvalidEventError(def.type, issues);
  return envelope;
}

/** zod's UUID rule (`z.uuid()`), so producers accept exactly what consumers' `envelopeSchema` does. */
const UUID = /^([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[1-8][0-9a-fA-F]{3}-[89abAB][0-9a-fA-F]{3}-[0-9a-fA-F]{12}|00000000-0000-0000-0000-000000000000|ffffffff-ffff-ffff-ffff-ffffffffffff)$/;

function envelopeInputIssues(e: EventEnvelope, callerEventId: boolean): string[] {
  const issues: string[] = [];
  if (callerEventId && !UUID.test(e.eventId)) issues.push('eventId: must be a UUID');
  if (typeof e.tenantId !== 'string' || e.tenantId.length < 1 || e.tenantId.length > 63) issues.push('tenantId: must be 1–63 characters');
  if (typeof e.key !== 'string' || e.key.length < 1 || e.key.length > 512) issues.push('key: must be 1–512 characters');
  if (e.traceparent !== undefined && typeof e.traceparent !== 'string') issues.push('traceparent: must be a string');
  return issues;
}

/** Parses a received message (already JSON-decoded) against the definition. */
export function parseEnvelope<S extends z.ZodType>(def: EventDefinition<S>, raw: unknown): EventEnvelope<z.output<S>> {
  const env = envelopeSchema.safeParse(raw);
  if (!env.success) throw new InvalidEventError(def.type, describeIssues(env.error));
  if (env.data.type !== def.type || env.data.version !== def.version) {
    throw new InvalidEventError(def.type, [
      `envelope says ${env.data.type} v${env.data.version}, expected ${def.type} v${def.version}`,
    ]);
  }
  const payload = def.payload.safeParse(env.data.payload);
  if (!payload.success) throw new InvalidEventError(def.type, describeIssues(payload.error));
  return { ...env.data, payload: payload.data } as EventEnvelope<z.output<S>>;
}
