import { createHash, randomBytes } from 'node:crypto';
import { decodeJwt } from 'jose';
import { Browser } from '@portcullis/testing';
import type { AuthHarness } from './harness';

export function pkce(): { verifier: string; challenge: string } {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

export async function registerClient(
  baseUrl: string,
  metadata: Record<string, unknown> = {},
): Promise<{ client_id: string; client_secret?: string; redirect_uris: string[] }> {
  const res = await fetch(`${baseUrl}/oauth/register`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      client_name: 'Raw test client',
      redirect_uris: ['http://127.0.0.1:7777/cb'],
      token_endpoint_auth_method: 'none',
      ...metadata,
    }),
  });
  if (res.status !== 201) throw new Error(`registration failed: ${res.status} ${await res.text()}`);
  return (await res.json()) as { client_id: string; client_secret?: string; redirect_uris: string[] };
}

export function authorizeUrl(
  h: Pick<AuthHarness, 'url' | 'resource'>,
  p: {
    clientId: string;
    redirectUri: string;
    challenge?: string;
    method?: string | null;
    resource?: string | null;
    state?: string;
    scope?: string;
  },
): string {
  const u = new URL(`${h.url}/oauth/authorize`);
  u.searchParams.set('response_type', 'code');
  u.searchParams.set('client_id', p.clientId);
  u.searchParams.set('redirect_uri', p.redirectUri);
  if (p.challenge) u.searchParams.set('code_challenge', p.challenge);
  if (p.method !== null) u.searchParams.set('code_challenge_method', p.method ?? 'S256');
  if (p.resource !== null) u.searchParams.set('resource', p.resource ?? h.resource);
  u.searchParams.set('state', p.state ?? 'st4te');
  u.searchParams.set('scope', p.scope ?? 'mcp offline_access');
  return u.toString();
}

/** Runs the browser part of an authorization: returns the code the client receives. */
export async function obtainCode(
  h: Pick<AuthHarness, 'url' | 'resource'>,
  browser: Browser,
  p: { clientId: string; redirectUri: string; challenge: string; resource?: string },
): Promise<string> {
  const target = new URL(p.redirectUri);
  const page = await browser.navigate(
    authorizeUrl(h, p),
    (u) => u.hostname === target.hostname && u.port === target.port && u.pathname === target.pathname,
  );
  const code = page.url.searchParams.get('code');
  if (!code)
    throw new Error(`no code: ended at ${page.url.href} (HTTP ${page.status}) ${page.body.slice(0, 400)}`);
  return code;
}

export async function tokenRequest(
  baseUrl: string,
  params: Record<string, string>,
  basic?: { id: string; secret: string },
): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${baseUrl}/oauth/token`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      ...(basic
        ? {
            authorization: `Basic ${Buffer.from(`${encodeURIComponent(basic.id)}:${encodeURIComponent(basic.secret)}`).toString('base64')}`,
          }
        : {}),
    },
    body: new URLSearchParams(params),
  });
  return { status: res.status, body: (await res.json().catch(() => ({}))) as Record<string, unknown> };
}

export interface SignedIn {
  browser: Browser;
  clientId: string;
  accessToken: string;
  refreshToken: string;
  userId: string;
}

/** A user signs in through auth (IdP sign-in + consent) with a dynamically registered public client. */
export async function signInThroughAuth(
  h: Pick<AuthHarness, 'url' | 'resource'>,
  creds: { username: string; password: string },
  browser = new Browser(creds),
): Promise<SignedIn> {
  const client = await registerClient(h.url);
  const { verifier, challenge } = pkce();
  const redirectUri = 'http://127.0.0.1:7777/cb';
  const code = await obtainCode(h, browser, { clientId: client.client_id, redirectUri, challenge });
  const t = await tokenRequest(h.url, {
    grant_type: 'authorization_code',
    code,
    code_verifier: verifier,
    redirect_uri: redirectUri,
    client_id: client.client_id,
    resource: h.resource,
  });
  if (t.status !== 200) throw new Error(`token exchange failed: ${JSON.stringify(t.body)}`);
  const accessToken = String(t.body.access_token);
  return {
    browser,
    clientId: client.client_id,
    accessToken,
    refreshToken: String(t.body.refresh_token),
    userId: String(decodeJwt(accessToken).sub),
  };
}
