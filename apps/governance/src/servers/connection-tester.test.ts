import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { toNodeHandler } from '@modelcontextprotocol/node';
import { createMcpHandler, Server as McpLowLevelServer } from '@modelcontextprotocol/server';
import { ConnectionTester } from './connection-tester';
import type { ServerRecord } from './servers.repository';

function record(over: Partial<ServerRecord>): ServerRecord {
  return {
    id: 's',
    tenantId: 't',
    catalogId: 'okta',
    kind: 'okta',
    displayName: 'Okta',
    toolPrefix: 'okta',
    upstreamUrl: null,
    transport: 'streamable_http',
    oktaOrgUrl: null,
    credentialMode: 'per_user',
    upstreamAuth: 'oauth',
    oauth: { clientId: 'cid', scopes: ['okta.users.read', 'okta.groups.read'] },
    clientSecretConfigured: true,
    staticHeaderName: null,
    staticSecretConfigured: false,
    requireToolApproval: null,
    paused: false,
    revision: 1,
    createdAt: '',
    updatedAt: '',
    createdBy: null,
    lastDiscovery: null,
    discoveryRequestedAt: null,
    ...over,
  };
}

async function listen(server: Server): Promise<string> {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

describe('ConnectionTester', () => {
  let org: Server;
  let orgUrl: string;
  let mcp: Server;
  let mcpUrl: string;
  const tester = new ConnectionTester({ oktaOrgAllowlist: ['http://127.0.0.1:*'], timeoutMs: 3000 });

  before(async () => {
    org = createServer((req, res) => {
      if (req.url !== '/.well-known/openid-configuration') return void res.writeHead(404).end();
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          issuer: orgUrl,
          authorization_endpoint: `${orgUrl}/oauth2/v1/authorize`,
          token_endpoint: `${orgUrl}/oauth2/v1/token`,
          grant_types_supported: ['authorization_code', 'refresh_token'],
          scopes_supported: ['openid', 'okta.users.read', 'okta.groups.read'],
        }),
      );
    });
    orgUrl = await listen(org);
    const handler = createMcpHandler(() => {
      const s = new McpLowLevelServer(
        { name: 'probe-target', version: '9.9.9' },
        { capabilities: { tools: {} } },
      );
      s.setRequestHandler('tools/list', async () => ({
        tools: [
          { name: 'a', inputSchema: { type: 'object' as const } },
          { name: 'b', inputSchema: { type: 'object' as const } },
        ],
      }));
      return s;
    });
    const node = toNodeHandler(handler);
    mcp = createServer((req, res) => void node(req, res));
    mcpUrl = `${await listen(mcp)}/mcp`;
  });

  after(async () => {
    org.closeAllConnections();
    mcp.closeAllConnections();
    await new Promise<void>((r) => org.close(() => r()));
    await new Promise<void>((r) => mcp.close(() => r()));
  });

  it('passes an Okta org whose OpenID configuration matches the client configuration', async () => {
    const r = await tester.test(record({ oktaOrgUrl: orgUrl }));
    assert.equal(r.ok, true, JSON.stringify(r.checks));
    assert.deepEqual(
      r.checks.map((c) => c.name),
      [
        'org_url',
        'openid_configuration',
        'issuer',
        'endpoints',
        'grant_type',
        'scopes',
        'client_id',
        'client_secret',
        'tool_discovery',
      ],
    );
  });

  it('names what failed: unsupported scopes, the grant a mode needs, a missing secret', async () => {
    const r = await tester.test(
      record({
        oktaOrgUrl: orgUrl,
        credentialMode: 'client_credentials',
        clientSecretConfigured: false,
        oauth: { clientId: 'cid', scopes: ['okta.users.manage'] },
      }),
    );
    assert.equal(r.ok, false);
    const failed = Object.fromEntries(r.checks.filter((c) => !c.ok).map((c) => [c.name, c.detail]));
    assert.match(failed['scopes']!, /okta\.users\.manage/);
    assert.match(failed['grant_type']!, /client_credentials/);
    assert.match(failed['client_secret']!, /No client secret/);
  });

  it('refuses an org URL outside the allowed domains before fetching anything', async () => {
    const r = await new ConnectionTester({ oktaOrgAllowlist: [], timeoutMs: 1000 }).test(
      record({ oktaOrgUrl: orgUrl }),
    );
    assert.deepEqual([r.ok, r.checks.length, r.checks[0]!.name], [false, 1, 'org_url']);
  });

  it('reports an unreachable org', async () => {
    const r = await tester.test(record({ oktaOrgUrl: 'http://127.0.0.1:1' }));
    assert.equal(r.checks.find((c) => c.name === 'openid_configuration')!.ok, false);
  });

  it('runs MCP initialize + tools/list against a remote server and reports failures', async () => {
    const remote = (url: string) =>
      record({
        catalogId: 'remote-mcp',
        kind: 'remote',
        upstreamUrl: url,
        oktaOrgUrl: null,
        upstreamAuth: 'none',
        credentialMode: 'none',
        oauth: null,
        clientSecretConfigured: false,
      });
    const ok = await tester.test(remote(mcpUrl));
    assert.equal(ok.ok, true, JSON.stringify(ok.checks));
    assert.match(ok.checks[0]!.detail, /probe-target 9\.9\.9/);
    assert.match(ok.checks[1]!.detail, /2 tool/);
    const down = await tester.test(remote('http://127.0.0.1:1/mcp'));
    assert.equal(down.ok, false);
    assert.match(down.checks[0]!.detail, /MCP initialize failed/);
  });
});
