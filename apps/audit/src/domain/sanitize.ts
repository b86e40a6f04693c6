/**
 * Makes arbitrary event content storable in PostgreSQL text/jsonb: NUL characters are rejected by
 * both, and lone UTF-16 surrogates are rejected by jsonb. One such character must not make a whole
 * ingest batch fail, so they are removed (NUL) or replaced with U+FFFD (lone surrogates) BEFORE the
 * record is hashed and stored.
 */

const NUL = /\u0000/g;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;
/** Any character either rule could touch: most strings have none, and skip both replacements. */
const SUSPECT = /[\u0000\uD800-\uDFFF]/;

export function cleanString(s: string): string {
  if (!SUSPECT.test(s)) return s;
  return s.replace(NUL, '').replace(LONE_SURROGATE, '\uFFFD');
}

export function cleanOptionalString(s: string | undefined | null): string | null {
  return s === undefined || s === null ? null : cleanString(s);
}

/** A JSON-safe deep copy: strings (and keys) cleaned, non-finite numbers → null, undefined dropped. */
export function cleanJson(value: unknown): unknown {
  if (value === null || value === undefined) return null;
  if (typeof value === 'string') return cleanString(value);
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  if (typeof value === 'boolean') return value;
  if (typeof value === 'bigint') return value.toString();
  if (Array.isArray(value)) return value.map((v) => (v === undefined ? null : cleanJson(v)));
  if (typeof value === 'object') {
    const o = value as Record<string, unknown>;
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(o)) {
      const v = o[k];
      if (v === undefined || typeof v === 'function' || typeof v === 'symbol') continue;
      setOwn(out, cleanString(k), cleanJson(v));
    }
    return out;
  }
  return null;
}

/** Defines an own enumerable property (safe for keys such as "__proto__" coming from event content). */
export function setOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__')
    Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  else target[key] = value;
}
