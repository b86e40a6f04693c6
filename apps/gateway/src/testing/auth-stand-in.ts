import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, type KeyLike, SignJWT } from 'jose';

/**
 * A stand-in for the two auth endpoints the gateway depends on (JWKS and the token broker), for
 * gateway tests that must not depend on the whole auth service. It signs real RS256 tokens and
 * answers the broker contract; the credential it hands out is whatever the test's resolver returns.
 */
export interface StandInBrokerAnswer {
  status: 'ok' | 'connect_required' | 'reconnect_required' | 'not_configured';
  [k: string]: unknown;
}

export interface AuthStandIn {
  url: string;
  brokerCalls: { serverId: string; userId: string }[];
  mint(claims: { sub: string; email?: string; groups?: string[]; client_id?: string; client_type?: string; scope?: string; aud?: string; iss?: string; expiresIn?: number; alg?: 'good' | 'forged' }): Promise<string>;
  close(): Promise<void>;
}

export async function startAuthStandIn(opts: {
  issuer: () => string;
  audience: () => string;
  broker: (req: { serverId: string; userId: string; userEmail?: string }) => Promise<StandInBrokerAnswer>;
}): Promise<AuthStandIn> {
  const { publicKey, privateKey } = await generateKeyPair('RS256');
  const forged = await generateKeyPair('RS256');
  const kid = randomUUID();
  const jwk = { ...(await exportJWK(publicKey)), kid, alg: 'RS256', use: 'sig' };
  const brokerCalls: { serverId: string; userId: string }[] = [];
  const server: Server = createServer((req, res) => {
    if (req.url === '/oauth/jwks') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ keys: [jwk] }));
      return;
    }
    if (req.url === '/internal/v1/upstream-token' && req.method === 'POST') {
      let body = '';
      req.on('data', (d: Buffer) => (body += d.toString()));
      req.on('end', () => {
        const parsed = JSON.parse(body) as { serverId: string; userId: string; userEmail?: string };
        brokerCalls.push({ serverId: parsed.serverId, userId: parsed.userId });
        opts.broker(parsed).then(
          (answer) => {
            res.writeHead(200, { 'content-type': 'application/json' });
            res.end(JSON.stringify(answer));
          },
          (err: Error) => {
            res.writeHead(500, { 'content-type': 'application/json' });
            res.end(JSON.stringify({ error: err.message }));
          },
        );
      });
      return;
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    brokerCalls,
    mint: async (c) => {
      const key: KeyLike = c.alg === 'forged' ? forged.privateKey : privateKey;
      const { expiresIn = 600, aud, iss, alg: _alg, ...claims } = c;
      return new SignJWT({ scope: 'mcp', client_id: 'test-client', client_type: 'personal', ...claims })
        .setProtectedHeader({ alg: 'RS256', kid })
        .setIssuer(iss ?? opts.issuer())
        .setAudience(aud ?? opts.audience())
        .setIssuedAt()
        .setJti(randomUUID())
        .setExpirationTime(Math.floor(Date.now() / 1000) + expiresIn)
        .sign(key);
    },
    close: () => new Promise((r) => server.close(() => r())),
  };
}
