import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { auth } from '@modelcontextprotocol/sdk/client/auth.js';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { OktaSim } from '@portcullis/okta-sim';
import {
  Browser,
  eventually,
  freePort,
  freshDatabase,
  HeadlessOAuthProvider,
  type ServiceProcess,
  serviceEnvironment,
  startProcess,
  type TestDatabase,
  uniqueTopicPrefix,
  waitForReady,
} from '@portcullis/testing';

/**
 * The distributed Portcullis stack the end-to-end suites run against: the five services (two gateway
 * replicas) and the hosted Okta MCP server as child processes over real Kafka, PostgreSQL and Redis,
 * with the Okta simulator (started by the suite) as the company IdP and the upstream Okta org.
 */
export const SERVICES = [
  'auth',
  'governance',
  'discovery',
  'audit',
  'gateway',
  'gateway2',
  'okta-mcp',
] as const;
export type Svc = (typeof SERVICES)[number];

export interface StackOptions {
  sim: OktaSim;
  /** Redis for every service; default the shared test Redis (REDIS_URL). */
  redisUrl?: string;
}

export interface SignedInUser {
  browser: Browser;
  provider: HeadlessOAuthProvider;
  /** An MCP client of this user on one gateway replica. */
  connect(gateway?: Svc): Promise<Client>;
}

/**
 * What every Portcullis service process of an e2e suite shares: distributed mode over the test
 * Kafka (a topic prefix of its own), PostgreSQL and Redis, fresh secrets, and the Okta simulator as
 * the company IdP.
 */
export function distributedServiceEnv(opts: { sim: OktaSim; databaseUrl: string; adminToken: string; redisUrl?: string }): Record<string, string> {
  const env = serviceEnvironment();
  const app = opts.sim.fixtures.portcullisWebApp;
  return {
    PORTCULLIS_MODE: 'distributed',
    PORTCULLIS_TENANT_ID: 'e2e',
    LOG_LEVEL: 'warn',
    HOST: '127.0.0.1',
    KAFKA_BROKERS: env.kafkaBrokers.join(','),
    KAFKA_TOPIC_PREFIX: uniqueTopicPrefix(),
    DATABASE_URL: opts.databaseUrl,
    DATABASE_POOL_SIZE: '3',
    REDIS_URL: opts.redisUrl ?? env.redisUrl,
    INTERNAL_SERVICE_SECRET: randomBytes(32).toString('hex'),
    PORTCULLIS_KEKS: `k1:${randomBytes(32).toString('base64')}`,
    PORTCULLIS_BOOTSTRAP_ADMIN_TOKEN: opts.adminToken,
    IDP_ISSUER_URL: opts.sim.url,
    IDP_CLIENT_ID: app.clientId,
    IDP_CLIENT_SECRET: app.clientSecret,
    SHUTDOWN_DRAIN_MS: '0',
  };
}

export class E2eStack {
  readonly adminToken = `pcat_e2e_${randomBytes(24).toString('base64url')}`;
  readonly procs = new Map<Svc, ServiceProcess & { url: string }>();
  db?: TestDatabase;
  private readonly ports = new Map<Svc, number>();

  constructor(private readonly opts: StackOptions) {}

  url(s: Svc): string {
    const port = this.ports.get(s);
    if (!port) throw new Error(`${s} has no port (stack not started)`);
    return `http://127.0.0.1:${port}`;
  }

  /** Starts everything; on failure, what did start is left for stop() (call it from `after`). */
  async start(): Promise<void> {
    const { sim } = this.opts;
    this.db = await freshDatabase();
    for (const s of SERVICES) this.ports.set(s, await freePort());
    const at = (s: Svc) => this.url(s);
    const app = sim.fixtures.portcullisWebApp;
    sim.org.addRedirectUri(app.clientId, `${at('auth')}/oauth/idp/callback`);
    sim.org.addRedirectUri(app.clientId, `${at('auth')}/auth/callback`);

    const common: Record<string, string> = {
      ...distributedServiceEnv({ sim, databaseUrl: this.db.url, adminToken: this.adminToken, ...(this.opts.redisUrl ? { redisUrl: this.opts.redisUrl } : {}) }),
      OKTA_ORG_ALLOWLIST: sim.url,
      AUTH_INTERNAL_URL: at('auth'),
      AUTH_ISSUER_URL: at('auth'),
      OKTA_MCP_URL: `${at('okta-mcp')}/mcp`,
      GATEWAY_RESOURCE_URL: `${at('gateway')}/mcp`,
    };
    const entry = (s: Svc) => `dist/apps/${s === 'gateway2' ? 'gateway' : s}/src/main.js`;
    // Migrations first (as the Helm hook does), so services do not race to create the schemas.
    for (const s of ['auth', 'governance', 'discovery', 'audit'] as const) {
      const m = startProcess(`migrate-${s}`, entry(s), { ...common, PORT: '0' }, ['migrate']);
      assert.equal(await m.exited, 0, m.output().slice(-2000));
    }
    for (const s of SERVICES) {
      const port = String(this.ports.get(s));
      // auth and both gateway replicas are reached by AI clients: their public URLs are their own.
      const publicUrl = s === 'auth' ? at('auth') : at('gateway');
      const p = startProcess(s, entry(s), {
        ...common,
        PORT: port,
        OKTA_MCP_PORT: port,
        PUBLIC_URL: publicUrl,
      });
      this.procs.set(s, Object.assign(p, { url: at(s) }));
    }
    await Promise.all([...this.procs.values()].map((p) => waitForReady(p.url, p, 120_000)));
  }

  /** Stops every process and drops the database, even after a partial start; reports the first error. */
  async stop(): Promise<void> {
    const results = await Promise.allSettled([...this.procs.values()].map((p) => p.stop()));
    const dropped = await Promise.allSettled([this.db?.drop()]);
    const failed = [...results, ...dropped].find((r) => r.status === 'rejected');
    if (failed) throw (failed as PromiseRejectedResult).reason;
  }

  /** An admin API call with the bootstrap admin token; throws on a non-2xx answer. */
  async admin(
    method: string,
    path: string,
    body?: unknown,
    svc: Svc = 'governance',
  ): Promise<Record<string, unknown>> {
    const res = await fetch(`${this.url(svc)}${path}`, {
      method,
      headers: { authorization: `Bearer ${this.adminToken}`, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`${method} ${path} → HTTP ${res.status}: ${text.slice(0, 500)}`);
    return text ? (JSON.parse(text) as Record<string, unknown>) : {};
  }

  /** Registers an Okta server on the simulator with the Portcullis web app's client; returns the API's answer. */
  registerOkta(input: {
    displayName: string;
    credentialMode: 'per_user' | 'service';
    scopes: string[];
    toolPrefix?: string;
  }) {
    const app = this.opts.sim.fixtures.portcullisWebApp;
    return this.admin('POST', '/api/v1/servers', {
      catalogId: 'okta',
      oktaOrgUrl: this.opts.sim.url,
      clientId: app.clientId,
      clientSecret: app.clientSecret,
      ...input,
    });
  }

  /** Waits until discovery has listed the server's tools (more than `min`). */
  async discoveredTools(serverId: string, min = 10): Promise<{ id: string; name: string; state: string }[]> {
    return eventually(
      `discovered tools of ${serverId}`,
      async () => {
        const r = (await this.admin('GET', `/api/v1/tools?serverId=${serverId}&limit=100`)) as {
          data: { id: string; name: string; state: string }[];
        };
        return r.data.length > min ? r.data : undefined;
      },
      60_000,
      500,
    );
  }

  /** Approves the named tools of a server and grants them to an IdP group through a new toolset and profile. */
  async grantTools(
    serverId: string,
    toolNames: string[],
    group: string,
    name: string,
  ): Promise<{ toolIds: string[]; profileId: string }> {
    const tools = await this.discoveredTools(serverId);
    const toolIds = toolNames.map((n) => {
      const t = tools.find((x) => x.name === n);
      assert.ok(
        t,
        `tool ${n} of ${serverId} was not discovered (have: ${tools.map((x) => x.name).join(', ')})`,
      );
      return t.id;
    });
    await this.admin('POST', '/api/v1/tools/bulk', { action: 'approve', toolIds });
    const toolset = await this.admin('POST', '/api/v1/toolsets', { name, toolIds });
    const profile = await this.admin('POST', '/api/v1/profiles', {
      name,
      toolsetIds: [toolset['id']],
      subjects: [{ type: 'group', value: group }],
    });
    return { toolIds, profileId: String(profile['id']) };
  }

  /** Signs a person in through the gateway's OAuth (IdP sign-in form and consent in a headless browser). */
  async signIn(user: { login: string; password: string }): Promise<SignedInUser> {
    const browser = new Browser({ username: user.login, password: user.password });
    const provider = new HeadlessOAuthProvider(browser, 'http://127.0.0.1:53682/callback');
    const resource = `${this.url('gateway')}/mcp`;
    assert.equal(await auth(provider, { serverUrl: resource }), 'REDIRECT');
    assert.ok(provider.capturedCode, JSON.stringify(provider.capturedError));
    assert.equal(
      await auth(provider, { serverUrl: resource, authorizationCode: provider.capturedCode }),
      'AUTHORIZED',
    );
    const connect = async (gateway: Svc = 'gateway') => {
      const client = new Client({ name: 'e2e', version: '1' });
      await client.connect(
        new StreamableHTTPClientTransport(new URL(`${this.url(gateway)}/mcp`), { authProvider: provider }),
      );
      return client;
    };
    return { browser, provider, connect };
  }
}

/** Calls a tool that needs an upstream connection first: expects URL elicitation (-32042) and returns its link. */
export async function connectPrompt(client: Client, tool: string): Promise<string> {
  const err = await client.callTool({ name: tool, arguments: {} }).then(
    (r) => assert.fail(`expected a connect prompt from ${tool}, got ${JSON.stringify(r).slice(0, 300)}`),
    (e: { code?: number; data?: { elicitations?: { url: string }[] } }) => e,
  );
  assert.equal(err.code, -32042, JSON.stringify(err));
  const url = err.data?.elicitations?.[0]?.url;
  assert.ok(url, `the connect prompt carries a link: ${JSON.stringify(err)}`);
  return url;
}
