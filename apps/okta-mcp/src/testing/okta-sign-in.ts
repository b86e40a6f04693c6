import { createHash, randomBytes } from 'node:crypto';

/**
 * Test helper: obtains a user-bound Okta org-AS access token from the simulator the way a browser
 * would — authorization code + PKCE: GET /oauth2/v1/authorize → sign-in form → POST /login/signin
 * → redirect with `code` → POST /oauth2/v1/token (client_secret_basic). No shortcut endpoints, so
 * tests exercise the same tokens the gateway will hold.
 *
 * (Destined for libs/testing once more than okta-mcp needs it.)
 */
export interface SignInOptions {
  orgUrl: string;
  clientId: string;
  clientSecret: string;
  redirectUri: string;
  username: string;
  password: string;
  /** Okta scopes to request (openid is added). */
  scopes: readonly string[];
}

export interface SignedInTokens {
  accessToken: string;
  tokenType: string;
  scope: string;
  expiresIn: number;
  refreshToken?: string;
  idToken?: string;
}

function decodeHtml(s: string): string {
  return s
    .replace(/&quot;/g, '"')
    .replace(/&#39;|&#x27;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}

class CookieJar {
  private readonly cookies = new Map<string, string>();
  absorb(res: Response): void {
    for (const c of res.headers.getSetCookie()) {
      const [pair] = c.split(';');
      const idx = pair!.indexOf('=');
      if (idx > 0) this.cookies.set(pair!.slice(0, idx).trim(), pair!.slice(idx + 1).trim());
    }
  }
  header(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }
}

export async function signInWithPkce(opts: SignInOptions): Promise<SignedInTokens> {
  const verifier = randomBytes(32).toString('base64url');
  const challenge = createHash('sha256').update(verifier).digest('base64url');
  const state = randomBytes(12).toString('base64url');
  const jar = new CookieJar();
  const authorize = new URL('/oauth2/v1/authorize', opts.orgUrl);
  authorize.search = new URLSearchParams({
    client_id: opts.clientId,
    redirect_uri: opts.redirectUri,
    response_type: 'code',
    scope: ['openid', ...opts.scopes].join(' '),
    state,
    nonce: randomBytes(8).toString('base64url'),
    code_challenge: challenge,
    code_challenge_method: 'S256',
  }).toString();

  let res = await fetch(authorize, { redirect: 'manual' });
  jar.absorb(res);
  let location: string | null = null;
  if (res.status === 200) {
    const html = await res.text();
    const stateToken = /name="stateToken"\s+value="([^"]*)"/.exec(html)?.[1];
    const action = /<form[^>]*id="okta-sign-in-form"[^>]*action="([^"]*)"/.exec(html)?.[1] ?? '/login/signin';
    if (!stateToken) throw new Error(`Sign-in page without stateToken (HTTP ${res.status}).`);
    res = await fetch(new URL(decodeHtml(action), opts.orgUrl), {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: jar.header() },
      body: new URLSearchParams({
        stateToken: decodeHtml(stateToken),
        username: opts.username,
        password: opts.password,
      }).toString(),
    });
    jar.absorb(res);
  }
  // Follow same-origin redirects (e.g. back through /authorize with the new session) until the client redirect.
  for (let hops = 0; hops < 5; hops++) {
    location = res.headers.get('location');
    if (res.status < 300 || res.status >= 400 || !location) {
      throw new Error(`Sign-in did not redirect (HTTP ${res.status}): ${(await res.text()).slice(0, 300)}`);
    }
    if (location.startsWith(opts.redirectUri)) break;
    res = await fetch(new URL(location, opts.orgUrl), {
      redirect: 'manual',
      headers: { cookie: jar.header() },
    });
    jar.absorb(res);
  }
  const back = new URL(location!);
  if (back.searchParams.get('error')) {
    throw new Error(
      `Authorization failed: ${back.searchParams.get('error')} ${back.searchParams.get('error_description') ?? ''}`,
    );
  }
  if (back.searchParams.get('state') !== state) throw new Error('State mismatch in authorization response.');
  const code = back.searchParams.get('code');
  if (!code) throw new Error('No authorization code in the redirect.');

  const tokenRes = await fetch(new URL('/oauth2/v1/token', opts.orgUrl), {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      accept: 'application/json',
      authorization: `Basic ${Buffer.from(`${encodeURIComponent(opts.clientId)}:${encodeURIComponent(opts.clientSecret)}`).toString('base64')}`,
    },
    body: new URLSearchParams({
      grant_type: 'authorization_code',
      code,
      redirect_uri: opts.redirectUri,
      code_verifier: verifier,
    }).toString(),
  });
  const body = (await tokenRes.json()) as Record<string, unknown>;
  if (!tokenRes.ok)
    throw new Error(`Token request failed (HTTP ${tokenRes.status}): ${JSON.stringify(body)}`);
  return {
    accessToken: String(body['access_token']),
    tokenType: String(body['token_type']),
    scope: String(body['scope'] ?? ''),
    expiresIn: Number(body['expires_in']),
    ...(body['refresh_token'] ? { refreshToken: String(body['refresh_token']) } : {}),
    ...(body['id_token'] ? { idToken: String(body['id_token']) } : {}),
  };
}
