import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { MockAgent } from 'undici';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import {
  CALLER_HEADER,
  ServiceTokenSigner,
  UPSTREAM_ORG_URL_HEADER,
  UPSTREAM_TOKEN_HEADER,
} from '@portcullis/crypto';
import { createLogger } from './logger';
import { startOktaMcpServer } from './server';

function capture(): { stream: Writable; lines: string[] } {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      lines.push(...chunk.toString().split('\n').filter(Boolean));
      cb();
    },
  });
  return { stream, lines };
}

test('credential-bearing fields are redacted by path', () => {
  const { stream, lines } = capture();
  const log = createLogger('info', stream);
  log.info(
    {
      headers: { authorization: 'Bearer SECRET-1', 'x-portcullis-upstream-token': 'SECRET-2' },
      cred: { accessToken: 'SECRET-3' },
      accessToken: 'SECRET-4',
    },
    'x',
  );
  assert.equal(lines.length, 1);
  assert.doesNotMatch(lines[0]!, /SECRET-/);
  assert.match(lines[0]!, /\[redacted\]/);
});

test('a full server run never writes the Okta token, the service token or tool arguments to its logs', async () => {
  const secret = 'logger-test-secret-0123456789abcdef0123';
  const oktaToken = 'OKTA-ACCESS-TOKEN-must-not-be-logged';
  const agent = new MockAgent();
  agent.disableNetConnect();
  agent
    .get('https://acme.okta.com')
    .intercept({ path: '/api/v1/users/me', method: 'GET' })
    .reply(
      200,
      { id: '00u1234567890abcdefg', status: 'ACTIVE', profile: { login: 'pii.person@acme.com' } },
      { headers: { 'content-type': 'application/json', 'x-okta-request-id': 'req-42' } },
    )
    .persist();
  const { stream, lines } = capture();
  const server = await startOktaMcpServer({
    internalSecret: secret,
    orgAllowlist: [],
    logger: createLogger('trace', stream),
    okta: { dispatcher: agent },
  });
  const serviceToken = await new ServiceTokenSigner(secret, 'gateway').tokenFor('okta-mcp');
  try {
    const client = new Client({ name: 't', version: '1' });
    await client.connect(
      new StreamableHTTPClientTransport(new URL(server.url), {
        requestInit: {
          headers: {
            authorization: `Bearer ${serviceToken}`,
            [UPSTREAM_ORG_URL_HEADER]: 'https://acme.okta.com',
            [UPSTREAM_TOKEN_HEADER]: oktaToken,
            [CALLER_HEADER]: 'portcullis-user-7',
          },
        },
      }),
    );
    const me = await client.callTool({ name: 'whoami', arguments: {} });
    assert.notEqual(me.isError, true);
    await client.callTool({ name: 'get_user', arguments: { user: 'secret.argument@acme.com' } });
    await client.close();
    // A rejected request is logged too (with the reason, not the token).
    await fetch(server.url, {
      method: 'POST',
      headers: { authorization: 'Bearer forged.token.value' },
      body: '{}',
    });
  } finally {
    await server.close();
    await agent.close();
  }
  const all = lines.join('\n');
  assert.match(all, /"tool":"whoami".*"outcome":"success"/);
  assert.match(all, /"caller":"portcullis-user-7"/);
  assert.match(all, /without a valid service token/);
  assert.ok(!all.includes(oktaToken), 'Okta token leaked into logs');
  assert.ok(!all.includes(serviceToken), 'service token leaked into logs');
  assert.ok(!all.includes('forged.token.value'));
  assert.ok(!all.includes('secret.argument@acme.com'), 'tool arguments must not be logged');
});
