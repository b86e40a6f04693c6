import { Inject, Injectable } from '@nestjs/common';
import { ServiceTokenSigner } from '@portcullis/crypto';
import { DISCOVERY_CONFIG, type DiscoveryConfig } from '../config';

/**
 * The `userId` discovery sends to auth's token broker. Discovery acts for no end user: auth
 * recognises the discovery caller by its service token, answers with the server's shared credential
 * (static headers, service account, client credentials) and never with a user's (per-user OAuth
 * servers answer `user_required`).
 */
export const DISCOVERY_BROKER_USER = 'discovery';

/** What auth's token broker answers (`POST /internal/v1/upstream-token`). */
export type BrokerAnswer =
  | {
      status: 'ok';
      accessToken?: string;
      tokenType?: 'Bearer' | 'SSWS' | 'static';
      headers?: Record<string, string>;
      expiresAt?: string | null;
      authorizedAs?: string | null;
    }
  | {
      status: 'connect_required' | 'reconnect_required';
      connectUrl?: string;
      message?: string;
      reason?: string;
    }
  | { status: 'not_configured' | 'user_required'; message?: string };

/** auth could not be asked, or did not answer with a credential status. The message never carries a credential. */
export class BrokerUnavailableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BrokerUnavailableError';
  }
}

const STATUSES = new Set(['ok', 'connect_required', 'reconnect_required', 'not_configured', 'user_required']);

/** Discovery's side of auth's token broker: one request per ask, authenticated with a discovery → auth service token. */
@Injectable()
export class TokenBrokerClient {
  private readonly signer: ServiceTokenSigner;

  constructor(@Inject(DISCOVERY_CONFIG) private readonly config: DiscoveryConfig) {
    this.signer = new ServiceTokenSigner(config.internalSecret, 'discovery');
  }

  async credentialFor(serverId: string): Promise<BrokerAnswer> {
    const url = `${this.config.authInternalUrl}/internal/v1/upstream-token`;
    let res: Response | undefined;
    // One retry after a network failure (auth restarting; in embedded mode a run can start just
    // before the host listens). An HTTP answer is never retried.
    for (let attempt = 1; !res; attempt++) {
      try {
        res = await fetch(url, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            authorization: await this.signer.authorizationFor('auth'),
          },
          body: JSON.stringify({ serverId, userId: DISCOVERY_BROKER_USER }),
          signal: AbortSignal.timeout(Math.min(10_000, this.config.timeoutMs)),
        });
      } catch (err) {
        const e = err as Error & { cause?: Error };
        if (attempt < 2 && e.name !== 'TimeoutError') {
          await new Promise((r) => setTimeout(r, 1000));
          continue;
        }
        const why = [e.message, e.cause?.message].filter(Boolean).join(': ');
        throw new BrokerUnavailableError(`auth's token broker at ${url} is unreachable (${why})`);
      }
    }
    if (!res.ok) {
      // Problem details from auth name what was wrong; they never carry a credential.
      const text = await res.text().catch(() => '');
      throw new BrokerUnavailableError(`auth's token broker answered HTTP ${res.status}${detailOf(text)}`);
    }
    let body: unknown;
    try {
      body = await res.json();
    } catch {
      throw new BrokerUnavailableError("auth's token broker answered with something that is not JSON");
    }
    const status = (body as { status?: unknown } | null)?.status;
    if (typeof status !== 'string' || !STATUSES.has(status))
      throw new BrokerUnavailableError(
        `auth's token broker answered with an unknown status (${String(status).slice(0, 40)})`,
      );
    return body as BrokerAnswer;
  }
}

function detailOf(text: string): string {
  try {
    const j = JSON.parse(text) as { detail?: unknown; title?: unknown; message?: unknown };
    const d = j.detail ?? j.message ?? j.title;
    if (typeof d === 'string' && d) return `: ${d.slice(0, 300)}`;
  } catch {
    // not JSON: say nothing more than the status
  }
  return '';
}
