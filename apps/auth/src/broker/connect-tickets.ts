import { createHmac } from 'node:crypto';
import { errors as joseErrors, jwtVerify, SignJWT } from 'jose';

/**
 * The `ticket` of a connect link: signed (HS256 under a key derived from the internal service
 * secret), binding the Portcullis user, the upstream server and an expiry. It is not a credential:
 * the connect page still requires the browser's own Portcullis sign-in to be that same user, so a
 * forwarded link is useless to anyone else.
 */
export interface ConnectTicket {
  userId: string;
  serverId: string;
}

export class ConnectTicketError extends Error {}

const AUDIENCE = 'portcullis:connect';

export class ConnectTickets {
  private readonly key: Uint8Array;

  constructor(
    secret: string,
    private readonly issuer: string,
    private readonly ttlSeconds: number,
  ) {
    this.key = createHmac('sha256', secret).update('portcullis/connect-ticket/v1').digest();
  }

  async issue(t: ConnectTicket): Promise<string> {
    return new SignJWT({ srv: t.serverId })
      .setProtectedHeader({ alg: 'HS256' })
      .setIssuer(this.issuer)
      .setAudience(AUDIENCE)
      .setSubject(t.userId)
      .setIssuedAt()
      .setExpirationTime(Math.floor(Date.now() / 1000) + this.ttlSeconds)
      .sign(this.key);
  }

  async url(t: ConnectTicket): Promise<string> {
    return `${this.issuer}/connect/start?ticket=${encodeURIComponent(await this.issue(t))}`;
  }

  async verify(ticket: string): Promise<ConnectTicket> {
    try {
      const { payload } = await jwtVerify(ticket, this.key, {
        issuer: this.issuer,
        audience: AUDIENCE,
        algorithms: ['HS256'],
      });
      if (typeof payload.sub !== 'string' || typeof payload.srv !== 'string')
        throw new ConnectTicketError('This connect link is malformed.');
      return { userId: payload.sub, serverId: payload.srv };
    } catch (err) {
      if (err instanceof ConnectTicketError) throw err;
      if (err instanceof joseErrors.JWTExpired)
        throw new ConnectTicketError(
          'This connect link has expired. Run the tool again in your AI client to get a fresh link.',
        );
      throw new ConnectTicketError(
        'This connect link is not valid. Run the tool again in your AI client to get a fresh link.',
      );
    }
  }
}
