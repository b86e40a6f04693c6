import { isLoopbackHost } from './address-policy';

const FORBIDDEN_SCHEMES = new Set([
  'javascript:',
  'data:',
  'file:',
  'vbscript:',
  'about:',
  'blob:',
  'filesystem:',
  'ws:',
  'wss:',
]);

/**
 * Redirect URIs an AI client may register: https; http only on a loopback host (native apps,
 * RFC 8252 §7.3); or a private-use scheme such as `cursor://…` (RFC 8252 §7.1). No fragments.
 * Returns the problem, or null when the URI is acceptable.
 */
export function redirectUriProblem(uri: string): string | null {
  let u: URL;
  try {
    u = new URL(uri);
  } catch {
    return `"${uri}" is not an absolute URI`;
  }
  if (u.hash || uri.includes('#')) return `"${uri}" must not contain a fragment`;
  if (u.protocol === 'https:') return u.hostname ? null : `"${uri}" has no host`;
  if (u.protocol === 'http:')
    return isLoopbackHost(u.hostname) ? null : `"${uri}" uses http on a non-loopback host; use https`;
  if (FORBIDDEN_SCHEMES.has(u.protocol)) return `"${uri}" uses the forbidden scheme ${u.protocol}`;
  if (!/^[a-z][a-z0-9+.-]*:$/i.test(u.protocol)) return `"${uri}" has an invalid scheme`;
  return null;
}

/**
 * Exact matching, except that a loopback http redirect URI matches on any port (RFC 8252 §7.3:
 * native apps listen on an ephemeral port). Host, path and query must still match exactly.
 */
export function redirectUriMatches(registered: readonly string[], requested: string): boolean {
  if (registered.includes(requested)) return true;
  let req: URL;
  try {
    req = new URL(requested);
  } catch {
    return false;
  }
  if (req.protocol !== 'http:' || !isLoopbackHost(req.hostname) || req.hash) return false;
  return registered.some((r) => {
    let reg: URL;
    try {
      reg = new URL(r);
    } catch {
      return false;
    }
    return (
      reg.protocol === 'http:' &&
      reg.hostname === req.hostname &&
      reg.pathname === req.pathname &&
      reg.search === req.search &&
      reg.username === req.username &&
      reg.password === req.password
    );
  });
}
