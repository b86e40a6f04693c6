/**
 * @portcullis/okta-sim — a faithful local Okta org (org authorization server + Management API
 * subset) for tests, demos and benchmarks. See apps/okta-sim/README.md.
 */
import { createPrivateKey, type JsonWebKey, type KeyObject } from 'node:crypto';
import { randomToken } from './core/ids';
import type { AdminRoleType, SimApp, SimUser } from './core/model';
import type { SimOrg } from './core/org';
import {
  DEMO_GROUP_NAME,
  FIXTURE_PASSWORD,
  FIXTURE_USERS,
  type FixtureUserKey,
  type SizeSpec,
} from './core/seed';
import { generateRsaKeyPair, signJwt, type GeneratedKeyPair } from './oauth/jwt';
import { appTarget, userTarget } from './core/org';
import { requestActorContext, userActor, appActor } from './server/actors';
import type { SimControl } from './server/control';
import type { RateLimitOptions } from './server/rate-limit';
import { Simulator } from './server/simulator';

export type { SimOrg, CreateOidcAppInput, ApiTokenRecord } from './core/org';
export type {
  AdminRoleType,
  RoleAssignment,
  SimApp,
  SimGroup,
  SimUser,
  SimLogEvent,
  UserStatus,
  OAuthClientSettings,
  ClientJwk,
  LogActor,
} from './core/model';
export type { SimControl, FaultState } from './server/control';
export type { RateLimitOptions } from './server/rate-limit';
export type { SizeSpec } from './core/seed';
export type { TokenLifetimes } from './oauth/tokens';
export type { GeneratedKeyPair } from './oauth/jwt';
export { parseFilter, compileFilter, FilterSyntaxError } from './core/filter-parser';
export { DEMO_GROUP_NAME } from './core/seed';

export interface OktaSimOptions {
  /** 0 (default) = random free port. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** PRNG seed; same seed + size → identical org. Default 42. */
  seed?: number;
  /** 'demo' (default) ≈ 300 users / 40 groups / 25 apps; 'load' = 50,000 / 2,000 / 300. */
  size?: SizeSpec;
  /** Override the org URL / issuer (e.g. when fronted by a proxy). Default `http://127.0.0.1:<port>`. */
  issuerUrl?: string;
  /** Per-family, per-minute buckets. Default limits are generous (see README). */
  rateLimit?: RateLimitOptions;
  /** Secret for the HTTP control API (`X-Sim-Control` header). Default random; `false` disables `/__sim/*`. */
  controlSecret?: string | false;
  /** Recent System Log events to pre-populate (default: users/2, between 50 and 2000). */
  seedLogEvents?: number;
}

export interface FixtureUser {
  id: string;
  login: string;
  email: string;
  password: string;
  firstName: string;
  lastName: string;
  /** Admin role types (Okta names; the fixture group admin is `USER_ADMIN`, alias `GROUP_ADMIN`). */
  roles: AdminRoleType[];
}

export interface GroupAdminFixture extends FixtureUser {
  /** Groups the group-admin role is limited to. */
  targetGroupIds: string[];
  targetGroupName: string;
}

export interface WebAppFixture {
  appId: string;
  clientId: string;
  clientSecret: string;
  /** Live view of the registered Login redirect URIs (add with `sim.org.addRedirectUri(clientId, uri)`). */
  readonly redirectUris: string[];
  grantedScopes: string[];
  tokenEndpointAuthMethod: string;
  /** Group assigned to the app (members can sign in). */
  assignedGroupId: string;
}

export interface ServiceAppFixture {
  appId: string;
  clientId: string;
  grantedScopes: string[];
  roles: AdminRoleType[];
  /** Key pair registered for private_key_jwt (public half is in the app's JWKS). */
  kid: string;
  privateJwk: JsonWebKey & { kid: string; alg: 'RS256' };
  publicJwk: GeneratedKeyPair['publicJwk'];
  privateKeyPem: string;
  privateKey: KeyObject;
}

export interface SimFixtures {
  orgUrl: string;
  /** SSWS API token created by the super admin: `Authorization: SSWS <ssws>`. */
  ssws: string;
  superAdmin: FixtureUser;
  readOnlyAdmin: FixtureUser;
  groupAdmin: GroupAdminFixture;
  orgAdmin: FixtureUser;
  appAdmin: FixtureUser;
  helpDeskAdmin: FixtureUser;
  /** Non-admin, assigned to the Portcullis app. */
  regularUser: FixtureUser;
  /** Non-admin, ACTIVE, NOT assigned to the Portcullis app (for `access_denied`). */
  unassignedUser: FixtureUser;
  demoGroup: { id: string; name: string; readonly memberIds: string[] };
  demoGroupName: string;
  portcullisWebApp: WebAppFixture;
  serviceApp: ServiceAppFixture;
  /** Password of every seeded (non-fixture) user with a password. */
  seededUserPassword: string;
}

export interface IssueTokenOptions {
  /** User id or login; omit for a client_credentials-style app token. */
  user?: string;
  /** Default: the Portcullis web app (or the service app when `user` is omitted). */
  clientId?: string;
  scopes: string[];
}

export interface OktaSim {
  /** Org URL == issuer, no trailing slash. */
  url: string;
  /** The TCP port actually listened on (differs from the URL's when `issuerUrl` is overridden). */
  port: number;
  close(): Promise<void>;
  /** Live in-memory org (users, groups, apps, logs) with Okta's business rules. */
  org: SimOrg;
  control: SimControl;
  fixtures: SimFixtures;
  /**
   * Headless browser: GETs an /authorize URL, submits the sign-in form and returns the redirect
   * (the client's callback URL with `code` & `state`, or `error`). Pass `cookie` to reuse a session.
   */
  signIn(
    authorizeUrl: string | URL,
    creds: { username: string; password: string },
    opts?: { cookie?: string },
  ): Promise<{ callbackUrl: URL; cookie: string | null }>;
  /** Test shortcut: mints an org-AS access token as if a grant happened (scopes must be granted to the app). */
  issueAccessToken(opts: IssueTokenOptions): { accessToken: string; expiresIn: number; scopes: string[] };
  /** Generates a new RS256 key pair and registers its public JWK on an app (default: the service app). */
  createServiceAppKey(clientId?: string): Promise<GeneratedKeyPair>;
  /** A `private_key_jwt` client assertion (aud defaults to this org's token endpoint). */
  createClientAssertion(opts: {
    clientId: string;
    privateKey: KeyObject | JsonWebKey | string;
    kid?: string;
    audience?: string;
    expiresInSeconds?: number;
  }): string;
}

function fixtureUser(org: SimOrg, id: string): FixtureUser {
  const u = org.users.get(id) as SimUser;
  return {
    id: u.id,
    login: u.profile.login,
    email: u.profile.email,
    password: FIXTURE_PASSWORD,
    firstName: u.profile.firstName,
    lastName: u.profile.lastName,
    roles: u.roles.map((r) => (r.type === 'GROUP_ADMIN' ? 'USER_ADMIN' : r.type)),
  };
}

export async function startOktaSim(opts: OktaSimOptions = {}): Promise<OktaSim> {
  const sim = new Simulator({
    port: opts.port ?? 0,
    host: opts.host ?? '127.0.0.1',
    seed: opts.seed ?? 42,
    size: opts.size,
    issuerUrl: opts.issuerUrl,
    rateLimit: opts.rateLimit,
    controlSecret: opts.controlSecret === undefined ? '' : opts.controlSecret,
    seedLogEvents: opts.seedLogEvents,
  });
  await sim.start();
  const org = sim.org;
  const info = sim.seedInfo;
  const users = {} as Record<FixtureUserKey, FixtureUser>;
  for (const f of FIXTURE_USERS) users[f.key] = fixtureUser(org, info.userIds[f.key]);
  const portcullis = org.apps.get(info.portcullisAppId) as SimApp;
  const service = org.apps.get(info.serviceAppId) as SimApp;
  const pOauth = portcullis.oauth as NonNullable<SimApp['oauth']>;
  const sOauth = service.oauth as NonNullable<SimApp['oauth']>;
  const targetGroup = org.groups.get(info.groupAdminTargetGroupId);
  const liveApp = (clientId: string) => org.appByClientId(clientId)?.oauth;

  const fixtures: SimFixtures = {
    orgUrl: sim.url,
    ssws: info.sswsToken,
    superAdmin: users.superAdmin,
    readOnlyAdmin: users.readOnlyAdmin,
    groupAdmin: {
      ...users.groupAdmin,
      targetGroupIds: [info.groupAdminTargetGroupId],
      targetGroupName: targetGroup?.profile.name ?? '',
    },
    orgAdmin: users.orgAdmin,
    appAdmin: users.appAdmin,
    helpDeskAdmin: users.helpDeskAdmin,
    regularUser: users.regularUser,
    unassignedUser: users.unassignedUser,
    demoGroup: {
      id: info.demoGroupId,
      name: DEMO_GROUP_NAME,
      get memberIds() {
        return [...(org.groups.get(info.demoGroupId)?.members ?? [])];
      },
    },
    demoGroupName: DEMO_GROUP_NAME,
    portcullisWebApp: {
      appId: portcullis.id,
      clientId: pOauth.clientId,
      clientSecret: pOauth.clientSecret as string,
      get redirectUris() {
        return [...(liveApp(pOauth.clientId)?.redirectUris ?? [])];
      },
      grantedScopes: [...portcullis.grants.keys()],
      tokenEndpointAuthMethod: pOauth.tokenEndpointAuthMethod,
      assignedGroupId: info.demoGroupId,
    },
    serviceApp: {
      appId: service.id,
      clientId: sOauth.clientId,
      grantedScopes: [...service.grants.keys()],
      roles: service.roles.map((r) => r.type),
      kid: sim.serviceKey.kid,
      privateJwk: sim.serviceKey.privateJwk,
      publicJwk: sim.serviceKey.publicJwk,
      privateKeyPem: sim.serviceKey.privateKeyPem,
      privateKey: sim.serviceKey.privateKey,
    },
    seededUserPassword: org.defaultPassword,
  };

  const createClientAssertion: OktaSim['createClientAssertion'] = (o) => {
    const key =
      typeof o.privateKey === 'string'
        ? createPrivateKey(o.privateKey)
        : 'type' in o.privateKey && typeof (o.privateKey as KeyObject).export === 'function'
          ? (o.privateKey as KeyObject)
          : createPrivateKey({ key: o.privateKey as JsonWebKey, format: 'jwk' });
    const now = Math.floor(Date.now() / 1000);
    return signJwt(
      { alg: 'RS256', ...(o.kid ? { kid: o.kid } : {}) },
      {
        iss: o.clientId,
        sub: o.clientId,
        aud: o.audience ?? `${sim.url}/oauth2/v1/token`,
        iat: now,
        exp: now + (o.expiresInSeconds ?? 300),
        jti: randomToken(16),
      },
      key,
    );
  };

  return {
    url: sim.url,
    port: sim.port,
    org,
    control: sim.control,
    fixtures,
    close: () => sim.close(),
    signIn: (authorizeUrl, creds, o) => headlessSignIn(authorizeUrl, creds, o?.cookie),
    createClientAssertion,
    issueAccessToken: (o) => {
      const clientId = o.clientId ?? (o.user ? pOauth.clientId : sOauth.clientId);
      const app = org.appByClientId(clientId);
      if (!app) throw new Error(`Unknown client ${clientId}`);
      const missing = o.scopes.filter((s) => s.startsWith('okta.') && !app.grants.has(s));
      if (missing.length) throw new Error(`Scopes not granted to ${app.label}: ${missing.join(', ')}`);
      const user = o.user ? org.findUser(o.user) : undefined;
      if (o.user && !user) throw new Error(`Unknown user ${o.user}`);
      const rec = sim.tokens.issueAccessToken(app, user ?? null, o.scopes, randomToken(12));
      const fakeReq = {
        ip: '127.0.0.1',
        userAgent: 'okta-sim issueAccessToken',
        requestId: 'sim-issue',
      } as Parameters<typeof requestActorContext>[0];
      org.log(
        requestActorContext(fakeReq, user ? userActor(user) : appActor(app), clientId),
        'app.oauth2.token.grant.access_token',
        'OAuth2 access token is granted',
        user ? [appTarget(app), userTarget(user)] : [appTarget(app)],
        { debug: { grantType: 'test_shortcut', grantedScopes: o.scopes.join(' ') } },
      );
      return { accessToken: rec.token, expiresIn: rec.exp - rec.iat, scopes: rec.scopes };
    },
    createServiceAppKey: async (clientId) => {
      const app = org.appByClientId(clientId ?? sOauth.clientId) ?? org.apps.get(clientId ?? '');
      if (!app?.oauth) throw new Error(`Unknown client ${clientId}`);
      const pair = await generateRsaKeyPair();
      app.oauth.jwks.push({ ...pair.publicJwk, status: 'ACTIVE' });
      return pair;
    },
  };
}

/** Extracts `<input type="hidden" name=".." value="..">` pairs and the form action from our sign-in page. */
function parseForm(html: string): { action: string; fields: Record<string, string> } | null {
  const form = /<form[^>]*action="([^"]*)"[^>]*>([\s\S]*?)<\/form>/i.exec(html);
  if (!form) return null;
  const fields: Record<string, string> = {};
  const unescape = (s: string) =>
    s
      .replace(/&quot;/g, '"')
      .replace(/&#39;/g, "'")
      .replace(/&lt;/g, '<')
      .replace(/&gt;/g, '>')
      .replace(/&amp;/g, '&');
  for (const m of (form[2] as string).matchAll(
    /<input[^>]*type="hidden"[^>]*name="([^"]*)"[^>]*value="([^"]*)"[^>]*>/gi,
  )) {
    fields[unescape(m[1] as string)] = unescape(m[2] as string);
  }
  return { action: unescape(form[1] as string), fields };
}

export async function headlessSignIn(
  authorizeUrl: string | URL,
  creds: { username: string; password: string },
  cookie?: string,
): Promise<{ callbackUrl: URL; cookie: string | null }> {
  const url = new URL(authorizeUrl);
  const first = await fetch(url, {
    redirect: 'manual',
    headers: { Accept: 'text/html', ...(cookie ? { Cookie: cookie } : {}) },
  });
  if (first.status === 302)
    return { callbackUrl: new URL(first.headers.get('location') as string, url), cookie: cookie ?? null };
  const page = await first.text();
  if (first.status !== 200)
    throw new Error(`authorize failed with HTTP ${first.status}: ${page.slice(0, 300)}`);
  const form = parseForm(page);
  if (!form) throw new Error('No sign-in form on the authorize page');
  const body = new URLSearchParams({ ...form.fields, username: creds.username, password: creds.password });
  const res = await fetch(new URL(form.action, url), {
    method: 'POST',
    redirect: 'manual',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'text/html' },
    body,
  });
  if (res.status !== 302) {
    const text = await res.text();
    const err = /id="okta-sign-in-error"[^>]*>([^<]*)</.exec(text)?.[1] ?? text.slice(0, 200);
    throw new Error(`sign-in failed with HTTP ${res.status}: ${err}`);
  }
  const setCookie = res.headers.get('set-cookie');
  return {
    callbackUrl: new URL(res.headers.get('location') as string, url),
    cookie: setCookie ? (setCookie.split(';')[0] as string) : null,
  };
}
