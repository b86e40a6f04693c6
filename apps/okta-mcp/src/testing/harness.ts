import { Agent, type Dispatcher } from 'undici';
import {
  Client as V2Client,
  StreamableHTTPClientTransport as V2Transport,
  type ElicitResult,
} from '@modelcontextprotocol/client';
import { Client as V1Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport as V1Transport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import {
  CALLER_HEADER,
  ServiceTokenSigner,
  UPSTREAM_ORG_URL_HEADER,
  UPSTREAM_TOKEN_HEADER,
  UPSTREAM_TOKEN_TYPE_HEADER,
  type ServiceName,
} from '@portcullis/crypto';
import { startOktaSim, type FixtureUser, type OktaSim, type OktaSimOptions } from '@portcullis/okta-sim';
import { startOktaMcpServer, type RunningOktaMcpServer } from '../server';
import { createLogger } from '../logger';
import { signInWithPkce } from './okta-sign-in';

/**
 * Integration-test stack: the Okta simulator + this server, MCP clients from the official SDKs
 * (v2 in both protocol eras, and v1) that talk to it the way the gateway does (service token +
 * internal Okta headers), and a counter of HTTP requests the server sends to Okta.
 */

export const TEST_SECRET = 'okta-mcp-test-internal-secret-0123456789abcdef';

export const ALL_SCOPES = [
  'okta.users.read',
  'okta.users.manage',
  'okta.groups.read',
  'okta.groups.manage',
  'okta.apps.read',
  'okta.apps.manage',
  'okta.logs.read',
] as const;

export interface CallResult {
  isError?: boolean;
  content: { type: string; text?: string }[];
  structuredContent?: Record<string, unknown>;
  _meta?: Record<string, unknown>;
}

export interface ListedTool {
  name: string;
  description?: string;
  inputSchema: Record<string, unknown>;
  outputSchema?: Record<string, unknown>;
  annotations?: Record<string, unknown>;
  _meta?: Record<string, unknown>;
}

export type ClientKind = 'v2-legacy' | 'v2-modern' | 'v1';

export interface TestClient {
  kind: ClientKind;
  listTools(): Promise<ListedTool[]>;
  call(name: string, args?: Record<string, unknown>): Promise<CallResult>;
  close(): Promise<void>;
}

export type ElicitAnswer = ElicitResult;

export interface ConnectOptions {
  kind?: ClientKind;
  /** Okta credential forwarded in the internal headers; null = send none. */
  okta?: { token: string; tokenType?: string; orgUrl?: string } | null;
  caller?: string;
  /** Override the Authorization header (null = omit it). */
  authorization?: string | null;
  /** Service that signs the token (default gateway). */
  service?: ServiceName;
  /** Declare form elicitation and answer with this (2026-07-28 clients only). */
  elicit?: (message: string) => ElicitAnswer;
}

export interface Stack {
  sim: OktaSim;
  server: RunningOktaMcpServer;
  /** User access tokens obtained through the sim's sign-in + PKCE flow. */
  tokens: {
    superAdmin: string;
    readOnlyAdmin: string;
    regularUser: string;
    superAdminReadOnlyScopes: string;
  };
  /** Number of HTTP requests the server has sent to Okta so far. */
  oktaRequests(): number;
  signIn(user: FixtureUser, scopes: readonly string[]): Promise<string>;
  connect(opts?: ConnectOptions): Promise<TestClient>;
  /** Connects, runs one call, closes. */
  callOnce(name: string, args?: Record<string, unknown>, opts?: ConnectOptions): Promise<CallResult>;
  close(): Promise<void>;
}

export function text(r: CallResult): string {
  return r.content.map((c) => c.text ?? '').join('\n');
}

export async function startStack(
  opts: { sim?: OktaSimOptions; okta?: { rateLimitBudgetMs?: number; timeoutMs?: number } } = {},
): Promise<Stack> {
  const sim = await startOktaSim({ seed: 42, ...opts.sim });
  let count = 0;
  const agent = new Agent({ keepAliveTimeout: 30_000 });
  const counting: Dispatcher = agent.compose((dispatch) => (o, handler) => {
    count += 1;
    return dispatch(o, handler);
  });
  const server = await startOktaMcpServer({
    internalSecret: TEST_SECRET,
    orgAllowlist: ['http://127.0.0.1:*'],
    logger: createLogger('silent'),
    okta: { dispatcher: counting, ...opts.okta },
  });
  const app = sim.fixtures.portcullisWebApp;
  const signIn = async (user: FixtureUser, scopes: readonly string[]) =>
    (
      await signInWithPkce({
        orgUrl: sim.url,
        clientId: app.clientId,
        clientSecret: app.clientSecret,
        redirectUri: app.redirectUris[0]!,
        username: user.login,
        password: user.password,
        scopes,
      })
    ).accessToken;
  const f = sim.fixtures;
  const [superAdmin, readOnlyAdmin, regularUser, superAdminReadOnlyScopes] = await Promise.all([
    signIn(f.superAdmin, ALL_SCOPES),
    signIn(f.readOnlyAdmin, ALL_SCOPES),
    signIn(f.regularUser, ALL_SCOPES),
    signIn(f.superAdmin, ['okta.users.read', 'okta.groups.read', 'okta.apps.read', 'okta.logs.read']),
  ]);
  const signers = new Map<ServiceName, ServiceTokenSigner>();
  const signerFor = (s: ServiceName) => {
    let signer = signers.get(s);
    if (!signer) signers.set(s, (signer = new ServiceTokenSigner(TEST_SECRET, s)));
    return signer;
  };

  const connect = async (o: ConnectOptions = {}): Promise<TestClient> => {
    const kind = o.kind ?? 'v2-legacy';
    const okta = o.okta === undefined ? { token: superAdmin } : o.okta;
    // Fresh headers per HTTP request, like the gateway (service tokens live 60 s).
    const fetchWithHeaders = async (url: string | URL, init?: RequestInit): Promise<Response> => {
      const headers = new Headers(init?.headers);
      if (o.authorization === null) headers.delete('authorization');
      else
        headers.set(
          'authorization',
          o.authorization ?? (await signerFor(o.service ?? 'gateway').authorizationFor('okta-mcp')),
        );
      if (okta) {
        headers.set(UPSTREAM_ORG_URL_HEADER, okta.orgUrl ?? sim.url);
        headers.set(UPSTREAM_TOKEN_HEADER, okta.token);
        if (okta.tokenType) headers.set(UPSTREAM_TOKEN_TYPE_HEADER, okta.tokenType);
      }
      headers.set(CALLER_HEADER, o.caller ?? 'portcullis-user-1');
      return fetch(url, { ...init, headers });
    };
    const url = new URL(server.url);
    if (kind === 'v1') {
      const client = new V1Client({ name: 'okta-mcp-test-v1', version: '1.0.0' });
      await client.connect(new V1Transport(url, { fetch: fetchWithHeaders }));
      return {
        kind,
        listTools: async () => (await client.listTools()).tools as ListedTool[],
        call: async (name, args = {}) => (await client.callTool({ name, arguments: args })) as CallResult,
        close: () => client.close(),
      };
    }
    const client = new V2Client(
      { name: 'okta-mcp-test-v2', version: '1.0.0' },
      {
        versionNegotiation: { mode: kind === 'v2-modern' ? 'auto' : 'legacy' },
        ...(o.elicit ? { capabilities: { elicitation: { form: {} } } } : {}),
      },
    );
    const elicit = o.elicit;
    if (elicit) {
      client.setRequestHandler('elicitation/create', async (request) => {
        const params = request.params as { message?: string };
        return elicit(params.message ?? '');
      });
    }
    await client.connect(new V2Transport(url, { fetch: fetchWithHeaders }));
    // Prime the tools/list cache so the SDK validates structuredContent against each outputSchema.
    await client.listTools();
    return {
      kind,
      listTools: async () => (await client.listTools()).tools as ListedTool[],
      call: async (name, args = {}) => (await client.callTool({ name, arguments: args })) as CallResult,
      close: () => client.close(),
    };
  };

  return {
    sim,
    server,
    tokens: { superAdmin, readOnlyAdmin, regularUser, superAdminReadOnlyScopes },
    oktaRequests: () => count,
    signIn,
    connect,
    async callOnce(name, args, o) {
      const c = await connect(o);
      try {
        return await c.call(name, args);
      } finally {
        await c.close();
      }
    },
    async close() {
      await server.close();
      await agent.close();
      await sim.close();
    },
  };
}
