import { Inject, Injectable } from '@nestjs/common';
import { PLATFORM, type Platform } from '@portcullis/runtime';
import { type AuditActor, AuthEvents } from '../common/auth-events';
import { NotFoundError } from '../common/errors';
import { TokenRepository } from '../tokens/token.repository';
import {
  type AiClientRecord,
  ClientRepository,
  type ClientState,
  type ClientType,
} from './client.repository';

/**
 * AI client lifecycle: Active → Hidden (hidden from its owner's list; tokens keep working) →
 * Closed (every token revoked; gateways told at once; the client cannot obtain new tokens until an
 * admin makes it active again — the per-client kill switch).
 */
@Injectable()
export class AiClientsService {
  constructor(
    private readonly clients: ClientRepository,
    private readonly tokens: TokenRepository,
    private readonly events: AuthEvents,
    @Inject(PLATFORM) private readonly platform: Platform,
  ) {}

  async update(
    id: string,
    patch: { name?: string; type?: ClientType; state?: ClientState; groups?: string[] },
    actor: AuditActor,
  ): Promise<AiClientRecord> {
    const tenant = this.platform.tenantId;
    const before = await this.clients.findAiClient(tenant, id);
    if (!before) throw new NotFoundError(`AI client "${id}" does not exist.`);
    await this.clients.updateAiClient(tenant, id, patch);
    const after = (await this.clients.findAiClient(tenant, id))!;
    let revoked: string[] = [];
    if (patch.state === 'closed') revoked = await this.tokens.revokeAllForClient(tenant, id);
    const stateChanged = patch.state !== undefined && patch.state !== before.state;
    const change = !stateChanged
      ? 'updated'
      : after.state === 'closed'
        ? 'closed'
        : after.state === 'hidden'
          ? 'hidden'
          : 'activated';
    if (
      stateChanged ||
      patch.type !== undefined ||
      patch.name !== undefined ||
      patch.groups !== undefined ||
      revoked.length
    ) {
      await this.events.clientChanged({
        clientId: id,
        change: revoked.length && !stateChanged ? 'tokens_revoked' : change,
        state: after.state,
        type: after.type,
        oauthClientId: after.oauthClientId,
        ...(after.ownerUserId ? { userId: after.ownerUserId } : {}),
        ...(revoked.length ? { revokedTokenIds: revoked.slice(0, 10_000) } : {}),
      });
    }
    await this.events.audit(
      stateChanged ? 'auth.client.state_changed' : 'auth.client.updated',
      actor,
      { type: 'ai_client', id },
      stateChanged
        ? `AI client "${after.name}" ${before.state} → ${after.state}${revoked.length ? ` (${revoked.length} live tokens revoked)` : ''}`
        : `AI client "${after.name}" updated`,
      {
        before: { name: before.name, type: before.type, state: before.state },
        after: { name: after.name, type: after.type, state: after.state },
        revokedTokens: revoked.length,
      },
    );
    return after;
  }

  /** Revocation of one token family (refresh-token reuse, RFC 7009): revoke, then tell the gateways. */
  async revokeFamily(aiClientId: string, familyId: string): Promise<string[]> {
    const jtis = await this.tokens.revokeFamily(this.platform.tenantId, familyId);
    if (jtis.length)
      await this.events.clientChanged({
        clientId: aiClientId,
        change: 'tokens_revoked',
        revokedTokenIds: jtis,
      });
    return jtis;
  }
}
