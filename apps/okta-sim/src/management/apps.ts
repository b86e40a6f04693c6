import { Errors } from '../core/errors';
import type { Accessor } from '../core/filter-parser';
import type {
  ClientJwk,
  OAuthApplicationType,
  SignOnMode,
  SimApp,
  TokenEndpointAuthMethod,
} from '../core/model';
import { emptyOk, json, noContent, type SimRequest } from '../server/http';
import type { Router } from '../server/router';
import type { Principal } from './authz';
import { boolParam, compileExpression, readJson, type ApiDeps } from './common';
import { decodeCursor, linkHeaders, pageBySeq, parseLimit } from './paging';
import { serializeApp, serializeAppGroup, serializeAppUser } from './serializers';

const READ = ['okta.apps.read', 'okta.apps.manage'];
const MANAGE = ['okta.apps.manage'];
const SIGN_ON_MODES = new Set<SignOnMode>([
  'OPENID_CONNECT',
  'SAML_2_0',
  'BOOKMARK',
  'AUTO_LOGIN',
  'BROWSER_PLUGIN',
  'SECURE_PASSWORD_STORE',
  'BASIC_AUTH',
  'WS_FEDERATION',
  'SAML_1_1',
]);

/**
 * `filter` on /apps: `id`, `status`, `name`, `signOnMode`, `credentials.signing.kid`, plus the
 * relationship filters `user.id eq "…"` / `group.id eq "…"` (apps assigned to a user / group).
 */
function appAccessorFactory(deps: ApiDeps) {
  return (attr: string): Accessor<SimApp> | undefined => {
    switch (attr) {
      case 'id':
      case 'status':
      case 'name':
      case 'label':
      case 'signOnMode':
      case 'created':
      case 'lastUpdated':
        return (a) => (a as unknown as Record<string, unknown>)[attr];
      case 'credentials.signing.kid':
        return () => null;
      case 'user.id':
        // Multi-valued: the ids of every user assigned (directly or via group) — compare() matches any.
        return (a) => deps.ctx.org.assignedUserIds(a).map((u) => u.id);
      case 'group.id':
        return (a) => [...a.groupAssignments.keys()];
      default:
        return undefined;
    }
  };
}

export function registerAppRoutes(router: Router, deps: ApiDeps): void {
  const { ctx, authz } = deps;
  const appAccessor = appAccessorFactory(deps);

  const load = (req: SimRequest, p: Principal, write: boolean): SimApp => {
    authz.requireScope(req, p, write ? 'okta.apps.manage' : 'okta.apps.read', write ? MANAGE : READ);
    authz.requirePermission(p, write ? 'apps.manage' : 'apps.read');
    return ctx.org.requireApp(req.params.id as string);
  };

  router.get('/api/v1/apps', (req) => {
    const p = authz.authenticate(req);
    authz.requireScope(req, p, 'okta.apps.read', READ);
    authz.requirePermission(p, 'apps.read');
    const q = req.query.get('q');
    const filter = req.query.get('filter');
    let predicate: (a: SimApp) => boolean = () => true;
    if (filter !== null) {
      // Cheap fast path for the relationship filters (they would otherwise expand every assignment).
      const rel = /^\s*(user|group)\.id\s+eq\s+"([^"]+)"\s*$/i.exec(filter);
      if (rel) {
        const id = rel[2] as string;
        predicate =
          rel[1]?.toLowerCase() === 'user'
            ? (a) => ctx.org.isAssigned(a, id)
            : (a) => a.groupAssignments.has(id);
      } else {
        predicate = compileExpression<SimApp>(
          filter,
          { attributes: (a) => !!appAccessor(a), operators: (_a, op) => op === 'eq' || op === 'sw' },
          appAccessor,
        );
      }
    }
    const needle = q?.toLowerCase();
    const includeInactive = boolParam(req, 'includeNonDeleted', true);
    const keep = (a: SimApp) =>
      predicate(a) &&
      (includeInactive || a.status === 'ACTIVE') &&
      (!needle || a.name.toLowerCase().startsWith(needle) || a.label.toLowerCase().startsWith(needle));
    const limit = parseLimit(req, 200, 200);
    const cursor = decodeCursor(req.query.get('after'));
    const result = pageBySeq(ctx.org.apps.iterateAfter(cursor?.s ?? 0), limit, keep);
    const b = req.origin;
    return json(
      200,
      result.page.map((a) => serializeApp(a, b)),
      { Link: linkHeaders(req, result.next) },
    );
  });

  router.post('/api/v1/apps', (req) => {
    const p = authz.authenticate(req);
    authz.requireScope(req, p, 'okta.apps.manage', MANAGE);
    authz.requirePermission(p, 'apps.manage');
    const body = readJson(req);
    const activate = boolParam(req, 'activate', true);
    const label = body.label;
    const signOnMode = body.signOnMode as SignOnMode;
    const causes: string[] = [];
    if (typeof label !== 'string' || !label.trim()) causes.push('label: The field cannot be left blank');
    if (!SIGN_ON_MODES.has(signOnMode)) causes.push('signOnMode: The field cannot be left blank');
    if (causes.length) throw Errors.validation(causes);
    let app: SimApp;
    if (signOnMode === 'OPENID_CONNECT') {
      const settings =
        (body.settings as { oauthClient?: Record<string, unknown> } | undefined)?.oauthClient ?? {};
      const creds =
        (body.credentials as { oauthClient?: Record<string, unknown> } | undefined)?.oauthClient ?? {};
      const strList = (v: unknown) =>
        Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : undefined;
      const jwks = (settings.jwks as { keys?: ClientJwk[] } | undefined)?.keys;
      app = ctx.org.createOidcApp(
        {
          label: label as string,
          applicationType: (settings.application_type as OAuthApplicationType | undefined) ?? 'web',
          tokenEndpointAuthMethod: creds.token_endpoint_auth_method as TokenEndpointAuthMethod | undefined,
          redirectUris: strList(settings.redirect_uris),
          postLogoutRedirectUris: strList(settings.post_logout_redirect_uris),
          grantTypes: strList(settings.grant_types),
          pkceRequired: typeof creds.pkce_required === 'boolean' ? creds.pkce_required : undefined,
          jwks: Array.isArray(jwks) ? jwks : undefined,
          clientId: typeof creds.client_id === 'string' ? creds.client_id : undefined,
          status: activate ? 'ACTIVE' : 'INACTIVE',
        },
        p.actorCtx,
      );
    } else {
      app = ctx.org.createApp(
        {
          name: typeof body.name === 'string' ? body.name : 'bookmark',
          label: label as string,
          signOnMode,
          settings: body.settings as Record<string, unknown> | undefined,
          activate,
        },
        p.actorCtx,
      );
    }
    return json(200, serializeApp(app, req.origin, { includeSecret: true }));
  });

  router.get('/api/v1/apps/:id', (req) => {
    const p = authz.authenticate(req);
    return json(200, serializeApp(load(req, p, false), req.origin));
  });

  router.put('/api/v1/apps/:id', (req) => {
    const p = authz.authenticate(req);
    const app = load(req, p, true);
    const body = readJson(req);
    const oauthSettings = (body.settings as { oauthClient?: Record<string, unknown> } | undefined)
      ?.oauthClient;
    const strList = (v: unknown) =>
      Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : undefined;
    // settings.oauthClient is modelled separately (redirect URIs, grant types); keep the rest verbatim.
    const otherSettings: Record<string, unknown> = { ...((body.settings ?? {}) as Record<string, unknown>) };
    delete otherSettings.oauthClient;
    const updated = ctx.org.updateApp(
      app.id,
      {
        label: body.label as string | undefined,
        settings: body.settings ? otherSettings : undefined,
        redirectUris: strList(oauthSettings?.redirect_uris),
        postLogoutRedirectUris: strList(oauthSettings?.post_logout_redirect_uris),
        grantTypes: strList(oauthSettings?.grant_types),
      },
      p.actorCtx,
    );
    return json(200, serializeApp(updated, req.origin));
  });

  router.delete('/api/v1/apps/:id', (req) => {
    const p = authz.authenticate(req);
    const app = load(req, p, true);
    ctx.org.deleteApp(app.id, p.actorCtx);
    return noContent();
  });

  router.post('/api/v1/apps/:id/lifecycle/:action', (req) => {
    const p = authz.authenticate(req);
    const app = load(req, p, true);
    const action = req.params.action;
    if (action !== 'activate' && action !== 'deactivate') throw Errors.pathNotFound();
    ctx.org.setAppStatus(app.id, action === 'activate' ? 'ACTIVE' : 'INACTIVE', p.actorCtx);
    return emptyOk();
  });

  // ---- user assignments ----------------------------------------------------------------------
  router.get('/api/v1/apps/:id/users', (req) => {
    const p = authz.authenticate(req);
    const app = load(req, p, false);
    const limit = parseLimit(req, 50, 500);
    const cursor = decodeCursor(req.query.get('after'));
    const needle = req.query.get('q')?.toLowerCase();
    const users = ctx.org.assignedUserIds(app).filter((u) => u.seq > (cursor?.s ?? 0));
    const result = pageBySeq(
      users,
      limit,
      (u) =>
        !needle ||
        u.profile.login.toLowerCase().startsWith(needle) ||
        u.profile.firstName.toLowerCase().startsWith(needle) ||
        u.profile.lastName.toLowerCase().startsWith(needle) ||
        u.profile.email.toLowerCase().startsWith(needle),
    );
    const b = req.origin;
    return json(
      200,
      result.page.map((u) =>
        serializeAppUser(
          app,
          u,
          b,
          app.userAssignments.has(u.id) ? 'USER' : 'GROUP',
          app.userAssignments.get(u.id),
        ),
      ),
      { Link: linkHeaders(req, result.next) },
    );
  });

  router.post('/api/v1/apps/:id/users', (req) => {
    const p = authz.authenticate(req);
    const app = load(req, p, true);
    const body = readJson(req);
    if (typeof body.id !== 'string') throw Errors.validation(['id: The field cannot be left blank']);
    const creds = body.credentials as { userName?: unknown } | undefined;
    const a = ctx.org.assignUserToApp(
      app.id,
      body.id,
      {
        profile: body.profile as Record<string, unknown> | undefined,
        userName: typeof creds?.userName === 'string' ? creds.userName : undefined,
        failIfAssigned: true,
      },
      p.actorCtx,
    );
    const user = ctx.org.requireUser(a.userId);
    return json(200, serializeAppUser(app, user, req.origin, 'USER', a));
  });

  router.get('/api/v1/apps/:id/users/:userId', (req) => {
    const p = authz.authenticate(req);
    const app = load(req, p, false);
    const user = ctx.org.requireUser(req.params.userId as string);
    const scope = ctx.org.assignmentScope(app, user.id);
    if (!scope) throw Errors.notFound(user.id, 'AppUser');
    return json(200, serializeAppUser(app, user, req.origin, scope, app.userAssignments.get(user.id)));
  });

  router.post('/api/v1/apps/:id/users/:userId', (req) => {
    const p = authz.authenticate(req);
    const app = load(req, p, true);
    const body = readJson(req);
    const creds = body.credentials as { userName?: unknown } | undefined;
    const a = ctx.org.updateAppUser(
      app.id,
      req.params.userId as string,
      {
        profile: body.profile as Record<string, unknown> | undefined,
        userName: typeof creds?.userName === 'string' ? creds.userName : undefined,
      },
      p.actorCtx,
    );
    return json(200, serializeAppUser(app, ctx.org.requireUser(a.userId), req.origin, 'USER', a));
  });

  router.delete('/api/v1/apps/:id/users/:userId', (req) => {
    const p = authz.authenticate(req);
    const app = load(req, p, true);
    ctx.org.unassignUserFromApp(app.id, req.params.userId as string, p.actorCtx);
    return noContent();
  });

  // ---- group assignments ---------------------------------------------------------------------
  router.get('/api/v1/apps/:id/groups', (req) => {
    const p = authz.authenticate(req);
    const app = load(req, p, false);
    const limit = parseLimit(req, 20, 200, 20);
    const cursor = decodeCursor(req.query.get('after'));
    const groups = [...app.groupAssignments.values()]
      .map((a) => ({ a, g: ctx.org.groups.get(a.groupId) }))
      .filter((x): x is { a: typeof x.a; g: NonNullable<typeof x.g> } => !!x.g && x.g.seq > (cursor?.s ?? 0))
      .sort((x, y) => x.g.seq - y.g.seq);
    const needle = req.query.get('q')?.toLowerCase();
    const result = pageBySeq(
      groups.map((x) => ({ ...x, seq: x.g.seq })),
      limit,
      (x) => !needle || x.g.profile.name.toLowerCase().startsWith(needle),
    );
    const b = req.origin;
    return json(
      200,
      result.page.map((x) => serializeAppGroup(app, x.a, b)),
      { Link: linkHeaders(req, result.next) },
    );
  });

  router.get('/api/v1/apps/:id/groups/:groupId', (req) => {
    const p = authz.authenticate(req);
    const app = load(req, p, false);
    const a = app.groupAssignments.get(req.params.groupId as string);
    if (!a) throw Errors.notFound(req.params.groupId as string, 'ApplicationGroupAssignment');
    return json(200, serializeAppGroup(app, a, req.origin));
  });

  router.put('/api/v1/apps/:id/groups/:groupId', (req) => {
    const p = authz.authenticate(req);
    const app = load(req, p, true);
    const body = readJson(req);
    const a = ctx.org.assignGroupToApp(
      app.id,
      req.params.groupId as string,
      {
        priority: typeof body.priority === 'number' ? body.priority : undefined,
        profile: body.profile as Record<string, unknown> | undefined,
      },
      p.actorCtx,
    );
    return json(200, serializeAppGroup(app, a, req.origin));
  });

  router.delete('/api/v1/apps/:id/groups/:groupId', (req) => {
    const p = authz.authenticate(req);
    const app = load(req, p, true);
    ctx.org.unassignGroupFromApp(app.id, req.params.groupId as string, p.actorCtx);
    return noContent();
  });

  // ---- Okta API scope grants -----------------------------------------------------------------
  const serializeGrant = (
    app: SimApp,
    g: SimApp['grants'] extends Map<string, infer V> ? V : never,
    b: string,
  ) => ({
    id: g.id,
    status: 'ACTIVE',
    created: g.created,
    createdBy: g.createdBy,
    lastUpdated: g.created,
    issuer: g.issuer || ctx.org.issuer,
    scopeId: g.scopeId,
    source: 'ADMIN',
    clientId: app.oauth?.clientId ?? app.id,
    _links: {
      app: { href: `${b}/api/v1/apps/${app.id}` },
      self: { href: `${b}/api/v1/apps/${app.id}/grants/${g.id}` },
    },
  });

  router.get('/api/v1/apps/:id/grants', (req) => {
    const p = authz.authenticate(req);
    authz.requireScope(req, p, 'okta.appGrants.read', ['okta.appGrants.read', 'okta.appGrants.manage']);
    authz.requirePermission(p, 'apps.read');
    const app = ctx.org.requireApp(req.params.id as string);
    return json(
      200,
      [...app.grants.values()].map((g) => serializeGrant(app, g, req.origin)),
    );
  });

  router.post('/api/v1/apps/:id/grants', (req) => {
    const p = authz.authenticate(req);
    authz.requireScope(req, p, 'okta.appGrants.manage', ['okta.appGrants.manage']);
    // Only a Super Admin can grant Okta API scopes to an app.
    authz.requirePermission(p, 'appGrants.manage');
    const app = ctx.org.requireApp(req.params.id as string);
    const body = readJson(req);
    if (typeof body.scopeId !== 'string')
      throw Errors.validation(['scopeId: The field cannot be left blank']);
    const g = ctx.org.grantScope(app.id, body.scopeId, p.actorCtx);
    return json(201, serializeGrant(app, g, req.origin));
  });

  router.delete('/api/v1/apps/:id/grants/:grantId', (req) => {
    const p = authz.authenticate(req);
    authz.requireScope(req, p, 'okta.appGrants.manage', ['okta.appGrants.manage']);
    authz.requirePermission(p, 'appGrants.manage');
    ctx.org.revokeGrant(
      ctx.org.requireApp(req.params.id as string).id,
      req.params.grantId as string,
      p.actorCtx,
    );
    return noContent();
  });
}
