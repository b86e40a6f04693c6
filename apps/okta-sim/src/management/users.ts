import { Errors } from '../core/errors';
import { pathAccessor, type Accessor } from '../core/filter-parser';
import type { AdminRoleType, SimUser } from '../core/model';
import { emptyOk, json, noContent, type SimRequest, type SimResponse } from '../server/http';
import type { Router } from '../server/router';
import type { Principal } from './authz';
import { boolParam, compileExpression, readJson, sortOrderDescending, type ApiDeps } from './common';
import { decodeCursor, linkHeaders, pageBySeq, pageSorted, parseLimit } from './paging';
import {
  serializeAppLink,
  serializeFactor,
  serializeGroup,
  serializeRole,
  serializeUser,
} from './serializers';

const READ = ['okta.users.read', 'okta.users.manage'];
const MANAGE = ['okta.users.manage'];
const READ_SELF = [...READ, 'okta.users.read.self', 'okta.users.manage.self'];
const MANAGE_SELF = [...MANAGE, 'okta.users.manage.self'];

const TOP_LEVEL = new Set([
  'id',
  'status',
  'created',
  'activated',
  'statusChanged',
  'lastLogin',
  'lastUpdated',
  'passwordChanged',
]);
/** `filter` on /users supports only these attributes (eq; lastUpdated also gt/ge/lt/le). */
const FILTER_ATTRS = new Set([
  'status',
  'lastUpdated',
  'id',
  'profile.login',
  'profile.email',
  'profile.firstName',
  'profile.lastName',
]);
const CO_ATTRS = new Set(['profile.firstName', 'profile.lastName', 'profile.email', 'profile.login']);

export function userAccessor(attr: string): Accessor<SimUser> | undefined {
  if (TOP_LEVEL.has(attr)) return pathAccessor<SimUser>(attr);
  if (attr === 'type.id') return (u) => u.typeId;
  if (attr.startsWith('profile.') && attr.length > 8) {
    const key = attr.slice(8);
    return (u) => u.profile[key];
  }
  return undefined;
}

function isSearchAttr(attr: string): boolean {
  return TOP_LEVEL.has(attr) || attr === 'type.id' || (attr.startsWith('profile.') && attr.length > 8);
}

export function registerUserRoutes(router: Router, deps: ApiDeps): void {
  const { ctx, authz } = deps;
  const base = (req: SimRequest) => req.origin;

  /** Resolves `{id}` (id, login or `me`) and checks scope + permission for the action. */
  const target = (req: SimRequest, p: Principal, mode: 'read' | 'manage' | 'lifecycle'): SimUser => {
    const idOrLogin = req.params.id as string;
    const isMe = idOrLogin === 'me';
    let user: SimUser | undefined;
    if (isMe) {
      user = p.user ?? undefined;
      if (!user) {
        authz.requireScope(
          req,
          p,
          mode === 'read' ? 'okta.users.read' : 'okta.users.manage',
          mode === 'read' ? READ_SELF : MANAGE_SELF,
        );
        throw Errors.notFound('me', 'User');
      }
    } else {
      user = ctx.org.findUser(idOrLogin);
    }
    const self = !!user && !!p.user && user.id === p.user.id;
    if (mode === 'read') authz.requireScope(req, p, 'okta.users.read', self ? READ_SELF : READ);
    else if (mode === 'manage' && self) authz.requireScope(req, p, 'okta.users.manage', MANAGE_SELF);
    else authz.requireScope(req, p, 'okta.users.manage', MANAGE);
    if (!user) throw Errors.notFound(idOrLogin, 'User');
    if (self && mode !== 'lifecycle') return user;
    if (mode === 'read') authz.requireOnUser(p, 'users.read', user);
    else if (mode === 'manage') authz.requireOnUser(p, 'users.manage', user);
    else if (!authz.canOnUser(p, 'users.manage', user) && !authz.canOnUser(p, 'users.lifecycle', user))
      throw Errors.forbidden();
    return user;
  };

  // ---- list / search -------------------------------------------------------------------------
  router.get('/api/v1/users', (req) => {
    const p = authz.authenticate(req);
    authz.requireScope(req, p, 'okta.users.read', READ);
    authz.requirePermission(p, 'users.read');
    const visible = authz.userVisibility(p);
    const q = req.query.get('q');
    const filter = req.query.get('filter');
    const search = req.query.get('search');
    if (search !== null && (filter !== null || q !== null)) throw Errors.searchAndFilter();
    if (filter !== null && q !== null) throw Errors.searchAndFilter();
    const b = base(req);

    if (q !== null) {
      // `q`: startsWith on firstName/lastName/email, no pagination, omits DEPROVISIONED.
      const limit = parseLimit(req, 10, 200);
      const needle = q.toLowerCase();
      const out: SimUser[] = [];
      for (const u of ctx.org.users.values()) {
        if (u.status === 'DEPROVISIONED' || (visible && !visible(u))) continue;
        const p2 = u.profile;
        if (
          p2.firstName.toLowerCase().startsWith(needle) ||
          p2.lastName.toLowerCase().startsWith(needle) ||
          p2.email.toLowerCase().startsWith(needle)
        ) {
          out.push(u);
          if (out.length >= limit) break;
        }
      }
      return json(
        200,
        out.map((u) => serializeUser(u, b)),
        { Link: linkHeaders(req, null) },
      );
    }

    const limit = parseLimit(req, 200, 200);
    const cursor = decodeCursor(req.query.get('after'));
    let predicate: (u: SimUser) => boolean = (u) => u.status !== 'DEPROVISIONED';
    if (search !== null) {
      predicate = compileExpression<SimUser>(
        search,
        {
          attributes: isSearchAttr,
          operators: (attr, op) => op !== 'ne' && (op !== 'co' || CO_ATTRS.has(attr)) && op !== 'ew',
        },
        userAccessor,
      );
    } else if (filter !== null) {
      predicate = compileExpression<SimUser>(
        filter,
        {
          attributes: (a) => FILTER_ATTRS.has(a),
          operators: (attr, op) =>
            op === 'eq' ||
            (attr === 'lastUpdated' && (op === 'gt' || op === 'ge' || op === 'lt' || op === 'le')),
          allowNot: false,
        },
        userAccessor,
      );
    }
    const keep = visible ? (u: SimUser) => visible(u) && predicate(u) : predicate;
    const sortBy = search !== null ? req.query.get('sortBy') : null;
    let result: { page: SimUser[]; next: string | null };
    if (sortBy) {
      const acc = userAccessor(sortBy);
      if (!acc) throw Errors.invalidSearch();
      const all: SimUser[] = [];
      for (const u of ctx.org.users.values()) if (keep(u)) all.push(u);
      result = pageSorted(
        all,
        (u) => {
          const v = acc(u);
          return typeof v === 'string' || typeof v === 'number' ? v : null;
        },
        sortOrderDescending(req),
        cursor,
        limit,
      );
    } else {
      result = pageBySeq(ctx.org.users.iterateAfter(cursor?.s ?? 0), limit, keep);
    }
    return json(
      200,
      result.page.map((u) => serializeUser(u, b)),
      { Link: linkHeaders(req, result.next) },
    );
  });

  // ---- create --------------------------------------------------------------------------------
  router.post('/api/v1/users', (req) => {
    const p = authz.authenticate(req);
    authz.requireScope(req, p, 'okta.users.manage', MANAGE);
    authz.requirePermission(p, 'users.manage');
    const body = readJson(req);
    const profile = body.profile;
    if (!profile || typeof profile !== 'object' || Array.isArray(profile))
      throw Errors.validation(['profile: The field cannot be left blank']);
    const creds = body.credentials as { password?: { value?: unknown } } | undefined;
    const password = typeof creds?.password?.value === 'string' ? creds.password.value : null;
    const groupIds = Array.isArray(body.groupIds)
      ? body.groupIds.filter((g): g is string => typeof g === 'string')
      : [];
    const grant = p.perms.get('users.manage');
    if (grant !== 'all' && !groupIds.some((g) => grant?.has(g))) throw Errors.forbidden();
    const user = ctx.org.createUser(
      { profile: profile as Record<string, unknown>, password, groupIds },
      { activate: boolParam(req, 'activate', true) },
      p.actorCtx,
    );
    return json(200, serializeUser(user, base(req), true));
  });

  // ---- single user ---------------------------------------------------------------------------
  router.get('/api/v1/users/:id', (req) => {
    const p = authz.authenticate(req);
    return json(200, serializeUser(target(req, p, 'read'), base(req), true));
  });

  const update =
    (replace: boolean) =>
    (req: SimRequest): SimResponse => {
      const p = authz.authenticate(req);
      const user = target(req, p, 'manage');
      const body = readJson(req);
      const creds = body.credentials as { password?: { value?: unknown } } | undefined;
      if (replace && (body.profile === undefined || body.profile === null))
        throw Errors.validation(['profile: The field cannot be left blank']);
      const updated = ctx.org.updateUser(
        user.id,
        {
          profile: body.profile as Record<string, unknown> | undefined,
          password: typeof creds?.password?.value === 'string' ? creds.password.value : undefined,
        },
        { replace },
        p.actorCtx,
      );
      return json(200, serializeUser(updated, base(req), true));
    };
  router.post('/api/v1/users/:id', update(false));
  router.put('/api/v1/users/:id', update(true));

  router.delete('/api/v1/users/:id', (req) => {
    const p = authz.authenticate(req);
    const user = target(req, p, 'manage');
    if (p.user && user.id === p.user.id) throw Errors.forbidden();
    ctx.org.deleteUser(user.id, p.actorCtx);
    return noContent();
  });

  // ---- lifecycle -----------------------------------------------------------------------------
  router.post('/api/v1/users/:id/lifecycle/:action', (req) => {
    const p = authz.authenticate(req);
    const action = req.params.action as string;
    const helpDesk = ['unlock', 'reset_password', 'expire_password', 'reset_factors'].includes(action);
    const known = [
      'activate',
      'reactivate',
      'deactivate',
      'suspend',
      'unsuspend',
      'unlock',
      'reset_password',
      'expire_password',
      'reset_factors',
    ];
    if (!known.includes(action)) {
      authz.requireScope(req, p, 'okta.users.manage', MANAGE);
      throw Errors.pathNotFound();
    }
    const user = target(req, p, helpDesk ? 'lifecycle' : 'manage');
    if (p.user && user.id === p.user.id && (action === 'deactivate' || action === 'suspend'))
      throw Errors.forbidden();
    const sendEmail = boolParam(req, 'sendEmail', action === 'activate' || action === 'reset_password');
    const o = ctx.org;
    const b = base(req);
    switch (action) {
      case 'activate':
        return json(200, o.activateUser(user.id, { sendEmail }, p.actorCtx));
      case 'reactivate':
        return json(
          200,
          o.reactivateUser(user.id, { sendEmail: boolParam(req, 'sendEmail', false) }, p.actorCtx),
        );
      case 'deactivate':
        o.deactivateUser(user.id, p.actorCtx);
        return emptyOk();
      case 'suspend':
        o.suspendUser(user.id, p.actorCtx);
        return emptyOk();
      case 'unsuspend':
        o.unsuspendUser(user.id, p.actorCtx);
        return emptyOk();
      case 'unlock':
        o.unlockUser(user.id, p.actorCtx);
        return emptyOk();
      case 'reset_password':
        return json(
          200,
          o.resetPassword(
            user.id,
            { sendEmail, revokeSessions: boolParam(req, 'revokeSessions', false) },
            p.actorCtx,
          ),
        );
      case 'expire_password':
        return json(200, serializeUser(o.expirePassword(user.id, p.actorCtx), b, true));
      default:
        o.resetFactors(user.id, p.actorCtx);
        return emptyOk();
    }
  });

  router.delete('/api/v1/users/:id/sessions', (req) => {
    const p = authz.authenticate(req);
    const user = target(req, p, 'lifecycle');
    ctx.org.clearSessions(user.id, { oauthTokens: boolParam(req, 'oauthTokens', false) }, p.actorCtx);
    return noContent();
  });

  // ---- related collections -------------------------------------------------------------------
  router.get('/api/v1/users/:id/groups', (req) => {
    const p = authz.authenticate(req);
    const user = target(req, p, 'read');
    const b = base(req);
    return json(
      200,
      ctx.org.groupsOf(user.id).map((g) => serializeGroup(g, b)),
    );
  });

  router.get('/api/v1/users/:id/appLinks', (req) => {
    const p = authz.authenticate(req);
    const user = target(req, p, 'read');
    const b = base(req);
    const apps = ctx.org.appsOfUser(user.id).filter((a) => a.status === 'ACTIVE');
    return json(
      200,
      apps.map((a, i) => serializeAppLink(a, i, b)),
    );
  });

  router.get('/api/v1/users/:id/factors', (req) => {
    const p = authz.authenticate(req);
    const user = target(req, p, 'read');
    const b = base(req);
    return json(
      200,
      user.factors.map((f) => serializeFactor(user, f, b)),
    );
  });

  router.get('/api/v1/users/:id/factors/:factorId', (req) => {
    const p = authz.authenticate(req);
    const user = target(req, p, 'read');
    const f = user.factors.find((x) => x.id === req.params.factorId);
    if (!f) throw Errors.notFound(req.params.factorId as string, 'UserFactor');
    return json(200, serializeFactor(user, f, base(req)));
  });

  router.delete('/api/v1/users/:id/factors/:factorId', (req) => {
    const p = authz.authenticate(req);
    const user = target(req, p, 'lifecycle');
    ctx.org.deleteFactor(user.id, req.params.factorId as string, p.actorCtx);
    return noContent();
  });

  // ---- admin roles ---------------------------------------------------------------------------
  router.get('/api/v1/users/:id/roles', (req) => {
    const p = authz.authenticate(req);
    authz.requireScope(req, p, 'okta.roles.read', ['okta.roles.read', 'okta.roles.manage']);
    const user = ctx.org.findUser(req.params.id === 'me' && p.user ? p.user.id : (req.params.id as string));
    if (!user) throw Errors.notFound(req.params.id as string, 'User');
    if (!(p.user && p.user.id === user.id)) authz.requirePermission(p, 'roles.read');
    const href = `${base(req)}/api/v1/users/${user.id}`;
    return json(
      200,
      user.roles.map((r) => serializeRole(r, href)),
    );
  });

  router.post('/api/v1/users/:id/roles', (req) => {
    const p = authz.authenticate(req);
    authz.requireScope(req, p, 'okta.roles.manage', ['okta.roles.manage']);
    authz.requirePermission(p, 'roles.manage');
    const user = ctx.org.requireUser(req.params.id as string);
    const body = readJson(req);
    const type = body.type;
    if (typeof type !== 'string') throw Errors.validation(['type: The field cannot be left blank']);
    const role = ctx.org.assignRole(
      { kind: 'user', id: user.id },
      type as AdminRoleType,
      undefined,
      p.actorCtx,
    );
    return json(201, serializeRole(role, `${base(req)}/api/v1/users/${user.id}`));
  });

  router.delete('/api/v1/users/:id/roles/:roleId', (req) => {
    const p = authz.authenticate(req);
    authz.requireScope(req, p, 'okta.roles.manage', ['okta.roles.manage']);
    authz.requirePermission(p, 'roles.manage');
    ctx.org.unassignRole(
      ctx.org.requireUser(req.params.id as string).id,
      req.params.roleId as string,
      p.actorCtx,
    );
    return noContent();
  });
}
