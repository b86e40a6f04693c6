import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, it } from 'node:test';
import { SignJWT } from 'jose';
import { remainingUsableMs } from './token-broker.service';
import {
  identityFromIdToken,
  type OpenedUpstreamClient,
  parsePrivateKey,
  UpstreamOAuthClient,
  UpstreamOAuthError,
} from './upstream-oauth.client';

describe('parsePrivateKey', () => {
  it('reads PEM and JWK, RSA and EC', () => {
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
    assert.equal(
      parsePrivateKey(rsa.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string).alg,
      'RS256',
    );
    const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    assert.equal(parsePrivateKey(JSON.stringify(ec.privateKey.export({ format: 'jwk' }))).alg, 'ES256');
    assert.throws(() => parsePrivateKey('garbage'));
  });
});

describe('identityFromIdToken', () => {
  it('prefers preferred_username, then email, then sub', async () => {
    const key = new TextEncoder().encode('k'.repeat(32));
    const tok = async (c: Record<string, unknown>) =>
      new SignJWT(c).setProtectedHeader({ alg: 'HS256' }).sign(key);
    assert.equal(
      identityFromIdToken(await tok({ sub: 's', email: 'e@x', preferred_username: 'p@x', nonce: 'n' }))
        .authorizedAs,
      'p@x',
    );
    assert.equal(identityFromIdToken(await tok({ sub: 's', email: 'e@x' })).authorizedAs, 'e@x');
    assert.deepEqual(identityFromIdToken(null), { authorizedAs: null, nonce: null });
  });
});

describe('remainingUsableMs', () => {
  it('keeps a minute of margin, or a quarter of very short lifetimes', () => {
    const now = Date.now();
    assert.ok(Math.abs(remainingUsableMs(new Date(now + 3_600_000), new Date(now)) - 3_540_000) < 50);
    assert.ok(Math.abs(remainingUsableMs(new Date(now + 40_000), new Date(now)) - 30_000) < 50);
    assert.ok(remainingUsableMs(new Date(now - 1), new Date(now - 10)) < 0);
  });
});

describe('UpstreamOAuthClient', () => {
  it('retries with the previous secret when the new one is refused (no-downtime rotation)', async () => {
    const seen: string[] = [];
    const server = createServer((req, res) => {
      const auth = Buffer.from(String(req.headers.authorization).replace('Basic ', ''), 'base64').toString();
      seen.push(auth);
      if (auth === 'cid:old') {
        res
          .writeHead(200, { 'content-type': 'application/json' })
          .end(JSON.stringify({ access_token: 'at', token_type: 'Bearer', expires_in: 60, scope: 'a b' }));
      } else {
        res
          .writeHead(401, { 'content-type': 'application/json' })
          .end(JSON.stringify({ error: 'invalid_client', error_description: 'bad secret' }));
      }
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const c: OpenedUpstreamClient = {
      serverId: 's',
      clientId: 'cid',
      authMethod: 'client_secret_basic',
      authorizationEndpoint: null,
      tokenEndpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}/token`,
      revocationEndpoint: null,
      secret: 'new',
      previousSecret: 'old',
      privateKey: null,
    };
    try {
      const client = new UpstreamOAuthClient(2000);
      const r = await client.token(c, { grant_type: 'refresh_token', refresh_token: 'rt' });
      assert.equal(r.accessToken, 'at');
      assert.deepEqual(r.scopes, ['a', 'b']);
      assert.deepEqual(seen, ['cid:new', 'cid:old']);
      await assert.rejects(
        client.token({ ...c, previousSecret: null }, { grant_type: 'refresh_token', refresh_token: 'rt' }),
        (e: unknown) => e instanceof UpstreamOAuthError && e.error === 'invalid_client',
      );
    } finally {
      server.close();
    }
  });
});
