import { Inject, Injectable } from '@nestjs/common';
import { randomToken, sha256Hex } from '@portcullis/crypto';
import { PLATFORM, type Platform } from '@portcullis/runtime';
import { type AuditActor, AuthEvents } from '../common/auth-events';
import { NotFoundError } from '../common/errors';
import { isUuid } from '../users/user.repository';
import { type AiClientRecord, ClientRepository } from './client.repository';

/** Service clients: automation that calls the gateway with client_credentials, created by an admin. */
@Injectable()
export class ServiceClientsService {
  constructor(
    private readonly clients: ClientRepository,
    private readonly events: AuthEvents,
    @Inject(PLATFORM) private readonly platform: Platform,
  ) {}

  async create(
    input: { name: string; groups: string[] },
    actor: AuditActor,
  ): Promise<{ client: AiClientRecord; clientId: string; clientSecret: string }> {
    const tenant = this.platform.tenantId;
    const clientId = `svc_${randomToken(16).replace(/[-_]/g, '').slice(0, 20).toLowerCase()}`;
    const clientSecret = `pccs_${randomToken(32)}`;
    await this.clients.upsertOAuthClient(tenant, {
      clientId,
      registration: 'admin',
      clientName: input.name,
      clientUri: null,
      logoUri: null,
      redirectUris: [],
      grantTypes: ['client_credentials'],
      tokenEndpointAuthMethod: 'client_secret_basic',
      secretHash: sha256Hex(clientSecret),
      scope: 'mcp',
      metadata: {},
    });
    const client = await this.clients.findOrCreateAiClient(tenant, {
      oauthClientId: clientId,
      ownerUserId: actor.type === 'user' && isUuid(actor.id) ? actor.id : null,
      ownerLabel: actor.email ?? `${actor.type}:${actor.id}`,
      name: input.name,
      type: 'service',
      groups: input.groups,
    });
    await this.events.clientChanged({
      clientId: client.id,
      change: 'registered',
      state: client.state,
      type: client.type,
      oauthClientId: clientId,
    });
    await this.events.audit(
      'auth.client.registered',
      actor,
      { type: 'ai_client', id: client.id },
      `Service client "${input.name}" created`,
      { oauthClientId: clientId, groups: input.groups },
    );
    return { client, clientId, clientSecret };
  }

  async rotateSecret(
    aiClientId: string,
    actor: AuditActor,
  ): Promise<{ clientId: string; clientSecret: string }> {
    const tenant = this.platform.tenantId;
    const ai = await this.clients.findAiClient(tenant, aiClientId);
    if (!ai || ai.type !== 'service' || ai.registration !== 'admin')
      throw new NotFoundError(`Service client "${aiClientId}" does not exist.`);
    const clientSecret = `pccs_${randomToken(32)}`;
    await this.clients.updateSecretHash(tenant, ai.oauthClientId, sha256Hex(clientSecret));
    await this.events.audit(
      'auth.client.secret_rotated',
      actor,
      { type: 'ai_client', id: ai.id },
      `Secret of service client "${ai.name}" rotated`,
    );
    return { clientId: ai.oauthClientId, clientSecret };
  }
}
