/**
 * Validation of Okta `filter` / `search` expressions supplied by a model.
 *
 * The expression is parsed with a small recursive-descent parser into an AST, checked against a
 * per-endpoint allow-list of attributes, operators and value shapes, and then RE-SERIALIZED from
 * the AST — the raw text never reaches Okta. That closes injection tricks that survive naive
 * string checks (`status eq "ACTIVE" or 1 eq 1`, smuggled quotes, newlines, operators Okta does
 * not support on that endpoint) and gives the model an error that says exactly what to fix.
 *
 *   expr    := and ("or" and)*
 *   and     := primary ("and" primary)*
 *   primary := "(" expr ")" | attr "pr" | attr op value
 *   value   := "string" | true | false | number
 */

export type FilterOp = 'eq' | 'ne' | 'gt' | 'ge' | 'lt' | 'le' | 'sw' | 'co' | 'ew' | 'pr';

export type ValueKind =
  | 'string'
  | 'datetime'
  | 'boolean'
  | 'number'
  | { enum: readonly string[] }
  | { pattern: RegExp; hint: string };

export interface AttributeRule {
  ops: readonly FilterOp[];
  value: ValueKind;
}

export interface FilterDialect {
  /** Shown in errors, e.g. "users filter". */
  label: string;
  /** Fixed attributes. */
  attributes: Readonly<Record<string, AttributeRule>>;
  /** Attributes matched by pattern (e.g. any `profile.<name>` for user search). */
  dynamic?: { pattern: RegExp; describe: string; rule: (attr: string) => AttributeRule };
  allowOr: boolean;
  maxClauses: number;
}

export class FilterError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FilterError';
  }
}

type Node =
  | { kind: 'and' | 'or'; items: Node[] }
  | { kind: 'cmp'; attr: string; op: FilterOp; value: string | number | boolean }
  | { kind: 'pr'; attr: string };

type Token =
  | { t: 'lp' | 'rp'; pos: number }
  | { t: 'str'; v: string; pos: number }
  | { t: 'num'; v: number; pos: number }
  | { t: 'word'; v: string; pos: number };

const MAX_LENGTH = 512;
const MAX_DEPTH = 4;
const ISO_DATETIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,3})?(?:Z|[+-]\d{2}:\d{2})$/;
const OPS = new Set<FilterOp>(['eq', 'ne', 'gt', 'ge', 'lt', 'le', 'sw', 'co', 'ew', 'pr']);

function tokenize(input: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < input.length) {
    const c = input[i]!;
    if (c === ' ') {
      i++;
      continue;
    }
    if (c === '(' || c === ')') {
      out.push({ t: c === '(' ? 'lp' : 'rp', pos: i++ });
      continue;
    }
    if (c === '"') {
      const end = input.indexOf('"', i + 1);
      if (end < 0) throw new FilterError(`unterminated string starting at position ${i + 1}.`);
      out.push({ t: 'str', v: input.slice(i + 1, end), pos: i });
      i = end + 1;
      continue;
    }
    const m = /^[A-Za-z0-9_.$-]+/.exec(input.slice(i));
    if (!m) throw new FilterError(`unexpected character ${JSON.stringify(c)} at position ${i + 1}.`);
    const word = m[0];
    if (/^-?\d+(?:\.\d+)?$/.test(word)) out.push({ t: 'num', v: Number(word), pos: i });
    else out.push({ t: 'word', v: word, pos: i });
    i += word.length;
  }
  return out;
}

class Parser {
  private i = 0;
  clauses = 0;
  constructor(
    private readonly tokens: Token[],
    private readonly dialect: FilterDialect,
  ) {}

  parse(): Node {
    const node = this.expr(0);
    const extra = this.tokens[this.i];
    if (extra)
      throw new FilterError(
        `unexpected ${describe(extra)} at position ${extra.pos + 1}; join conditions with "and"${this.dialect.allowOr ? ' or "or"' : ''}.`,
      );
    return node;
  }

  private peekWord(w: string): boolean {
    const t = this.tokens[this.i];
    return t?.t === 'word' && t.v.toLowerCase() === w;
  }

  private expr(depth: number): Node {
    const items = [this.and(depth)];
    while (this.peekWord('or')) {
      if (!this.dialect.allowOr)
        throw new FilterError(
          `"or" is not supported by the ${this.dialect.label}; make separate calls instead.`,
        );
      this.i++;
      items.push(this.and(depth));
    }
    return items.length === 1 ? items[0]! : { kind: 'or', items };
  }

  private and(depth: number): Node {
    const items = [this.primary(depth)];
    while (this.peekWord('and')) {
      this.i++;
      items.push(this.primary(depth));
    }
    return items.length === 1 ? items[0]! : { kind: 'and', items };
  }

  private primary(depth: number): Node {
    const t = this.tokens[this.i];
    if (!t)
      throw new FilterError(
        'the expression ends too early; expected a condition such as status eq "ACTIVE".',
      );
    if (t.t === 'lp') {
      if (depth >= MAX_DEPTH)
        throw new FilterError(`parentheses are nested more than ${MAX_DEPTH} levels deep.`);
      this.i++;
      const inner = this.expr(depth + 1);
      const close = this.tokens[this.i];
      if (close?.t !== 'rp') throw new FilterError(`missing ")" for "(" at position ${t.pos + 1}.`);
      this.i++;
      return inner;
    }
    if (t.t === 'word' && t.v.toLowerCase() === 'not') {
      throw new FilterError(`"not" is not supported by the ${this.dialect.label}.`);
    }
    if (t.t !== 'word')
      throw new FilterError(`expected an attribute name at position ${t.pos + 1}, got ${describe(t)}.`);
    this.i++;
    const attr = t.v;
    const rule = ruleFor(this.dialect, attr);
    const opTok = this.tokens[this.i];
    if (opTok?.t !== 'word' || !OPS.has(opTok.v.toLowerCase() as FilterOp)) {
      throw new FilterError(`expected an operator after "${attr}" (${rule.ops.join(', ')}).`);
    }
    this.i++;
    const op = opTok.v.toLowerCase() as FilterOp;
    if (!rule.ops.includes(op)) {
      throw new FilterError(
        `operator "${op}" is not allowed on ${attr} in the ${this.dialect.label} (allowed: ${rule.ops.join(', ')}).`,
      );
    }
    if (++this.clauses > this.dialect.maxClauses) {
      throw new FilterError(`too many conditions (at most ${this.dialect.maxClauses}).`);
    }
    if (op === 'pr') return { kind: 'pr', attr };
    const v = this.tokens[this.i];
    if (!v || v.t === 'lp' || v.t === 'rp') throw new FilterError(`expected a value after "${attr} ${op}".`);
    this.i++;
    return { kind: 'cmp', attr, op, value: checkValue(attr, op, rule.value, v) };
  }
}

function describe(t: Token): string {
  switch (t.t) {
    case 'lp':
      return '"("';
    case 'rp':
      return '")"';
    case 'str':
      return `string "${t.v}"`;
    case 'num':
      return `number ${t.v}`;
    case 'word':
      return `"${t.v}"`;
  }
}

function ruleFor(d: FilterDialect, attr: string): AttributeRule {
  const fixed = Object.prototype.hasOwnProperty.call(d.attributes, attr) ? d.attributes[attr] : undefined;
  if (fixed) return fixed;
  if (d.dynamic && d.dynamic.pattern.test(attr)) return d.dynamic.rule(attr);
  const allowed = Object.keys(d.attributes).join(', ') + (d.dynamic ? `, ${d.dynamic.describe}` : '');
  throw new FilterError(
    `unknown attribute "${attr}" for the ${d.label} (allowed: ${allowed}). Attribute names are case-sensitive.`,
  );
}

function checkValue(attr: string, op: FilterOp, kind: ValueKind, tok: Token): string | number | boolean {
  const where = `${attr} ${op}`;
  if (kind === 'boolean') {
    if (tok.t === 'word' && (tok.v === 'true' || tok.v === 'false')) return tok.v === 'true';
    throw new FilterError(`${where} needs true or false.`);
  }
  if (kind === 'number') {
    if (tok.t === 'num') return tok.v;
    throw new FilterError(`${where} needs a number.`);
  }
  if (tok.t !== 'str') {
    throw new FilterError(`${where} needs a double-quoted value, e.g. ${attr} ${op} "…".`);
  }
  const v = tok.v;
  if (v.length === 0 || v.length > 128)
    throw new FilterError(`${where}: the value must be 1–128 characters.`);
  if (/[\u0000-\u001f\u007f\\]/.test(v))
    throw new FilterError(`${where}: the value contains control characters or backslashes.`);
  if (kind === 'datetime' && !ISO_DATETIME.test(v)) {
    throw new FilterError(`${where} needs an ISO 8601 date-time such as "2025-01-31T00:00:00.000Z".`);
  }
  if (typeof kind === 'object' && 'enum' in kind && !kind.enum.includes(v)) {
    throw new FilterError(`${where} must be one of ${kind.enum.map((e) => `"${e}"`).join(', ')}.`);
  }
  if (typeof kind === 'object' && 'pattern' in kind && !kind.pattern.test(v)) {
    throw new FilterError(`${where} must be ${kind.hint}.`);
  }
  return v;
}

function serialize(node: Node, parent?: 'and' | 'or'): string {
  switch (node.kind) {
    case 'pr':
      return `${node.attr} pr`;
    case 'cmp':
      return `${node.attr} ${node.op} ${typeof node.value === 'string' ? `"${node.value}"` : String(node.value)}`;
    case 'and':
    case 'or': {
      const s = node.items.map((n) => serialize(n, node.kind)).join(` ${node.kind} `);
      // Parenthesise an "or" inside an "and" (and any nested group) to keep the parsed meaning exact.
      return parent ? `(${s})` : s;
    }
  }
}

/**
 * Validates `input` against `dialect`; returns the canonical expression to send to Okta.
 * Throws {@link FilterError} with a model-readable reason.
 */
export function validateFilter(input: string, dialect: FilterDialect): string {
  if (input.length > MAX_LENGTH)
    throw new FilterError(`the expression is longer than ${MAX_LENGTH} characters.`);
  if (/[\u0000-\u001f\u007f\\]/.test(input)) {
    throw new FilterError('the expression contains newlines, control characters or backslashes.');
  }
  const trimmed = input.trim();
  if (!trimmed) throw new FilterError('the expression is empty.');
  const tokens = tokenize(trimmed);
  return serialize(new Parser(tokens, dialect).parse());
}

// ---------------------------------------------------------------------------------------------
// Dialects (from the Okta Management API reference for each endpoint)
// ---------------------------------------------------------------------------------------------

const DATE_OPS = ['eq', 'gt', 'ge', 'lt', 'le'] as const;
const USER_STATUSES = [
  'STAGED',
  'PROVISIONED',
  'ACTIVE',
  'RECOVERY',
  'LOCKED_OUT',
  'PASSWORD_EXPIRED',
  'SUSPENDED',
  'DEPROVISIONED',
] as const;
const USER_ID = { pattern: /^00u[0-9A-Za-z]{17}$/, hint: 'an Okta user id (00u… , 20 characters)' };
const GROUP_ID = { pattern: /^00g[0-9A-Za-z]{17}$/, hint: 'an Okta group id (00g… , 20 characters)' };
const APP_ID = { pattern: /^0oa[0-9A-Za-z]{17}$/, hint: 'an Okta app id (0oa… , 20 characters)' };
const PROFILE_ATTR = /^profile\.[A-Za-z][A-Za-z0-9_]{0,63}$/;

/** `GET /api/v1/users?filter=` — a fixed attribute set, `eq` only (dates also gt/ge/lt/le). */
export const usersFilterDialect: FilterDialect = {
  label: 'users filter',
  attributes: {
    status: { ops: ['eq'], value: { enum: USER_STATUSES } },
    lastUpdated: { ops: DATE_OPS, value: 'datetime' },
    id: { ops: ['eq'], value: USER_ID },
    'profile.login': { ops: ['eq'], value: 'string' },
    'profile.email': { ops: ['eq'], value: 'string' },
    'profile.firstName': { ops: ['eq'], value: 'string' },
    'profile.lastName': { ops: ['eq'], value: 'string' },
  },
  allowOr: true,
  maxClauses: 10,
};

const CO_PROFILE = new Set(['profile.firstName', 'profile.lastName', 'profile.email', 'profile.login']);

/** `GET /api/v1/users?search=` — any profile attribute; `sw`/`eq`/`pr`, `co` on names/email/login; no `ne`. */
export const usersSearchDialect: FilterDialect = {
  label: 'users search',
  attributes: {
    id: { ops: ['eq'], value: USER_ID },
    status: { ops: ['eq'], value: { enum: USER_STATUSES } },
    created: { ops: DATE_OPS, value: 'datetime' },
    activated: { ops: DATE_OPS, value: 'datetime' },
    statusChanged: { ops: DATE_OPS, value: 'datetime' },
    lastUpdated: { ops: DATE_OPS, value: 'datetime' },
    'type.id': { ops: ['eq'], value: { pattern: /^oty[0-9A-Za-z]{17}$/, hint: 'a user type id (oty…)' } },
  },
  dynamic: {
    pattern: PROFILE_ATTR,
    describe: 'profile.<attribute>',
    rule: (attr) => ({
      ops: CO_PROFILE.has(attr) ? ['eq', 'sw', 'co', 'pr'] : ['eq', 'sw', 'pr'],
      value: 'string',
    }),
  },
  allowOr: true,
  maxClauses: 10,
};

const GROUP_TYPES = ['OKTA_GROUP', 'APP_GROUP', 'BUILT_IN'] as const;

/** `GET /api/v1/groups?filter=`. */
export const groupsFilterDialect: FilterDialect = {
  label: 'groups filter',
  attributes: {
    id: { ops: ['eq'], value: GROUP_ID },
    type: { ops: ['eq'], value: { enum: GROUP_TYPES } },
    lastUpdated: { ops: DATE_OPS, value: 'datetime' },
    lastMembershipUpdated: { ops: DATE_OPS, value: 'datetime' },
  },
  allowOr: true,
  maxClauses: 10,
};

/** `GET /api/v1/groups?search=`. */
export const groupsSearchDialect: FilterDialect = {
  label: 'groups search',
  attributes: {
    id: { ops: ['eq'], value: GROUP_ID },
    type: { ops: ['eq'], value: { enum: GROUP_TYPES } },
    created: { ops: DATE_OPS, value: 'datetime' },
    lastUpdated: { ops: DATE_OPS, value: 'datetime' },
    lastMembershipUpdated: { ops: DATE_OPS, value: 'datetime' },
    'profile.name': { ops: ['eq', 'sw', 'co'], value: 'string' },
    'profile.description': { ops: ['eq', 'sw', 'co'], value: 'string' },
  },
  allowOr: true,
  maxClauses: 10,
};

/** `GET /api/v1/apps?filter=` (Okta supports `eq` only, combined with `and`). */
export const appsFilterDialect: FilterDialect = {
  label: 'apps filter',
  attributes: {
    id: { ops: ['eq'], value: APP_ID },
    status: { ops: ['eq'], value: { enum: ['ACTIVE', 'INACTIVE'] } },
    name: {
      ops: ['eq'],
      value: { pattern: /^[A-Za-z0-9_.-]{1,100}$/, hint: 'an app integration name such as "oidc_client"' },
    },
    'user.id': { ops: ['eq'], value: USER_ID },
    'group.id': { ops: ['eq'], value: GROUP_ID },
    'credentials.signing.kid': { ops: ['eq'], value: 'string' },
  },
  allowOr: false,
  maxClauses: 5,
};

const ACTOR_TARGET_OPS = ['eq', 'sw', 'co'] as const;

/** `GET /api/v1/logs?filter=` (System Log; `published` is set with since/until, not here). */
export const logsFilterDialect: FilterDialect = {
  label: 'System Log filter',
  attributes: {
    eventType: {
      ops: ['eq', 'sw', 'co'],
      value: { pattern: /^[a-z0-9_.]{1,128}$/, hint: 'an event type such as "user.session.start"' },
    },
    legacyEventType: { ops: ['eq'], value: 'string' },
    uuid: { ops: ['eq'], value: 'string' },
    severity: { ops: ['eq'], value: { enum: ['DEBUG', 'INFO', 'WARN', 'ERROR'] } },
    displayMessage: { ops: ['eq', 'sw', 'co'], value: 'string' },
    'outcome.result': {
      ops: ['eq'],
      value: { enum: ['SUCCESS', 'FAILURE', 'SKIPPED', 'ALLOW', 'DENY', 'CHALLENGE', 'UNKNOWN'] },
    },
    'outcome.reason': { ops: ['eq', 'sw', 'co'], value: 'string' },
    'actor.id': { ops: ['eq'], value: 'string' },
    'actor.type': { ops: ['eq'], value: 'string' },
    'actor.alternateId': { ops: ACTOR_TARGET_OPS, value: 'string' },
    'actor.displayName': { ops: ACTOR_TARGET_OPS, value: 'string' },
    'target.id': { ops: ['eq'], value: 'string' },
    'target.type': { ops: ['eq'], value: 'string' },
    'target.alternateId': { ops: ACTOR_TARGET_OPS, value: 'string' },
    'target.displayName': { ops: ACTOR_TARGET_OPS, value: 'string' },
    'client.ipAddress': { ops: ['eq', 'sw'], value: 'string' },
    'transaction.id': { ops: ['eq'], value: 'string' },
  },
  allowOr: true,
  maxClauses: 10,
};
