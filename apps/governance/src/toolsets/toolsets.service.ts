import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { PLATFORM, type Platform } from '@portcullis/runtime';
import { z } from 'zod';
import type { Actor } from '../common/actor';
import { Changes } from '../common/changes';
import { Database, type Sql, uniqueViolation } from '@portcullis/runtime';
import { assertRevision, etagOf } from '../common/etag';
import { type Page, type PageRequest, toPage } from '../common/pagination';
import { ConflictProblem, type FieldError, NotFoundProblem, ValidationProblem } from '../common/problem';
import { isUuid } from '../common/validation';
import { type ResolvedToolset, resolveToolsets } from '../policy/policy-compiler';
import { PolicyRepository } from '../policy/policy.repository';
import { ToolsRepository } from '../tools/tools.repository';
import { type ToolsetRecord, ToolsetsRepository } from './toolsets.repository';

const id = z.string().max(100);
const name = z
  .string()
  .trim()
  .min(1, { error: 'must not be empty' })
  .max(200, { error: 'must be at most 200 characters' });
const description = z.string().max(2000, { error: 'must be at most 2000 characters' }).nullable();
const toolIds = z.array(id).max(5000, { error: 'at most 5000 tools per toolset' });
const includedToolsetIds = z.array(id).max(100, { error: 'at most 100 included toolsets' });

export const toolsetCreateSchema = z.strictObject({
  name,
  description: description.optional(),
  toolIds: toolIds.default([]),
  includedToolsetIds: includedToolsetIds.default([]),
});
export const toolsetPatchSchema = z
  .strictObject({
    name: name.optional(),
    description: description.optional(),
    toolIds: toolIds.optional(),
    includedToolsetIds: includedToolsetIds.optional(),
  })
  .refine((v) => Object.keys(v).length > 0, { error: 'send at least one field to change' });
export type ToolsetCreate = z.infer<typeof toolsetCreateSchema>;
export type ToolsetPatch = z.infer<typeof toolsetPatchSchema>;

export interface ToolsetView {
  id: string;
  kind: ToolsetRecord['kind'];
  maintained: boolean;
  name: string;
  description: string | null;
  serverId: string | null;
  /** Custom toolsets: tools added by hand. */
  toolIds: string[];
  includedToolsetIds: string[];
  /** Every tool the toolset grants right now (maintained ones compute this from their server). */
  effectiveToolIds: string[];
  tools: { id: string; name: string; exposedName: string | null; state: string; classification: string }[];
  revision: number;
  etag: string;
  createdAt: string;
  updatedAt: string;
}

/** Finds an inclusion path from `from` back to `target` (a cycle if `from` would include `target`). */
export function findCycle(
  graph: ReadonlyMap<string, readonly string[]>,
  target: string,
  includes: readonly string[],
): string[] | null {
  const seen = new Set<string>();
  const walk = (node: string, path: string[]): string[] | null => {
    if (node === target) return path;
    if (seen.has(node)) return null;
    seen.add(node);
    for (const next of graph.get(node) ?? []) {
      const found = walk(next, [...path, next]);
      if (found) return found;
    }
    return null;
  };
  for (const inc of includes) {
    const found = walk(inc, [target, inc]);
    if (found) return found;
  }
  return null;
}

@Injectable()
export class ToolsetsService {
  constructor(
    private readonly db: Database,
    private readonly changes: Changes,
    private readonly toolsets: ToolsetsRepository,
    private readonly tools: ToolsRepository,
    private readonly policy: PolicyRepository,
    @Inject(PLATFORM) private readonly platform: Platform,
  ) {}

  private get tenant() {
    return this.platform.tenantId;
  }

  private async views(sql: Sql, records: ToolsetRecord[]): Promise<ToolsetView[]> {
    const servers = await this.policy.servers(sql, this.tenant);
    const tools = await this.policy.tools(sql, this.tenant);
    const resolved = resolveToolsets({
      servers,
      tools,
      toolsets: await this.policy.toolsets(sql, this.tenant),
    });
    const prefixes = new Map(servers.map((s) => [s.id, s.toolPrefix]));
    const toolsById = new Map(tools.map((t) => [t.id, t]));
    return records.map((r) =>
      view(r, resolved.get(r.id), (tid) => {
        const t = toolsById.get(tid);
        return t
          ? {
              id: t.id,
              name: t.name,
              exposedName: prefixes.has(t.serverId) ? `${prefixes.get(t.serverId)}_${t.name}` : null,
              state: t.state,
              classification: t.classification,
            }
          : undefined;
      }),
    );
  }

  async list(page: PageRequest, filter: { kind?: string; serverId?: string }): Promise<Page<ToolsetView>> {
    const rows = await this.toolsets.page(this.db.sql, this.tenant, page, filter);
    const views = await this.views(this.db.sql, rows.slice(0, page.limit));
    return toPage(
      rows,
      page.limit,
      (r) => ({ key: r.name, id: r.id }),
      (r) => views.find((v) => v.id === r.id)!,
    );
  }

  async get(id: string): Promise<ToolsetView> {
    const t = isUuid(id) ? await this.toolsets.get(this.db.sql, this.tenant, id) : undefined;
    if (!t) throw new NotFoundProblem('toolset', id);
    return (await this.views(this.db.sql, [t]))[0]!;
  }

  /** 404 for an unknown toolset, 409 for a maintained one. */
  async assertEditable(id: string): Promise<void> {
    const t = isUuid(id) ? await this.toolsets.get(this.db.sql, this.tenant, id) : undefined;
    if (!t) throw new NotFoundProblem('toolset', id);
    if (t.kind !== 'custom') throw maintained(t);
  }

  async create(input: ToolsetCreate, actor: Actor): Promise<ToolsetView> {
    const id = randomUUID();
    const record = await this.changes.run(actor, async (ctx) => {
      await this.checkReferences(ctx.sql, input.toolIds, input.includedToolsetIds);
      try {
        await this.toolsets.insertCustom(ctx.sql, this.tenant, {
          id,
          name: input.name,
          description: input.description ?? null,
        });
      } catch (err) {
        if (uniqueViolation(err) !== undefined) throw nameTaken(input.name);
        throw err;
      }
      await this.toolsets.setTools(ctx.sql, id, dedupe(input.toolIds));
      await this.toolsets.setIncludes(ctx.sql, id, dedupe(input.includedToolsetIds));
      ctx.audit(
        'toolset.created',
        'toolset',
        id,
        `Created toolset "${input.name}" with ${dedupe(input.toolIds).length} tool(s)`,
        {
          toolIds: dedupe(input.toolIds),
          includedToolsetIds: dedupe(input.includedToolsetIds),
        },
      );
      ctx.touchPolicy();
      return (await this.toolsets.get(ctx.sql, this.tenant, id))!;
    });
    return (await this.views(this.db.sql, [record]))[0]!;
  }

  async patch(id: string, expected: number | null, input: ToolsetPatch, actor: Actor): Promise<ToolsetView> {
    if (!isUuid(id)) throw new NotFoundProblem('toolset', id);
    const record = await this.changes.run(actor, async (ctx) => {
      const current = await this.toolsets.get(ctx.sql, this.tenant, id, true);
      if (!current) throw new NotFoundProblem('toolset', id);
      if (current.kind !== 'custom') throw maintained(current);
      assertRevision(expected, current.revision, 'toolset');
      await this.checkReferences(ctx.sql, input.toolIds ?? [], input.includedToolsetIds ?? []);
      if (input.includedToolsetIds) {
        const graph = await this.toolsets.includeGraph(ctx.sql, this.tenant);
        graph.delete(id);
        const cycle = findCycle(graph, id, input.includedToolsetIds);
        if (cycle) {
          const names = await Promise.all(
            cycle.map(async (tid) => (await this.toolsets.get(ctx.sql, this.tenant, tid))?.name ?? tid),
          );
          throw new ConflictProblem(
            'toolset-cycle',
            'Toolsets would include each other',
            `Including these toolsets would make a cycle: ${names.join(' → ')}. A toolset cannot (even indirectly) include itself.`,
            [
              {
                field: `includedToolsetIds[${input.includedToolsetIds.indexOf(cycle[1]!)}]`,
                message: 'leads back to this toolset',
              },
            ],
          );
        }
      }
      try {
        await this.toolsets.update(ctx.sql, this.tenant, id, {
          ...(input.name !== undefined ? { name: input.name } : {}),
          ...(input.description !== undefined ? { description: input.description } : {}),
        });
      } catch (err) {
        if (uniqueViolation(err) !== undefined) throw nameTaken(input.name ?? '');
        throw err;
      }
      if (input.toolIds) await this.toolsets.setTools(ctx.sql, id, dedupe(input.toolIds));
      if (input.includedToolsetIds)
        await this.toolsets.setIncludes(ctx.sql, id, dedupe(input.includedToolsetIds));
      ctx.audit(
        'toolset.updated',
        'toolset',
        id,
        `Changed toolset "${input.name ?? current.name}": ${Object.keys(input).join(', ')}`,
        {
          fields: Object.keys(input),
          ...(input.toolIds ? { toolIds: dedupe(input.toolIds) } : {}),
        },
      );
      ctx.touchPolicy();
      return (await this.toolsets.get(ctx.sql, this.tenant, id))!;
    });
    return (await this.views(this.db.sql, [record]))[0]!;
  }

  async delete(id: string, expected: number | null, actor: Actor): Promise<void> {
    if (!isUuid(id)) throw new NotFoundProblem('toolset', id);
    await this.changes.run(actor, async (ctx) => {
      const current = await this.toolsets.get(ctx.sql, this.tenant, id, true);
      if (!current) throw new NotFoundProblem('toolset', id);
      if (current.kind !== 'custom') throw maintained(current);
      assertRevision(expected, current.revision, 'toolset');
      const refs = await this.toolsets.referencedBy(ctx.sql, this.tenant, id);
      if (refs.profiles.length || refs.toolsets.length) {
        const by = [
          ...refs.profiles.map((p) => `access profile "${p.name}"`),
          ...refs.toolsets.map((t) => `toolset "${t.name}"`),
        ];
        throw new ConflictProblem(
          'toolset-in-use',
          'Toolset is still in use',
          `The toolset "${current.name}" is used by ${by.join(', ')}; remove it there first.`,
          undefined,
          {
            profiles: refs.profiles,
            toolsets: refs.toolsets,
          },
        );
      }
      await this.toolsets.delete(ctx.sql, this.tenant, id);
      ctx.audit('toolset.deleted', 'toolset', id, `Deleted toolset "${current.name}"`);
      ctx.touchPolicy();
    });
  }

  /** Dangling references are a bad request naming each offending element. */
  private async checkReferences(sql: Sql, toolIds: string[], includedIds: string[]): Promise<void> {
    const errors: FieldError[] = [];
    const validTools = toolIds.filter(isUuid);
    const tools = new Set(
      (await this.tools.getMany(sql, this.tenant, [...new Set(validTools)])).map((t) => t.id),
    );
    toolIds.forEach((t, i) => {
      if (!tools.has(t)) errors.push({ field: `toolIds[${i}]`, message: `no tool has id ${t.slice(0, 60)}` });
    });
    const sets = await this.toolsets.existing(sql, this.tenant, [...new Set(includedIds.filter(isUuid))]);
    includedIds.forEach((t, i) => {
      if (!sets.has(t))
        errors.push({ field: `includedToolsetIds[${i}]`, message: `no toolset has id ${t.slice(0, 60)}` });
    });
    if (errors.length)
      throw new ValidationProblem(
        `${errors.length} referenced id(s) do not exist; nothing was changed.`,
        errors,
      );
  }
}

function dedupe(ids: string[]): string[] {
  return [...new Set(ids)];
}

function nameTaken(name: string): ConflictProblem {
  return new ConflictProblem(
    'toolset-name-taken',
    'Toolset name already in use',
    `A custom toolset named "${name}" already exists; pick another name.`,
    [{ field: 'name', message: 'is already in use' }],
  );
}

function maintained(t: ToolsetRecord): ConflictProblem {
  return new ConflictProblem(
    'toolset-maintained',
    'Maintained toolsets cannot be edited',
    `"${t.name}" is maintained by Portcullis and updates itself from its server's tools; it cannot be edited or deleted. Create a custom toolset (it can include this one) instead.`,
  );
}

function view(
  r: ToolsetRecord,
  resolved: ResolvedToolset | undefined,
  tool: (id: string) => ToolsetView['tools'][number] | undefined,
): ToolsetView {
  const effective = resolved?.toolIds ?? [];
  return {
    id: r.id,
    kind: r.kind,
    maintained: r.kind !== 'custom',
    name: r.name,
    description: r.description,
    serverId: r.serverId,
    toolIds: r.toolIds,
    includedToolsetIds: r.includedToolsetIds,
    effectiveToolIds: effective,
    tools: effective.map(tool).filter((t): t is NonNullable<typeof t> => !!t),
    revision: r.revision,
    etag: etagOf(r.revision),
    createdAt: r.createdAt,
    updatedAt: r.updatedAt,
  };
}
