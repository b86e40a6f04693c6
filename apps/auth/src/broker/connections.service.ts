import { Inject, Injectable } from '@nestjs/common';
import { EnvelopeCipher } from '@portcullis/crypto';
import { PLATFORM, type Platform } from '@portcullis/runtime';
import { type AuditActor, AuthEvents } from '../common/auth-events';
import { NotFoundError } from '../common/errors';
import { type ConnectionRecord, ConnectionRepository, userSubject } from './connection.repository';
import { TokenBroker } from './token-broker.service';
import { UpstreamClientsService } from './upstream-clients.service';
import type { UpstreamClientRecord } from './upstream-client.repository';

/** Listing and removing upstream connections (users: their own; admins: any). */
@Injectable()
export class ConnectionsService {
  constructor(
    private readonly connections: ConnectionRepository,
    private readonly configs: UpstreamClientsService,
    private readonly broker: TokenBroker,
    private readonly cipher: EnvelopeCipher,
    private readonly events: AuthEvents,
    @Inject(PLATFORM) private readonly platform: Platform,
  ) {}

  /** Every configured upstream the user may connect to (per-user) or that runs as a shared identity, with their state. */
  async forUser(userId: string) {
    const [configs, mine, all] = await Promise.all([
      this.configs.list(),
      this.connections.listForUser(this.platform.tenantId, userId),
      this.connections.list(this.platform.tenantId),
    ]);
    const byServer = new Map(mine.map((c) => [c.serverId, c]));
    const out = [];
    for (const cfg of configs) {
      if (cfg.credentialMode === 'per_user') {
        const c = byServer.get(cfg.serverId);
        out.push({
          serverId: cfg.serverId,
          displayName: cfg.displayName,
          kind: cfg.kind,
          credentialMode: cfg.credentialMode,
          status: c ? c.status : ('not_connected' as const),
          authorizedAs: c?.authorizedAs ?? null,
          connectedAt: c?.connectedAt.toISOString() ?? null,
          scopes: c?.scopes ?? [],
          reconnectReason: c?.reconnectReason ?? null,
          connectUrl: await this.broker.tickets.url({ userId, serverId: cfg.serverId }),
        });
      } else if (cfg.credentialMode === 'service') {
        const c = all.find((x) => x.serverId === cfg.serverId && x.mode === 'service');
        out.push({
          serverId: cfg.serverId,
          displayName: cfg.displayName,
          kind: cfg.kind,
          credentialMode: cfg.credentialMode,
          status: c ? c.status : ('not_connected' as const),
          authorizedAs: c?.authorizedAs ?? null,
          connectedAt: c?.connectedAt.toISOString() ?? null,
          scopes: c?.scopes ?? [],
          reconnectReason: c?.reconnectReason ?? null,
          shared: true,
        });
      }
    }
    return out;
  }

  async disconnectOwn(userId: string, serverId: string, actor: AuditActor): Promise<void> {
    const removed = await this.remove(serverId, userSubject(userId));
    if (!removed) throw new NotFoundError(`You have no connection to server "${serverId}".`);
    await this.announce(removed, 'disconnected', actor, 'disconnected by its user');
  }

  async revokeById(id: string, actor: AuditActor): Promise<ConnectionRecord> {
    const conn = await this.connections.findById(this.platform.tenantId, id);
    if (!conn) throw new NotFoundError(`Connection "${id}" does not exist.`);
    const removed = await this.remove(conn.serverId, conn.subject);
    if (!removed) throw new NotFoundError(`Connection "${id}" does not exist.`);
    await this.announce(removed, 'revoked', actor, 'revoked by an administrator');
    return removed;
  }

  list(serverId?: string): Promise<ConnectionRecord[]> {
    return this.connections.list(this.platform.tenantId, serverId ? { serverId } : {});
  }

  /** Deletes locally, then asks the upstream to revoke (best effort): the grant must not outlive the connection. */
  private async remove(serverId: string, subject: string): Promise<ConnectionRecord | null> {
    const removed = await this.connections.delete(this.platform.tenantId, serverId, subject);
    if (!removed) return null;
    const cfg = await this.configs.get(serverId);
    if (cfg) {
      await this.broker.forget(cfg, subject);
      await this.revokeUpstream(cfg, removed);
    }
    return removed;
  }

  private async revokeUpstream(cfg: UpstreamClientRecord, c: ConnectionRecord): Promise<void> {
    try {
      const client = this.configs.open(cfg);
      if (c.refreshTokenSealed) {
        await this.broker.upstream.revoke(
          client,
          this.cipher.decrypt(
            c.refreshTokenSealed,
            this.broker.connectionContext(c.serverId, c.subject, 'refresh'),
          ),
          'refresh_token',
        );
      } else if (c.accessTokenSealed) {
        await this.broker.upstream.revoke(
          client,
          this.cipher.decrypt(
            c.accessTokenSealed,
            this.broker.connectionContext(c.serverId, c.subject, 'access'),
          ),
          'access_token',
        );
      }
    } catch (err) {
      this.platform.logger.warn(
        { err, serverId: c.serverId },
        'could not revoke the upstream grant of a removed connection',
      );
    }
  }

  private async announce(
    c: ConnectionRecord,
    change: 'disconnected' | 'revoked',
    actor: AuditActor,
    how: string,
  ): Promise<void> {
    await this.events.connectionChanged([
      {
        serverId: c.serverId,
        ...(c.userId ? { userId: c.userId } : {}),
        change,
        mode: c.mode,
        ...(c.authorizedAs ? { authorizedAs: c.authorizedAs } : {}),
      },
    ]);
    await this.events.audit(
      `auth.connection.${change}`,
      actor,
      { type: 'connection', id: c.id },
      `Connection to ${c.serverId} (${c.authorizedAs ?? c.subject}) ${how}`,
      {
        serverId: c.serverId,
        userId: c.userId,
        mode: c.mode,
      },
    );
  }
}

export function toConnectionView(c: ConnectionRecord) {
  return {
    id: c.id,
    serverId: c.serverId,
    userId: c.userId,
    mode: c.mode,
    status: c.status,
    reconnectReason: c.reconnectReason,
    authorizedAs: c.authorizedAs,
    authorizedBy: c.authorizedBy,
    scopes: c.scopes,
    accessTokenExpiresAt: c.accessTokenExpiresAt?.toISOString() ?? null,
    hasRefreshToken: !!c.refreshTokenSealed,
    connectedAt: c.connectedAt.toISOString(),
    lastRefreshedAt: c.lastRefreshedAt?.toISOString() ?? null,
  };
}
