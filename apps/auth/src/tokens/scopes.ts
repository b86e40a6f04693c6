/** Scopes Portcullis's authorization server grants. `mcp` is the gateway's; the OIDC ones are accepted for clients that always ask. */
export const SUPPORTED_SCOPES = ['mcp', 'offline_access', 'openid', 'profile', 'email'] as const;
export const DEFAULT_SCOPE = 'mcp';

/** The granted scope: the supported part of what was asked (unknown scopes are dropped, RFC 6749 §3.3), at least `mcp`. */
export function grantScope(requested: string | undefined): string {
  const asked = (requested ?? '').split(/\s+/).filter(Boolean);
  const granted = asked.filter((s) => (SUPPORTED_SCOPES as readonly string[]).includes(s));
  if (!granted.includes(DEFAULT_SCOPE)) granted.unshift(DEFAULT_SCOPE);
  return [...new Set(granted)].join(' ');
}

/** A narrowing request on refresh must be a subset of what was granted. */
export function narrowScope(granted: string, requested: string | undefined): string | null {
  if (!requested) return granted;
  const have = new Set(granted.split(' '));
  const asked = requested.split(/\s+/).filter(Boolean);
  return asked.every((s) => have.has(s)) ? asked.join(' ') : null;
}
