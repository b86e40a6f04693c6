import { Body, Controller, Get, HttpCode, Inject, Param, Patch, Post, Put, Query, Req } from '@nestjs/common';
import type { AdminRequest } from '@portcullis/admin-auth';
import { PLATFORM, type Platform } from '@portcullis/runtime';
import { z } from 'zod';
import { actorOf, AdminApi, parseBody } from '../common/admin';
import { AuthEvents } from '../common/auth-events';
import { NotFoundError, ValidationError } from '../common/errors';
import { AiClientsService } from './ai-clients.service';
import { type AiClientRecord, ClientRepository } from './client.repository';
import { RegistrationSettingsRepository } from './registration-settings.repository';
import { ServiceClientsService } from './service-clients.service';
import { isUuid } from '../users/user.repository';

const clientType = z.enum(['personal', 'shared', 'service', 'ephemeral']);
const clientState = z.enum(['active', 'hidden', 'closed']);
const groups = z.array(z.string().min(1).max(200)).max(100);

const patchSchema = z
  .object({
    name: z.string().min(1).max(200).optional(),
    type: clientType.optional(),
    state: clientState.optional(),
    groups: groups.optional(),
  })
  .refine((v) => Object.keys(v).length > 0, { error: 'send at least one of name, type, state, groups' });
const createServiceSchema = z.object({ name: z.string().min(1).max(200), groups: groups.default([]) });
const settingsSchema = z.object({ allowCimd: z.boolean().optional(), allowDcr: z.boolean().optional() });

export function toAiClientView(c: AiClientRecord) {
  return {
    id: c.id,
    name: c.name,
    oauthClientId: c.oauthClientId,
    registration: c.registration ?? null,
    type: c.type,
    state: c.state,
    owner:
      c.ownerUserId || c.ownerLabel ? { userId: c.ownerUserId, email: c.ownerEmail ?? c.ownerLabel } : null,
    groups: c.type === 'service' ? c.groups : undefined,
    createdAt: c.createdAt.toISOString(),
    updatedAt: c.updatedAt.toISOString(),
    lastUsedAt: c.lastUsedAt?.toISOString() ?? null,
    closedAt: c.closedAt?.toISOString() ?? null,
  };
}

/** AI clients as records: list, inspect, rename, retype, hide, close (revokes its tokens), re-activate. */
@Controller('api/v1')
@AdminApi()
export class ClientsAdminController {
  constructor(
    private readonly clients: ClientRepository,
    private readonly lifecycle: AiClientsService,
    private readonly serviceClients: ServiceClientsService,
    private readonly settings: RegistrationSettingsRepository,
    private readonly events: AuthEvents,
    @Inject(PLATFORM) private readonly platform: Platform,
  ) {}

  @Get('clients')
  async list(
    @Query('state') state?: string,
    @Query('type') type?: string,
    @Query('ownerUserId') owner?: string,
    @Query('limit') limit?: string,
    @Query('offset') offset?: string,
  ) {
    const s = state === undefined ? undefined : clientState.safeParse(state);
    const t = type === undefined ? undefined : clientType.safeParse(type);
    if (s && !s.success) throw new ValidationError('state must be active, hidden or closed.');
    if (t && !t.success) throw new ValidationError('type must be personal, shared, service or ephemeral.');
    const n = limit === undefined ? 100 : Number(limit);
    const o = offset === undefined ? 0 : Number(offset);
    if (!Number.isInteger(n) || n < 1 || n > 500)
      throw new ValidationError('limit must be an integer between 1 and 500.');
    if (!Number.isInteger(o) || o < 0) throw new ValidationError('offset must be a non-negative integer.');
    if (owner !== undefined && !isUuid(owner))
      throw new ValidationError('ownerUserId must be a Portcullis user id (a UUID).');
    const rows = await this.clients.listAiClients(this.platform.tenantId, {
      limit: n,
      offset: o,
      ...(s?.success ? { state: s.data } : {}),
      ...(t?.success ? { type: t.data } : {}),
      ...(owner ? { ownerUserId: owner } : {}),
    });
    return { data: rows.map(toAiClientView), nextOffset: rows.length === n ? o + n : null };
  }

  @Get('clients/:id')
  async get(@Param('id') id: string) {
    const c = await this.clients.findAiClient(this.platform.tenantId, id);
    if (!c) throw new NotFoundError(`AI client "${id}" does not exist.`);
    return toAiClientView(c);
  }

  @Patch('clients/:id')
  async update(@Param('id') id: string, @Body() body: unknown, @Req() req: AdminRequest) {
    return toAiClientView(await this.lifecycle.update(id, parseBody(patchSchema, body), actorOf(req)));
  }

  /** A service client (client_credentials) for automation; the secret is shown once. */
  @Post('clients')
  @HttpCode(201)
  async createService(@Body() body: unknown, @Req() req: AdminRequest) {
    const input = parseBody(createServiceSchema, body);
    const r = await this.serviceClients.create(input, actorOf(req));
    return {
      ...toAiClientView(r.client),
      clientId: r.clientId,
      clientSecret: r.clientSecret,
      note: 'Store the client secret now: it is shown only once.',
    };
  }

  @Post('clients/:id/rotate-secret')
  async rotateSecret(@Param('id') id: string, @Req() req: AdminRequest) {
    return this.serviceClients.rotateSecret(id, actorOf(req));
  }

  @Get('client-registration-settings')
  getSettings() {
    return this.settings.get(this.platform.tenantId);
  }

  @Put('client-registration-settings')
  async putSettings(@Body() body: unknown, @Req() req: AdminRequest) {
    const patch = parseBody(settingsSchema, body);
    const current = await this.settings.get(this.platform.tenantId);
    const actor = actorOf(req);
    const next = await this.settings.put(
      this.platform.tenantId,
      { allowCimd: patch.allowCimd ?? current.allowCimd, allowDcr: patch.allowDcr ?? current.allowDcr },
      actor.email ?? `${actor.type}:${actor.id}`,
    );
    await this.events.audit(
      'auth.settings.registration_updated',
      actor,
      { type: 'tenant_settings', id: 'client-registration' },
      `Client registration: metadata documents ${next.allowCimd ? 'on' : 'off'}, dynamic registration ${next.allowDcr ? 'on' : 'off'}`,
      {
        before: { allowCimd: current.allowCimd, allowDcr: current.allowDcr },
        after: { allowCimd: next.allowCimd, allowDcr: next.allowDcr },
      },
    );
    return next;
  }
}
