import { SimClock } from './clock';
import { Errors, OktaApiError } from './errors';
import { IdFactory, randomToken } from './ids';
import {
  ADMIN_ROLE_LABELS,
  type ActorContext,
  type AdminRoleType,
  type AppGrant,
  type AppGroupAssignment,
  type AppUserAssignment,
  type ClientJwk,
  type LogActor,
  type LogClient,
  type LogTarget,
  type OAuthApplicationType,
  type RoleAssignment,
  type SimApp,
  type SimGroup,
  type SimLogEvent,
  type SimUser,
  type TokenEndpointAuthMethod,
  type UserProfile,
  type UserStatus,
} from './model';
import { Prng } from './prng';
import { OrderedStore } from './store';

export interface ApiTokenRecord {
  id: string;
  name: string;
  token: string;
  userId: string;
  created: string;
}

export interface CreateOidcAppInput {
  label: string;
  /** 'web' (confidential, secret), 'browser' (SPA, public + PKCE), 'native' (public + PKCE) or 'service'. */
  applicationType?: OAuthApplicationType;
  tokenEndpointAuthMethod?: TokenEndpointAuthMethod;
  redirectUris?: string[];
  postLogoutRedirectUris?: string[];
  grantTypes?: string[];
  /** okta.* scopes granted to the app (its "Okta API Scopes" grants). */
  grantedScopes?: string[];
  assignedUserIds?: string[];
  assignedGroupIds?: string[];
  refreshTokenRotation?: boolean;
  refreshTokenLeewaySeconds?: number;
  pkceRequired?: boolean;
  jwks?: ClientJwk[];
  /** Admin roles for a service app (client_credentials principals need roles like users do). */
  roles?: AdminRoleType[];
  clientId?: string;
  clientSecret?: string;
  status?: 'ACTIVE' | 'INACTIVE';
}

export interface OrgListener {
  /** User can no longer hold tokens/sessions (deactivated, suspended, deleted, password reset...). */
  userCredentialsRevoked?(userId: string): void;
  /** Client app deactivated or deleted: its tokens stop working. */
  appDisabled?(appId: string, clientId: string): void;
  /** A Login redirect URI was added at runtime (the simulator keeps these across `reset()`). */
  redirectUriAdded?(clientId: string, uri: string): void;
}

const SYSTEM_ACTOR: LogActor = {
  id: '0oa1system000000000',
  type: 'SystemPrincipal',
  alternateId: 'system@okta.com',
  displayName: 'Okta System',
  detailEntry: null,
};

export function defaultLogClient(ip = '127.0.0.1', userAgent = 'okta-sim'): LogClient {
  return {
    userAgent: { rawUserAgent: userAgent, os: 'Unknown', browser: 'UNKNOWN' },
    zone: 'null',
    device: 'Unknown',
    id: null,
    ipAddress: ip,
    geographicalContext: null,
  };
}

export function systemContext(): ActorContext {
  return { actor: SYSTEM_ACTOR, client: defaultLogClient(), requestId: 'sim-internal' };
}

const LOGIN_RE = /^[^\s@]+@[^\s@]+$/;
const EMAIL_RE = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const REQUIRED_PROFILE = ['login', 'email', 'firstName', 'lastName'] as const;

export function displayName(u: SimUser): string {
  return `${u.profile.firstName} ${u.profile.lastName}`;
}

export function userTarget(u: SimUser): LogTarget {
  return {
    id: u.id,
    type: 'User',
    alternateId: u.profile.login,
    displayName: displayName(u),
    detailEntry: null,
  };
}

export function groupTarget(g: SimGroup): LogTarget {
  return {
    id: g.id,
    type: 'UserGroup',
    alternateId: 'unknown',
    displayName: g.profile.name,
    detailEntry: null,
  };
}

export function appTarget(a: SimApp): LogTarget {
  return { id: a.id, type: 'AppInstance', alternateId: a.label, displayName: a.label, detailEntry: null };
}

/**
 * The org's state and its business rules. Every mutation goes through here so that status rules and
 * System Log events are applied the same way for HTTP calls and for programmatic test setup.
 */
export class SimOrg {
  readonly users = new OrderedStore<SimUser>();
  readonly groups = new OrderedStore<SimGroup>();
  readonly apps = new OrderedStore<SimApp>();
  readonly logs = new OrderedStore<SimLogEvent>();
  readonly apiTokens = new Map<string, ApiTokenRecord>();
  everyoneGroupId = '';
  /** Org URL (== issuer). Set once the server is listening. */
  issuer = '';
  /** Upper bound on retained System Log events (oldest are dropped). */
  maxLogEvents = 200_000;
  /** Password for seeded (non-fixture) users. */
  defaultPassword = 'Okta-Sim-Passw0rd!';
  /** Failed sign-ins before an ACTIVE user becomes LOCKED_OUT. */
  lockoutThreshold = 10;

  private readonly loginIndex = new Map<string, string>();
  /** user id → group ids. Arrays, not Sets: users have a handful of groups and the 'load' org has 50k users. */
  private readonly userGroupIndex = new Map<string, string[]>();
  private readonly clientIndex = new Map<string, string>();
  private readonly listeners: OrgListener[] = [];
  private ids: IdFactory;

  constructor(
    readonly clock: SimClock,
    runtimeSeed: number,
  ) {
    this.ids = new IdFactory(new Prng(runtimeSeed ^ 0x5f3759df));
  }

  /** Clears everything (used by `control.reset()` before re-seeding). */
  clear(runtimeSeed: number): void {
    this.users.clear();
    this.groups.clear();
    this.apps.clear();
    this.logs.clear();
    this.apiTokens.clear();
    this.loginIndex.clear();
    this.userGroupIndex.clear();
    this.clientIndex.clear();
    this.everyoneGroupId = '';
    this.ids = new IdFactory(new Prng(runtimeSeed ^ 0x5f3759df));
  }

  addListener(l: OrgListener): void {
    this.listeners.push(l);
  }

  newId(prefix: Parameters<IdFactory['next']>[0]): string {
    return this.ids.next(prefix);
  }

  private now(): string {
    return this.clock.iso();
  }

  // ---------------------------------------------------------------------------------------------
  // Low-level inserts (used by the seeder; no validation, no log events)

  insertUser(u: SimUser): SimUser {
    this.users.add(u);
    this.loginIndex.set(u.profile.login.toLowerCase(), u.id);
    if (this.everyoneGroupId) this.addMembershipRaw(this.everyoneGroupId, u.id);
    return u;
  }

  insertGroup(g: SimGroup): SimGroup {
    this.groups.add(g);
    if (g.type === 'BUILT_IN' && g.profile.name === 'Everyone') this.everyoneGroupId = g.id;
    return g;
  }

  insertApp(a: SimApp): SimApp {
    this.apps.add(a);
    if (a.oauth) this.clientIndex.set(a.oauth.clientId, a.id);
    return a;
  }

  addMembershipRaw(groupId: string, userId: string): void {
    const g = this.groups.get(groupId);
    if (!g || g.members.has(userId)) return;
    g.members.add(userId);
    const list = this.userGroupIndex.get(userId);
    if (list) list.push(groupId);
    else this.userGroupIndex.set(userId, [groupId]);
  }

  private removeMembershipRaw(groupId: string, userId: string): void {
    this.groups.get(groupId)?.members.delete(userId);
    this.unindexMembership(groupId, userId);
  }

  private unindexMembership(groupId: string, userId: string): void {
    const list = this.userGroupIndex.get(userId);
    const i = list ? list.indexOf(groupId) : -1;
    if (list && i >= 0) list.splice(i, 1);
  }

  // ---------------------------------------------------------------------------------------------
  // Lookups

  /** By id or (case-insensitive) login, as `GET /api/v1/users/{idOrLogin}` resolves. */
  findUser(idOrLogin: string): SimUser | undefined {
    const byId = this.users.get(idOrLogin);
    if (byId) return byId;
    const id = this.loginIndex.get(idOrLogin.toLowerCase());
    return id ? this.users.get(id) : undefined;
  }

  requireUser(idOrLogin: string): SimUser {
    const u = this.findUser(idOrLogin);
    if (!u) throw Errors.notFound(idOrLogin, 'User');
    return u;
  }

  requireGroup(id: string): SimGroup {
    const g = this.groups.get(id);
    if (!g) throw Errors.notFound(id, 'UserGroup');
    return g;
  }

  requireApp(id: string): SimApp {
    const a = this.apps.get(id);
    if (!a) throw Errors.notFound(id, 'AppInstance');
    return a;
  }

  findGroupByName(name: string): SimGroup | undefined {
    for (const g of this.groups.values()) if (g.profile.name === name) return g;
    return undefined;
  }

  appByClientId(clientId: string): SimApp | undefined {
    const id = this.clientIndex.get(clientId);
    return id ? this.apps.get(id) : undefined;
  }

  /** Group ids of a user (includes Everyone). */
  groupIdsOf(userId: string): readonly string[] {
    return this.userGroupIndex.get(userId) ?? [];
  }

  groupsOf(userId: string): SimGroup[] {
    const out: SimGroup[] = [];
    for (const gid of this.groupIdsOf(userId)) {
      const g = this.groups.get(gid);
      if (g) out.push(g);
    }
    return out.sort((a, b) => a.seq - b.seq);
  }

  /** Assigned directly (scope USER) or through a group assignment (scope GROUP). */
  assignmentScope(app: SimApp, userId: string): 'USER' | 'GROUP' | null {
    if (app.userAssignments.has(userId)) return 'USER';
    const groups = this.userGroupIndex.get(userId);
    if (groups) for (const gid of groups) if (app.groupAssignments.has(gid)) return 'GROUP';
    return null;
  }

  isAssigned(app: SimApp, userId: string): boolean {
    return this.assignmentScope(app, userId) !== null;
  }

  appsOfUser(userId: string): SimApp[] {
    const out: SimApp[] = [];
    for (const a of this.apps.values()) if (this.isAssigned(a, userId)) out.push(a);
    return out;
  }

  /** User ids assigned to an app, in user `seq` order (stable for paging). */
  assignedUserIds(app: SimApp): SimUser[] {
    const ids = new Set<string>(app.userAssignments.keys());
    for (const gid of app.groupAssignments.keys()) {
      const g = this.groups.get(gid);
      if (g) for (const uid of g.members) ids.add(uid);
    }
    const users: SimUser[] = [];
    for (const id of ids) {
      const u = this.users.get(id);
      if (u) users.push(u);
    }
    return users.sort((a, b) => a.seq - b.seq);
  }

  // ---------------------------------------------------------------------------------------------
  // System Log

  log(
    ctx: ActorContext,
    eventType: string,
    displayMessage: string,
    targets: LogTarget[],
    opts: {
      result?: SimLogEvent['outcome']['result'];
      reason?: string | null;
      severity?: SimLogEvent['severity'];
      debug?: Record<string, unknown>;
      legacy?: string | null;
      published?: string;
    } = {},
  ): SimLogEvent {
    const ev: SimLogEvent = {
      id: '',
      seq: this.logs.allocateSeq(),
      uuid: this.ids.uuid(),
      published: opts.published ?? this.now(),
      eventType,
      legacyEventType: opts.legacy ?? null,
      displayMessage,
      severity: opts.severity ?? (opts.result === 'FAILURE' || opts.result === 'DENY' ? 'WARN' : 'INFO'),
      version: '0',
      actor: ctx.actor,
      client: ctx.client,
      outcome: { result: opts.result ?? 'SUCCESS', reason: opts.reason ?? null },
      target: targets,
      transaction: { type: 'WEB', id: ctx.requestId, detail: {} },
      debugContext: { debugData: { requestId: ctx.requestId, ...(opts.debug ?? {}) } },
      authenticationContext: {
        authenticationProvider: null,
        credentialProvider: null,
        credentialType: null,
        issuer: null,
        interface: null,
        authenticationStep: 0,
        externalSessionId: 'unknown',
      },
      securityContext: { asNumber: null, asOrg: null, isp: null, domain: null, isProxy: null },
      request: { ipChain: [{ ip: ctx.client.ipAddress }] },
    };
    ev.id = ev.uuid;
    this.logs.add(ev);
    if (this.logs.size > this.maxLogEvents) this.logs.trimOldest(Math.floor(this.maxLogEvents * 0.9));
    return ev;
  }

  // ---------------------------------------------------------------------------------------------
  // Users

  private validateProfile(profile: Record<string, unknown>, existingId?: string): void {
    const causes: string[] = [];
    for (const f of REQUIRED_PROFILE) {
      const v = profile[f];
      if (typeof v !== 'string' || v.trim() === '') causes.push(`${f}: The field cannot be left blank`);
    }
    const login = profile.login;
    if (typeof login === 'string' && login && !LOGIN_RE.test(login)) {
      causes.push('login: Username must be in the form of an email address');
    }
    const email = profile.email;
    if (typeof email === 'string' && email && !EMAIL_RE.test(email))
      causes.push('email: Does not match required pattern');
    if (typeof login === 'string' && login) {
      const owner = this.loginIndex.get(login.toLowerCase());
      if (owner && owner !== existingId)
        causes.push('login: An object with this field already exists in the current organization');
    }
    if (causes.length) throw Errors.validation(causes);
  }

  createUser(
    input: { profile: Record<string, unknown>; password?: string | null; groupIds?: string[] },
    opts: { activate: boolean },
    ctx: ActorContext = systemContext(),
  ): SimUser {
    if (!input.profile || typeof input.profile !== 'object')
      throw Errors.validation(['profile: The field cannot be left blank']);
    this.validateProfile(input.profile);
    for (const gid of input.groupIds ?? []) this.requireGroup(gid);
    const now = this.now();
    const hasPassword = typeof input.password === 'string' && input.password.length > 0;
    const status: UserStatus = !opts.activate ? 'STAGED' : hasPassword ? 'ACTIVE' : 'PROVISIONED';
    const user: SimUser = {
      id: this.ids.next('00u'),
      seq: this.users.allocateSeq(),
      status,
      transitioningToStatus: null,
      created: now,
      activated: opts.activate ? now : null,
      statusChanged: opts.activate ? now : null,
      lastLogin: null,
      lastUpdated: now,
      passwordChanged: hasPassword ? now : null,
      typeId: 'oty1defaultusertype0',
      profile: { ...(input.profile as UserProfile) },
      password: hasPassword ? (input.password as string) : null,
      roles: [],
      factors: [],
      failedLogins: 0,
    };
    this.insertUser(user);
    this.log(ctx, 'user.lifecycle.create', 'Create okta user', [userTarget(user)], {
      legacy: 'core.user.config.user_creation.success',
    });
    if (opts.activate) this.log(ctx, 'user.lifecycle.activate', 'Activate Okta user', [userTarget(user)]);
    for (const gid of input.groupIds ?? []) this.addUserToGroup(gid, user.id, ctx);
    return user;
  }

  updateUser(
    idOrLogin: string,
    patch: { profile?: Record<string, unknown>; password?: string | null },
    opts: { replace: boolean },
    ctx: ActorContext = systemContext(),
  ): SimUser {
    const user = this.requireUser(idOrLogin);
    if (
      patch.profile !== undefined &&
      (patch.profile === null || typeof patch.profile !== 'object' || Array.isArray(patch.profile))
    ) {
      throw Errors.malformedBody();
    }
    let next: Record<string, unknown> = user.profile;
    if (patch.profile) {
      if (opts.replace) next = { ...patch.profile };
      else {
        next = { ...user.profile };
        for (const [k, v] of Object.entries(patch.profile)) {
          if (v === null) delete next[k];
          else next[k] = v;
        }
      }
      this.validateProfile(next, user.id);
    }
    const oldLogin = user.profile.login;
    user.profile = next as UserProfile;
    if (oldLogin.toLowerCase() !== user.profile.login.toLowerCase()) {
      this.loginIndex.delete(oldLogin.toLowerCase());
      this.loginIndex.set(user.profile.login.toLowerCase(), user.id);
    }
    const now = this.now();
    if (typeof patch.password === 'string' && patch.password) {
      user.password = patch.password;
      user.passwordChanged = now;
      this.log(ctx, 'user.account.update_password', 'Update password for Okta user', [userTarget(user)]);
    }
    user.lastUpdated = now;
    if (patch.profile)
      this.log(ctx, 'user.account.update_profile', 'Update user profile for Okta', [userTarget(user)]);
    return user;
  }

  private setStatus(user: SimUser, status: UserStatus): void {
    const now = this.now();
    user.status = status;
    user.statusChanged = now;
    user.lastUpdated = now;
    user.transitioningToStatus = null;
  }

  private revokeUser(userId: string): void {
    for (const l of this.listeners) l.userCredentialsRevoked?.(userId);
  }

  /** `POST .../lifecycle/activate`: only STAGED or DEPROVISIONED users. */
  activateUser(
    idOrLogin: string,
    opts: { sendEmail: boolean },
    ctx: ActorContext = systemContext(),
  ): { activationUrl?: string; activationToken?: string } {
    const user = this.requireUser(idOrLogin);
    if (user.status !== 'STAGED' && user.status !== 'DEPROVISIONED') throw Errors.alreadyActive();
    this.setStatus(user, user.password ? 'ACTIVE' : 'PROVISIONED');
    user.activated = user.statusChanged;
    this.log(ctx, 'user.lifecycle.activate', 'Activate Okta user', [userTarget(user)]);
    return this.activationResult(opts.sendEmail);
  }

  private activationResult(sendEmail: boolean): { activationUrl?: string; activationToken?: string } {
    if (sendEmail) return {};
    const activationToken = randomToken(15);
    return { activationUrl: `${this.issuer}/welcome/${activationToken}`, activationToken };
  }

  /** `POST .../lifecycle/reactivate`: only PROVISIONED or RECOVERY users. */
  reactivateUser(
    idOrLogin: string,
    opts: { sendEmail: boolean },
    ctx: ActorContext = systemContext(),
  ): { activationUrl?: string; activationToken?: string } {
    const user = this.requireUser(idOrLogin);
    if (user.status !== 'PROVISIONED' && user.status !== 'RECOVERY') {
      throw Errors.validation(
        ["reactivate: This operation is not allowed in the user's current status."],
        'reactivate',
      );
    }
    this.setStatus(user, 'PROVISIONED');
    this.log(ctx, 'user.lifecycle.reactivate', 'Reactivate Okta user', [userTarget(user)]);
    return this.activationResult(opts.sendEmail);
  }

  /** Any non-DEPROVISIONED user → DEPROVISIONED; removes app assignments ("deprovisions from all apps"). */
  deactivateUser(idOrLogin: string, ctx: ActorContext = systemContext()): SimUser {
    const user = this.requireUser(idOrLogin);
    if (user.status === 'DEPROVISIONED') {
      throw Errors.validation(
        ['deactivate: Cannot deactivate a user that is already deactivated'],
        'deactivate',
      );
    }
    this.setStatus(user, 'DEPROVISIONED');
    for (const app of this.apps.values()) app.userAssignments.delete(user.id);
    this.revokeUser(user.id);
    this.log(ctx, 'user.lifecycle.deactivate', 'Deactivate Okta user', [userTarget(user)]);
    return user;
  }

  suspendUser(idOrLogin: string, ctx: ActorContext = systemContext()): SimUser {
    const user = this.requireUser(idOrLogin);
    if (user.status !== 'ACTIVE')
      throw Errors.validation(['Cannot suspend a user that is not active'], 'suspend');
    this.setStatus(user, 'SUSPENDED');
    this.revokeUser(user.id);
    this.log(ctx, 'user.lifecycle.suspend', 'Suspend Okta user', [userTarget(user)]);
    return user;
  }

  unsuspendUser(idOrLogin: string, ctx: ActorContext = systemContext()): SimUser {
    const user = this.requireUser(idOrLogin);
    if (user.status !== 'SUSPENDED')
      throw Errors.validation(['Cannot unsuspend a user that is not suspended'], 'unsuspend');
    this.setStatus(user, 'ACTIVE');
    this.log(ctx, 'user.lifecycle.unsuspend', 'Unsuspend Okta user', [userTarget(user)]);
    return user;
  }

  unlockUser(idOrLogin: string, ctx: ActorContext = systemContext()): SimUser {
    const user = this.requireUser(idOrLogin);
    if (user.status !== 'LOCKED_OUT')
      throw new OktaApiError(403, 'E0000032', 'Unlock is not allowed for this user.');
    this.setStatus(user, 'ACTIVE');
    user.failedLogins = 0;
    this.log(ctx, 'user.account.unlock', 'Unlock user account', [userTarget(user)]);
    return user;
  }

  resetPassword(
    idOrLogin: string,
    opts: { sendEmail: boolean; revokeSessions: boolean },
    ctx: ActorContext = systemContext(),
  ): { resetPasswordUrl?: string } {
    const user = this.requireUser(idOrLogin);
    if (user.status === 'STAGED' || user.status === 'DEPROVISIONED' || user.status === 'SUSPENDED')
      throw Errors.wrongStatus();
    this.setStatus(user, 'RECOVERY');
    user.password = null;
    if (opts.revokeSessions) this.revokeUser(user.id);
    this.log(ctx, 'user.account.reset_password', 'Fire reset password', [userTarget(user)]);
    return opts.sendEmail ? {} : { resetPasswordUrl: `${this.issuer}/reset_password/${randomToken(15)}` };
  }

  expirePassword(idOrLogin: string, ctx: ActorContext = systemContext()): SimUser {
    const user = this.requireUser(idOrLogin);
    if (
      user.status !== 'ACTIVE' &&
      user.status !== 'PASSWORD_EXPIRED' &&
      user.status !== 'LOCKED_OUT' &&
      user.status !== 'RECOVERY'
    ) {
      throw Errors.wrongStatus();
    }
    this.setStatus(user, 'PASSWORD_EXPIRED');
    this.log(ctx, 'user.account.expire_password', 'Expire password for Okta user', [userTarget(user)]);
    return user;
  }

  resetFactors(idOrLogin: string, ctx: ActorContext = systemContext()): void {
    const user = this.requireUser(idOrLogin);
    user.factors = [];
    user.lastUpdated = this.now();
    this.log(ctx, 'user.mfa.factor.reset_all', 'Reset all factors for user', [userTarget(user)]);
  }

  deleteFactor(idOrLogin: string, factorId: string, ctx: ActorContext = systemContext()): void {
    const user = this.requireUser(idOrLogin);
    const idx = user.factors.findIndex((f) => f.id === factorId);
    if (idx < 0) throw Errors.notFound(factorId, 'UserFactor');
    user.factors.splice(idx, 1);
    this.log(ctx, 'user.mfa.factor.deactivate', 'Reset factor for user', [userTarget(user)]);
  }

  /**
   * `DELETE /users/{id}`: Okta only deletes DEPROVISIONED users; on any other status the first DELETE
   * deactivates (like `lifecycle/deactivate`) and a second DELETE removes the user.
   */
  deleteUser(idOrLogin: string, ctx: ActorContext = systemContext()): 'deactivated' | 'deleted' {
    const user = this.requireUser(idOrLogin);
    if (user.status !== 'DEPROVISIONED') {
      this.deactivateUser(user.id, ctx);
      return 'deactivated';
    }
    for (const gid of [...this.groupIdsOf(user.id)]) this.removeMembershipRaw(gid, user.id);
    this.userGroupIndex.delete(user.id);
    for (const app of this.apps.values()) app.userAssignments.delete(user.id);
    for (const [token, rec] of this.apiTokens) if (rec.userId === user.id) this.apiTokens.delete(token);
    this.loginIndex.delete(user.profile.login.toLowerCase());
    this.users.delete(user.id);
    this.revokeUser(user.id);
    this.log(ctx, 'user.lifecycle.delete.initiated', 'Delete Okta user', [userTarget(user)]);
    return 'deleted';
  }

  clearSessions(
    idOrLogin: string,
    opts: { oauthTokens: boolean },
    ctx: ActorContext = systemContext(),
  ): void {
    const user = this.requireUser(idOrLogin);
    // Browser sessions always go; OAuth tokens only with oauthTokens=true (Okta's default is false).
    this.sessionClearHook?.(user.id);
    if (opts.oauthTokens) this.revokeUser(user.id);
    this.log(ctx, 'user.session.clear', 'Clear user session', [userTarget(user)]);
  }

  /** Set by the OAuth layer: drops browser sessions of a user. */
  sessionClearHook?: (userId: string) => void;

  /** Records a failed sign-in; locks the account at the threshold. Returns true when it just locked. */
  recordFailedLogin(user: SimUser, ctx: ActorContext): boolean {
    user.failedLogins++;
    if (user.status === 'ACTIVE' && user.failedLogins >= this.lockoutThreshold) {
      this.setStatus(user, 'LOCKED_OUT');
      this.log(ctx, 'user.account.lock', 'Max sign in attempts exceeded', [userTarget(user)], {
        result: 'FAILURE',
        reason: 'LOCKED_OUT',
      });
      return true;
    }
    return false;
  }

  recordLogin(user: SimUser): void {
    user.failedLogins = 0;
    user.lastLogin = this.now();
  }

  // ---------------------------------------------------------------------------------------------
  // Admin roles

  assignRole(
    principal: { kind: 'user'; id: string } | { kind: 'app'; id: string },
    type: AdminRoleType,
    groupTargets?: string[],
    ctx: ActorContext = systemContext(),
  ): RoleAssignment {
    if (!(type in ADMIN_ROLE_LABELS)) throw Errors.validation([`type: Invalid role type ${type}`], 'type');
    const now = this.now();
    const role: RoleAssignment = {
      id: this.ids.next('irb'),
      type,
      label: ADMIN_ROLE_LABELS[type],
      status: 'ACTIVE',
      created: now,
      lastUpdated: now,
      assignmentType: principal.kind === 'user' ? 'USER' : 'CLIENT',
      ...(groupTargets && groupTargets.length ? { groupTargets: [...groupTargets] } : {}),
    };
    if (principal.kind === 'user') {
      const user = this.requireUser(principal.id);
      if (user.roles.some((r) => r.type === type)) {
        throw new OktaApiError(409, 'E0000090', 'Duplicate role assignment exception.', [
          'The role specified is already assigned to the user.',
        ]);
      }
      user.roles.push(role);
      this.log(ctx, 'user.account.privilege.grant', 'Grant user privilege', [userTarget(user)], {
        debug: { privilegeGranted: type },
      });
    } else {
      const app = this.requireApp(principal.id);
      app.roles.push(role);
      this.log(ctx, 'application.policy.privilege.grant', 'Grant client privilege', [appTarget(app)], {
        debug: { privilegeGranted: type },
      });
    }
    return role;
  }

  unassignRole(userId: string, roleId: string, ctx: ActorContext = systemContext()): void {
    const user = this.requireUser(userId);
    const idx = user.roles.findIndex((r) => r.id === roleId);
    if (idx < 0) throw Errors.notFound(roleId, 'Role');
    const [role] = user.roles.splice(idx, 1);
    this.log(ctx, 'user.account.privilege.revoke', 'Revoke user privilege', [userTarget(user)], {
      debug: { privilegeRevoked: role?.type },
    });
  }

  // ---------------------------------------------------------------------------------------------
  // Groups

  createGroup(
    profile: { name?: unknown; description?: unknown; [k: string]: unknown },
    ctx: ActorContext = systemContext(),
  ): SimGroup {
    const name = profile?.name;
    if (typeof name !== 'string' || !name.trim())
      throw Errors.validation(['name: The field cannot be left blank']);
    if (this.findGroupByName(name)) {
      throw Errors.validation(['name: An object with this field already exists in the current organization']);
    }
    const now = this.now();
    const g: SimGroup = {
      id: this.ids.next('00g'),
      seq: this.groups.allocateSeq(),
      type: 'OKTA_GROUP',
      created: now,
      lastUpdated: now,
      lastMembershipUpdated: now,
      profile: {
        ...profile,
        name,
        description: typeof profile.description === 'string' ? profile.description : null,
      },
      members: new Set(),
    };
    this.insertGroup(g);
    this.log(ctx, 'group.lifecycle.create', 'Create okta group', [groupTarget(g)]);
    return g;
  }

  updateGroup(
    id: string,
    profile: { name?: unknown; description?: unknown; [k: string]: unknown },
    ctx: ActorContext = systemContext(),
  ): SimGroup {
    const g = this.requireGroup(id);
    if (g.type !== 'OKTA_GROUP') throw Errors.forbidden();
    const name = profile?.name;
    if (typeof name !== 'string' || !name.trim())
      throw Errors.validation(['name: The field cannot be left blank']);
    const other = this.findGroupByName(name);
    if (other && other.id !== g.id)
      throw Errors.validation(['name: An object with this field already exists in the current organization']);
    g.profile = {
      ...profile,
      name,
      description: typeof profile.description === 'string' ? profile.description : null,
    };
    g.lastUpdated = this.now();
    this.log(ctx, 'group.profile.update', 'Update Okta group profile', [groupTarget(g)]);
    return g;
  }

  deleteGroup(id: string, ctx: ActorContext = systemContext()): void {
    const g = this.requireGroup(id);
    if (g.type === 'BUILT_IN') throw Errors.forbidden();
    for (const uid of g.members) this.unindexMembership(g.id, uid);
    for (const app of this.apps.values()) app.groupAssignments.delete(g.id);
    for (const u of this.users.values()) {
      for (const r of u.roles) if (r.groupTargets) r.groupTargets = r.groupTargets.filter((t) => t !== g.id);
    }
    this.groups.delete(g.id);
    this.log(ctx, 'group.lifecycle.delete', 'Delete Okta group', [groupTarget(g)]);
  }

  addUserToGroup(groupId: string, userId: string, ctx: ActorContext = systemContext()): void {
    const g = this.requireGroup(groupId);
    const u = this.requireUser(userId);
    if (g.type !== 'OKTA_GROUP') throw Errors.forbidden();
    if (g.members.has(u.id)) return;
    this.addMembershipRaw(g.id, u.id);
    g.lastMembershipUpdated = this.now();
    this.log(ctx, 'group.user_membership.add', 'Add user to group membership', [
      userTarget(u),
      groupTarget(g),
    ]);
  }

  removeUserFromGroup(groupId: string, userId: string, ctx: ActorContext = systemContext()): void {
    const g = this.requireGroup(groupId);
    const u = this.requireUser(userId);
    if (g.type !== 'OKTA_GROUP') throw Errors.forbidden();
    if (!g.members.has(u.id)) return;
    this.removeMembershipRaw(g.id, u.id);
    g.lastMembershipUpdated = this.now();
    this.log(ctx, 'group.user_membership.remove', 'Remove user from group membership', [
      userTarget(u),
      groupTarget(g),
    ]);
  }

  // ---------------------------------------------------------------------------------------------
  // Apps

  /** Builds (without inserting) an OIDC app record; shared by the seeder and `createOidcApp`. */
  buildOidcApp(
    input: CreateOidcAppInput,
    ids: IdFactory = this.ids,
    now = this.now(),
    seq = this.apps.allocateSeq(),
  ): SimApp {
    const applicationType = input.applicationType ?? 'web';
    const method: TokenEndpointAuthMethod =
      input.tokenEndpointAuthMethod ??
      (applicationType === 'service'
        ? 'private_key_jwt'
        : applicationType === 'web'
          ? 'client_secret_basic'
          : 'none');
    const isPublic = method === 'none';
    const grantTypes =
      input.grantTypes ??
      (applicationType === 'service' ? ['client_credentials'] : ['authorization_code', 'refresh_token']);
    const clientId = input.clientId ?? ids.next('0oa');
    const clientSecret =
      method === 'client_secret_basic' || method === 'client_secret_post'
        ? (input.clientSecret ?? ids.secret(40))
        : null;
    const id = clientId.startsWith('0oa') && clientId.length === 20 ? clientId : ids.next('0oa');
    return {
      id,
      seq,
      name: 'oidc_client',
      label: input.label,
      status: input.status ?? 'ACTIVE',
      signOnMode: 'OPENID_CONNECT',
      created: now,
      lastUpdated: now,
      features: [],
      settings: { app: {}, notifications: { vpn: { network: { connection: 'DISABLED' } } } },
      oauth: {
        clientId,
        clientSecret,
        tokenEndpointAuthMethod: method,
        applicationType,
        redirectUris: [...(input.redirectUris ?? [])],
        postLogoutRedirectUris: [...(input.postLogoutRedirectUris ?? [])],
        grantTypes,
        responseTypes: applicationType === 'service' ? ['token'] : ['code'],
        jwks: [...(input.jwks ?? [])],
        pkceRequired: input.pkceRequired ?? isPublic,
        refreshTokenRotation: input.refreshTokenRotation ?? applicationType === 'browser',
        refreshTokenLeewaySeconds: input.refreshTokenLeewaySeconds ?? 30,
      },
      grants: new Map(),
      userAssignments: new Map(),
      groupAssignments: new Map(),
      roles: [],
    };
  }

  createOidcApp(input: CreateOidcAppInput, ctx: ActorContext = systemContext()): SimApp {
    if (input.clientId && this.appByClientId(input.clientId)) {
      throw Errors.validation([
        'client_id: An object with this field already exists in the current organization',
      ]);
    }
    const app = this.insertApp(this.buildOidcApp(input));
    this.log(ctx, 'application.lifecycle.create', 'Add application', [appTarget(app)]);
    for (const scope of input.grantedScopes ?? []) this.grantScope(app.id, scope, ctx);
    for (const uid of input.assignedUserIds ?? []) this.assignUserToApp(app.id, uid, {}, ctx);
    for (const gid of input.assignedGroupIds ?? []) this.assignGroupToApp(app.id, gid, {}, ctx);
    for (const role of input.roles ?? []) this.assignRole({ kind: 'app', id: app.id }, role, undefined, ctx);
    return app;
  }

  createApp(
    input: {
      name: string;
      label: string;
      signOnMode: SimApp['signOnMode'];
      settings?: Record<string, unknown>;
      activate: boolean;
    },
    ctx: ActorContext = systemContext(),
  ): SimApp {
    const now = this.now();
    const app: SimApp = {
      id: this.ids.next('0oa'),
      seq: this.apps.allocateSeq(),
      name: input.name,
      label: input.label,
      status: input.activate ? 'ACTIVE' : 'INACTIVE',
      signOnMode: input.signOnMode,
      created: now,
      lastUpdated: now,
      features: [],
      settings: input.settings ?? { app: {} },
      oauth: null,
      grants: new Map(),
      userAssignments: new Map(),
      groupAssignments: new Map(),
      roles: [],
    };
    this.insertApp(app);
    this.log(ctx, 'application.lifecycle.create', 'Add application', [appTarget(app)]);
    return app;
  }

  updateApp(
    id: string,
    patch: {
      label?: string;
      settings?: Record<string, unknown>;
      redirectUris?: string[];
      postLogoutRedirectUris?: string[];
      grantTypes?: string[];
    },
    ctx: ActorContext = systemContext(),
  ): SimApp {
    const app = this.requireApp(id);
    if (patch.label !== undefined) {
      if (typeof patch.label !== 'string' || !patch.label.trim())
        throw Errors.validation(['label: The field cannot be left blank']);
      app.label = patch.label;
    }
    if (patch.settings) app.settings = patch.settings;
    if (app.oauth) {
      if (patch.redirectUris) app.oauth.redirectUris = [...patch.redirectUris];
      if (patch.postLogoutRedirectUris) app.oauth.postLogoutRedirectUris = [...patch.postLogoutRedirectUris];
      if (patch.grantTypes) app.oauth.grantTypes = [...patch.grantTypes];
    }
    app.lastUpdated = this.now();
    this.log(ctx, 'application.lifecycle.update', 'Update application', [appTarget(app)]);
    return app;
  }

  /** Registers another exact-match Login redirect URI (the gateway listens on a random port in tests). */
  addRedirectUri(clientIdOrAppId: string, uri: string, ctx: ActorContext = systemContext()): void {
    const app = this.appByClientId(clientIdOrAppId) ?? this.apps.get(clientIdOrAppId);
    if (!app?.oauth) throw Errors.notFound(clientIdOrAppId, 'AppInstance');
    if (!app.oauth.redirectUris.includes(uri)) app.oauth.redirectUris.push(uri);
    app.lastUpdated = this.now();
    for (const l of this.listeners) l.redirectUriAdded?.(app.oauth.clientId, uri);
    this.log(ctx, 'application.lifecycle.update', 'Update application', [appTarget(app)], {
      debug: { redirectUriAdded: uri },
    });
  }

  addPostLogoutRedirectUri(clientIdOrAppId: string, uri: string): void {
    const app = this.appByClientId(clientIdOrAppId) ?? this.apps.get(clientIdOrAppId);
    if (!app?.oauth) throw Errors.notFound(clientIdOrAppId, 'AppInstance');
    if (!app.oauth.postLogoutRedirectUris.includes(uri)) app.oauth.postLogoutRedirectUris.push(uri);
  }

  setAppStatus(id: string, status: 'ACTIVE' | 'INACTIVE', ctx: ActorContext = systemContext()): SimApp {
    const app = this.requireApp(id);
    if (app.status === status) return app;
    app.status = status;
    app.lastUpdated = this.now();
    if (status === 'INACTIVE' && app.oauth)
      for (const l of this.listeners) l.appDisabled?.(app.id, app.oauth.clientId);
    this.log(
      ctx,
      status === 'ACTIVE' ? 'application.lifecycle.activate' : 'application.lifecycle.deactivate',
      status === 'ACTIVE' ? 'Activate application' : 'Deactivate application',
      [appTarget(app)],
    );
    return app;
  }

  deleteApp(id: string, ctx: ActorContext = systemContext()): void {
    const app = this.requireApp(id);
    if (app.status === 'ACTIVE') throw Errors.deleteAppForbidden();
    if (app.oauth) {
      this.clientIndex.delete(app.oauth.clientId);
      for (const l of this.listeners) l.appDisabled?.(app.id, app.oauth.clientId);
    }
    this.apps.delete(app.id);
    this.log(ctx, 'application.lifecycle.delete', 'Delete application', [appTarget(app)]);
  }

  assignUserToApp(
    appId: string,
    userId: string,
    opts: { profile?: Record<string, unknown>; userName?: string; failIfAssigned?: boolean },
    ctx: ActorContext = systemContext(),
  ): AppUserAssignment {
    const app = this.requireApp(appId);
    const user = this.requireUser(userId);
    if (user.status === 'DEPROVISIONED') throw Errors.inactiveUserAssignment();
    const existing = app.userAssignments.get(user.id);
    if (existing) {
      if (opts.failIfAssigned) throw Errors.alreadyAssigned();
      return existing;
    }
    const now = this.now();
    const a: AppUserAssignment = {
      userId: user.id,
      created: now,
      lastUpdated: now,
      statusChanged: now,
      profile: opts.profile ?? {},
      userName: opts.userName ?? user.profile.login,
    };
    app.userAssignments.set(user.id, a);
    this.log(ctx, 'application.user_membership.add', 'Add user to application membership', [
      appTarget(app),
      userTarget(user),
    ]);
    return a;
  }

  updateAppUser(
    appId: string,
    userId: string,
    patch: { profile?: Record<string, unknown>; userName?: string },
    ctx: ActorContext = systemContext(),
  ): AppUserAssignment {
    const app = this.requireApp(appId);
    const user = this.requireUser(userId);
    const a = app.userAssignments.get(user.id);
    if (!a) throw Errors.notFound(userId, 'AppUser');
    if (patch.profile) a.profile = { ...a.profile, ...patch.profile };
    if (patch.userName) a.userName = patch.userName;
    a.lastUpdated = this.now();
    this.log(ctx, 'application.user_membership.change_username', 'Update application user', [
      appTarget(app),
      userTarget(user),
    ]);
    return a;
  }

  unassignUserFromApp(appId: string, userId: string, ctx: ActorContext = systemContext()): void {
    const app = this.requireApp(appId);
    const user = this.requireUser(userId);
    if (!app.userAssignments.has(user.id)) {
      if (this.assignmentScope(app, user.id) === 'GROUP')
        throw new OktaApiError(403, 'E0000046', 'Deactivate application for user forbidden.');
      throw Errors.notFound(userId, 'AppUser');
    }
    app.userAssignments.delete(user.id);
    this.log(ctx, 'application.user_membership.remove', 'Remove user from application membership', [
      appTarget(app),
      userTarget(user),
    ]);
  }

  assignGroupToApp(
    appId: string,
    groupId: string,
    opts: { priority?: number; profile?: Record<string, unknown> },
    ctx: ActorContext = systemContext(),
  ): AppGroupAssignment {
    const app = this.requireApp(appId);
    const g = this.requireGroup(groupId);
    const a: AppGroupAssignment = {
      groupId: g.id,
      priority: opts.priority ?? app.groupAssignments.get(g.id)?.priority ?? app.groupAssignments.size,
      profile: opts.profile ?? {},
      lastUpdated: this.now(),
    };
    app.groupAssignments.set(g.id, a);
    this.log(ctx, 'group.application_assignment.add', 'Add assigned application to group', [
      appTarget(app),
      groupTarget(g),
    ]);
    return a;
  }

  unassignGroupFromApp(appId: string, groupId: string, ctx: ActorContext = systemContext()): void {
    const app = this.requireApp(appId);
    const g = this.requireGroup(groupId);
    if (!app.groupAssignments.delete(g.id)) throw Errors.notFound(groupId, 'ApplicationGroupAssignment');
    this.log(ctx, 'group.application_assignment.remove', 'Remove assigned application from group', [
      appTarget(app),
      groupTarget(g),
    ]);
  }

  grantScope(appId: string, scopeId: string, ctx: ActorContext = systemContext()): AppGrant {
    const app = this.requireApp(appId);
    if (!/^okta\.[A-Za-z]+\.[A-Za-z.]+$/.test(scopeId))
      throw Errors.validation([`scopeId: Invalid scope ${scopeId}`], 'scopeId');
    const existing = app.grants.get(scopeId);
    if (existing) return existing;
    const grant: AppGrant = {
      id: this.ids.next('oag'),
      scopeId,
      issuer: this.issuer,
      created: this.now(),
      createdBy:
        ctx.actor.type === 'User' ? { id: ctx.actor.id, type: 'User' } : { id: ctx.actor.id, type: 'Client' },
    };
    app.grants.set(scopeId, grant);
    this.log(ctx, 'app.oauth2.scope.grant', 'Grant scope to application', [appTarget(app)], {
      debug: { scopeId },
    });
    return grant;
  }

  revokeGrant(appId: string, grantId: string, ctx: ActorContext = systemContext()): void {
    const app = this.requireApp(appId);
    for (const [scope, g] of app.grants) {
      if (g.id === grantId || scope === grantId) {
        app.grants.delete(scope);
        this.log(ctx, 'app.oauth2.scope.revoke', 'Revoke scope from application', [appTarget(app)], {
          debug: { scopeId: scope },
        });
        return;
      }
    }
    throw Errors.notFound(grantId, 'OAuth2ScopeConsentGrant');
  }

  // ---------------------------------------------------------------------------------------------
  // SSWS API tokens

  createApiToken(userId: string, name: string, token?: string): ApiTokenRecord {
    const user = this.requireUser(userId);
    const rec: ApiTokenRecord = {
      id: this.ids.next('00T'),
      name,
      token: token ?? `00${randomToken(30).replace(/[-_]/g, 'x')}`,
      userId: user.id,
      created: this.now(),
    };
    this.apiTokens.set(rec.token, rec);
    return rec;
  }
}
