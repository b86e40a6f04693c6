import { Errors } from '../core/errors';
import {
  compileFilter,
  FilterSyntaxError,
  parseFilter,
  type Accessor,
  type CompareOp,
  type FilterNode,
  collectComparisons,
  hasNot,
} from '../core/filter-parser';
import type { SimContext } from '../server/context';
import type { SimRequest } from '../server/http';
import type { Authorizer } from './authz';

export interface ApiDeps {
  ctx: SimContext;
  authz: Authorizer;
}

/** Parses a JSON request body; malformed JSON → 400 E0000003 like Okta. Empty body → `{}`. */
export function readJson(req: SimRequest): Record<string, unknown> {
  if (!req.body || req.body.length === 0) return {};
  let v: unknown;
  try {
    v = JSON.parse(req.body.toString('utf8'));
  } catch {
    throw Errors.malformedBody();
  }
  if (!v || typeof v !== 'object' || Array.isArray(v)) throw Errors.malformedBody();
  return v as Record<string, unknown>;
}

export function boolParam(req: SimRequest, name: string, def: boolean): boolean {
  const v = req.query.get(name);
  if (v === null || v === '') return def;
  return v.toLowerCase() === 'true';
}

export interface ExpressionRules {
  /** Attribute allowed? (exact names or prefixes ending in '.') */
  attributes: (attr: string) => boolean;
  /** Operators allowed for an attribute. */
  operators: (attr: string, op: CompareOp | 'pr') => boolean;
  allowNot?: boolean;
}

/**
 * Parses + validates a `filter`/`search` expression against an endpoint's rules and compiles it.
 * Every failure — syntax, unknown attribute, unsupported operator — is Okta's 400 E0000031.
 */
export function compileExpression<T>(
  expression: string,
  rules: ExpressionRules,
  resolve: (attr: string) => Accessor<T> | undefined,
): (obj: T) => boolean {
  let ast: FilterNode;
  try {
    ast = parseFilter(expression);
  } catch (e) {
    if (e instanceof FilterSyntaxError) throw Errors.invalidSearch();
    throw e;
  }
  if (rules.allowNot === false && hasNot(ast)) throw Errors.invalidSearch();
  for (const c of collectComparisons(ast)) {
    if (!rules.attributes(c.attr) || !rules.operators(c.attr, c.op)) throw Errors.invalidSearch();
  }
  try {
    return compileFilter(ast, resolve);
  } catch (e) {
    if (e instanceof FilterSyntaxError) throw Errors.invalidSearch();
    throw e;
  }
}

export function sortOrderDescending(req: SimRequest): boolean {
  return (req.query.get('sortOrder') ?? 'asc').toLowerCase().startsWith('desc');
}
