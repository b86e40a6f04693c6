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
import { oneOf } from '../common/vocabulary';
import { ToolsetsRepository } from '../toolsets/toolsets.repository';
import { type ProfileRecord, ProfilesRepository, type Subject } from './profiles.repository';

const subjectSchema = z.strictObject({
  type: oneOf(['user', 'group'], 'subject type'),
  value: z
    .string()
    .trim()
    .min(1, { error: 'must not be empty' })
    .max(320, { error: 'must be at most 320 characters' }),
  expiresAt: z.iso
    .datetime({ offset: true, error: 'must be an ISO 8601 date-time, e.g. 2026-12-31T18:00:00Z' })
    .nullable()
    .optional(),
});
const name = z
  .string()
  .trim()
  .min(1, { error: 'must not be empty' })
  .max(200, { error: 'must be at most 200 characters' });
const description = z.string().max(2000).nullable();
const toolsetIds = z.array(z.string().max(100)).max(500, { error: 'at most 500 toolsets per profile' });
const subjects = z.array(subjectSchema).max(5000, { error: 'at most 5000 subjects per profile' });

export const profileCreateSchema = z.strictObject({
  name,
  description: description.optional(),
  toolsetIds: toolsetIds.default([]),
  subjects: subjects.default([]),
});
export const profilePatchSchema = z
  .strictObject({
    name: name.optional(),
    description: description.optional(),
    toolsetIds: toolsetIds.optional(),
    subjects: subjects.optional(),
  })
  .refine((v) => Object.keys(v).length > 0, { error: 'send at least one field to change' });
export type ProfileCreate = z.infer<typeof profileCreateSchema>;
export type ProfilePatch = z.infer<typeof profilePatchSchema>;

export interface ProfileView extends ProfileRecord {
  toolsets: { id: string; name: string; maintained: boolean }[];
  etag: string;
}

@Injectable()
export class ProfilesService {
  constructor(
    private readonly db: Database,
    private readonly changes: Changes,
    private readonly profiles: ProfilesRepository,
    private readonly toolsets: ToolsetsRepository,
    @Inject(PLATFORM) private readonly platform: Platform,
  ) {}

  private get tenant() {
    return this.platform.tenantId;
  }

  private async views(sql: Sql, records: ProfileRecord[]): Promise<ProfileView[]> {
    const all = new Map((await this.toolsets.all(sql, this.tenant)).map((t) => [t.id, t]));
    return records.map((p) => ({
      ...p,
      toolsets: p.toolsetIds.map((id) => ({
        id,
        name: all.get(id)?.name ?? id,
        maintained: all.get(id)?.kind !== 'custom',
      })),
      etag: etagOf(p.revision),
    }));
  }

  async list(
    page: PageRequest,
    filter: { subject?: string; toolsetId?: string },
  ): Promise<Page<ProfileView>> {
    const rows = await this.profiles.page(this.db.sql, this.tenant, page, filter);
    const views = await this.views(this.db.sql, rows.slice(0, page.limit));
    return toPage(
      rows,
      page.limit,
      (r) => ({ key: r.name, id: r.id }),
      (r) => views.find((v) => v.id === r.id)!,
    );
  }

  async get(id: string): Promise<ProfileView> {
    const p = isUuid(id) ? await this.profiles.get(this.db.sql, this.tenant, id) : undefined;
    if (!p) throw new NotFoundProblem('access profile', id);
    return (await this.views(this.db.sql, [p]))[0]!;
  }

  async create(input: ProfileCreate, actor: Actor): Promise<ProfileView> {
    const id = randomUUID();
    const subjectsIn = normalizeSubjects(input.subjects);
    const record = await this.changes.run(actor, async (ctx) => {
      await this.checkToolsets(ctx.sql, input.toolsetIds);
      try {
        await this.profiles.insert(ctx.sql, this.tenant, {
          id,
          name: input.name,
          description: input.description ?? null,
        });
      } catch (err) {
        if (uniqueViolation(err) !== undefined) throw nameTaken(input.name);
        throw err;
      }
      await this.profiles.setToolsets(ctx.sql, id, [...new Set(input.toolsetIds)]);
      await this.profiles.setSubjects(ctx.sql, id, subjectsIn);
      ctx.audit('profile.created', 'access_profile', id, `Created access profile "${input.name}"`, {
        toolsetIds: [...new Set(input.toolsetIds)],
        subjects: subjectsIn.map(describeSubject),
      });
      ctx.touchPolicy();
      return (await this.profiles.get(ctx.sql, this.tenant, id))!;
    });
    return (await this.views(this.db.sql, [record]))[0]!;
  }

  async patch(id: string, expected: number | null, input: ProfilePatch, actor: Actor): Promise<ProfileView> {
    if (!isUuid(id)) throw new NotFoundProblem('access profile', id);
    const subjectsIn = input.subjects ? normalizeSubjects(input.subjects) : undefined;
    const record = await this.changes.run(actor, async (ctx) => {
      const current = await this.profiles.get(ctx.sql, this.tenant, id, true);
      if (!current) throw new NotFoundProblem('access profile', id);
      assertRevision(expected, current.revision, 'access profile');
      if (input.toolsetIds) await this.checkToolsets(ctx.sql, input.toolsetIds);
      try {
        await this.profiles.update(ctx.sql, this.tenant, id, {
          ...(input.name !== undefined ? { name: input.name } : {}),
          ...(input.description !== undefined ? { description: input.description } : {}),
        });
      } catch (err) {
        if (uniqueViolation(err) !== undefined) throw nameTaken(input.name ?? '');
        throw err;
      }
      if (input.toolsetIds) await this.profiles.setToolsets(ctx.sql, id, [...new Set(input.toolsetIds)]);
      if (subjectsIn) await this.profiles.setSubjects(ctx.sql, id, subjectsIn);
      ctx.audit(
        'profile.updated',
        'access_profile',
        id,
        `Changed access profile "${input.name ?? current.name}": ${Object.keys(input).join(', ')}`,
        {
          fields: Object.keys(input),
          ...(input.toolsetIds ? { toolsetIds: [...new Set(input.toolsetIds)] } : {}),
          ...(subjectsIn ? { subjects: subjectsIn.map(describeSubject) } : {}),
        },
      );
      ctx.touchPolicy();
      return (await this.profiles.get(ctx.sql, this.tenant, id))!;
    });
    return (await this.views(this.db.sql, [record]))[0]!;
  }

  async delete(id: string, expected: number | null, actor: Actor): Promise<void> {
    if (!isUuid(id)) throw new NotFoundProblem('access profile', id);
    await this.changes.run(actor, async (ctx) => {
      const current = await this.profiles.get(ctx.sql, this.tenant, id, true);
      if (!current) throw new NotFoundProblem('access profile', id);
      assertRevision(expected, current.revision, 'access profile');
      await this.profiles.delete(ctx.sql, this.tenant, id);
      ctx.audit('profile.deleted', 'access_profile', id, `Deleted access profile "${current.name}"`);
      ctx.touchPolicy();
    });
  }

  private async checkToolsets(sql: Sql, ids: string[]): Promise<void> {
    const found = await this.toolsets.existing(sql, this.tenant, [...new Set(ids.filter(isUuid))]);
    const errors: FieldError[] = [];
    ids.forEach((t, i) => {
      if (!found.has(t))
        errors.push({ field: `toolsetIds[${i}]`, message: `no toolset has id ${t.slice(0, 60)}` });
    });
    if (errors.length)
      throw new ValidationProblem(
        `${errors.length} toolset id(s) do not exist; nothing was changed.`,
        errors,
      );
  }
}

/** Validates subjects beyond their shape: no duplicates, no grant that has already expired. */
export function normalizeSubjects(
  input: { type: 'user' | 'group'; value: string; expiresAt?: string | null | undefined }[],
  now = Date.now(),
): Subject[] {
  const errors: FieldError[] = [];
  const seen = new Map<string, number>();
  const out: Subject[] = [];
  input.forEach((s, i) => {
    const key = `${s.type}:${s.type === 'user' ? s.value.toLowerCase() : s.value}`;
    if (seen.has(key))
      errors.push({
        field: `subjects[${i}]`,
        message: `duplicates subjects[${seen.get(key)}] (${s.type} ${s.value})`,
      });
    seen.set(key, i);
    if (s.expiresAt && Date.parse(s.expiresAt) <= now)
      errors.push({
        field: `subjects[${i}].expiresAt`,
        message: 'is in the past; a grant must expire in the future',
      });
    out.push({
      type: s.type,
      value: s.value,
      expiresAt: s.expiresAt ? new Date(s.expiresAt).toISOString() : null,
    });
  });
  if (errors.length) throw new ValidationProblem(`${errors.length} subject(s) are not valid.`, errors);
  return out;
}

function describeSubject(s: Subject): string {
  return `${s.type}:${s.value}${s.expiresAt ? ` (until ${s.expiresAt})` : ''}`;
}

function nameTaken(name: string): ConflictProblem {
  return new ConflictProblem(
    'profile-name-taken',
    'Access profile name already in use',
    `An access profile named "${name}" already exists; pick another name.`,
    [{ field: 'name', message: 'is already in use' }],
  );
}
