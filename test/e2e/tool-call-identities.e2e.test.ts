import assert from 'node:assert/strict';
import {
  Agent,
  createServer,
  request as httpRequest,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import { after, before, describe, it } from 'node:test';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { processEnv } from '@portcullis/config';
import { type OktaSim, startOktaSim } from '@portcullis/okta-sim';
import { Browser, DedicatedRedis, eventually } from '@portcullis/testing';
import { connectPrompt, E2eStack, type SignedInUser, type Svc } from './stack';

/**
 * Whose identity reaches Okta, end to end over real Kafka, PostgreSQL and Redis with the official
 * MCP client:
 *  1. per-user OAuth keeps 20 users apart under a burst of concurrent calls — checked on the
 *     results AND on what Okta itself saw (every Management API request, attributed by the
 *     simulator's own token introspection);
 *  2. service mode: every call reaches Okta as the one identity an admin authorized, while the
 *     audit log records the real user behind each call;
 *  3. losing Redis (this suite's own redis-server) degrades nothing a caller sees: calls keep
 *     working through the outage (token broker falls back to PostgreSQL), and everything is
 *     ready again after Redis returns.
 *
 * The simulator's System Log — like Okta's — records only changes and sign-in/token events, not
 * reads, so it cannot attribute a `GET /api/v1/users/me`. To see every request Okta served, the
 * simulator is fronted by a recording proxy (it is the org URL everybody uses); each recorded
 * bearer token is resolved to its user by the simulator's introspection endpoint.
 */

const GROUP = 'MCP Identities';
const PASSWORD = 'Portcullis-E2e-Passw0rd!';
const USERS = 20;
const BURST = 200;
const SIGN_IN_CONCURRENCY = 5;
const SEED = Number(processEnv()['E2E_SEED'] ?? 0x5eed) >>> 0;

function say(line: string): void {
  process.stdout.write(`# ${line}\n`);
}

/** mulberry32: a tiny seeded PRNG, so a failing burst can be replayed with E2E_SEED. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

async function inBatches<T, R>(
  items: readonly T[],
  concurrency: number,
  fn: (item: T) => Promise<R>,
): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
  return out;
}

function percentile(values: number[], p: number): number {
  if (!values.length) return NaN;
  const s = [...values].sort((a, b) => a - b);
  return Math.round(s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!);
}

function jwtClaims(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString()) as Record<
    string,
    unknown
  >;
}

// ---- a recording reverse proxy in front of the simulator ------------------------------------------

interface OktaRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  token: string | null;
  status: number;
}

/** Forwards everything to the simulator and records every Management API request (`/api/v1/…`). */
class RecordingProxy {
  readonly requests: OktaRequest[] = [];
  target = 0;
  private readonly agent = new Agent({ keepAlive: true, maxSockets: 256 });
  private constructor(
    private readonly server: Server,
    readonly port: number,
  ) {}

  static async start(): Promise<RecordingProxy> {
    const box: { proxy?: RecordingProxy } = {};
    const server = createServer((req, res) => box.proxy!.forward(req, res));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const addr = server.address();
    box.proxy = new RecordingProxy(server, typeof addr === 'object' && addr ? addr.port : 0);
    return box.proxy;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  private forward(req: IncomingMessage, res: ServerResponse): void {
    const headers = { ...req.headers };
    delete headers['connection'];
    delete headers['keep-alive'];
    const up = httpRequest(
      { host: '127.0.0.1', port: this.target, method: req.method, path: req.url, headers, agent: this.agent },
      (ur) => {
        const url = new URL(req.url ?? '/', this.url);
        if (url.pathname.startsWith('/api/v1/')) {
          const auth = req.headers.authorization ?? '';
          this.requests.push({
            method: req.method ?? 'GET',
            path: url.pathname,
            query: url.searchParams,
            token: /^Bearer\s+/i.test(auth) ? auth.replace(/^Bearer\s+/i, '') : null,
            status: ur.statusCode ?? 0,
          });
        }
        const raw: string[] = [];
        for (let i = 0; i < ur.rawHeaders.length; i += 2) {
          const k = ur.rawHeaders[i]!;
          if (!/^(connection|keep-alive|transfer-encoding)$/i.test(k)) raw.push(k, ur.rawHeaders[i + 1]!);
        }
        res.writeHead(ur.statusCode ?? 502, raw);
        ur.pipe(res);
      },
    );
    up.on('error', () => {
      if (!res.headersSent) res.writeHead(502);
      res.end();
    });
    req.pipe(up);
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
    this.agent.destroy();
  }
}

// ---- the suite ---------------------------------------------------------------------------------

interface Person {
  login: string;
  email: string;
  password: string;
  simId: string;
  /** Portcullis user id (the `sub` of the user's Portcullis access token). */
  portcullisId?: string;
  session?: SignedInUser;
  clients: Partial<Record<Svc, Client>>;
}

type ToolResult = {
  isError?: boolean;
  _meta?: { 'portcullis/error'?: { reason?: string } };
  content?: { type: string; text?: string }[];
  structuredContent?: { user?: { login?: string; id?: string }; users?: unknown[] };
};

const resultText = (r: ToolResult) => JSON.stringify(r).slice(0, 400);

describe('Portcullis identities end to end (distributed)', { timeout: 280_000 }, () => {
  let proxy: RecordingProxy;
  let redis: DedicatedRedis;
  let sim: OktaSim;
  let stack: E2eStack;
  const people: Person[] = [];
  let shorty: Person;
  let oktaAdmin: { login: string; email: string; password: string };
  const tokenOwners = new Map<string, string | null>();

  /** Whose token it is, as the simulator (Okta) sees it: introspection, straight at the simulator. */
  async function tokenOwner(token: string): Promise<string | null> {
    if (tokenOwners.has(token)) return tokenOwners.get(token)!;
    const app = sim.fixtures.portcullisWebApp;
    const res = await fetch(`http://127.0.0.1:${sim.port}/oauth2/v1/introspect`, {
      method: 'POST',
      headers: {
        authorization: `Basic ${Buffer.from(`${app.clientId}:${app.clientSecret}`).toString('base64')}`,
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: new URLSearchParams({ token, token_type_hint: 'access_token' }),
    });
    if (res.status !== 200) assert.fail(`introspection answered HTTP ${res.status}: ${await res.text()}`);
    const body = (await res.json()) as { active?: boolean; username?: string };
    const owner = body.active ? (body.username ?? null) : null;
    tokenOwners.set(token, owner);
    return owner;
  }

  async function client(p: Person, gateway: Svc = 'gateway'): Promise<Client> {
    const existing = p.clients[gateway];
    if (existing) return existing;
    const c = await p.session!.connect(gateway);
    p.clients[gateway] = c;
    return c;
  }

  /**
   * One tool call. A refusal because the audit log did not acknowledge the call's intent in time
   * (`audit_unavailable`: fail-closed, no upstream call made; it can happen when this shared box is
   * saturated) is retried as its message asks, and counted.
   */
  let auditRefusals = 0;
  async function call(
    p: Person,
    name: string,
    args: Record<string, unknown> = {},
    gateway: Svc = 'gateway',
  ): Promise<ToolResult> {
    const c = await client(p, gateway);
    for (let attempt = 1; ; attempt++) {
      const r = (await c.callTool({ name, arguments: args })) as ToolResult;
      if (r._meta?.['portcullis/error']?.reason !== 'audit_unavailable' || attempt === 5) return r;
      auditRefusals++;
      await new Promise((resolve) => setTimeout(resolve, 200 * attempt));
    }
  }

  /** Signs in through the gateway's OAuth, connects the person's own Okta account on first call, checks whoami. */
  async function onboard(p: Person, opts: { accessTokenSeconds?: number } = {}): Promise<void> {
    if (!p.session) {
      p.session = await stack.signIn(p);
      p.portcullisId = String(jwtClaims(p.session.provider.tokens()!.access_token)['sub']);
    }
    const c = await client(p);
    const connectUrl = await connectPrompt(c, 'okta_whoami');
    if (opts.accessTokenSeconds)
      sim.control.setTokenLifetimes({ accessTokenSeconds: opts.accessTokenSeconds });
    try {
      const page = await p.session.browser.navigate(connectUrl);
      assert.match(page.body, /Connected/i, page.body.slice(0, 500));
    } finally {
      if (opts.accessTokenSeconds) sim.control.setTokenLifetimes({ accessTokenSeconds: 3600 });
    }
    const r = await call(p, 'okta_whoami');
    assert.notEqual(r.isError, true, resultText(r));
    assert.equal(r.structuredContent?.user?.login, p.login);
  }

  function newPerson(n: string, groupIds: string[]): Person {
    const login = `ident.${n}@example.com`;
    const u = sim.org.createUser(
      {
        profile: { login, email: login, firstName: 'Ident', lastName: `Tester${n}` },
        password: PASSWORD,
        groupIds,
      },
      { activate: true },
    );
    // Read-only admins may list users (list_users); whoami only needs their own record.
    sim.org.assignRole({ kind: 'user', id: u.id }, 'READ_ONLY_ADMIN');
    return { login, email: login, password: PASSWORD, simId: u.id, clients: {} };
  }

  before(async () => {
    proxy = await RecordingProxy.start();
    redis = await DedicatedRedis.start();
    // The proxy's URL is the org URL (issuer) everybody uses; the simulator listens on its own port.
    sim = await startOktaSim({ seed: 23, size: 'demo', issuerUrl: proxy.url });
    proxy.target = sim.port;

    const group = sim.org.createGroup({ name: GROUP });
    // Members of the demo group are assigned to the Portcullis app (IdP sign-in and Okta connect).
    const groupIds = [group.id, sim.fixtures.demoGroup.id];
    for (let i = 1; i <= USERS; i++) people.push(newPerson(String(i).padStart(2, '0'), groupIds));
    shorty = newPerson('shortlived', groupIds);
    // The Okta super admin is a Portcullis admin (ADMIN_GROUPS default) and authorizes service mode.
    const admins = sim.org.createGroup({ name: 'Portcullis Admins' });
    sim.org.addUserToGroup(admins.id, sim.fixtures.superAdmin.id);
    oktaAdmin = sim.fixtures.superAdmin;

    stack = new E2eStack({ sim, redisUrl: redis.url });
    await stack.start();

    const created = await stack.registerOkta({
      displayName: 'Okta',
      credentialMode: 'per_user',
      scopes: ['okta.users.read', 'okta.groups.read'],
    });
    await stack.grantTools(String(created['id']), ['whoami', 'list_users'], GROUP, 'Okta identities');
  });

  after(async () => {
    const clients = people.concat(shorty ? [shorty] : []).flatMap((p) => Object.values(p.clients));
    await Promise.allSettled(clients.map((c) => c.close()));
    const steps = [() => stack?.stop(), () => sim?.close(), () => proxy?.close(), () => redis?.stop()];
    const errors: unknown[] = [];
    for (const step of steps) await step()?.catch((e: unknown) => errors.push(e));
    if (errors.length) throw errors[0];
  });

  it('20 users calling concurrently each reach Okta only as themselves', async () => {
    // Sign in and connect: the first user waits for the policy to reach the gateway.
    const t0 = performance.now();
    const first = people[0]!;
    first.session = await stack.signIn(first);
    first.portcullisId = String(jwtClaims(first.session.provider.tokens()!.access_token)['sub']);
    await eventually(
      'the policy to reach the gateway',
      async () => (await (await client(first)).listTools()).tools.length === 2,
    );
    await inBatches(people, SIGN_IN_CONCURRENCY, (p) => onboard(p));
    const onboardMs = Math.round(performance.now() - t0);
    say(`signed in + connected ${people.length} users in ${onboardMs} ms (${SIGN_IN_CONCURRENCY} at a time)`);
    assert.equal(
      new Set(people.map((p) => p.portcullisId)).size,
      USERS,
      'every user has their own Portcullis identity',
    );

    // Okta's own record of the connections: one access-token grant with Okta scopes per user, by that user.
    const grants = [...sim.org.logs.values()].filter(
      (e) =>
        e.eventType === 'app.oauth2.token.grant.access_token' &&
        String(e.debugContext.debugData['grantedScopes'] ?? '').includes('okta.users.read') &&
        people.some((p) => p.simId === e.actor.id),
    );
    for (const p of people) {
      const mine = grants.filter((e) => e.actor.id === p.simId);
      assert.equal(mine.length, 1, `System Log: ${p.login} granted Okta access once (got ${mine.length})`);
      assert.ok(
        mine[0]!.target.some((t) => t.id === p.simId),
        'System Log: the grant targets the user who made it',
      );
    }

    // The burst: random user and tool per call; list_users carries a unique query, so each
    // request Okta serves can be traced back to the one call that caused it.
    const rnd = prng(SEED);
    const plan = Array.from({ length: BURST }, (_, i) => {
      const person = people[Math.floor(rnd() * people.length)]!;
      const whoami = rnd() < 0.5;
      const nonce = `zqx${i}n${Math.floor(rnd() * 1e9).toString(36)}`;
      return { i, person, tool: whoami ? 'okta_whoami' : 'okta_list_users', nonce };
    });
    const mark = proxy.requests.length;
    const refusalsBefore = auditRefusals;
    const started = performance.now();
    const results = await Promise.all(
      plan.map(async (c) => {
        const t = performance.now();
        const r = await call(c.person, c.tool, c.tool === 'okta_whoami' ? {} : { query: c.nonce, limit: 5 });
        return { ...c, r, ms: performance.now() - t };
      }),
    );
    const burstMs = performance.now() - started;
    const latencies = results.map((x) => x.ms);
    say(
      `burst: ${BURST} concurrent calls (seed ${SEED}) in ${Math.round(burstMs)} ms = ${Math.round((BURST * 1000) / burstMs)} calls/s; ` +
        `latency p50 ${percentile(latencies, 50)} ms, p95 ${percentile(latencies, 95)} ms, max ${percentile(latencies, 100)} ms; ` +
        `${auditRefusals - refusalsBefore} audit_unavailable refusals retried`,
    );
    const callsPerUser = new Map<string, number>();
    for (const c of plan) callsPerUser.set(c.person.login, (callsPerUser.get(c.person.login) ?? 0) + 1);
    say(
      `calls per user: ${people.map((p) => `${p.login.split('@')[0]}=${callsPerUser.get(p.login) ?? 0}`).join(' ')}`,
    );

    // 1. Every result belongs to its caller.
    for (const x of results) {
      assert.notEqual(
        x.r.isError,
        true,
        `call #${x.i} (${x.tool} by ${x.person.login}) failed: ${resultText(x.r)}`,
      );
      if (x.tool === 'okta_whoami')
        assert.equal(
          x.r.structuredContent?.user?.login,
          x.person.login,
          `call #${x.i}: whoami answered for someone else`,
        );
      else assert.ok(Array.isArray(x.r.structuredContent?.users), `call #${x.i}: ${resultText(x.r)}`);
    }

    // 2. Independently, what Okta served: exactly one Management API request per call (a refused,
    //    retried attempt made none), each made with the caller's own token (resolved by the
    //    simulator's introspection).
    const served = proxy.requests.slice(mark);
    assert.equal(
      served.length,
      BURST,
      `Okta served ${served.length} requests for ${BURST} calls: ${served.map((r) => r.path).join(', ')}`,
    );
    const byNonce = new Map(plan.filter((c) => c.tool === 'okta_list_users').map((c) => [c.nonce, c]));
    const seenNonces = new Set<string>();
    const requestsPerActor = new Map<string, number>();
    for (const req of served) {
      assert.equal(req.status, 200, `${req.method} ${req.path} answered ${req.status}`);
      assert.ok(req.token, `${req.path} was called without a bearer token`);
      const actor = await tokenOwner(req.token);
      assert.ok(actor, `${req.path} was called with a token Okta does not know`);
      requestsPerActor.set(actor, (requestsPerActor.get(actor) ?? 0) + 1);
      if (req.path === '/api/v1/users') {
        const q = req.query.get('q') ?? '';
        const c = byNonce.get(q);
        assert.ok(c, `GET /api/v1/users?q=${q} matches no call of the burst`);
        assert.ok(!seenNonces.has(q), `the call with query ${q} reached Okta twice`);
        seenNonces.add(q);
        assert.equal(actor, c.person.login, `call #${c.i} of ${c.person.login} reached Okta as ${actor}`);
      } else {
        assert.equal(req.path, '/api/v1/users/me');
      }
    }
    assert.equal(seenNonces.size, byNonce.size, 'every list_users call reached Okta');
    const sorted = (m: Map<string, number>) => [...m.entries()].sort(([a], [b]) => a.localeCompare(b));
    assert.deepEqual(
      sorted(requestsPerActor),
      sorted(callsPerUser),
      'requests Okta attributes to each user = calls that user made',
    );
    say(
      `okta served ${served.length} requests with ${new Set(served.map((r) => r.token)).size} distinct tokens; actors = callers (${requestsPerActor.size} users)`,
    );
  });

  it('service mode: Okta sees the admin-authorized identity, the audit log the real users', async () => {
    const created = await stack.registerOkta({
      displayName: 'Okta (service account)',
      toolPrefix: 'oktasvc',
      credentialMode: 'service',
      scopes: ['okta.users.read'],
    });
    const serverId = String(created['id']);
    await stack.grantTools(serverId, ['whoami'], GROUP, 'Okta service account');
    const [u1, u2] = [people[0]!, people[1]!];
    for (const p of [u1, u2]) if (!p.session) await onboard(p);

    // Before an admin authorizes it, a call asks for the shared connection — at the admin-only link.
    const link = await eventually('the service tool to reach the gateway', () =>
      connectPrompt(u1.clients.gateway!, 'oktasvc_whoami').catch(() => undefined),
    );
    assert.match(link, /\/connect\/service\/start\?serverId=/);
    const refused = await u1.session!.browser.navigate(link);
    assert.equal(refused.status, 403, 'a non-admin cannot authorize the service identity');
    const adminBrowser = new Browser({ username: oktaAdmin.login, password: oktaAdmin.password });
    const page = await adminBrowser.navigate(link);
    assert.match(page.body, /Connected/i, page.body.slice(0, 500));
    assert.ok(page.body.includes(oktaAdmin.login), `connected as the admin: ${page.body.slice(0, 500)}`);

    const mark = proxy.requests.length;
    const CALLS = 3;
    const results = await Promise.all(
      [u1, u2].flatMap((p) =>
        Array.from({ length: CALLS }, async () => ({ p, r: await call(p, 'oktasvc_whoami') })),
      ),
    );
    for (const { p, r } of results) {
      assert.notEqual(r.isError, true, resultText(r));
      assert.equal(
        r.structuredContent?.user?.login,
        oktaAdmin.login,
        `${p.login}'s call reached Okta as the service identity`,
      );
    }
    const served = proxy.requests.slice(mark);
    assert.equal(served.length, results.length);
    for (const req of served)
      assert.equal(
        await tokenOwner(req.token!),
        oktaAdmin.login,
        'Okta attributes every request to the service identity',
      );

    // The audit log names the real user of each call, and the identity Okta saw.
    type Rec = {
      status?: string;
      user?: { id?: string; email?: string };
      toolCall?: {
        serverId?: string;
        tool?: string;
        upstreamIdentity?: string;
        credentialMode?: string;
        phase?: string;
      };
    };
    const q = `type=tool_call&server=${encodeURIComponent(serverId)}&tool=oktasvc_whoami&outcome=allowed_success&limit=100`;
    const records = await eventually(
      'service-mode audit records of both users',
      async () => {
        const r = (await stack.admin('GET', `/api/v1/audit/events?${q}`, undefined, 'audit')) as {
          data: Rec[];
        };
        const n = (p: Person) => r.data.filter((x) => x.user?.id === p.portcullisId).length;
        return n(u1) >= CALLS && n(u2) >= CALLS ? r.data : undefined;
      },
      30_000,
      300,
    );
    for (const p of [u1, u2]) {
      const mine = records.filter((x) => x.user?.id === p.portcullisId);
      assert.equal(mine.length, CALLS, `${p.login}: ${JSON.stringify(mine)}`);
      for (const rec of mine) {
        assert.equal(rec.status, 'allowed_success');
        assert.equal(rec.user?.email, p.email, 'the audit record names the real user');
        assert.equal(rec.toolCall?.serverId, serverId);
        assert.equal(rec.toolCall?.tool, 'oktasvc_whoami');
        assert.equal(rec.toolCall?.credentialMode, 'service');
        assert.equal(
          rec.toolCall?.upstreamIdentity,
          oktaAdmin.login,
          'the audit record names the identity Okta saw',
        );
      }
    }
    assert.ok(records.every((x) => x.user?.id === u1.portcullisId || x.user?.id === u2.portcullisId));
    say(
      `service mode: ${results.length} calls by ${u1.login} and ${u2.login} reached Okta as ${oktaAdmin.login}; ${records.length} audit records name the real users`,
    );
  });

  it('losing Redis degrades nothing a caller sees, and everything is ready again once it returns', async () => {
    const warm = people[0]!;
    const coldDuring = people.slice(1, 9);
    const coldAfter = people.slice(9, 15);
    for (const p of [warm, ...coldDuring, ...coldAfter]) if (!p.session) await onboard(p);
    // A user whose Okta access token lives 10 s: during the outage the broker must refresh it.
    await onboard(shorty, { accessTokenSeconds: 10 });
    const shortyConnectedAt = Date.now();
    // MCP sessions on the second replica, which has never fetched these users' credentials.
    await Promise.all([...coldDuring, ...coldAfter].map((p) => client(p, 'gateway2')));
    assert.equal((await call(warm, 'okta_whoami')).structuredContent?.user?.login, warm.login);
    const keysBefore = await redis.dbsize();
    assert.ok(keysBefore > 0, "the token broker caches credentials in this suite's Redis");

    const readyz = async (s: Svc) => {
      const res = await fetch(`${stack.url(s)}/readyz`);
      return { status: res.status, body: (await res.json()) as { checks?: Record<string, { ok: boolean }> } };
    };
    const failingChecks = (body: { checks?: Record<string, { ok: boolean }> }) =>
      Object.entries(body.checks ?? {})
        .filter(([, c]) => !c.ok)
        .map(([name]) => name)
        .sort();

    // ---- Redis goes away.
    await redis.kill('SIGKILL');
    const killedAt = Date.now();
    const GRACE_MS = 2000;
    const seenDown = await eventually(
      'auth to notice Redis is gone',
      async () => {
        const r = await readyz('auth');
        return r.body.checks?.['redis']?.ok === false ? Date.now() - killedAt : undefined;
      },
      10_000,
      100,
    );
    const gatewayReady = await readyz('gateway');
    // The gateway is stateless and keeps nothing in Redis: an outage must not take it out of service.
    assert.equal(gatewayReady.status, 200, `gateway /readyz during the Redis outage: ${JSON.stringify(gatewayReady.body)}`);
    say(
      `redis killed (${keysBefore} keys); auth readiness reports it after ${seenDown} ms; gateway /readyz ${gatewayReady.status} (failing: ${failingChecks(gatewayReady.body).join('+') || 'none'}) during the outage`,
    );

    // Warm user on the first replica: N consecutive successes (failures tolerated only in the grace period).
    const N = 20;
    const warmMs: number[] = [];
    let streak = 0;
    let graceFailures = 0;
    while (streak < N) {
      const t = performance.now();
      const r = await call(
        warm,
        streak % 2 ? 'okta_list_users' : 'okta_whoami',
        streak % 2 ? { query: 'ident', limit: 5 } : {},
      ).catch((e: Error) => ({ isError: true, content: [{ type: 'text', text: e.message }] }) as ToolResult);
      if (r.isError) {
        assert.ok(
          Date.now() - killedAt < GRACE_MS,
          `call failed ${Date.now() - killedAt} ms into the Redis outage: ${resultText(r)}`,
        );
        graceFailures++;
        streak = 0;
        continue;
      }
      if (streak % 2 === 0) assert.equal(r.structuredContent?.user?.login, warm.login);
      warmMs.push(performance.now() - t);
      streak++;
    }

    // Cold lookups on the second replica: the broker's Redis read and write fail, PostgreSQL answers.
    const coldMs: number[] = [];
    await Promise.all(
      coldDuring.map(async (p) => {
        for (let i = 0; i < 2; i++) {
          const t = performance.now();
          const r = await call(p, 'okta_whoami', {}, 'gateway2');
          assert.notEqual(r.isError, true, `${p.login} on gateway2 during the outage: ${resultText(r)}`);
          assert.equal(r.structuredContent?.user?.login, p.login);
          if (i === 0) coldMs.push(performance.now() - t);
        }
      }),
    );

    // The short-lived token is due: the broker refreshes it under a PostgreSQL lock instead of Redis's.
    const wait = shortyConnectedAt + 9000 - Date.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    assert.equal(await redis.dbsize().catch(() => -1), -1, 'Redis is still down');
    const refreshMs: number[] = [];
    for (let i = 0; i < 3; i++) {
      const t = performance.now();
      const r = await call(shorty, 'okta_whoami');
      assert.notEqual(r.isError, true, `${shorty.login} during the outage: ${resultText(r)}`);
      assert.equal(r.structuredContent?.user?.login, shorty.login);
      refreshMs.push(performance.now() - t);
    }
    assert.match(
      stack.procs.get('auth')!.output(),
      /refreshing under a database lock/,
      'the refresh took the PostgreSQL-lock path',
    );
    const refreshed = [...sim.org.logs.values()].filter(
      (e) =>
        e.eventType === 'app.oauth2.token.grant.access_token' &&
        e.actor.id === shorty.simId &&
        e.debugContext.debugData['grantType'] === 'refresh_token' &&
        Date.parse(e.published) >= killedAt,
    );
    assert.equal(refreshed.length, 1, 'Okta refreshed the short-lived token exactly once during the outage');
    const outageMs = Date.now() - killedAt;
    say(
      `during the ${outageMs} ms outage: warm ${warmMs.length} consecutive ok (p50 ${percentile(warmMs, 50)} ms, max ${percentile(warmMs, 100)} ms, ${graceFailures} failures in grace); ` +
        `cold broker lookups ${coldMs.length} ok (p50 ${percentile(coldMs, 50)} ms, max ${percentile(coldMs, 100)} ms); ` +
        `token refresh under DB lock ${Math.round(refreshMs[0]!)} ms then ${refreshMs.slice(1).map(Math.round).join('/')} ms`,
    );

    // ---- Redis comes back on the same port.
    await redis.up();
    const restartedAt = Date.now();
    // Every service's readiness must see Redis again and report ready.
    const services: Svc[] = ['auth', 'gateway', 'gateway2', 'governance', 'discovery', 'audit'];
    const recovery = await Promise.all(
      services.map(async (s) => {
        const changes: string[] = [];
        let last = '?';
        let failing: string[] = [];
        const ready = await eventually(
          `${s} to be ready again after Redis returned`,
          async () => {
            const r = await readyz(s);
            failing = failingChecks(r.body);
            const now = failing.join('+');
            if (now !== last) changes.push(`${now || 'none'} failing at ${Date.now() - restartedAt} ms`);
            last = now;
            return r.status === 200;
          },
          20_000,
          // A probe-like pace: every /readyz runs the service's Kafka, database and Redis checks.
          1000,
        ).then(
          () => true,
          () => false,
        );
        const why = `${s}: ${changes.join(', ')}; output:\n${stack.procs.get(s)!.output().slice(-2000)}`;
        assert.ok(!failing.includes('redis'), `the redis check recovers on ${why}`);
        assert.ok(ready, `${s} is ready again (${why})`);
        return `${s} ${Date.now() - restartedAt} ms [${changes.join(', ')}]`;
      }),
    );
    for (let i = 0; i < 5; i++)
      assert.equal((await call(warm, 'okta_whoami')).structuredContent?.user?.login, warm.login);
    await Promise.all(
      coldAfter.map(async (p) => {
        const r = await call(p, 'okta_whoami', {}, 'gateway2');
        assert.notEqual(r.isError, true, `${p.login} after Redis returned: ${resultText(r)}`);
        assert.equal(r.structuredContent?.user?.login, p.login);
      }),
    );
    const keysAfter = await redis.dbsize();
    assert.ok(keysAfter >= coldAfter.length, `the broker caches in Redis again (${keysAfter} keys)`);
    say(`audit_unavailable refusals retried so far in this suite: ${auditRefusals}`);
    say(
      `redis restarted: readiness ${recovery.join('; ')}; ${coldAfter.length} cold lookups ok; ${keysAfter} keys cached again`,
    );
  });
});
