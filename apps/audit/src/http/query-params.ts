import { z } from 'zod';
import { auditKinds, type AuditKind } from '../domain/record';

/**
 * Query parameters of /api/v1/audit/events and /export, validated strictly: an unknown or malformed
 * parameter is a 400 naming it (a typo such as `users=` must not silently return everything).
 */
const time = z
  .string()
  .refine(
    (v) =>
      /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2}))?$/.test(v) &&
      Number.isFinite(Date.parse(v)),
    {
      error: 'must be an ISO 8601 date or date-time with offset, e.g. 2025-06-01 or 2025-06-01T12:00:00Z',
    },
  )
  .transform((v) => new Date(v));

const text = (max: number) =>
  z
    .string()
    .trim()
    .min(1, { error: 'must not be empty' })
    .max(max, { error: `must be at most ${max} characters` });

const types = z
  .string()
  .transform((v) =>
    v
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean),
  )
  .refine((list) => list.length > 0 && list.every((t) => (auditKinds as readonly string[]).includes(t)), {
    error: `must be one or more of ${auditKinds.join(', ')} (comma-separated)`,
  })
  .transform((list) => list as AuditKind[]);

export const outcomes = [
  'allowed_success',
  'allowed_error',
  'denied',
  'intent',
  'pending',
  'in_flight',
  'unknown',
] as const;

const filterShape = {
  from: time.optional(),
  to: time.optional(),
  type: types.optional(),
  user: text(320).optional(),
  client: text(200).optional(),
  server: text(200).optional(),
  tool: text(200).optional(),
  outcome: z.enum(outcomes, { error: `must be one of ${outcomes.join(', ')}` }).optional(),
  reason: text(200).optional(),
  q: text(200).optional(),
  callId: text(200).optional(),
};

const rangeCheck = (v: { from?: Date; to?: Date }) => !v.from || !v.to || v.from.getTime() < v.to.getTime();
const rangeError = { error: 'from must be earlier than to', path: ['from'] };

export const listQuerySchema = z
  .strictObject({
    ...filterShape,
    view: z.enum(['calls', 'records'], { error: 'must be "calls" or "records"' }).default('calls'),
    order: z.enum(['asc', 'desc'], { error: 'must be "asc" or "desc"' }).default('desc'),
    limit: z.coerce
      .number({ error: 'must be a number' })
      .int()
      .min(1)
      .max(1000, { error: 'must be between 1 and 1000' })
      .default(100),
    cursor: z.string().max(512).optional(),
  })
  .refine(rangeCheck, rangeError);

export const exportQuerySchema = z
  .strictObject({
    ...filterShape,
    format: z.enum(['ndjson', 'csv', 'ocsf'], { error: 'must be ndjson, csv or ocsf' }).default('ndjson'),
    view: z.enum(['calls', 'records'], { error: 'must be "calls" or "records"' }).default('records'),
    order: z.enum(['asc', 'desc'], { error: 'must be "asc" or "desc"' }).default('asc'),
    limit: z.coerce.number({ error: 'must be a number' }).int().min(1).max(100_000_000).optional(),
  })
  .refine(rangeCheck, rangeError);

export const verifyQuerySchema = z
  .strictObject({ from: time.optional(), to: time.optional() })
  .refine(rangeCheck, rangeError);

export type ListQuery = z.output<typeof listQuerySchema>;
export type ExportQuery = z.output<typeof exportQuerySchema>;

export class QueryParamError extends Error {}

export function parseQuery<S extends z.ZodType>(schema: S, raw: unknown): z.output<S> {
  const r = schema.safeParse(raw ?? {});
  if (r.success) return r.data;
  const problems = r.error.issues.map((i) => {
    if (i.code === 'unrecognized_keys') return `unknown parameter(s): ${i.keys.join(', ')}`;
    const name = i.path.length ? String(i.path[0]) : '(query)';
    return `${name}: ${i.code === 'invalid_type' ? 'must be given once, as text' : i.message}`;
  });
  throw new QueryParamError(problems.join('; '));
}

/** The filters that define a result set (what a cursor is bound to). */
export function filterKey(q: Partial<ListQuery>): Record<string, unknown> {
  return {
    from: q.from?.toISOString(),
    to: q.to?.toISOString(),
    type: q.type?.join(','),
    user: q.user,
    client: q.client,
    server: q.server,
    tool: q.tool,
    outcome: q.outcome,
    reason: q.reason,
    q: q.q,
    callId: q.callId,
    view: q.view,
  };
}
