import { z } from 'zod';
import { FilterError, validateFilter, type FilterDialect } from './filter';

/**
 * Argument building blocks shared by the tools. Every constraint that can be expressed in JSON
 * Schema (patterns, bounds, enums, `additionalProperties: false`) is, so clients and models see it
 * in `tools/list`; filters additionally run through the grammar check in `filter.ts`. Messages are
 * written for the model that has to fix its call.
 */

export const USER_ID_RE = /^00u[0-9A-Za-z]{17}$/;
export const GROUP_ID_RE = /^00g[0-9A-Za-z]{17}$/;
export const APP_ID_RE = /^0oa[0-9A-Za-z]{17}$/;
/** An Okta login: email-style or a plain login string; starts alphanumeric (rules out `.`/`..`). */
const LOGIN_RE = /^[A-Za-z0-9][A-Za-z0-9._%+'@-]{0,99}$/;

export const userId = () =>
  z
    .string()
    .regex(
      USER_ID_RE,
      'must be an Okta user id: "00u" followed by 17 letters/digits (use get_user or list_users to find it)',
    );

export const groupId = () =>
  z
    .string()
    .regex(
      GROUP_ID_RE,
      'must be an Okta group id: "00g" followed by 17 letters/digits (use list_groups to find it)',
    );

export const appId = () =>
  z
    .string()
    .regex(
      APP_ID_RE,
      'must be an Okta app id: "0oa" followed by 17 letters/digits (use list_apps to find it)',
    );

/** A user id or login (email-style). `me` is refused here: `whoami` is the tool for that. */
export const userRef = () =>
  z
    .string()
    .min(1)
    .max(100)
    .regex(
      LOGIN_RE,
      'must be an Okta user id (00u…) or a login such as "jane.doe@example.com" (no spaces, quotes or slashes)',
    )
    .refine((v) => v.toLowerCase() !== 'me', { message: 'use the whoami tool for the signed-in user' })
    .describe('Okta user id (00u…) or login (e.g. "jane.doe@example.com").');

export const limit = (def = 20) =>
  z
    .number()
    .int('limit must be a whole number')
    .min(1, 'limit must be between 1 and 200')
    .max(200, 'limit must be between 1 and 200')
    .default(def)
    .describe(`Maximum number of results to return (1–200, default ${def}).`);

export const cursor = () =>
  z
    .string()
    .min(1)
    .max(512)
    .regex(/^[A-Za-z0-9._~:=+-]+$/, 'must be the nextCursor value from a previous result, unchanged')
    .describe('Pagination cursor: the nextCursor of the previous page. Repeat the same filter arguments.');

export const full = () =>
  z
    .boolean()
    .default(false)
    .describe('Return the complete Okta objects instead of the concise summary fields.');

/** Free-text `q` keyword search. */
export const keyword = (max = 64) =>
  z
    .string()
    .trim()
    .min(1)
    .max(max, `must be at most ${max} characters`)
    .regex(/^[^\u0000-\u001f\u007f"\\]+$/, 'must not contain quotes, backslashes or control characters');

/** A filter/search expression validated by the grammar in filter.ts. */
export const expression = (dialect: FilterDialect, example: string) =>
  z
    .string()
    .max(512, 'must be at most 512 characters')
    .superRefine((value, ctx) => {
      try {
        validateFilter(value, dialect);
      } catch (err) {
        ctx.addIssue({
          code: 'custom',
          message:
            err instanceof FilterError ? `invalid ${dialect.label}: ${err.message}` : 'invalid expression',
        });
      }
    })
    .describe(`Okta ${dialect.label} expression, e.g. ${example}. Values in double quotes.`);

/** Canonical form of a validated expression (the text actually sent to Okta). */
export function canonicalExpression(value: string | undefined, dialect: FilterDialect): string | undefined {
  return value === undefined ? undefined : validateFilter(value, dialect);
}

export const isoDateTime = () =>
  z
    .string()
    .regex(
      /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,3})?(?:Z|[+-]\d{2}:\d{2})$/,
      'must be an ISO 8601 date-time such as 2025-01-31T00:00:00Z',
    )
    .refine((v) => Number.isFinite(Date.parse(v)), { message: 'is not a real date-time' });

/** Profile attribute values the tools accept for writes: scalars and string arrays, bounded. */
const profileValue = z.union([
  z
    .string()
    .max(1024)
    .regex(/^[^\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]*$/, 'must not contain control characters'),
  z.number().finite(),
  z.boolean(),
  z.null(),
  z.array(z.string().max(1024)).max(50),
]);

export const profileAttributes = () =>
  z
    .record(z.string().regex(/^[A-Za-z][A-Za-z0-9_]{0,63}$/), profileValue, {
      error: (iss) =>
        iss.code === 'invalid_key'
          ? 'attribute names are letters, digits and underscores (max 64)'
          : undefined,
    })
    .refine((o) => Object.keys(o).length <= 50, { message: 'at most 50 attributes per call' });

export const confirmationToken = () =>
  z
    .string()
    .max(1024)
    .regex(/^[A-Za-z0-9._-]+$/, 'must be the confirmationToken returned by the first call, unchanged')
    .optional()
    .describe(
      'Leave empty on the first call. The first call returns a confirmationToken after explaining the effect; ' +
        'after the human user explicitly agrees, call again with identical arguments plus this token.',
    );
