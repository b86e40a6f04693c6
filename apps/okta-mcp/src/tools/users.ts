import { z } from 'zod';
import type { OktaUser } from '@portcullis/okta';
import { usersFilterDialect, usersSearchDialect } from '../filter';
import {
  USER_ID_RE,
  canonicalExpression,
  cursor,
  expression,
  full,
  groupId,
  keyword,
  limit,
  profileAttributes,
  userRef,
} from '../schemas';
import { READ, defineTool, moreHint, pageData, pageOutput, type OktaTool, type ToolContext } from '../tool';
import {
  appLinkView,
  factorView,
  groupView,
  userView,
  viewAppLink,
  viewFactor,
  viewGroup,
  viewUser,
} from '../views';

const USERS_READ = ['okta.users.read'] as const;
const USERS_MANAGE = ['okta.users.manage'] as const;

export function userOut(u: OktaUser, asFull: boolean): Record<string, unknown> {
  return asFull ? (u as Record<string, unknown>) : viewUser(u);
}

/** Resolves a user reference (id or login) to an id; logins cost one lookup. */
export async function resolveUserId(ctx: ToolContext, ref: string): Promise<string> {
  if (USER_ID_RE.test(ref)) return ref;
  return (await ctx.api.users.get(ctx.cred, ref, ctx.signal)).id;
}

const whoami = defineTool({
  name: 'whoami',
  title: 'Who am I in Okta',
  description:
    'Returns the Okta user whose credential this connection uses (GET /api/v1/users/me): id, login, email, name, status, last login. ' +
    'Use it to check which Okta account and org the tools act as.',
  input: z.strictObject({ full: full() }),
  output: z.object({ user: userView, org: z.string() }),
  annotations: READ,
  scopes: ['okta.users.read.self'],
  async run(args, ctx) {
    const me = await ctx.api.users.me(ctx.cred, ctx.signal);
    return {
      summary: `Signed in to ${ctx.cred.orgUrl} as ${me.profile?.login} (${me.id}, status ${me.status}).`,
      data: { user: userOut(me, args.full), org: ctx.cred.orgUrl },
    };
  },
});

const listUsers = defineTool({
  name: 'list_users',
  title: 'List or search Okta users',
  description:
    'Lists users in the Okta org, optionally narrowed by ONE of: `query` (prefix match on first name, last name or email), ' +
    '`filter` (exact matches on status, id, profile.login/email/firstName/lastName, lastUpdated ranges; e.g. status eq "ACTIVE"), ' +
    'or `search` (any profile attribute with eq/sw/co/pr, e.g. profile.department eq "Sales"). ' +
    'Without filter/search, deactivated (DEPROVISIONED) users are omitted — use filter status eq "DEPROVISIONED" to see them. ' +
    'Returns concise user summaries; `full: true` returns complete objects. Paginated: pass nextCursor as `cursor` with the same filters.',
  input: z
    .strictObject({
      query: keyword().optional().describe('Prefix match on firstName, lastName or email (e.g. "jan").'),
      filter: expression(
        usersFilterDialect,
        'status eq "ACTIVE" and lastUpdated gt "2025-01-01T00:00:00.000Z"',
      ).optional(),
      search: expression(
        usersSearchDialect,
        'profile.department eq "Engineering" and status eq "ACTIVE"',
      ).optional(),
      sortBy: z
        .enum([
          'id',
          'status',
          'created',
          'lastUpdated',
          'profile.login',
          'profile.lastName',
          'profile.firstName',
        ])
        .optional()
        .describe('Sort attribute; only together with `search`.'),
      sortOrder: z.enum(['asc', 'desc']).optional().describe('Sort direction; only together with `search`.'),
      limit: limit(),
      cursor: cursor().optional(),
      full: full(),
    })
    .refine((a) => [a.query, a.filter, a.search].filter((v) => v !== undefined).length <= 1, {
      message: 'use only one of query, filter or search',
    })
    .refine((a) => (a.sortBy === undefined && a.sortOrder === undefined) || a.search !== undefined, {
      message: 'sortBy/sortOrder only work together with search',
    }),
  output: pageOutput('users', userView),
  annotations: READ,
  scopes: USERS_READ,
  async run(a, ctx) {
    const page = await ctx.api.users.list(
      ctx.cred,
      {
        q: a.query,
        filter: canonicalExpression(a.filter, usersFilterDialect),
        search: canonicalExpression(a.search, usersSearchDialect),
        sortBy: a.sortBy,
        sortOrder: a.sortOrder,
        limit: a.limit,
        after: a.cursor,
        signal: ctx.signal,
      },
      { maxItems: a.limit },
    );
    return {
      summary: `Found ${page.items.length} user(s).${moreHint(page)}`,
      data: pageData(
        'users',
        page.items.map((u) => userOut(u, a.full)),
        page,
      ),
    };
  },
});

const getUser = defineTool({
  name: 'get_user',
  title: 'Get an Okta user',
  description:
    'Gets one Okta user by id (00u…) or login (e.g. jane.doe@example.com): status, login, email, name, created, last login, ' +
    'last update. `full: true` returns the complete profile (all attributes, including custom ones) and credentials metadata.',
  input: z.strictObject({ user: userRef(), full: full() }),
  output: z.object({ user: userView }),
  annotations: READ,
  scopes: USERS_READ,
  async run(a, ctx) {
    const u = await ctx.api.users.get(ctx.cred, a.user, ctx.signal);
    return {
      summary: `User ${u.profile?.login} (${u.id}) is ${u.status}.`,
      data: { user: userOut(u, a.full) },
    };
  },
});

const listUserGroups = defineTool({
  name: 'list_user_groups',
  title: "List a user's groups",
  description:
    'Lists the groups an Okta user (id or login) belongs to, including built-in groups such as Everyone.',
  input: z.strictObject({ user: userRef(), limit: limit(200), full: full() }),
  output: pageOutput('groups', groupView),
  annotations: READ,
  scopes: USERS_READ,
  async run(a, ctx) {
    const id = await resolveUserId(ctx, a.user);
    const page = await ctx.api.users.groups(ctx.cred, id, { maxItems: a.limit, maxPages: 5 }, ctx.signal);
    const items = page.items.slice(0, a.limit);
    return {
      summary: `User ${a.user} is in ${items.length} group(s).${moreHint(page)}`,
      data: pageData(
        'groups',
        items.map((g) => (a.full ? g : viewGroup(g))),
        { hasMore: page.hasMore || page.items.length > a.limit },
      ),
    };
  },
});

const listUserApps = defineTool({
  name: 'list_user_apps',
  title: "List a user's apps",
  description:
    "Lists the applications assigned to an Okta user (id or login), as shown on the user's Okta dashboard (app links).",
  input: z.strictObject({ user: userRef(), limit: limit(200), full: full() }),
  output: pageOutput('apps', appLinkView),
  annotations: READ,
  scopes: USERS_READ,
  async run(a, ctx) {
    const id = await resolveUserId(ctx, a.user);
    const page = await ctx.api.users.appLinks(ctx.cred, id, { maxItems: a.limit, maxPages: 5 }, ctx.signal);
    const items = page.items.slice(0, a.limit);
    return {
      summary: `User ${a.user} has ${items.length} app(s).${moreHint(page)}`,
      data: pageData(
        'apps',
        items.map((l) => (a.full ? l : viewAppLink(l))),
        { hasMore: page.hasMore || page.items.length > a.limit },
      ),
    };
  },
});

const listUserFactors = defineTool({
  name: 'list_user_factors',
  title: "List a user's MFA factors",
  description:
    'Lists the MFA factors (authenticators) an Okta user (id or login) has enrolled: type, provider, status.',
  input: z.strictObject({ user: userRef(), full: full() }),
  output: pageOutput('factors', factorView),
  annotations: READ,
  scopes: USERS_READ,
  async run(a, ctx) {
    const id = await resolveUserId(ctx, a.user);
    const page = await ctx.api.users.factors(ctx.cred, id, ctx.signal);
    return {
      summary: `User ${a.user} has ${page.items.length} enrolled factor(s).`,
      data: pageData(
        'factors',
        page.items.map((f) => (a.full ? f : viewFactor(f))),
        page,
      ),
    };
  },
});

const name = (label: string) =>
  z
    .string()
    .trim()
    .min(1)
    .max(100)
    .regex(/^[^\u0000-\u001f\u007f]+$/, `${label} must not contain control characters`);

const createUser = defineTool({
  name: 'create_user',
  title: 'Create an Okta user',
  description:
    'Creates a user. By default the user is created STAGED (no email sent); with `activate: true` Okta activates the user and ' +
    'emails an activation link. Passwords are never set through this tool (the user sets one via the activation email). ' +
    'Optionally adds the user to groups (group ids) and sets extra profile attributes. Fails if the login already exists.',
  input: z.strictObject({
    login: z
      .string()
      .max(100)
      .regex(/^[A-Za-z0-9][A-Za-z0-9._%+'@-]{0,99}$/, 'must be a login such as "jane.doe@example.com"')
      .describe('Okta login, usually the email address.'),
    email: z.email('must be a valid email address').max(100),
    firstName: name('firstName'),
    lastName: name('lastName'),
    displayName: name('displayName').optional(),
    department: name('department').optional(),
    title: name('title').optional(),
    attributes: profileAttributes()
      .optional()
      .describe('Additional profile attributes (standard or custom), e.g. {"employeeNumber": "1234"}.'),
    groupIds: z.array(groupId()).max(20).optional().describe('Groups to add the new user to.'),
    activate: z
      .boolean()
      .default(false)
      .describe('Activate now and send the activation email (default false: create as STAGED).'),
  }),
  output: z.object({ user: userView }),
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true },
  scopes: USERS_MANAGE,
  async run(a, ctx) {
    const { login, email, firstName, lastName, displayName, department, title } = a;
    const profile = {
      ...(a.attributes ?? {}),
      login,
      email,
      firstName,
      lastName,
      ...(displayName ? { displayName } : {}),
      ...(department ? { department } : {}),
      ...(title ? { title } : {}),
    };
    const user = await ctx.api.users.create(
      ctx.cred,
      { profile, ...(a.groupIds?.length ? { groupIds: a.groupIds } : {}) },
      { activate: a.activate, signal: ctx.signal },
    );
    return {
      summary: `Created user ${user.profile?.login} (${user.id}) with status ${user.status}.${a.activate ? ' Okta emails the activation link.' : ' Use activate_user to activate.'}`,
      data: { user: viewUser(user) },
    };
  },
});

const updateUserProfile = defineTool({
  name: 'update_user_profile',
  title: "Update a user's profile",
  description:
    'Updates selected profile attributes of an Okta user (id or login); attributes not named keep their values. ' +
    'Returns the previous and new value of every changed attribute, so the change can be reverted by calling again with the old values. ' +
    'Set an attribute to null to clear it.',
  input: z.strictObject({
    user: userRef(),
    profile: profileAttributes()
      .refine((o) => Object.keys(o).length > 0, { message: 'name at least one attribute to change' })
      .describe('Attributes to change, e.g. {"title": "Staff Engineer", "department": "Platform"}.'),
  }),
  output: z.object({
    user: userView,
    changed: z.record(z.string(), z.object({ from: z.unknown(), to: z.unknown() })),
  }),
  // Overwrites existing values (destructive in the MCP sense), but reports them so it can be undone.
  annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: false },
  scopes: USERS_MANAGE,
  async run(a, ctx) {
    const before = await ctx.api.users.get(ctx.cred, a.user, ctx.signal);
    const after = await ctx.api.users.updateProfile(ctx.cred, before.id, a.profile, ctx.signal);
    const changed: Record<string, { from: unknown; to: unknown }> = {};
    for (const key of Object.keys(a.profile)) {
      const from = before.profile?.[key] ?? null;
      const to = after.profile?.[key] ?? null;
      if (JSON.stringify(from) !== JSON.stringify(to)) changed[key] = { from, to };
    }
    const keys = Object.keys(changed);
    return {
      summary: keys.length
        ? `Updated ${keys.join(', ')} for ${after.profile?.login} (${after.id}).`
        : `No attribute of ${after.profile?.login} changed (the values were already set).`,
      data: { user: viewUser(after), changed },
    };
  },
});

export const userTools: OktaTool[] = [
  whoami,
  listUsers,
  getUser,
  listUserGroups,
  listUserApps,
  listUserFactors,
  createUser,
  updateUserProfile,
];
