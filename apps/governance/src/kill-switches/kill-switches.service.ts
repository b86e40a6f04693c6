import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { PLATFORM, type Platform } from '@portcullis/runtime';
import { z } from 'zod';
import { type Actor, actorLabel } from '../common/actor';
import { Changes } from '../common/changes';
import { Database } from '@portcullis/runtime';
import { type Page, type PageRequest, toPage } from '../common/pagination';
import { NotFoundProblem, ValidationProblem } from '../common/problem';
import { isUuid } from '../common/validation';
import { KILL_SWITCH_SCOPES, type KillSwitchScope, oneOf } from '../common/vocabulary';
import { ServersRepository } from '../servers/servers.repository';
import { ToolsRepository } from '../tools/tools.repository';
import { type KillSwitchRecord, KillSwitchesRepository } from './kill-switches.repository';

export const killSwitchCreateSchema = z.strictObject({
  scope: oneOf(KILL_SWITCH_SCOPES, 'kill switch scope'),
  targetId: z.string().trim().min(1, { error: 'must not be empty' }).max(200).optional(),
  reason: z.string().max(1000).optional(),
});
export type KillSwitchCreate = z.infer<typeof killSwitchCreateSchema>;

export interface KillSwitchView extends KillSwitchRecord {
  targetName: string | null;
  alreadyEngaged?: boolean;
}

/**
 * Kill switches stop calls at once, regardless of grants: the whole tenant, one server, one tool,
 * or one AI client. Engaging or releasing one publishes a new policy snapshot in the same request.
 */
@Injectable()
export class KillSwitchesService {
  constructor(
    private readonly db: Database,
    private readonly changes: Changes,
    private readonly switches: KillSwitchesRepository,
    private readonly servers: ServersRepository,
    private readonly tools: ToolsRepository,
    @Inject(PLATFORM) private readonly platform: Platform,
  ) {}

  private get tenant() {
    return this.platform.tenantId;
  }

  private async targetName(scope: KillSwitchScope, targetId: string | null): Promise<string | null> {
    if (!targetId) return null;
    if (scope === 'server' && isUuid(targetId))
      return (await this.servers.get(this.db.sql, this.tenant, targetId))?.displayName ?? null;
    if (scope === 'tool' && isUuid(targetId)) {
      const t = await this.tools.get(this.db.sql, this.tenant, targetId);
      if (!t) return null;
      const s = await this.servers.get(this.db.sql, this.tenant, t.serverId);
      return s ? `${s.toolPrefix}_${t.name}` : t.name;
    }
    return null;
  }

  async list(page: PageRequest, scope?: KillSwitchScope): Promise<Page<KillSwitchView>> {
    const rows = await this.switches.page(this.db.sql, this.tenant, page, scope);
    const names = await Promise.all(rows.map((r) => this.targetName(r.scope, r.targetId)));
    return toPage(
      rows.map((r, i) => ({ ...r, targetName: names[i] ?? null })),
      page.limit,
      (r) => ({ key: '', id: r.id }),
      (r) => r,
    );
  }

  async get(id: string): Promise<KillSwitchView> {
    const k = isUuid(id) ? await this.switches.get(this.db.sql, this.tenant, id) : undefined;
    if (!k) throw new NotFoundProblem('kill switch', id);
    return { ...k, targetName: await this.targetName(k.scope, k.targetId) };
  }

  async engage(input: KillSwitchCreate, actor: Actor): Promise<KillSwitchView> {
    if (input.scope === 'tenant' && input.targetId) {
      throw new ValidationProblem('The tenant kill switch has no target.', [
        { field: 'targetId', message: 'must be omitted for scope tenant' },
      ]);
    }
    if (input.scope !== 'tenant' && !input.targetId) {
      throw new ValidationProblem(`A ${input.scope} kill switch needs the ${input.scope}'s id.`, [
        { field: 'targetId', message: `is required for scope ${input.scope}` },
      ]);
    }
    const targetId = input.targetId ?? '';
    const result = await this.changes.run(actor, async (ctx) => {
      if (
        input.scope === 'server' &&
        !(isUuid(targetId) && (await this.servers.get(ctx.sql, this.tenant, targetId)))
      ) {
        throw new ValidationProblem(`There is no server with id "${targetId.slice(0, 60)}".`, [
          { field: 'targetId', message: 'is not a server id' },
        ]);
      }
      if (
        input.scope === 'tool' &&
        !(isUuid(targetId) && (await this.tools.get(ctx.sql, this.tenant, targetId)))
      ) {
        throw new ValidationProblem(`There is no tool with id "${targetId.slice(0, 60)}".`, [
          { field: 'targetId', message: 'is not a tool id' },
        ]);
      }
      const r = await this.switches.engage(ctx.sql, this.tenant, {
        id: randomUUID(),
        scope: input.scope,
        targetId,
        reason: input.reason ?? null,
        engagedBy: actorLabel(actor),
      });
      if (r.created) {
        ctx.audit(
          'kill_switch.engaged',
          'kill_switch',
          r.record.id,
          `Engaged the ${input.scope} kill switch${targetId ? ` for ${targetId}` : ''}${input.reason ? `: ${input.reason}` : ''}`,
          {
            scope: input.scope,
            targetId: targetId || null,
          },
        );
        ctx.touchPolicy();
      }
      return r;
    });
    return {
      ...result.record,
      targetName: await this.targetName(result.record.scope, result.record.targetId),
      alreadyEngaged: !result.created,
    };
  }

  async release(id: string, actor: Actor): Promise<void> {
    if (!isUuid(id)) throw new NotFoundProblem('kill switch', id);
    await this.changes.run(actor, async (ctx) => {
      const k = await this.switches.get(ctx.sql, this.tenant, id);
      if (!k || !(await this.switches.release(ctx.sql, this.tenant, id)))
        throw new NotFoundProblem('kill switch', id);
      ctx.audit(
        'kill_switch.released',
        'kill_switch',
        id,
        `Released the ${k.scope} kill switch${k.targetId ? ` for ${k.targetId}` : ''}`,
        {
          scope: k.scope,
          targetId: k.targetId,
        },
      );
      ctx.touchPolicy();
    });
  }
}
