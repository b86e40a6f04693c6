import { BareHttpError, Errors } from '../core/errors';
import type { ActorContext, AdminRoleType, RoleAssignment, SimApp, SimGroup, SimUser } from '../core/model';
import { appActor, requestActorContext, userActor } from '../server/actors';
import type { AccessTokenRecord } from '../oauth/tokens';
import type { SimContext } from '../server/context';
import type { SimRequest } from '../server/http';

/**
 * Management API authorization, in Okta's order:
 *  1. credentials: `SSWS <api token>` (acts as the admin who created it, no scopes) or
 *     `Bearer <org AS access token>`; bad/expired/revoked → 401 E0000011; none → 403 E0000005;
 *  2. scope: the token must carry one of the endpoint's scopes, else 403 with an empty body and a
 *     `WWW-Authenticate: Bearer ... error="insufficient_scope"` header;
 *  3. admin role: the user (or service app) behind the token needs a role that permits the action,
 *     else 403 E0000006. Tokens get every granted scope regardless of role ("silent downscoping"
 *     does not exist on the org AS), so step 3 is where a read-only admin's write fails.
 */

export type Permission =
  | 'users.read'
  | 'users.manage'
  /** Help-desk actions: unlock, reset password/factors, expire password. */
  | 'users.lifecycle'
  | 'groups.read'
  | 'groups.manage'
  | 'groups.members'
  | 'apps.read'
  | 'apps.manage'
  | 'logs.read'
  | 'roles.read'
  | 'roles.manage'
  | 'appGrants.manage';

const ALL: Permission[] = [
  'users.read',
  'users.manage',
  'users.lifecycle',
  'groups.read',
  'groups.manage',
  'groups.members',
  'apps.read',
  'apps.manage',
  'logs.read',
  'roles.read',
  'roles.manage',
  'appGrants.manage',
];

/** What each role may do; `scoped` permissions are limited to the role's target groups when it has any. */
const ROLE_PERMISSIONS: Record<AdminRoleType, { all: Permission[]; scoped: Permission[] }> = {
  SUPER_ADMIN: { all: ALL, scoped: [] },
  ORG_ADMIN: { all: ALL.filter((p) => p !== 'roles.manage' && p !== 'appGrants.manage'), scoped: [] },
  APP_ADMIN: { all: ['apps.read', 'apps.manage', 'users.read', 'groups.read'], scoped: [] },
  READ_ONLY_ADMIN: { all: ['users.read', 'groups.read', 'apps.read', 'logs.read', 'roles.read'], scoped: [] },
  REPORT_ADMIN: { all: ['logs.read'], scoped: [] },
  USER_ADMIN: {
    all: [],
    scoped: ['users.read', 'users.manage', 'users.lifecycle', 'groups.read', 'groups.members'],
  },
  GROUP_ADMIN: {
    all: [],
    scoped: ['users.read', 'users.manage', 'users.lifecycle', 'groups.read', 'groups.members'],
  },
  GROUP_MEMBERSHIP_ADMIN: { all: [], scoped: ['users.read', 'groups.read', 'groups.members'] },
  HELP_DESK_ADMIN: { all: [], scoped: ['users.read', 'users.lifecycle', 'groups.read'] },
  API_ACCESS_MANAGEMENT_ADMIN: { all: ['apps.read'], scoped: [] },
  MOBILE_ADMIN: { all: [], scoped: [] },
};

/** 'all', or the set of group ids the permission is limited to. */
type Grant = 'all' | Set<string>;

export class PermissionSet {
  private readonly grants = new Map<Permission, Grant>();

  static fromRoles(roles: RoleAssignment[]): PermissionSet {
    const ps = new PermissionSet();
    for (const role of roles) {
      const def = ROLE_PERMISSIONS[role.type];
      if (!def) continue;
      for (const p of def.all) ps.grants.set(p, 'all');
      for (const p of def.scoped) {
        if (!role.groupTargets || role.groupTargets.length === 0) {
          ps.grants.set(p, 'all');
          continue;
        }
        const cur = ps.grants.get(p);
        if (cur === 'all') continue;
        const set = cur ?? new Set<string>();
        for (const g of role.groupTargets) set.add(g);
        ps.grants.set(p, set);
      }
    }
    return ps;
  }

  get(p: Permission): Grant | undefined {
    return this.grants.get(p);
  }

  has(p: Permission): boolean {
    return this.grants.has(p);
  }

  isAdmin(): boolean {
    return this.grants.size > 0;
  }
}

export interface Principal {
  kind: 'user' | 'app';
  user: SimUser | null;
  /** The OAuth client that obtained the token (null for SSWS). */
  client: SimApp | null;
  /** Granted scopes; null for SSWS API tokens (no scope model). */
  scopes: Set<string> | null;
  token: AccessTokenRecord | null;
  perms: PermissionSet;
  actorCtx: ActorContext;
}

function insufficientScope(req: SimRequest, issuer: string, scope: string): BareHttpError {
  // Okta answers 403 with an empty body; the scope needed is only in the header.
  const header =
    `Bearer authorization_uri="${issuer}/oauth2/v1/authorize", realm="${issuer}", scope="${scope}", ` +
    `error="insufficient_scope", error_description="The access token provided does not contain the required scopes.", ` +
    `resource="${req.path}"`;
  return new BareHttpError(403, { 'WWW-Authenticate': header });
}

function invalidToken(req: SimRequest, issuer: string) {
  return Errors.invalidToken({
    'WWW-Authenticate':
      `Bearer authorization_uri="${issuer}/oauth2/v1/authorize", realm="${issuer}", ` +
      `error="invalid_token", error_description="The access token is invalid.", resource="${req.path}"`,
  });
}

export class Authorizer {
  constructor(private readonly ctx: SimContext) {}

  /** Resolves the caller; throws the Okta error for missing or invalid credentials. */
  authenticate(req: SimRequest): Principal {
    const { org, tokens } = this.ctx;
    const header = req.headers.authorization;
    if (typeof header !== 'string' || !header.trim()) throw Errors.invalidSession();
    const sp = header.indexOf(' ');
    const scheme = (sp < 0 ? header : header.slice(0, sp)).toLowerCase();
    const value = sp < 0 ? '' : header.slice(sp + 1).trim();
    if (scheme === 'ssws') {
      const rec = org.apiTokens.get(value);
      const user = rec ? org.users.get(rec.userId) : undefined;
      // Okta deactivates API tokens of admins who are no longer active.
      if (!rec || !user || user.status === 'DEPROVISIONED' || user.status === 'SUSPENDED')
        throw Errors.invalidToken();
      return {
        kind: 'user',
        user,
        client: null,
        scopes: null,
        token: null,
        perms: PermissionSet.fromRoles(user.roles),
        actorCtx: requestActorContext(req, userActor(user)),
      };
    }
    if (scheme === 'bearer' || scheme === 'dpop') {
      const check = tokens.checkAccessToken(value);
      if (!check.ok) throw invalidToken(req, org.issuer);
      const rec = check.record;
      const client = org.apps.get(rec.appId) ?? null;
      if (!client || client.status !== 'ACTIVE') throw invalidToken(req, org.issuer);
      if (rec.userId) {
        const user = org.users.get(rec.userId);
        if (!user || user.status !== 'ACTIVE') throw invalidToken(req, org.issuer);
        return {
          kind: 'user',
          user,
          client,
          scopes: new Set(rec.scopes),
          token: rec,
          perms: PermissionSet.fromRoles(user.roles),
          actorCtx: requestActorContext(req, userActor(user), rec.clientId),
        };
      }
      return {
        kind: 'app',
        user: null,
        client,
        scopes: new Set(rec.scopes),
        token: rec,
        perms: PermissionSet.fromRoles(client.roles),
        actorCtx: requestActorContext(req, appActor(client), rec.clientId),
      };
    }
    throw Errors.invalidToken();
  }

  /** Step 2: any of `accepted` scopes; the header names `primary` (what Okta reports). */
  requireScope(req: SimRequest, p: Principal, primary: string, accepted: string[]): void {
    if (p.scopes === null) return;
    for (const s of accepted) if (p.scopes.has(s)) return;
    throw insufficientScope(req, this.ctx.org.issuer, primary);
  }

  /** Step 3 for collection endpoints: must hold the permission at all. */
  requirePermission(p: Principal, perm: Permission): void {
    if (!p.perms.has(perm)) throw Errors.forbidden();
  }

  private inTargets(grant: Grant | undefined, groupIds: Iterable<string>): boolean {
    if (!grant) return false;
    if (grant === 'all') return true;
    for (const g of groupIds) if (grant.has(g)) return true;
    return false;
  }

  canOnUser(p: Principal, perm: Permission, user: SimUser): boolean {
    const grant = p.perms.get(perm);
    if (grant === 'all') return true;
    if (!grant) return false;
    // Group-scoped admins cannot act on other administrators (Okta protects admins from group admins).
    if (
      (perm === 'users.manage' || perm === 'users.lifecycle') &&
      user.roles.length > 0 &&
      user.id !== p.user?.id
    )
      return false;
    return this.inTargets(grant, this.ctx.org.groupIdsOf(user.id));
  }

  requireOnUser(p: Principal, perm: Permission, user: SimUser): void {
    if (!this.canOnUser(p, perm, user)) throw Errors.forbidden();
  }

  canOnGroup(p: Principal, perm: Permission, group: SimGroup): boolean {
    const grant = p.perms.get(perm);
    if (grant === 'all') return true;
    if (!grant) return false;
    return grant.has(group.id);
  }

  requireOnGroup(p: Principal, perm: Permission, group: SimGroup): void {
    if (!this.canOnGroup(p, perm, group)) throw Errors.forbidden();
  }

  /** A visibility predicate for user lists ("all the users that the admin has access to"). */
  userVisibility(p: Principal): ((u: SimUser) => boolean) | null {
    const grant = p.perms.get('users.read');
    if (grant === 'all') return null;
    if (!grant) return () => false;
    const visible = new Set<string>();
    for (const gid of grant) {
      const g = this.ctx.org.groups.get(gid);
      if (g) for (const uid of g.members) visible.add(uid);
    }
    return (u) => visible.has(u.id);
  }
}
