import { isIP } from 'node:net';
import { parseOrgAllowlist } from '@portcullis/okta';

/**
 * SSRF guard for remote MCP server URLs: https only, no userinfo, no IP literals, no
 * loopback/link-local/private host names — unless the origin is in REMOTE_MCP_ALLOWLIST (e.g. a
 * test server on 127.0.0.1). Returns the normalized URL or a reason.
 */
export function checkRemoteMcpUrl(
  raw: string,
  allowlist: readonly string[],
): { ok: true; url: string } | { ok: false; reason: string } {
  if (!raw || raw.length > 2048 || /[\s\u0000-\u001f\u007f\\]/.test(raw)) {
    return { ok: false, reason: 'must be an absolute URL without whitespace or control characters' };
  }
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return { ok: false, reason: 'is not a valid absolute URL' };
  }
  if (url.username || url.password)
    return {
      ok: false,
      reason: 'must not contain user credentials; configure a bearer token or header instead',
    };
  if (url.hash) return { ok: false, reason: 'must not contain a fragment' };
  const entries = parseOrgAllowlist(allowlist);
  const allowed = entries.some(
    (e) =>
      e.protocol === url.protocol &&
      e.hostname === url.hostname.toLowerCase() &&
      (e.port === '*' || e.port === url.port),
  );
  if (allowed) return { ok: true, url: url.toString() };
  if (url.protocol !== 'https:')
    return { ok: false, reason: 'must use https (remote MCP servers are only reached over TLS)' };
  const host = url.hostname.toLowerCase().replace(/^\[|\]$/g, '');
  if (isIP(host) || /^0x/i.test(host) || /^[0-9.]+$/.test(host)) {
    return {
      ok: false,
      reason: 'must name a host, not an IP address (ask the operator to allow-list internal origins)',
    };
  }
  if (
    host === 'localhost' ||
    host.endsWith('.localhost') ||
    host.endsWith('.local') ||
    host.endsWith('.internal') ||
    !host.includes('.')
  ) {
    return {
      ok: false,
      reason: 'must be a public host name; internal hosts need an entry in REMOTE_MCP_ALLOWLIST',
    };
  }
  return { ok: true, url: url.toString() };
}
