/**
 * Redacts secrets from tool arguments before they leave the gateway for the audit log: any key
 * that names a credential, and any configured field path. Values are replaced, keys kept, so the
 * record still shows that a field was sent.
 */
const SECRET_KEY = /pass(word)?|secret|token|authorization|api[-_]?key|credential|private[-_]?key|cookie|session/i;

export function redactSecrets(value: unknown, extraKeys: ReadonlySet<string> = new Set(), depth = 0): unknown {
  if (depth > 8) return '[truncated]';
  if (Array.isArray(value)) return value.slice(0, 100).map((v) => redactSecrets(v, extraKeys, depth + 1));
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
      out[k] = SECRET_KEY.test(k) || extraKeys.has(k) ? '[redacted]' : redactSecrets(v, extraKeys, depth + 1);
    }
    return out;
  }
  if (typeof value === 'string' && value.length > 2000) return `${value.slice(0, 2000)}…`;
  return value;
}
