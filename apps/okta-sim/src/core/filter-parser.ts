/**
 * Parser and evaluator for Okta's SCIM-like `filter` / `search` expression language:
 *
 *   expr    := or
 *   or      := and ("or" and)*
 *   and     := unary ("and" unary)*
 *   unary   := "not" unary | primary
 *   primary := "(" expr ")" | attrPath "pr" | attrPath op value
 *   op      := eq | ne | gt | ge | lt | le | sw | co | ew        (case-insensitive)
 *   value   := "string" | number | true | false | null
 *   attrPath:= name ("." name)*                                  (case-sensitive)
 *
 * A real recursive-descent parser (not regexes) so malformed input always becomes a
 * `FilterSyntaxError` that the HTTP layer maps to Okta's `400 E0000031` — never a 500.
 */

export type CompareOp = 'eq' | 'ne' | 'gt' | 'ge' | 'lt' | 'le' | 'sw' | 'co' | 'ew';
export type FilterValue = string | number | boolean | null;

export type FilterNode =
  | { kind: 'and' | 'or'; left: FilterNode; right: FilterNode }
  | { kind: 'not'; expr: FilterNode }
  | { kind: 'cmp'; attr: string; op: CompareOp; value: FilterValue }
  | { kind: 'pr'; attr: string };

export class FilterSyntaxError extends Error {
  constructor(
    message: string,
    readonly position: number,
  ) {
    super(message);
  }
}

type Token =
  | { type: 'lparen' | 'rparen'; pos: number }
  | { type: 'string'; value: string; pos: number }
  | { type: 'number'; value: number; pos: number }
  | { type: 'word'; value: string; pos: number };

const COMPARE_OPS = new Set<string>(['eq', 'ne', 'gt', 'ge', 'lt', 'le', 'sw', 'co', 'ew']);
const ATTR_RE = /^[A-Za-z_$][A-Za-z0-9_$]*(\.[A-Za-z_$][A-Za-z0-9_$]*)*$/;
const MAX_EXPRESSION_LENGTH = 4096;
const MAX_DEPTH = 64;

function tokenize(input: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < input.length) {
    const ch = input[i] as string;
    if (ch === ' ' || ch === '\t' || ch === '\n' || ch === '\r' || ch === '+') {
      // `+` is how some clients (and the Okta docs' examples) encode spaces in query strings.
      i++;
      continue;
    }
    if (ch === '(') {
      tokens.push({ type: 'lparen', pos: i++ });
      continue;
    }
    if (ch === ')') {
      tokens.push({ type: 'rparen', pos: i++ });
      continue;
    }
    if (ch === '"') {
      const start = i++;
      let raw = '';
      let closed = false;
      while (i < input.length) {
        const c = input[i] as string;
        if (c === '\\') {
          if (i + 1 >= input.length) break;
          raw += c + (input[i + 1] as string);
          i += 2;
          continue;
        }
        if (c === '"') {
          closed = true;
          i++;
          break;
        }
        raw += c;
        i++;
      }
      if (!closed) throw new FilterSyntaxError('Unterminated string literal', start);
      let value: string;
      try {
        value = JSON.parse(`"${raw}"`) as string;
      } catch {
        throw new FilterSyntaxError('Invalid escape in string literal', start);
      }
      tokens.push({ type: 'string', value, pos: start });
      continue;
    }
    if (ch === '-' || (ch >= '0' && ch <= '9')) {
      const m = /^-?\d+(\.\d+)?([eE][+-]?\d+)?/.exec(input.slice(i));
      if (!m) throw new FilterSyntaxError(`Unexpected character '${ch}'`, i);
      tokens.push({ type: 'number', value: Number(m[0]), pos: i });
      i += m[0].length;
      continue;
    }
    if (/[A-Za-z_$]/.test(ch)) {
      const m = /^[A-Za-z0-9_$.]+/.exec(input.slice(i)) as RegExpExecArray;
      tokens.push({ type: 'word', value: m[0], pos: i });
      i += m[0].length;
      continue;
    }
    throw new FilterSyntaxError(`Unexpected character '${ch}'`, i);
  }
  return tokens;
}

class Parser {
  private i = 0;
  private depth = 0;
  constructor(private readonly tokens: Token[]) {}

  parse(): FilterNode {
    if (this.tokens.length === 0) throw new FilterSyntaxError('Empty expression', 0);
    const node = this.or();
    const extra = this.tokens[this.i];
    if (extra) throw new FilterSyntaxError('Unexpected token after expression', extra.pos);
    return node;
  }

  private peekWord(word: string): boolean {
    const t = this.tokens[this.i];
    return t !== undefined && t.type === 'word' && t.value.toLowerCase() === word;
  }

  private or(): FilterNode {
    let left = this.and();
    while (this.peekWord('or')) {
      this.i++;
      left = { kind: 'or', left, right: this.and() };
    }
    return left;
  }

  private and(): FilterNode {
    let left = this.unary();
    while (this.peekWord('and')) {
      this.i++;
      left = { kind: 'and', left, right: this.unary() };
    }
    return left;
  }

  private unary(): FilterNode {
    if (++this.depth > MAX_DEPTH) throw new FilterSyntaxError('Expression nested too deeply', 0);
    try {
      // `not` is only an operator when followed by something other than a compare operator, so an
      // attribute literally named "not" (unlikely, but legal) still parses.
      const next = this.tokens[this.i + 1];
      if (
        this.peekWord('not') &&
        next &&
        !(next.type === 'word' && COMPARE_OPS.has(next.value.toLowerCase()))
      ) {
        this.i++;
        return { kind: 'not', expr: this.unary() };
      }
      return this.primary();
    } finally {
      this.depth--;
    }
  }

  private primary(): FilterNode {
    const t = this.tokens[this.i];
    if (!t) throw new FilterSyntaxError('Unexpected end of expression', this.lastPos());
    if (t.type === 'lparen') {
      this.i++;
      const inner = this.or();
      const close = this.tokens[this.i];
      if (!close || close.type !== 'rparen')
        throw new FilterSyntaxError("Expected ')'", close?.pos ?? this.lastPos());
      this.i++;
      return inner;
    }
    if (t.type !== 'word' || !ATTR_RE.test(t.value)) {
      throw new FilterSyntaxError('Expected an attribute name', t.pos);
    }
    this.i++;
    const opTok = this.tokens[this.i];
    if (!opTok || opTok.type !== 'word')
      throw new FilterSyntaxError('Expected an operator', opTok?.pos ?? this.lastPos());
    const op = opTok.value.toLowerCase();
    this.i++;
    if (op === 'pr') return { kind: 'pr', attr: t.value };
    if (!COMPARE_OPS.has(op)) throw new FilterSyntaxError(`Unknown operator '${opTok.value}'`, opTok.pos);
    const v = this.tokens[this.i];
    if (!v) throw new FilterSyntaxError('Expected a value', this.lastPos());
    this.i++;
    let value: FilterValue;
    if (v.type === 'string' || v.type === 'number') value = v.value;
    else if (v.type === 'word' && v.value === 'true') value = true;
    else if (v.type === 'word' && v.value === 'false') value = false;
    else if (v.type === 'word' && v.value === 'null') value = null;
    else throw new FilterSyntaxError('Expected a quoted string, number, true, false or null', v.pos);
    return { kind: 'cmp', attr: t.value, op: op as CompareOp, value };
  }

  private lastPos(): number {
    const last = this.tokens[this.tokens.length - 1];
    return last ? last.pos : 0;
  }
}

export function parseFilter(input: string): FilterNode {
  if (input.length > MAX_EXPRESSION_LENGTH) throw new FilterSyntaxError('Expression too long', 0);
  return new Parser(tokenize(input)).parse();
}

/** Every (attribute, operator) pair used in an expression — endpoint-specific validation walks these. */
export function collectComparisons(
  node: FilterNode,
  out: { attr: string; op: CompareOp | 'pr'; value: FilterValue }[] = [],
) {
  switch (node.kind) {
    case 'and':
    case 'or':
      collectComparisons(node.left, out);
      collectComparisons(node.right, out);
      break;
    case 'not':
      collectComparisons(node.expr, out);
      break;
    case 'cmp':
      out.push({ attr: node.attr, op: node.op, value: node.value });
      break;
    case 'pr':
      out.push({ attr: node.attr, op: 'pr', value: null });
      break;
  }
  return out;
}

export function hasNot(node: FilterNode): boolean {
  switch (node.kind) {
    case 'and':
    case 'or':
      return hasNot(node.left) || hasNot(node.right);
    case 'not':
      return true;
    default:
      return false;
  }
}

export type Accessor<T> = (obj: T) => unknown;

const ISO_PREFIX = /^\d{4}-\d{2}-\d{2}(T|$)/;

function asTime(v: unknown): number | undefined {
  if (typeof v !== 'string' || !ISO_PREFIX.test(v)) return undefined;
  const t = Date.parse(v);
  return Number.isNaN(t) ? undefined : t;
}

function compareScalar(actual: unknown, op: CompareOp, expected: FilterValue): boolean {
  if (actual === undefined || actual === null) {
    if (op === 'eq') return expected === null;
    if (op === 'ne') return expected !== null;
    return false;
  }
  if (expected === null) return op === 'ne';
  // Dates: compare instants so "2024-01-01T00:00:00.000-07:00" matches the UTC form we store.
  const ta = asTime(actual);
  const te = asTime(expected);
  if (ta !== undefined && te !== undefined) {
    switch (op) {
      case 'eq':
        return ta === te;
      case 'ne':
        return ta !== te;
      case 'gt':
        return ta > te;
      case 'ge':
        return ta >= te;
      case 'lt':
        return ta < te;
      case 'le':
        return ta <= te;
      default:
        break;
    }
  }
  if (typeof actual === 'number' && typeof expected === 'number') {
    switch (op) {
      case 'eq':
        return actual === expected;
      case 'ne':
        return actual !== expected;
      case 'gt':
        return actual > expected;
      case 'ge':
        return actual >= expected;
      case 'lt':
        return actual < expected;
      case 'le':
        return actual <= expected;
      default:
        return false;
    }
  }
  if (typeof actual === 'boolean' || typeof expected === 'boolean') {
    if (op === 'eq') return actual === expected;
    if (op === 'ne') return actual !== expected;
    return false;
  }
  // Okta string matching is case-insensitive for eq/sw/co/ew on profile attributes.
  const a = String(actual).toLowerCase();
  const e = String(expected).toLowerCase();
  switch (op) {
    case 'eq':
      return a === e;
    case 'ne':
      return a !== e;
    case 'sw':
      return a.startsWith(e);
    case 'co':
      return a.includes(e);
    case 'ew':
      return a.endsWith(e);
    case 'gt':
      return a > e;
    case 'ge':
      return a >= e;
    case 'lt':
      return a < e;
    case 'le':
      return a <= e;
  }
}

function compare(actual: unknown, op: CompareOp, expected: FilterValue): boolean {
  if (Array.isArray(actual)) {
    // Multi-valued attributes match when any element matches (SCIM semantics); `ne` when none equal.
    if (op === 'ne') return !actual.some((v) => compareScalar(v, 'eq', expected));
    return actual.some((v) => compareScalar(v, op, expected));
  }
  return compareScalar(actual, op, expected);
}

/**
 * Compiles an AST into a predicate. `resolve` maps an attribute path to an accessor, or returns
 * undefined for attributes the endpoint does not know (→ FilterSyntaxError → E0000031).
 */
export function compileFilter<T>(
  node: FilterNode,
  resolve: (attr: string) => Accessor<T> | undefined,
): (obj: T) => boolean {
  switch (node.kind) {
    case 'and': {
      const l = compileFilter(node.left, resolve);
      const r = compileFilter(node.right, resolve);
      return (o) => l(o) && r(o);
    }
    case 'or': {
      const l = compileFilter(node.left, resolve);
      const r = compileFilter(node.right, resolve);
      return (o) => l(o) || r(o);
    }
    case 'not': {
      const e = compileFilter(node.expr, resolve);
      return (o) => !e(o);
    }
    case 'pr': {
      const get = resolve(node.attr);
      if (!get) throw new FilterSyntaxError(`Unknown attribute '${node.attr}'`, 0);
      return (o) => {
        const v = get(o);
        return v !== undefined && v !== null && v !== '' && !(Array.isArray(v) && v.length === 0);
      };
    }
    case 'cmp': {
      const get = resolve(node.attr);
      if (!get) throw new FilterSyntaxError(`Unknown attribute '${node.attr}'`, 0);
      const { op, value } = node;
      return (o) => compare(get(o), op, value);
    }
  }
}

/** Accessor for dotted paths on plain objects (e.g. `profile.department`, `actor.id`). */
export function pathAccessor<T>(path: string): Accessor<T> {
  const parts = path.split('.');
  if (parts.length === 1) {
    const p = parts[0] as string;
    return (o) => (o as Record<string, unknown>)[p];
  }
  return (o) => {
    let cur: unknown = o;
    for (const p of parts) {
      if (cur === null || cur === undefined || typeof cur !== 'object') return undefined;
      cur = (cur as Record<string, unknown>)[p];
    }
    return cur;
  };
}
