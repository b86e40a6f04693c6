import type { z } from 'zod';
import { type FieldError, ValidationProblem } from './problem';

/** Formats a zod path as `a.b[2].c`, prefixed with where the input came from (e.g. `query.limit`). */
export function fieldPath(path: readonly PropertyKey[], prefix = ''): string {
  let out = prefix;
  for (const p of path) {
    if (typeof p === 'number') out += `[${p}]`;
    else out += out ? `.${String(p)}` : String(p);
  }
  return out || '(body)';
}

export function zodFieldErrors(error: z.ZodError, prefix = ''): FieldError[] {
  const out: FieldError[] = [];
  for (const issue of error.issues) {
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) {
        out.push({
          field: fieldPath([...issue.path, key], prefix),
          message: 'is not a known field; remove it (check the spelling against the API reference).',
        });
      }
      continue;
    }
    out.push({ field: fieldPath(issue.path, prefix), message: issue.message });
  }
  return out;
}

/** Parses `input` with `schema`, or throws a 400 problem naming every bad field. */
export function parseInput<S extends z.ZodType>(
  schema: S,
  input: unknown,
  where: 'body' | 'query' = 'body',
): z.output<S> {
  const r = schema.safeParse(input ?? (where === 'body' ? undefined : {}));
  if (r.success) return r.data;
  const errors = zodFieldErrors(r.error, where === 'query' ? 'query' : '');
  const first = errors[0];
  const detail =
    input === undefined && where === 'body'
      ? 'The request needs a JSON body (Content-Type: application/json).'
      : `${errors.length} ${errors.length === 1 ? 'field is' : 'fields are'} not valid${first ? `, e.g. ${first.field}: ${first.message}` : ''}.`;
  throw new ValidationProblem(detail, errors);
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isUuid(v: string): boolean {
  return UUID.test(v);
}
