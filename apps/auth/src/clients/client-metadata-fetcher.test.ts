import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { ClientMetadataError, ClientMetadataFetcher } from './client-metadata-fetcher';

const base = { allowLoopback: true, allowedHosts: [] as string[], maxBytes: 1024, timeoutMs: 1000 };
const reason = async (p: Promise<unknown>) => {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof ClientMetadataError, String(err));
    return { reason: err.reason, message: err.message };
  }
  assert.fail('expected a ClientMetadataError');
};

describe('ClientMetadataFetcher.validate', () => {
  const f = new ClientMetadataFetcher(base);
  after(() => f.close());
  const id = 'https://client.example.com/oauth/metadata.json';
  it('accepts a valid public-client document', () => {
    const doc = f.validate(
      id,
      JSON.stringify({
        client_id: id,
        client_name: 'Example',
        redirect_uris: ['http://127.0.0.1:3000/cb'],
        token_endpoint_auth_method: 'none',
      }),
    );
    assert.equal(doc.client_name, 'Example');
  });
  it('refuses mismatched ids, secrets, confidential methods and bad redirect URIs', () => {
    const bad = (doc: unknown, re: RegExp) => assert.throws(() => f.validate(id, JSON.stringify(doc)), re);
    bad(
      { client_id: 'https://other.example.com/x', redirect_uris: ['https://a.example.com/cb'] },
      /must equal its own URL/,
    );
    bad({ client_id: id, redirect_uris: ['https://a.example.com/cb'], client_secret: 'x' }, /client secret/);
    bad(
      {
        client_id: id,
        redirect_uris: ['https://a.example.com/cb'],
        token_endpoint_auth_method: 'private_key_jwt',
      },
      /supports only "none"/,
    );
    bad({ client_id: id, redirect_uris: [] }, /at least one redirect URI/);
    bad({ client_id: id, redirect_uris: ['http://evil.example.com/cb'] }, /non-loopback/);
    bad(
      { client_id: id, redirect_uris: ['https://a.example.com/cb'], response_types: ['token'] },
      /response type "code"/,
    );
    assert.throws(() => f.validate(id, 'nope'), /not valid JSON/);
  });
});

describe('ClientMetadataFetcher.checkUrl', () => {
  const strict = new ClientMetadataFetcher({ ...base, allowLoopback: false });
  after(() => strict.close());
  it('refuses unsafe client_id URLs before any network access', () => {
    for (const [u, re] of [
      ['http://client.example.com/x', /https/],
      ['https://client.example.com', /must have a path/],
      ['https://user:pw@client.example.com/x', /credentials/],
      ['https://client.example.com/x#frag', /fragment/],
      ['https://client.example.com/a/../b', /dot segments/],
      ['https://127.0.0.1/x', /loopback/],
      ['https://localhost/x', /localhost/],
      ['https://[fe80::1]/x', /link-local/],
      ['http://127.0.0.1/x', /https/],
    ] as const) {
      assert.throws(() => strict.checkUrl(u), re, u);
    }
  });
});

describe('ClientMetadataFetcher.fetch', () => {
  let url = '';
  let body = '';
  let status = 200;
  let location: string | undefined;
  const server = createServer((_req, res) => {
    res.writeHead(status, { 'content-type': 'application/json', ...(location ? { location } : {}) });
    res.end(body);
  });
  before(async () => {
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => server.close());

  it('fetches, enforces the size limit and follows only safe redirects', async () => {
    const f = new ClientMetadataFetcher(base);
    try {
      const id = `${url}/client.json`;
      body = JSON.stringify({ client_id: id, redirect_uris: ['http://127.0.0.1:1/cb'] });
      status = 200;
      location = undefined;
      assert.equal((await f.fetch(id)).client_id, id);
      body = JSON.stringify({
        client_id: id,
        redirect_uris: ['http://127.0.0.1:1/cb'],
        pad: 'x'.repeat(2000),
      });
      assert.equal((await reason(f.fetch(id))).reason, 'too_large');
      status = 302;
      location = 'https://169.254.169.254/latest/meta-data';
      const r = await reason(f.fetch(id));
      assert.equal(r.reason, 'forbidden_address');
      assert.match(r.message, /metadata address/);
    } finally {
      await f.close();
    }
  });

  it('checks the addresses a host name resolves to (DNS pointing at private space)', async () => {
    const f = new ClientMetadataFetcher({
      ...base,
      allowLoopback: false,
      resolve: async () => [{ address: '10.1.2.3', family: 4 }],
    });
    try {
      const r = await reason(f.fetch('https://innocent.example.com/client.json'));
      assert.equal(r.reason, 'forbidden_address');
      assert.match(r.message, /innocent\.example\.com resolves to 10\.1\.2\.3, a private address/);
    } finally {
      await f.close();
    }
  });

  it('gives up after the timeout', async () => {
    const slow = createServer(() => undefined);
    await new Promise<void>((r) => slow.listen(0, '127.0.0.1', r));
    const f = new ClientMetadataFetcher({ ...base, timeoutMs: 200 });
    try {
      const r = await reason(f.fetch(`http://127.0.0.1:${(slow.address() as AddressInfo).port}/c.json`));
      assert.equal(r.reason, 'fetch_failed');
    } finally {
      await f.close();
      slow.closeAllConnections();
      slow.close();
    }
  });
});
