/**
 * Helpers shared by this package's tests (and usable by other packages' tests): small fetch wrappers
 * for the Management API and the OAuth endpoints of a running simulator.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { OktaSim } from './index';

export interface ApiResult<T = unknown> {
  status: number;
  headers: Headers;
  body: T;
  text: string;
}

export async function api<T = unknown>(
  sim: OktaSim,
  path: string,
  opts: {
    method?: string;
    token?: string;
    ssws?: string;
    body?: unknown;
    headers?: Record<string, string>;
  } = {},
): Promise<ApiResult<T>> {
  const headers: Record<string, string> = { Accept: 'application/json', ...(opts.headers ?? {}) };
  if (opts.token) headers.Authorization = `Bearer ${opts.token}`;
  if (opts.ssws) headers.Authorization = `SSWS ${opts.ssws}`;
  let body: string | undefined;
  if (opts.body !== undefined) {
    headers['Content-Type'] = 'application/json';
    body = JSON.stringify(opts.body);
  }
  const res = await fetch(path.startsWith('http') ? path : `${sim.url}${path}`, {
    method: opts.method ?? 'GET',
    headers,
    body,
  });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    // not JSON
  }
  return { status: res.status, headers: res.headers, body: parsed as T, text };
}

export function pkcePair(): { verifier: string; challenge: string } {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

export function authorizeUrl(sim: OktaSim, params: Record<string, string | undefined>): URL {
  const u = new URL(`${sim.url}/oauth2/v1/authorize`);
  for (const [k, v] of Object.entries(params)) if (v !== undefined) u.searchParams.set(k, v);
  return u;
}

/** Signs a user in through the hosted form and returns the code (plus the PKCE verifier used). */
export async function getCode(
  sim: OktaSim,
  opts: {
    clientId?: string;
    redirectUri?: string;
    scope?: string;
    username?: string;
    password?: string;
    pkce?: boolean;
    state?: string;
    nonce?: string;
  },
): Promise<{ code: string; verifier: string | undefined; redirectUri: string; callback: URL }> {
  const f = sim.fixtures;
  const redirectUri = opts.redirectUri ?? (f.portcullisWebApp.redirectUris[0] as string);
  const pkce = opts.pkce === false ? undefined : pkcePair();
  const url = authorizeUrl(sim, {
    client_id: opts.clientId ?? f.portcullisWebApp.clientId,
    redirect_uri: redirectUri,
    response_type: 'code',
    scope: opts.scope ?? 'openid profile email groups offline_access okta.users.read',
    state: opts.state ?? 'st-' + randomBytes(6).toString('hex'),
    nonce: opts.nonce,
    code_challenge: pkce?.challenge,
    code_challenge_method: pkce ? 'S256' : undefined,
  });
  const { callbackUrl } = await sim.signIn(url, {
    username: opts.username ?? f.regularUser.login,
    password: opts.password ?? f.regularUser.password,
  });
  const code = callbackUrl.searchParams.get('code');
  if (!code) throw new Error(`no code in ${callbackUrl.toString()}`);
  return { code, verifier: pkce?.verifier, redirectUri, callback: callbackUrl };
}

export async function tokenRequest(
  sim: OktaSim,
  params: Record<string, string | undefined>,
  basic?: { id: string; secret: string },
): Promise<ApiResult<Record<string, unknown>>> {
  const body = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined) body.set(k, v);
  const headers: Record<string, string> = {
    'Content-Type': 'application/x-www-form-urlencoded',
    Accept: 'application/json',
  };
  if (basic)
    headers.Authorization = `Basic ${Buffer.from(`${encodeURIComponent(basic.id)}:${encodeURIComponent(basic.secret)}`).toString('base64')}`;
  const res = await fetch(`${sim.url}/oauth2/v1/token`, { method: 'POST', headers, body });
  const text = await res.text();
  return {
    status: res.status,
    headers: res.headers,
    body: (text ? JSON.parse(text) : {}) as Record<string, unknown>,
    text,
  };
}

/** Token for a user through the real code flow with the Portcullis app. */
export async function userToken(
  sim: OktaSim,
  username: string,
  password: string,
  scope: string,
): Promise<Record<string, unknown>> {
  const f = sim.fixtures;
  const { code, verifier, redirectUri } = await getCode(sim, { username, password, scope });
  const res = await tokenRequest(
    sim,
    { grant_type: 'authorization_code', code, redirect_uri: redirectUri, code_verifier: verifier },
    { id: f.portcullisWebApp.clientId, secret: f.portcullisWebApp.clientSecret },
  );
  if (res.status !== 200) throw new Error(`token failed: ${res.text}`);
  return res.body;
}
