import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import type { ToolsDiscoveredPayload } from '@portcullis/contracts';
import { PLATFORM, type Platform } from '@portcullis/runtime';
import { z } from 'zod';
import { type Actor, SYSTEM_ACTOR } from '../common/actor';
import { Changes, type ChangeContext } from '../common/changes';
import { Database, type Sql } from '@portcullis/runtime';
import { assertRevision } from '../common/etag';
import { type Page, type PageRequest, toPage } from '../common/pagination';
import { ConflictProblem, NotFoundProblem, ValidationProblem } from '../common/problem';
import { isUuid } from '../common/validation';
import {
  type Classification,
  type ClientType,
  classificationSchema,
  clientTypeSchema,
  oneOf,
  type ToolState,
} from '../common/vocabulary';
import { KillSwitchesRepository } from '../kill-switches/kill-switches.repository';
import { type ServerRecord, ServersRepository } from '../servers/servers.repository';
import { SettingsRepository } from '../settings/settings.repository';
import { planInventory } from './inventory';
import { type ToolView, toolView } from './tool.views';
import {
  type HistoryEntry,
  type ToolChanges,
  type ToolFilter,
  type ToolRecord,
  ToolsRepository,
} from './tools.repository';

export const toolPatchSchema = z
  .strictObject({
    state: oneOf(
      ['approved', 'disabled', 'pending_review'],
      'state (removed is set by discovery only)',
    ).optional(),
    classification: classificationSchema.nullable().optional(),
    allowedClientTypes: z
      .array(clientTypeSchema)
      .min(1, { error: 'must list at least one client type, or be null for the tenant setting' })
      .max(4)
      .nullable()
      .optional(),
  })
  .refine((v) => Object.values(v).some((x) => x !== undefined), {
    error: 'send at least one of state, classification, allowedClientTypes',
  });
export type ToolPatch = z.infer<typeof toolPatchSchema>;

export const toolBulkSchema = z.strictObject({
  action: oneOf(['approve', 'disable', 'pend'], 'bulk action'),
  toolIds: z
    .array(z.string())
    .min(1, { error: 'must list at least one tool id' })
    .max(500, { error: 'at most 500 tools per request' }),
  classification: classificationSchema.optional(),
});
export type ToolBulk = z.infer<typeof toolBulkSchema>;

const ACTION_STATE: Record<ToolBulk['action'], ToolState> = {
  approve: 'approved',
  disable: 'disabled',
  pend: 'pending_review',
};

@Injectable()
export class ToolsService {
  constructor(
    private readonly db: Database,
    private readonly changes: Changes,
    private readonly tools: ToolsRepository,
    private readonly servers: ServersRepository,
    private readonly settings: SettingsRepository,
    private readonly killSwitches: KillSwitchesRepository,
    @Inject(PLATFORM) private readonly platform: Platform,
  ) {}

  private get tenant() {
    return this.platform.tenantId;
  }

  private async viewsOf(sql: Sql, records: ToolRecord[]): Promise<ToolView[]> {
    const servers = new Map((await this.servers.all(sql, this.tenant)).map((s) => [s.id, s]));
    const killed = await this.killSwitches.engagedTargets(sql, this.tenant, 'tool');
    return records.map((t) => toolView(t, servers.get(t.serverId), killed.has(t.id)));
  }

  async list(page: PageRequest, filter: ToolFilter): Promise<Page<ToolView>> {
    const rows = await this.tools.page(this.db.sql, this.tenant, page, filter);
    const views = await this.viewsOf(this.db.sql, rows.slice(0, page.limit));
    const byId = new Map(views.map((v) => [v.id, v]));
    return toPage(
      rows,
      page.limit,
      (r) => ({ key: r.name, id: r.id }),
      (r) => byId.get(r.id)!,
    );
  }

  async get(id: string): Promise<ToolView> {
    const t = isUuid(id) ? await this.tools.get(this.db.sql, this.tenant, id) : undefined;
    if (!t) throw new NotFoundProblem('tool', id);
    return (await this.viewsOf(this.db.sql, [t]))[0]!;
  }

  async history(id: string, page: PageRequest): Promise<Page<HistoryEntry>> {
    await this.get(id);
    const rows = await this.tools.history(this.db.sql, this.tenant, id, page);
    return toPage(
      rows,
      page.limit,
      (r) => ({ key: '', id: r.id }),
      (r) => r,
    );
  }

  async patch(
    id: string,
    expectedRevision: number | null,
    patch: ToolPatch,
    actor: Actor,
  ): Promise<ToolView> {
    if (!isUuid(id)) throw new NotFoundProblem('tool', id);
    const updated = await this.changes.run(actor, async (ctx) => {
      const t = await this.tools.get(ctx.sql, this.tenant, id, true);
      if (!t) throw new NotFoundProblem('tool', id);
      assertRevision(expectedRevision, t.revision, 'tool');
      return this.applyAdminChange(ctx, t, patch.state, patch.classification, patch.allowedClientTypes);
    });
    return (await this.viewsOf(this.db.sql, [updated]))[0]!;
  }

  async bulk(body: ToolBulk, actor: Actor): Promise<{ data: ToolView[]; changed: number }> {
    const bad = body.toolIds.map((id, i) => ({ id, i })).filter((x) => !isUuid(x.id));
    if (bad.length) {
      throw new ValidationProblem(
        `${bad.length} tool id(s) are not valid ids.`,
        bad.map((b) => ({ field: `toolIds[${b.i}]`, message: `"${b.id.slice(0, 60)}" is not a tool id` })),
      );
    }
    const ids = [...new Set(body.toolIds)];
    let changed = 0;
    const records = await this.changes.run(actor, async (ctx) => {
      const found = await this.tools.getMany(ctx.sql, this.tenant, ids, true);
      const foundIds = new Set(found.map((t) => t.id));
      const missing = body.toolIds.map((id, i) => ({ id, i })).filter((x) => !foundIds.has(x.id));
      if (missing.length) {
        throw new ValidationProblem(
          `${missing.length} tool id(s) do not exist; nothing was changed.`,
          missing.map((m) => ({ field: `toolIds[${m.i}]`, message: `no tool has id ${m.id}` })),
        );
      }
      const removed = found.filter((t) => t.state === 'removed');
      if (removed.length) {
        throw new ConflictProblem(
          'tool-removed',
          'Removed tools cannot change state',
          `${removed.length} of the tools no longer exist on their server (${removed.map((t) => t.name).join(', ')}); nothing was changed.`,
          removed.map((t) => ({
            field: `toolIds[${body.toolIds.indexOf(t.id)}]`,
            message: `${t.name} is removed`,
          })),
        );
      }
      const out: ToolRecord[] = [];
      for (const t of found) {
        const before = t.revision;
        const after = await this.applyAdminChange(
          ctx,
          t,
          ACTION_STATE[body.action],
          body.classification,
          undefined,
          false,
        );
        if (after.revision !== before) changed++;
        out.push(after);
      }
      ctx.audit(
        `tools.bulk_${body.action}`,
        'tool',
        ids.join(',').slice(0, 200),
        `Bulk ${body.action} of ${ids.length} tool(s)`,
        {
          toolIds: ids,
          ...(body.classification ? { classification: body.classification } : {}),
        },
      );
      return out;
    });
    return { data: await this.viewsOf(this.db.sql, records), changed };
  }

  /** One admin change to one tool, with history, audit and a policy bump. */
  private async applyAdminChange(
    ctx: ChangeContext,
    t: ToolRecord,
    state: ToolState | undefined,
    classification: Classification | null | undefined,
    allowedClientTypes: ClientType[] | null | undefined,
    audit = true,
  ): Promise<ToolRecord> {
    const changes: ToolChanges = {};
    if (state !== undefined && state !== t.state) {
      if (t.state === 'removed') {
        throw new ConflictProblem(
          'tool-removed',
          'Removed tools cannot change state',
          `The tool "${t.name}" no longer exists on its server; it cannot be ${state}.`,
        );
      }
      changes.state = state;
      if (state === 'approved') changes.approvedHash = t.definitionHash;
    }
    if (classification !== undefined) {
      if (classification === null) {
        if (t.classificationSource === 'admin') {
          changes.classification = t.defaultClassification;
          changes.classificationSource = 'annotations';
        }
      } else if (classification !== t.classification || t.classificationSource !== 'admin') {
        changes.classification = classification;
        changes.classificationSource = 'admin';
      }
    }
    if (allowedClientTypes !== undefined) {
      const norm = allowedClientTypes ? [...new Set(allowedClientTypes)].sort() : null;
      if (JSON.stringify(norm) !== JSON.stringify(t.allowedClientTypes)) changes.allowedClientTypes = norm;
    }
    if (Object.keys(changes).length === 0) return t;
    const updated = await this.tools.update(ctx.sql, this.tenant, t.id, changes);
    const change = changes.state
      ? `state_changed`
      : changes.classification
        ? 'classification_changed'
        : 'client_types_changed';
    await this.tools.addHistory(ctx.sql, this.tenant, {
      toolId: t.id,
      serverId: t.serverId,
      toolName: t.name,
      actor: ctx.actor,
      change,
      oldState: t.state,
      newState: updated.state,
      oldClassification: t.classification,
      newClassification: updated.classification,
      oldHash: t.definitionHash,
      newHash: updated.definitionHash,
      details:
        changes.allowedClientTypes !== undefined ? { allowedClientTypes: updated.allowedClientTypes } : null,
    });
    if (audit) {
      const what = changes.state
        ? `state ${t.state} → ${updated.state}`
        : changes.classification
          ? `classification ${t.classification} → ${updated.classification}`
          : 'allowed client types';
      ctx.audit(
        changes.state === 'approved'
          ? 'tool.approved'
          : changes.state
            ? `tool.${updated.state}`
            : 'tool.updated',
        'tool',
        t.id,
        `Tool ${t.name}: ${what}`,
        {
          serverId: t.serverId,
          definitionHash: t.definitionHash,
        },
      );
    }
    ctx.touchPolicy();
    return updated;
  }

  /** Applies one discovery result (consumer of ToolsDiscovered); idempotent by event id and by definition hash. */
  async applyDiscovery(eventId: string, p: ToolsDiscoveredPayload, occurredAt: string): Promise<void> {
    await this.changes.run(SYSTEM_ACTOR, async (ctx) => {
      const first = await ctx.sql.exec(
        `INSERT INTO governance.consumed_events (event_id) VALUES ($1) ON CONFLICT DO NOTHING`,
        [eventId],
      );
      if (first === 0) return;
      const server = isUuid(p.serverId)
        ? await this.servers.get(ctx.sql, this.tenant, p.serverId, true)
        : undefined;
      if (!server) return; // deleted meanwhile, or not ours
      await this.servers.recordDiscovery(ctx.sql, this.tenant, server.id, {
        runId: p.runId,
        ok: p.ok,
        ...(p.error ? { error: p.error } : {}),
        at: occurredAt,
        ...(p.trigger ? { trigger: p.trigger } : {}),
        ...(p.requestId ? { requestId: p.requestId } : {}),
        added: p.added.length,
        changed: p.changed.length,
        removed: p.removed.length,
        total: p.total,
        ...(p.warnings?.length ? { warnings: p.warnings } : {}),
        ...(p.listChanged !== undefined ? { listChanged: p.listChanged } : {}),
        ...(p.serverInfo ? { serverInfo: p.serverInfo } : {}),
      });
      if (!p.ok) return;
      await this.applyInventory(ctx, server, p);
    });
  }

  private async applyInventory(
    ctx: ChangeContext,
    server: ServerRecord,
    p: ToolsDiscoveredPayload,
  ): Promise<void> {
    const settings = await this.settings.get(ctx.sql, this.tenant);
    const existing = await this.tools.byServer(ctx.sql, this.tenant, server.id, true);
    const actions = planInventory(
      existing,
      { added: p.added, changed: p.changed, removed: p.removed, fullInventory: p.trigger === 'resync' },
      {
        requireApproval: server.requireToolApproval ?? settings.requireToolApproval,
        pinApprovedDefinitions: settings.pinApprovedDefinitions,
        defaultClassification: settings.defaultClassification,
      },
    );
    for (const a of actions) {
      let toolId: string;
      if (a.kind === 'insert') {
        toolId = randomUUID();
        await this.tools.insert(ctx.sql, {
          ...a.tool,
          id: toolId,
          tenantId: this.tenant,
          serverId: server.id,
        });
      } else {
        toolId = a.toolId;
        await this.tools.update(ctx.sql, this.tenant, a.toolId, a.changes);
      }
      await this.tools.addHistory(ctx.sql, this.tenant, {
        ...a.history,
        toolId,
        serverId: server.id,
        toolName: a.name,
        actor: { type: 'service', id: 'discovery' },
      });
    }
    if (actions.length) {
      ctx.touchPolicy();
      this.platform.logger.info(
        { serverId: server.id, runId: p.runId, changes: actions.length },
        'tool inventory updated from discovery',
      );
    }
  }

  async countsByServer(sql: Sql, serverId: string) {
    return this.tools.countsByServer(sql, this.tenant, serverId);
  }
}
