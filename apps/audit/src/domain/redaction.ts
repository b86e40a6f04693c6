import { setOwn } from './sanitize';

/**
 * Redaction applied to every audit record BEFORE it is hashed and stored (what is never stored
 * cannot leak from a backup, an export or a SIEM):
 *
 * 1. Key-name rules inside free-form content (tool-call `arguments`, admin `details`): a key whose
 *    normalized name (lower-case, letters and digits only) contains password / passwd / passphrase /
 *    passcode / secret / token / authorization / apikey / privatekey / cookie / sessionid /
 *    credentials, or IS pwd / pass / pin / otp / auth / credential, has its whole value replaced.
 * 2. Configured field paths (`AUDIT_REDACT_FIELDS`), relative to the event payload: dotted segments,
 *    `*` = any one key, `**` = any depth; arrays are transparent (a path applies to each element);
 *    a path without a dot (e.g. `ssn`) means that key at any depth. Matching is case-insensitive.
 * 3. Value patterns in every free-text string (arguments, details, result summary, error message,
 *    admin summary): bearer/basic/SSWS credentials, JWTs, PEM private keys and `key=value` secrets.
 */
export const REDACTED = '[REDACTED]';

const SECRET_KEY_PARTS = [
  'password',
  'passwd',
  'passphrase',
  'passcode',
  'secret',
  'token',
  'authorization',
  'apikey',
  'privatekey',
  'cookie',
  'sessionid',
  'credentials',
];
const SECRET_KEY_EXACT = new Set(['pwd', 'pass', 'pin', 'otp', 'auth', 'credential']);

function classifyKey(key: string): boolean {
  const k = key.toLowerCase().replace(/[^a-z0-9]/g, '');
  return SECRET_KEY_EXACT.has(k) || SECRET_KEY_PARTS.some((p) => k.includes(p));
}

/** Key names repeat across events: verdicts on short ones are remembered (bounded, cleared when full). */
const keyVerdicts = new Map<string, boolean>();
const KEY_VERDICTS_MAX = 10_000;
const KEY_VERDICT_MAX_LENGTH = 100;

export function isSecretKey(key: string): boolean {
  if (key.length > KEY_VERDICT_MAX_LENGTH) return classifyKey(key);
  let secret = keyVerdicts.get(key);
  if (secret === undefined) {
    secret = classifyKey(key);
    if (keyVerdicts.size >= KEY_VERDICTS_MAX) keyVerdicts.clear();
    keyVerdicts.set(key, secret);
  }
  return secret;
}

const VALUE_PATTERNS: [RegExp, string][] = [
  [/-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?(?:-----END [A-Z ]*PRIVATE KEY-----|$)/g, REDACTED],
  [/\b(Bearer|Basic|SSWS|Token)(\s+)[A-Za-z0-9._~+/=-]{8,}/gi, `$1$2${REDACTED}`],
  [/\beyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*/g, REDACTED],
  [
    /\b((?:password|passwd|pwd|secret|client_secret|token|access_token|refresh_token|id_token|api_key|apikey)\s*[=:]\s*)("[^"]*"|'[^']*'|[^\s&,;"']+)/gi,
    `$1${REDACTED}`,
  ],
];

/**
 * A text none of VALUE_PATTERNS can match contains none of these (each pattern needs one of them,
 * case-insensitively): most texts skip the four replacements after one scan.
 */
const MAY_HOLD_SECRET = /BEGIN|bearer|basic|ssws|token|eyJ|passw|pwd|secret|api_?key/i;

export function redactText(s: string): string {
  if (!MAY_HOLD_SECRET.test(s)) return s;
  let out = s;
  for (const [re, replacement] of VALUE_PATTERNS) out = out.replace(re, replacement);
  return out;
}

type PathPattern = readonly string[];
interface State {
  p: PathPattern;
  i: number;
}

export interface Redactor {
  /** Redacts a whole event payload; `freeForm` names the top-level keys whose content is free-form (key rules apply). */
  redactPayload<T>(payload: T, freeForm: readonly string[], textFields: readonly string[]): T;
}

export function parseRedactPaths(paths: readonly string[]): PathPattern[] {
  return paths
    .map((p) => p.trim())
    .filter(Boolean)
    .map((p) =>
      (p.includes('.') ? p.split('.') : ['**', p]).map((s) =>
        s === '*' || s === '**' ? s : s.toLowerCase(),
      ),
    );
}

function closure(states: State[]): State[] {
  const out: State[] = [];
  const seen = new Map<PathPattern, Set<number>>();
  const push = (s: State) => {
    const at = seen.get(s.p) ?? new Set<number>();
    seen.set(s.p, at);
    if (at.has(s.i)) return;
    at.add(s.i);
    out.push(s);
    if (s.p[s.i] === '**') push({ p: s.p, i: s.i + 1 });
  };
  for (const s of states) push(s);
  return out;
}

function advance(states: State[], key: string): State[] {
  const k = key.toLowerCase();
  const next: State[] = [];
  for (const s of states) {
    const seg = s.p[s.i];
    if (seg === undefined) continue;
    if (seg === '**') next.push(s);
    else if (seg === '*' || seg === k) next.push({ p: s.p, i: s.i + 1 });
  }
  return closure(next);
}

const complete = (states: State[]) => states.some((s) => s.i === s.p.length);

export function createRedactor(extraPaths: readonly string[]): Redactor {
  const patterns = parseRedactPaths(extraPaths);

  const walk = (value: unknown, states: State[], keyRules: boolean, text: boolean): unknown => {
    if (typeof value === 'string') return text ? redactText(value) : value;
    if (Array.isArray(value)) return value.map((v) => walk(v, states, keyRules, text));
    if (value === null || typeof value !== 'object') return value;
    const o = value as Record<string, unknown>;
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(o)) {
      const next = states.length ? advance(states, k) : states;
      if (complete(next) || (keyRules && isSecretKey(k))) setOwn(out, k, REDACTED);
      else setOwn(out, k, walk(o[k], next, keyRules, text));
    }
    return out;
  };

  return {
    redactPayload<T>(payload: T, freeForm: readonly string[], textFields: readonly string[]): T {
      if (payload === null || typeof payload !== 'object') return payload;
      const root = closure(patterns.map((p) => ({ p, i: 0 })));
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(payload as Record<string, unknown>)) {
        const next = root.length ? advance(root, k) : root;
        if (complete(next)) {
          setOwn(out, k, v === undefined || v === null ? v : REDACTED);
          continue;
        }
        const isFree = freeForm.includes(k);
        const isText = isFree || textFields.includes(k);
        setOwn(out, k, walk(v, next, isFree, isText));
      }
      return out as T;
    },
  };
}
