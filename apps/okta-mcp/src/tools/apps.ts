import { z } from 'zod';
import type { OktaApp } from '@portcullis/okta';
import { appsFilterDialect } from '../filter';
import {
  appId,
  canonicalExpression,
  cursor,
  expression,
  full,
  groupId,
  keyword,
  limit,
  userId,
} from '../schemas';
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
  appGroupView,
  appUserView,
  appView,
  describeApp,
  describeGroup,
  viewApp,
  viewAppGroup,
  viewAppUser,
} from '../views';

const APPS_READ = ['okta.apps.read'] as const;
const APPS_MANAGE = ['okta.apps.manage'] as const;

const appOut = (x: OktaApp, asFull: boolean) => (asFull ? (x as Record<string, unknown>) : viewApp(x));

const listApps = defineTool({
  name: 'list_apps',
  title: 'List Okta applications',
  description:
    'Lists application integrations in the Okta org, optionally narrowed by `query` (name/label prefix) or `filter` ' +
    '(status eq "ACTIVE"/"INACTIVE", name eq "…", user.id eq "00u…" for apps assigned to a user, group.id eq "00g…"; combine with and). ' +
    'Paginated: pass nextCursor as `cursor` with the same filters.',
  input: z.strictObject({
    query: keyword().optional().describe('Prefix of the app name or label, e.g. "Sales".'),
    filter: expression(appsFilterDialect, 'status eq "ACTIVE"').optional(),
    limit: limit(),
    cursor: cursor().optional(),
    full: full(),
  }),
  output: pageOutput('apps', appView),
  annotations: READ,
  scopes: APPS_READ,
  async run(a, ctx) {
    const page = await ctx.api.apps.list(
      ctx.cred,
      {
        q: a.query,
        filter: canonicalExpression(a.filter, appsFilterDialect),
        limit: a.limit,
        after: a.cursor,
        signal: ctx.signal,
      },
      { maxItems: a.limit },
    );
    return {
      summary: `Found ${page.items.length} app(s).${moreHint(page)}`,
      data: pageData(
        'apps',
        page.items.map((x) => appOut(x, a.full)),
        page,
      ),
    };
  },
});

const getApp = defineTool({
  name: 'get_app',
  title: 'Get an Okta application',
  description:
    'Gets one Okta application by id (0oa…): name, label, status, sign-on mode. `full: true` includes settings and credentials metadata.',
  input: z.strictObject({ appId: appId(), full: full() }),
  output: z.object({ app: appView }),
  annotations: READ,
  scopes: APPS_READ,
  async run(a, ctx) {
    const x = await ctx.api.apps.get(ctx.cred, a.appId, ctx.signal);
    return { summary: `App ${describeApp(x)}.`, data: { app: appOut(x, a.full) } };
  },
});

const activateApp = defineTool({
  name: 'activate_app',
  title: 'Activate an application',
  description: 'Activates an INACTIVE Okta application (id 0oa…) so assigned users can use it again.',
  input: z.strictObject({ appId: appId() }),
  output: z.object({ appId: z.string(), appStatus: z.string() }),
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  scopes: APPS_MANAGE,
  async run(a, ctx) {
    await ctx.api.apps.lifecycle(ctx.cred, a.appId, 'activate', ctx.signal);
    return { summary: `Activated app ${a.appId}.`, data: { appId: a.appId, appStatus: 'ACTIVE' } };
  },
});

const deactivateApp = defineTool({
  name: 'deactivate_app',
  title: 'Deactivate an application',
  description:
    'Deactivates an Okta application (id 0oa…): nobody can sign in to it through Okta until it is activated again, and ' +
    'provisioning stops. Requires explicit confirmation by the human user.',
  input: z.strictObject({ appId: appId() }),
  output: z.object({ appId: z.string(), appStatus: z.string() }),
  annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: false },
  scopes: APPS_MANAGE,
  confirm: {
    async plan(a, ctx) {
      const x = await ctx.api.apps.get(ctx.cred, a.appId, ctx.signal);
      return {
        action: `Deactivate application ${describeApp(x)}`,
        consequences:
          'Every user loses access to this application through Okta until it is reactivated; provisioning stops.',
      };
    },
  },
  async run(a, ctx) {
    await ctx.api.apps.lifecycle(ctx.cred, a.appId, 'deactivate', ctx.signal);
    return { summary: `Deactivated app ${a.appId}.`, data: { appId: a.appId, appStatus: 'INACTIVE' } };
  },
});

const listAppUsers = defineTool({
  name: 'list_app_users',
  title: 'List users assigned to an application',
  description:
    'Lists the users assigned to an Okta application (id 0oa…), directly (scope USER) or through a group (scope GROUP), with their ' +
    'app username. Optional `query` matches username/name prefixes. Paginated: pass nextCursor as `cursor`.',
  input: z.strictObject({
    appId: appId(),
    query: keyword().optional(),
    limit: limit(),
    cursor: cursor().optional(),
    full: full(),
  }),
  output: pageOutput('users', appUserView),
  annotations: READ,
  scopes: APPS_READ,
  async run(a, ctx) {
    const page = await ctx.api.apps.users(
      ctx.cred,
      a.appId,
      { q: a.query, limit: a.limit, after: a.cursor, signal: ctx.signal },
      { maxItems: a.limit },
    );
    return {
      summary: `App ${a.appId} has ${page.items.length} assigned user(s) in this page.${moreHint(page)}`,
      data: pageData(
        'users',
        page.items.map((u) => (a.full ? u : viewAppUser(u))),
        page,
      ),
    };
  },
});

const listAppGroups = defineTool({
  name: 'list_app_groups',
  title: 'List groups assigned to an application',
  description:
    'Lists the groups assigned to an Okta application (id 0oa…). Paginated: pass nextCursor as `cursor`.',
  input: z.strictObject({ appId: appId(), limit: limit(), cursor: cursor().optional(), full: full() }),
  output: pageOutput('groups', appGroupView),
  annotations: READ,
  scopes: APPS_READ,
  async run(a, ctx) {
    const page = await ctx.api.apps.groups(
      ctx.cred,
      a.appId,
      { limit: a.limit, after: a.cursor, signal: ctx.signal },
      { maxItems: a.limit },
    );
    return {
      summary: `App ${a.appId} has ${page.items.length} assigned group(s) in this page.${moreHint(page)}`,
      data: pageData(
        'groups',
        page.items.map((g) => (a.full ? g : viewAppGroup(g))),
        page,
      ),
    };
  },
});

const assignUserToApp = defineTool({
  name: 'assign_user_to_app',
  title: 'Assign a user to an application',
  description:
    'Assigns an Okta user (id 00u…) directly to an application (id 0oa…). Optional `userName` sets the app-specific username. ' +
    'Fails with a conflict if the user is already assigned.',
  input: z.strictObject({
    appId: appId(),
    userId: userId(),
    userName: z
      .string()
      .min(1)
      .max(100)
      .regex(/^[^\s\u0000-\u001f\u007f]+$/, 'must not contain spaces or control characters')
      .optional(),
  }),
  output: z.object({ assignment: appUserView }),
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  scopes: APPS_MANAGE,
  async run(a, ctx) {
    const res = await ctx.api.apps.assignUser(
      ctx.cred,
      a.appId,
      { id: a.userId, scope: 'USER', ...(a.userName ? { credentials: { userName: a.userName } } : {}) },
      ctx.signal,
    );
    return {
      summary: `Assigned user ${a.userId} to app ${a.appId}.`,
      data: { assignment: viewAppUser(res) },
    };
  },
});

async function appName(ctx: ToolContext, id: string): Promise<string> {
  return describeApp(await ctx.api.apps.get(ctx.cred, id, ctx.signal));
}

const unassignUserFromApp = defineTool({
  name: 'unassign_user_from_app',
  title: 'Remove a user from an application',
  description:
    'Removes the direct assignment of an Okta user (id 00u…) to an application (id 0oa…). The user loses access through this ' +
    'assignment and the app-specific profile is deleted (and the app account may be deprovisioned). Requires explicit confirmation by the human user.',
  input: z.strictObject({ appId: appId(), userId: userId() }),
  output: z.object({ appId: z.string(), userId: z.string(), assigned: z.boolean() }),
  annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: false },
  scopes: APPS_MANAGE,
  confirm: {
    async plan(a, ctx) {
      const app = await appName(ctx, a.appId);
      // Fails with "not found" when the user has no assignment, before anyone is asked to confirm.
      const assignment = await ctx.api.apps.getUserAssignment(ctx.cred, a.appId, a.userId, ctx.signal);
      const who = assignment.credentials?.userName
        ? `${assignment.credentials.userName} (${a.userId})`
        : a.userId;
      if (assignment.scope === 'GROUP') {
        throw new ToolRefusal(
          `Refused: user ${who} has application ${app} through a group assignment, not directly; remove them from that group ` +
            'or unassign the group instead. Nothing was changed.',
        );
      }
      return {
        action: `Unassign user ${who} from application ${app}`,
        consequences:
          'The user loses access through this assignment; the app-specific profile is deleted and the app account may be deprovisioned.',
      };
    },
  },
  async run(a, ctx) {
    await ctx.api.apps.unassignUser(ctx.cred, a.appId, a.userId, ctx.signal);
    return {
      summary: `Unassigned user ${a.userId} from app ${a.appId}.`,
      data: { appId: a.appId, userId: a.userId, assigned: false },
    };
  },
});

const assignGroupToApp = defineTool({
  name: 'assign_group_to_app',
  title: 'Assign a group to an application',
  description:
    'Assigns an Okta group (id 00g…) to an application (id 0oa…): every member gets the app. Optional `priority` orders group assignments.',
  input: z.strictObject({
    appId: appId(),
    groupId: groupId(),
    priority: z.number().int().min(0).max(100).optional(),
  }),
  output: z.object({ assignment: appGroupView }),
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  scopes: APPS_MANAGE,
  async run(a, ctx) {
    const res = await ctx.api.apps.assignGroup(
      ctx.cred,
      a.appId,
      a.groupId,
      a.priority !== undefined ? { priority: a.priority } : {},
      ctx.signal,
    );
    return {
      summary: `Assigned group ${a.groupId} to app ${a.appId}.`,
      data: { assignment: viewAppGroup(res ?? { id: a.groupId }) },
    };
  },
});

const unassignGroupFromApp = defineTool({
  name: 'unassign_group_from_app',
  title: 'Remove a group from an application',
  description:
    'Removes the assignment of an Okta group (id 00g…) to an application (id 0oa…). Members who had the app only through this ' +
    'group lose access. Requires explicit confirmation by the human user.',
  input: z.strictObject({ appId: appId(), groupId: groupId() }),
  output: z.object({ appId: z.string(), groupId: z.string(), assigned: z.boolean() }),
  annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: false },
  scopes: APPS_MANAGE,
  confirm: {
    async plan(a, ctx) {
      const app = await appName(ctx, a.appId);
      await ctx.api.apps.getGroupAssignment(ctx.cred, a.appId, a.groupId, ctx.signal);
      // The group's name needs okta.groups.read, which an apps-only token may lack: fall back to the id.
      const group = await ctx.api.groups
        .get(ctx.cred, a.groupId, ctx.signal)
        .then(describeGroup, () => `group ${a.groupId}`);
      return {
        action: `Unassign ${group} from application ${app}`,
        consequences: 'Members who had the application only through this group lose access to it.',
      };
    },
  },
  async run(a, ctx) {
    await ctx.api.apps.unassignGroup(ctx.cred, a.appId, a.groupId, ctx.signal);
    return {
      summary: `Unassigned group ${a.groupId} from app ${a.appId}.`,
      data: { appId: a.appId, groupId: a.groupId, assigned: false },
    };
  },
});

export const appTools: OktaTool[] = [
  listApps,
  getApp,
  activateApp,
  deactivateApp,
  listAppUsers,
  listAppGroups,
  assignUserToApp,
  unassignUserFromApp,
  assignGroupToApp,
  unassignGroupFromApp,
];
