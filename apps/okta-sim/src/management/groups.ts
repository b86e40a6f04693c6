import { Errors } from '../core/errors';
import type { Accessor } from '../core/filter-parser';
import type { SimGroup, SimUser } from '../core/model';
import { json, noContent, type SimRequest } from '../server/http';
import type { Router } from '../server/router';
import type { Principal } from './authz';
import { compileExpression, readJson, sortOrderDescending, type ApiDeps } from './common';
import { decodeCursor, linkHeaders, pageBySeq, pageSorted, parseLimit } from './paging';
import { serializeApp, serializeGroup, serializeUser } from './serializers';

const READ = ['okta.groups.read', 'okta.groups.manage'];
const MANAGE = ['okta.groups.manage'];
const GROUP_TOP = new Set(['id', 'type', 'created', 'lastUpdated', 'lastMembershipUpdated']);
const FILTER_ATTRS = new Set(['id', 'type', 'lastUpdated', 'lastMembershipUpdated']);

export function groupAccessor(attr: string): Accessor<SimGroup> | undefined {
  if (GROUP_TOP.has(attr)) return (g) => (g as unknown as Record<string, unknown>)[attr];
  if (attr.startsWith('profile.') && attr.length > 8) {
    const key = attr.slice(8);
    return (g) => g.profile[key];
  }
  return undefined;
}

export function registerGroupRoutes(router: Router, deps: ApiDeps): void {
  const { ctx, authz } = deps;

  const load = (req: SimRequest, p: Principal, write: boolean): SimGroup => {
    authz.requireScope(req, p, write ? 'okta.groups.manage' : 'okta.groups.read', write ? MANAGE : READ);
    const g = ctx.org.requireGroup(req.params.id as string);
    return g;
  };

  router.get('/api/v1/groups', (req) => {
    const p = authz.authenticate(req);
    authz.requireScope(req, p, 'okta.groups.read', READ);
    authz.requirePermission(p, 'groups.read');
    const q = req.query.get('q');
    const filter = req.query.get('filter');
    const search = req.query.get('search');
    if (search !== null && (filter !== null || q !== null)) throw Errors.searchAndFilter();
    const statsExpand = (req.query.get('expand') ?? '').split(',').includes('stats');
    const b = req.origin;
    const visible = (g: SimGroup) =>
      authz.canOnGroup(p, 'groups.read', g) &&
      !(p.perms.get('groups.read') !== 'all' && g.type === 'BUILT_IN');
    const stats = (g: SimGroup) =>
      statsExpand ? { usersCount: g.members.size, appsCount: countApps(g) } : undefined;
    const countApps = (g: SimGroup) => {
      let n = 0;
      for (const a of ctx.org.apps.values()) if (a.groupAssignments.has(g.id)) n++;
      return n;
    };
    let predicate: (g: SimGroup) => boolean = () => true;
    let def = 10000;
    if (q !== null) {
      // `q`: name starts-with; Okta's default page size for q is 300.
      const needle = q.toLowerCase();
      predicate = (g) => g.profile.name.toLowerCase().startsWith(needle);
      def = 300;
    } else if (search !== null) {
      predicate = compileExpression<SimGroup>(
        search,
        { attributes: (a) => !!groupAccessor(a), operators: (_a, op) => op !== 'ne' },
        groupAccessor,
      );
    } else if (filter !== null) {
      predicate = compileExpression<SimGroup>(
        filter,
        {
          attributes: (a) => FILTER_ATTRS.has(a),
          operators: (a, op) =>
            op === 'eq' ||
            ((a === 'lastUpdated' || a === 'lastMembershipUpdated') && ['gt', 'ge', 'lt', 'le'].includes(op)),
        },
        groupAccessor,
      );
    }
    const limit = parseLimit(req, def, 10000);
    const cursor = decodeCursor(req.query.get('after'));
    const keep = (g: SimGroup) => visible(g) && predicate(g);
    const sortBy = req.query.get('sortBy');
    let result;
    if (sortBy && search !== null) {
      const acc = groupAccessor(sortBy);
      if (!acc) throw Errors.invalidSearch();
      const all = [...ctx.org.groups.values()].filter(keep);
      result = pageSorted(
        all,
        (g) => {
          const v = acc(g);
          return typeof v === 'string' || typeof v === 'number' ? v : null;
        },
        sortOrderDescending(req),
        cursor,
        limit,
      );
    } else {
      result = pageBySeq(ctx.org.groups.iterateAfter(cursor?.s ?? 0), limit, keep);
    }
    return json(
      200,
      result.page.map((g) => serializeGroup(g, b, stats(g))),
      { Link: linkHeaders(req, result.next) },
    );
  });

  router.post('/api/v1/groups', (req) => {
    const p = authz.authenticate(req);
    authz.requireScope(req, p, 'okta.groups.manage', MANAGE);
    authz.requirePermission(p, 'groups.manage');
    if (p.perms.get('groups.manage') !== 'all') throw Errors.forbidden();
    const body = readJson(req);
    const profile = (body.profile ?? {}) as Record<string, unknown>;
    const g = ctx.org.createGroup(profile, p.actorCtx);
    return json(200, serializeGroup(g, req.origin));
  });

  router.get('/api/v1/groups/:id', (req) => {
    const p = authz.authenticate(req);
    const g = load(req, p, false);
    authz.requireOnGroup(p, 'groups.read', g);
    return json(200, serializeGroup(g, req.origin));
  });

  router.put('/api/v1/groups/:id', (req) => {
    const p = authz.authenticate(req);
    const g = load(req, p, true);
    authz.requireOnGroup(p, 'groups.manage', g);
    const body = readJson(req);
    const updated = ctx.org.updateGroup(g.id, (body.profile ?? {}) as Record<string, unknown>, p.actorCtx);
    return json(200, serializeGroup(updated, req.origin));
  });

  router.delete('/api/v1/groups/:id', (req) => {
    const p = authz.authenticate(req);
    const g = load(req, p, true);
    authz.requireOnGroup(p, 'groups.manage', g);
    ctx.org.deleteGroup(g.id, p.actorCtx);
    return noContent();
  });

  router.get('/api/v1/groups/:id/users', (req) => {
    const p = authz.authenticate(req);
    const g = load(req, p, false);
    authz.requireOnGroup(p, 'groups.read', g);
    const limit = parseLimit(req, 1000, 10000);
    const cursor = decodeCursor(req.query.get('after'));
    // Membership order is user seq order, so the seq cursor stays valid across inserts.
    const members: SimUser[] = [];
    for (const uid of g.members) {
      const u = ctx.org.users.get(uid);
      if (u && u.seq > (cursor?.s ?? 0)) members.push(u);
    }
    members.sort((a, b) => a.seq - b.seq);
    const result = pageBySeq(members, limit, () => true);
    const b = req.origin;
    return json(
      200,
      result.page.map((u) => serializeUser(u, b)),
      { Link: linkHeaders(req, result.next) },
    );
  });

  const membership = (add: boolean) => (req: SimRequest) => {
    const p = authz.authenticate(req);
    const g = load(req, p, true);
    if (!authz.canOnGroup(p, 'groups.members', g) && !authz.canOnGroup(p, 'groups.manage', g))
      throw Errors.forbidden();
    const user = ctx.org.requireUser(req.params.userId as string);
    if (add) ctx.org.addUserToGroup(g.id, user.id, p.actorCtx);
    else ctx.org.removeUserFromGroup(g.id, user.id, p.actorCtx);
    return noContent();
  };
  router.put('/api/v1/groups/:id/users/:userId', membership(true));
  router.delete('/api/v1/groups/:id/users/:userId', membership(false));

  router.get('/api/v1/groups/:id/apps', (req) => {
    const p = authz.authenticate(req);
    const g = load(req, p, false);
    authz.requireOnGroup(p, 'groups.read', g);
    const limit = parseLimit(req, 20, 200);
    const cursor = decodeCursor(req.query.get('after'));
    const result = pageBySeq(ctx.org.apps.iterateAfter(cursor?.s ?? 0), limit, (a) =>
      a.groupAssignments.has(g.id),
    );
    const b = req.origin;
    return json(
      200,
      result.page.map((a) => serializeApp(a, b)),
      { Link: linkHeaders(req, result.next) },
    );
  });
}
