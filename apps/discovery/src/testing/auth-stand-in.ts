import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ServiceTokenVerifier } from '@portcullis/crypto';

/**
 * Test support for discovery (not used by the service): a stand-in for the one auth endpoint
 * discovery calls, the token broker (`POST /internal/v1/upstream-token`). It verifies the caller's
 * service token like auth does (audience auth, caller discovery) and answers with whatever the
 * test set for the server; servers without an answer are `not_configured`.
 */
export interface BrokerStandInAnswer {
  status: 'ok' | 'connect_required' | 'reconnect_required' | 'not_configured' | 'user_required';
  [k: string]: unknown;
}

export interface BrokerCall {
  serverId: string;
  userId: string;
  caller: string;
}

export interface BrokerStandIn {
  url: string;
  /** Requests that passed the service-token check. */
  calls: BrokerCall[];
  /** Requests refused for a bad or missing service token. */
  refused: number;
  answer(serverId: string, answer: BrokerStandInAnswer): void;
  /** While down, every request is answered 503 (as a failing auth would). */
  setDown(down: boolean): void;
  close(): Promise<void>;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => resolve(body));
    req.on('error', reject);
  });
}

export async function startBrokerStandIn(secret: string): Promise<BrokerStandIn> {
  const verifier = new ServiceTokenVerifier(secret, 'auth', ['gateway', 'discovery']);
  const answers = new Map<string, BrokerStandInAnswer>();
  const calls: BrokerCall[] = [];
  let down = false;
  const state = { refused: 0 };
  const server: Server = createServer((req, res) => {
    void (async () => {
      const body = await readBody(req);
      const send = (status: number, payload: unknown) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(payload));
      };
      if (down) return send(503, { title: 'Service unavailable', detail: 'auth is down (test)' });
      if (req.method !== 'POST' || req.url !== '/internal/v1/upstream-token')
        return send(404, { title: 'Not found' });
      let caller: string;
      try {
        caller = await verifier.verify(req.headers.authorization);
      } catch (err) {
        state.refused++;
        return send(401, { title: 'Unauthorized', detail: (err as Error).message });
      }
      const { serverId, userId } = JSON.parse(body || '{}') as { serverId?: string; userId?: string };
      if (!serverId || !userId)
        return send(400, { title: 'Invalid request', detail: 'serverId and userId are required' });
      calls.push({ serverId, userId, caller });
      send(
        200,
        answers.get(serverId) ?? {
          status: 'not_configured',
          message: `No upstream credentials are configured for server "${serverId}".`,
        },
      );
    })().catch(() => res.writeHead(500).end());
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    calls,
    get refused() {
      return state.refused;
    },
    answer: (serverId, answer) => void answers.set(serverId, answer),
    setDown: (d) => (down = d),
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
