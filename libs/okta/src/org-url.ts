/**
 * Org URL safety (SSRF guard). The Okta org URL reaches the Okta MCP server in a header set by the
 * gateway, and every Okta call carries the user's access token to it — so a wrong URL would hand a
 * live credential to whoever runs that host. Only Okta's public cell domains are accepted by default:
 * `https://<subdomain>.okta.com`, `.oktapreview.com`, `.okta-emea.com`, bare origin, no userinfo,
 * no explicit non-443 port, no path/query/fragment, no IP literals. Anything else must be listed
 * explicitly by the operator (e.g. `http://127.0.0.1:*` for the local simulator).
 */

export class OrgUrlNotAllowedError extends Error {
  constructor(
    readonly orgUrl: string,
    readonly reason: string,
  ) {
    super(`Okta org URL "${truncate(orgUrl)}" is not allowed: ${reason}`);
    this.name = 'OrgUrlNotAllowedError';
  }
}

const OKTA_DOMAINS = ['okta.com', 'oktapreview.com', 'okta-emea.com'] as const;
/** One DNS label: letters, digits, inner hyphens; 1–63 chars. Okta org subdomains are single labels. */
const LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

function truncate(s: string): string {
  return s.length > 100 ? s.slice(0, 100) + '…' : s;
}

/** A configured allow-list entry: an exact origin, or an origin whose port is `*` (any port). */
interface AllowEntry {
  protocol: string;
  hostname: string;
  port: string | '*';
}

/**
 * Parses allow-list entries such as `http://127.0.0.1:*`, `http://localhost:8090`,
 * `https://okta.internal.example`. Throws on entries that are not bare origins, so a typo in
 * configuration fails at boot rather than silently allowing nothing (or too much).
 */
export function parseOrgAllowlist(entries: readonly string[]): AllowEntry[] {
  return entries.map((raw) => {
    const entry = raw.trim();
    const wildcard = /^(https?):\/\/([^/:@]+):\*$/i.exec(entry);
    if (wildcard) {
      return { protocol: wildcard[1]!.toLowerCase() + ':', hostname: wildcard[2]!.toLowerCase(), port: '*' };
    }
    let url: URL;
    try {
      url = new URL(entry);
    } catch {
      throw new Error(
        `Org allow-list entry "${truncate(entry)}" is not a URL origin (e.g. http://127.0.0.1:*).`,
      );
    }
    if (url.protocol !== 'https:' && url.protocol !== 'http:') {
      throw new Error(`Org allow-list entry "${truncate(entry)}" must be http(s).`);
    }
    if (
      url.username ||
      url.password ||
      (url.pathname !== '/' && url.pathname !== '') ||
      url.search ||
      url.hash
    ) {
      throw new Error(
        `Org allow-list entry "${truncate(entry)}" must be a bare origin (scheme://host[:port]).`,
      );
    }
    return { protocol: url.protocol, hostname: url.hostname.toLowerCase(), port: url.port };
  });
}

function matchesAllowEntry(url: URL, entries: readonly AllowEntry[]): boolean {
  return entries.some(
    (e) =>
      e.protocol === url.protocol &&
      e.hostname === url.hostname.toLowerCase() &&
      (e.port === '*' || e.port === url.port),
  );
}

function isIpLiteral(hostname: string): boolean {
  return hostname.startsWith('[') || /^[0-9.]+$/.test(hostname) || /^0x/i.test(hostname);
}

/**
 * Validates `orgUrl` and returns its normalized origin (no trailing slash) — the only form the
 * client ever builds request URLs from. `allowlist` is the operator's extra origins (already parsed
 * with {@link parseOrgAllowlist}, or raw strings).
 */
export function assertSafeOrgUrl(
  orgUrl: string,
  allowlist: readonly string[] | readonly AllowEntry[] = [],
): string {
  if (typeof orgUrl !== 'string' || orgUrl.length === 0) {
    throw new OrgUrlNotAllowedError(String(orgUrl), 'it is empty.');
  }
  if (orgUrl.length > 2048 || /[\s\u0000-\u001f\u007f\\]/.test(orgUrl)) {
    throw new OrgUrlNotAllowedError(orgUrl, 'it contains whitespace, control characters or backslashes.');
  }
  let url: URL;
  try {
    url = new URL(orgUrl);
  } catch {
    throw new OrgUrlNotAllowedError(orgUrl, 'it is not a valid absolute URL.');
  }
  if (url.username || url.password) {
    throw new OrgUrlNotAllowedError(orgUrl, 'it contains user credentials (userinfo).');
  }
  if ((url.pathname !== '/' && url.pathname !== '') || url.search || url.hash) {
    throw new OrgUrlNotAllowedError(orgUrl, 'it must be a bare origin without path, query or fragment.');
  }
  const entries: AllowEntry[] =
    allowlist.length > 0 && typeof allowlist[0] === 'string'
      ? parseOrgAllowlist(allowlist as readonly string[])
      : (allowlist as readonly AllowEntry[]).slice();
  if (matchesAllowEntry(url, entries)) return url.origin;

  if (url.protocol !== 'https:') {
    throw new OrgUrlNotAllowedError(orgUrl, 'Okta orgs are only reached over https.');
  }
  if (url.port !== '' && url.port !== '443') {
    throw new OrgUrlNotAllowedError(orgUrl, 'a non-standard port is not allowed for Okta orgs.');
  }
  const host = url.hostname.toLowerCase();
  if (isIpLiteral(host)) {
    throw new OrgUrlNotAllowedError(orgUrl, 'IP addresses are not Okta org hosts.');
  }
  const domain = OKTA_DOMAINS.find((d) => host.endsWith('.' + d));
  const sub = domain ? host.slice(0, host.length - domain.length - 1) : undefined;
  if (!domain || !sub || !LABEL.test(sub)) {
    throw new OrgUrlNotAllowedError(
      orgUrl,
      'only https://<org>.okta.com, .oktapreview.com and .okta-emea.com (or an origin in the configured allow-list) are accepted.',
    );
  }
  return `https://${host}`;
}
