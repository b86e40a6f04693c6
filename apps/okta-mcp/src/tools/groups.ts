import { z } from 'zod';
import type { OktaGroup } from '@portcullis/okta';
import { groupsFilterDialect, groupsSearchDialect } from '../filter';
import { canonicalExpression, cursor, expression, full, groupId, keyword, limit, userId } from '../schemas';
import {
  READ,
  ToolRefusal,
  defineTool,
  moreHint,
  pageData,
  pageOutput,
  type OktaTool,
  type ToolContext,
} from '../tool';
import {
  appView,
  describeGroup,
  describeUser,
  groupView,
  userView,
  viewApp,
  viewGroup,
  viewUser,
} from '../views';

const GROUPS_READ = ['okta.groups.read'] as const;
const GROUPS_MANAGE = ['okta.groups.manage'] as const;

const groupOut = (g: OktaGroup, asFull: boolean) => (asFull ? (g as Record<string, unknown>) : viewGroup(g));

const groupName = z
  .string()
  .trim()
  .min(1)
  .max(255)
  .regex(/^[^\u0000-\u001f\u007f]+$/, 'must not contain control characters');
const groupDescription = z
  .string()
  .max(1024)
  .regex(/^[^\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]*$/, 'must not contain control characters');

const listGroups = defineTool({
  name: 'list_groups',
  title: 'List or search Okta groups',
  description:
    'Lists groups in the Okta org, optionally narrowed by ONE of: `query` (group name prefix), `filter` (id, type ' +
    'OKTA_GROUP/APP_GROUP/BUILT_IN, lastUpdated/lastMembershipUpdated ranges) or `search` (profile.name / profile.description with ' +
    'eq/sw/co, type, dates). Paginated: pass nextCursor as `cursor` with the same filters.',
  input: z
    .strictObject({
      query: keyword().optional().describe('Group name prefix, e.g. "Eng".'),
      filter: expression(groupsFilterDialect, 'type eq "OKTA_GROUP"').optional(),
      search: expression(groupsSearchDialect, 'profile.name co "admin"').optional(),
      limit: limit(),
      cursor: cursor().optional(),
      full: full(),
    })
    .refine((a) => [a.query, a.filter, a.search].filter((v) => v !== undefined).length <= 1, {
      message: 'use only one of query, filter or search',
    }),
  output: pageOutput('groups', groupView),
  annotations: READ,
  scopes: GROUPS_READ,
  async run(a, ctx) {
    const page = await ctx.api.groups.list(
      ctx.cred,
      {
        q: a.query,
        filter: canonicalExpression(a.filter, groupsFilterDialect),
        search: canonicalExpression(a.search, groupsSearchDialect),
        limit: a.limit,
        after: a.cursor,
        signal: ctx.signal,
      },
      { maxItems: a.limit },
    );
    return {
      summary: `Found ${page.items.length} group(s).${moreHint(page)}`,
      data: pageData(
        'groups',
        page.items.map((g) => groupOut(g, a.full)),
        page,
      ),
    };
  },
});

const getGroup = defineTool({
  name: 'get_group',
  title: 'Get an Okta group',
  description: 'Gets one Okta group by id (00g…): name, description, type, when membership last changed.',
  input: z.strictObject({ groupId: groupId(), full: full() }),
  output: z.object({ group: groupView }),
  annotations: READ,
  scopes: GROUPS_READ,
  async run(a, ctx) {
    const g = await ctx.api.groups.get(ctx.cred, a.groupId, ctx.signal);
    return { summary: `Group ${describeGroup(g)}.`, data: { group: groupOut(g, a.full) } };
  },
});

const listGroupMembers = defineTool({
  name: 'list_group_members',
  title: 'List group members',
  description:
    'Lists the users who are members of an Okta group (id 00g…). Paginated: pass nextCursor as `cursor`.',
  input: z.strictObject({ groupId: groupId(), limit: limit(), cursor: cursor().optional(), full: full() }),
  output: pageOutput('users', userView),
  annotations: READ,
  scopes: GROUPS_READ,
  async run(a, ctx) {
    const page = await ctx.api.groups.members(
      ctx.cred,
      a.groupId,
      { limit: a.limit, after: a.cursor, signal: ctx.signal },
      { maxItems: a.limit },
    );
    return {
      summary: `Group ${a.groupId} has ${page.items.length} member(s) in this page.${moreHint(page)}`,
      data: pageData(
        'users',
        page.items.map((u) => (a.full ? u : viewUser(u))),
        page,
      ),
    };
  },
});

const listGroupApps = defineTool({
  name: 'list_group_apps',
  title: 'List apps assigned to a group',
  description:
    'Lists the applications assigned to an Okta group (id 00g…). Paginated: pass nextCursor as `cursor`.',
  input: z.strictObject({ groupId: groupId(), limit: limit(), cursor: cursor().optional(), full: full() }),
  output: pageOutput('apps', appView),
  annotations: READ,
  scopes: GROUPS_READ,
  async run(a, ctx) {
    const page = await ctx.api.groups.apps(
      ctx.cred,
      a.groupId,
      { limit: a.limit, after: a.cursor, signal: ctx.signal },
      { maxItems: a.limit },
    );
    return {
      summary: `Group ${a.groupId} is assigned to ${page.items.length} app(s) in this page.${moreHint(page)}`,
      data: pageData(
        'apps',
        page.items.map((x) => (a.full ? x : viewApp(x))),
        page,
      ),
    };
  },
});

const createGroup = defineTool({
  name: 'create_group',
  title: 'Create an Okta group',
  description: 'Creates an Okta group (type OKTA_GROUP) with a name and optional description.',
  input: z.strictObject({
    name: groupName.describe('Group name.'),
    description: groupDescription.optional(),
  }),
  output: z.object({ group: groupView }),
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: false },
  scopes: GROUPS_MANAGE,
  async run(a, ctx) {
    const g = await ctx.api.groups.create(
      ctx.cred,
      { name: a.name, ...(a.description !== undefined ? { description: a.description } : {}) },
      ctx.signal,
    );
    return { summary: `Created group ${describeGroup(g)}.`, data: { group: viewGroup(g) } };
  },
});

const updateGroup = defineTool({
  name: 'update_group',
  title: 'Rename or re-describe a group',
  description:
    "Changes an Okta group's name and/or description (only OKTA_GROUP groups are editable). Fields not given keep their values; " +
    'the previous values are returned.',
  input: z
    .strictObject({
      groupId: groupId(),
      name: groupName.optional(),
      description: groupDescription.nullable().optional(),
    })
    .refine((a) => a.name !== undefined || a.description !== undefined, {
      message: 'give a new name and/or description',
    }),
  output: z.object({
    group: groupView,
    previous: z.object({ name: z.string(), description: z.string().nullable() }),
  }),
  annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: false },
  scopes: GROUPS_MANAGE,
  async run(a, ctx) {
    // Okta's PUT replaces the whole profile; merge with the current one so unnamed fields survive.
    const current = await ctx.api.groups.get(ctx.cred, a.groupId, ctx.signal);
    if (current.type !== 'OKTA_GROUP') {
      throw new ToolRefusal(
        `Refused: ${describeGroup(current)} is a ${current.type} group; only OKTA_GROUP groups can be edited in Okta. Nothing was changed.`,
      );
    }
    const profile = {
      ...current.profile,
      name: a.name ?? current.profile.name,
      description: a.description !== undefined ? a.description : (current.profile.description ?? null),
    };
    const g = await ctx.api.groups.update(ctx.cred, a.groupId, profile, ctx.signal);
    return {
      summary: `Updated group ${describeGroup(g)}.`,
      data: {
        group: viewGroup(g),
        previous: { name: current.profile.name, description: current.profile.description ?? null },
      },
    };
  },
});

const deleteGroup = defineTool({
  name: 'delete_group',
  title: 'Delete a group',
  description:
    'Permanently deletes an Okta group (id 00g…). Members lose any app assignments and policies that came through the group. ' +
    'Built-in groups (Everyone) cannot be deleted. Requires explicit confirmation by the human user.',
  input: z.strictObject({ groupId: groupId() }),
  output: z.object({ groupId: z.string(), deleted: z.boolean() }),
  annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: false },
  scopes: GROUPS_MANAGE,
  confirm: {
    async plan(a, ctx) {
      const g = await ctx.api.groups.get(ctx.cred, a.groupId, ctx.signal);
      if (g.type === 'BUILT_IN') {
        throw new ToolRefusal(
          `Refused: ${describeGroup(g)} is a built-in Okta group and cannot be deleted. Nothing was changed.`,
        );
      }
      return {
        action: `Permanently delete group ${describeGroup(g)}`,
        consequences:
          'The group is removed; members lose app assignments and policy targeting that came through it. This cannot be undone.',
      };
    },
  },
  async run(a, ctx) {
    await ctx.api.groups.delete(ctx.cred, a.groupId, ctx.signal);
    return { summary: `Deleted group ${a.groupId}.`, data: { groupId: a.groupId, deleted: true } };
  },
});

const membership = z.strictObject({ groupId: groupId(), userId: userId() });

const addUserToGroup = defineTool({
  name: 'add_user_to_group',
  title: 'Add a user to a group',
  description:
    'Adds an Okta user (id 00u…) to an OKTA_GROUP group (id 00g…). Adding an existing member changes nothing.',
  input: membership,
  output: z.object({ groupId: z.string(), userId: z.string(), member: z.boolean() }),
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  scopes: GROUPS_MANAGE,
  async run(a, ctx) {
    await ctx.api.groups.addMember(ctx.cred, a.groupId, a.userId, ctx.signal);
    return {
      summary: `User ${a.userId} is now a member of group ${a.groupId}.`,
      data: { groupId: a.groupId, userId: a.userId, member: true },
    };
  },
});

async function describeUserBestEffort(ctx: ToolContext, id: string): Promise<string> {
  // Needs okta.users.read, which a groups-only token may lack: fall back to the bare id.
  return ctx.api.users.get(ctx.cred, id, ctx.signal).then(describeUser, () => `user ${id}`);
}

const removeUserFromGroup = defineTool({
  name: 'remove_user_from_group',
  title: 'Remove a user from a group',
  description:
    'Removes an Okta user (id 00u…) from an OKTA_GROUP group (id 00g…). The user loses app assignments and policies that came ' +
    'through this group. Requires explicit confirmation by the human user.',
  input: membership,
  output: z.object({ groupId: z.string(), userId: z.string(), member: z.boolean() }),
  annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: false },
  scopes: GROUPS_MANAGE,
  confirm: {
    async plan(a, ctx) {
      const g = await ctx.api.groups.get(ctx.cred, a.groupId, ctx.signal);
      const who = await describeUserBestEffort(ctx, a.userId);
      return {
        action: `Remove ${who} from group ${describeGroup(g)}`,
        consequences: 'The user loses app assignments and policy targeting that came through this group.',
      };
    },
  },
  async run(a, ctx) {
    await ctx.api.groups.removeMember(ctx.cred, a.groupId, a.userId, ctx.signal);
    return {
      summary: `Removed user ${a.userId} from group ${a.groupId}.`,
      data: { groupId: a.groupId, userId: a.userId, member: false },
    };
  },
});

export const groupTools: OktaTool[] = [
  listGroups,
  getGroup,
  listGroupMembers,
  listGroupApps,
  createGroup,
  updateGroup,
  deleteGroup,
  addUserToGroup,
  removeUserFromGroup,
];
