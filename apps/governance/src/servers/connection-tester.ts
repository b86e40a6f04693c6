import { assertSafeOrgUrl } from '@portcullis/okta';
import { describeError, probeMcpServer } from './mcp-probe';
import type { ServerRecord } from './servers.repository';

export interface ConnectionCheck {
  name: string;
  ok: boolean;
  detail: string;
  /** Informational checks never make the test fail. */
  severity?: 'error' | 'warning' | 'info';
}

export interface ConnectionTestResult {
  ok: boolean;
  testedAt: string;
  checks: ConnectionCheck[];
}

const OIDC_GRANTS: Record<string, string> = {
  per_user: 'authorization_code',
  service: 'authorization_code',
  client_credentials: 'client_credentials',
};

/**
 * "Test connection": for Okta, the org's OpenID configuration and the client configuration; for a
 * remote server, an MCP initialize + tools/list. Reports every check, naming what failed.
 */
export class ConnectionTester {
  constructor(private readonly opts: { oktaOrgAllowlist: readonly string[]; timeoutMs: number }) {}

  async test(server: ServerRecord): Promise<ConnectionTestResult> {
    const checks = server.catalogId === 'okta' ? await this.testOkta(server) : await this.testRemote(server);
    return {
      ok: checks.every((c) => c.ok || c.severity === 'warning' || c.severity === 'info'),
      testedAt: new Date().toISOString(),
      checks,
    };
  }

  private async testOkta(s: ServerRecord): Promise<ConnectionCheck[]> {
    const checks: ConnectionCheck[] = [];
    let origin: string;
    try {
      origin = assertSafeOrgUrl(s.oktaOrgUrl ?? '', this.opts.oktaOrgAllowlist);
      checks.push({ name: 'org_url', ok: true, detail: `${origin} is an allowed Okta org URL.` });
    } catch (err) {
      checks.push({ name: 'org_url', ok: false, detail: (err as Error).message });
      return checks;
    }
    const wellKnown = `${origin}/.well-known/openid-configuration`;
    let meta: Record<string, unknown> | undefined;
    try {
      const res = await fetch(wellKnown, {
        headers: { accept: 'application/json' },
        redirect: 'error',
        signal: AbortSignal.timeout(this.opts.timeoutMs),
      });
      if (!res.ok) {
        checks.push({
          name: 'openid_configuration',
          ok: false,
          detail: `${wellKnown} answered HTTP ${res.status}; check the org URL.`,
        });
      } else {
        meta = (await res.json()) as Record<string, unknown>;
        checks.push({ name: 'openid_configuration', ok: true, detail: `Fetched ${wellKnown}.` });
      }
    } catch (err) {
      checks.push({
        name: 'openid_configuration',
        ok: false,
        detail: `Could not fetch ${wellKnown}: ${describeError(err)}`,
      });
    }
    if (meta) {
      const issuer = typeof meta['issuer'] === 'string' ? meta['issuer'].replace(/\/$/, '') : undefined;
      checks.push(
        issuer === origin
          ? { name: 'issuer', ok: true, detail: `The issuer is the org (${issuer}).` }
          : {
              name: 'issuer',
              ok: false,
              detail: `The metadata names issuer "${issuer ?? '(none)'}", not ${origin}: this is not the org authorization server.`,
            },
      );
      const endpoints = ['authorization_endpoint', 'token_endpoint'].filter(
        (k) => typeof meta![k] !== 'string',
      );
      checks.push(
        endpoints.length === 0
          ? { name: 'endpoints', ok: true, detail: 'Authorization and token endpoints are published.' }
          : { name: 'endpoints', ok: false, detail: `The metadata lacks ${endpoints.join(' and ')}.` },
      );
      const grants = Array.isArray(meta['grant_types_supported'])
        ? (meta['grant_types_supported'] as unknown[])
        : undefined;
      const grant = OIDC_GRANTS[s.credentialMode];
      if (grant && grants) {
        checks.push(
          grants.includes(grant)
            ? {
                name: 'grant_type',
                ok: true,
                detail: `The org supports the ${grant} grant that ${s.credentialMode} mode uses.`,
              }
            : {
                name: 'grant_type',
                ok: false,
                detail: `The org does not list the ${grant} grant that ${s.credentialMode} mode needs.`,
              },
        );
      }
      const supported = Array.isArray(meta['scopes_supported'])
        ? (meta['scopes_supported'] as unknown[]).map(String)
        : undefined;
      const wanted = s.oauth?.scopes ?? [];
      if (supported) {
        const missing = wanted.filter((x) => !supported.includes(x));
        checks.push(
          missing.length === 0
            ? { name: 'scopes', ok: true, detail: `All ${wanted.length} requested scopes are supported.` }
            : { name: 'scopes', ok: false, detail: `The org does not support: ${missing.join(', ')}.` },
        );
      } else {
        checks.push({
          name: 'scopes',
          ok: true,
          severity: 'info',
          detail: 'The org does not publish scopes_supported; scopes are checked at the first authorization.',
        });
      }
    }
    checks.push(
      s.oauth?.clientId
        ? { name: 'client_id', ok: true, detail: `Client id ${s.oauth.clientId} is configured.` }
        : { name: 'client_id', ok: false, detail: 'No OAuth client id is configured.' },
    );
    checks.push(
      s.clientSecretConfigured
        ? {
            name: 'client_secret',
            ok: true,
            detail: 'A client secret is configured (stored by auth, write-only).',
          }
        : { name: 'client_secret', ok: false, detail: 'No client secret is configured; set clientSecret.' },
    );
    checks.push(this.discoveryCheck(s));
    return checks;
  }

  private async testRemote(s: ServerRecord): Promise<ConnectionCheck[]> {
    const checks: ConnectionCheck[] = [];
    const probe = await probeMcpServer(s.upstreamUrl ?? '', s.transport, {}, this.opts.timeoutMs);
    if (probe.ok) {
      checks.push({
        name: 'mcp_initialize',
        ok: true,
        detail: `Connected to ${probe.serverInfo?.name ?? 'the server'}${probe.serverInfo?.version ? ` ${probe.serverInfo.version}` : ''} (protocol ${probe.protocolVersion ?? 'unknown'}).`,
      });
      checks.push({
        name: 'tools_list',
        ok: true,
        detail: `The server lists ${probe.toolCount ?? 0} tool(s) on its first page${probe.listChanged ? ' and announces list changes' : ''}.`,
      });
    } else if (probe.needsCredentials && s.upstreamAuth !== 'none') {
      checks.push({
        name: 'mcp_initialize',
        ok: true,
        severity: 'warning',
        detail: `The server is reachable and asks for credentials (${probe.error}). The configured ${s.upstreamAuth} credential is held by auth and used at call time; this test connects without it.`,
      });
    } else {
      checks.push({ name: 'mcp_initialize', ok: false, detail: `MCP initialize failed: ${probe.error}` });
    }
    if (s.upstreamAuth === 'oauth') {
      checks.push(
        s.clientSecretConfigured || s.credentialMode === 'per_user'
          ? {
              name: 'client_secret',
              ok: true,
              detail: s.clientSecretConfigured
                ? 'A client secret is configured.'
                : 'No client secret (public client).',
              severity: 'info',
            }
          : {
              name: 'client_secret',
              ok: false,
              detail: 'No client secret is configured for the OAuth client.',
            },
      );
    }
    checks.push(this.discoveryCheck(s));
    return checks;
  }

  private discoveryCheck(s: ServerRecord): ConnectionCheck {
    const d = s.lastDiscovery;
    if (!d)
      return {
        name: 'tool_discovery',
        ok: true,
        severity: 'info',
        detail: 'Discovery has not reported yet.',
      };
    return d.ok
      ? {
          name: 'tool_discovery',
          ok: true,
          severity: 'info',
          detail: `Last discovery at ${d.at} found ${d.total} tool(s).`,
        }
      : {
          name: 'tool_discovery',
          ok: false,
          severity: 'warning',
          detail: `Last discovery at ${d.at} failed: ${d.error ?? 'unknown error'}`,
        };
  }
}
