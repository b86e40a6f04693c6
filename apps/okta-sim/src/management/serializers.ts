import type {
  AppGroupAssignment,
  AppUserAssignment,
  RoleAssignment,
  SimApp,
  SimFactor,
  SimGroup,
  SimLogEvent,
  SimUser,
  UserStatus,
} from '../core/model';

/** JSON representations in Okta's shape (field order included), with HAL `_links` built from `base`. */

type Link = { href: string; method?: string };

const LIFECYCLE_LINKS: Record<UserStatus, string[]> = {
  STAGED: ['activate', 'deactivate'],
  PROVISIONED: ['reactivate', 'resetPassword', 'deactivate'],
  ACTIVE: ['suspend', 'resetPassword', 'expirePassword', 'resetFactors', 'deactivate'],
  RECOVERY: ['reactivate', 'resetPassword', 'deactivate'],
  LOCKED_OUT: ['unlock', 'resetPassword', 'expirePassword', 'deactivate'],
  PASSWORD_EXPIRED: ['suspend', 'resetPassword', 'deactivate'],
  SUSPENDED: ['unsuspend', 'deactivate'],
  DEPROVISIONED: ['activate'],
};

const LIFECYCLE_PATH: Record<string, string> = {
  activate: 'activate',
  reactivate: 'reactivate',
  deactivate: 'deactivate',
  suspend: 'suspend',
  unsuspend: 'unsuspend',
  unlock: 'unlock',
  resetPassword: 'reset_password',
  expirePassword: 'expire_password',
  resetFactors: 'reset_factors',
};

export function serializeUser(u: SimUser, base: string, full = false): Record<string, unknown> {
  const self = `${base}/api/v1/users/${u.id}`;
  const links: Record<string, Link> = {};
  if (full) {
    for (const l of LIFECYCLE_LINKS[u.status])
      links[l] = { href: `${self}/lifecycle/${LIFECYCLE_PATH[l]}`, method: 'POST' };
    links.schema = { href: `${base}/api/v1/meta/schemas/user/osc1defaultuserschema` };
    links.type = { href: `${base}/api/v1/meta/types/user/${u.typeId}` };
  }
  links.self = { href: self };
  const credentials: Record<string, unknown> = {};
  if (u.password !== null) credentials.password = {};
  credentials.emails = [{ value: u.profile.email, status: 'VERIFIED', type: 'PRIMARY' }];
  credentials.provider = { type: 'OKTA', name: 'OKTA' };
  return {
    id: u.id,
    status: u.status,
    created: u.created,
    activated: u.activated,
    statusChanged: u.statusChanged,
    lastLogin: u.lastLogin,
    lastUpdated: u.lastUpdated,
    passwordChanged: u.passwordChanged,
    type: { id: u.typeId },
    transitioningToStatus: u.transitioningToStatus ?? undefined,
    profile: u.profile,
    credentials,
    _links: links,
  };
}

export function serializeGroup(
  g: SimGroup,
  base: string,
  stats?: { usersCount: number; appsCount: number },
): Record<string, unknown> {
  const self = `${base}/api/v1/groups/${g.id}`;
  const out: Record<string, unknown> = {
    id: g.id,
    created: g.created,
    lastUpdated: g.lastUpdated,
    lastMembershipUpdated: g.lastMembershipUpdated,
    objectClass: ['okta:user_group'],
    type: g.type,
    profile: g.profile,
    _links: {
      logo: [
        {
          name: 'medium',
          href: 'https://op1static.oktacdn.com/assets/img/logos/groups/okta-medium.png',
          type: 'image/png',
        },
        {
          name: 'large',
          href: 'https://op1static.oktacdn.com/assets/img/logos/groups/okta-large.png',
          type: 'image/png',
        },
      ],
      users: { href: `${self}/users` },
      apps: { href: `${self}/apps` },
    },
  };
  if (stats) {
    out._embedded = {
      stats: {
        usersCount: stats.usersCount,
        appsCount: stats.appsCount,
        groupPushMappingsCount: 0,
        hasAdminPrivilege: false,
        _links: { self: { href: `${self}/stats` } },
      },
    };
  }
  return out;
}

export function serializeApp(
  a: SimApp,
  base: string,
  opts: { includeSecret?: boolean } = {},
): Record<string, unknown> {
  const self = `${base}/api/v1/apps/${a.id}`;
  const links: Record<string, unknown> = {
    appLinks: [
      {
        name: a.oauth ? 'oidc_client_link' : `${a.name}_link`,
        href: `${base}/home/${a.name}/${a.id}/alnsim`,
        type: 'text/html',
      },
    ],
    groups: { href: `${self}/groups` },
    logo: [
      {
        name: 'medium',
        href: 'https://op1static.oktacdn.com/assets/img/logos/default.png',
        type: 'image/png',
      },
    ],
    users: { href: `${self}/users` },
    [a.status === 'ACTIVE' ? 'deactivate' : 'activate']: {
      href: `${self}/lifecycle/${a.status === 'ACTIVE' ? 'deactivate' : 'activate'}`,
    },
    self: { href: self },
  };
  let credentials: Record<string, unknown> = {
    userNameTemplate: { template: '${source.login}', type: 'BUILT_IN' },
    signing: {},
  };
  let settings: Record<string, unknown> = a.settings;
  if (a.oauth) {
    const o = a.oauth;
    credentials = {
      ...credentials,
      oauthClient: {
        autoKeyRotation: true,
        client_id: o.clientId,
        ...(opts.includeSecret && o.clientSecret ? { client_secret: o.clientSecret } : {}),
        token_endpoint_auth_method: o.tokenEndpointAuthMethod,
        pkce_required: o.pkceRequired,
      },
    };
    settings = {
      ...a.settings,
      oauthClient: {
        client_uri: null,
        logo_uri: null,
        redirect_uris: o.redirectUris,
        post_logout_redirect_uris: o.postLogoutRedirectUris,
        response_types: o.responseTypes,
        grant_types: o.grantTypes,
        application_type: o.applicationType,
        consent_method: 'TRUSTED',
        issuer_mode: 'ORG_URL',
        ...(o.grantTypes.includes('refresh_token')
          ? {
              refresh_token: {
                rotation_type: o.refreshTokenRotation ? 'ROTATE' : 'STATIC',
                leeway: o.refreshTokenLeewaySeconds,
              },
            }
          : {}),
        ...(o.jwks.length ? { jwks: { keys: o.jwks } } : {}),
      },
    };
  }
  return {
    id: a.id,
    name: a.name,
    label: a.label,
    status: a.status,
    lastUpdated: a.lastUpdated,
    created: a.created,
    accessibility: { selfService: false, errorRedirectUrl: null, loginRedirectUrl: null },
    visibility: {
      autoSubmitToolbar: false,
      hide: { iOS: false, web: false },
      appLinks: { [a.oauth ? 'oidc_client_link' : `${a.name}_link`]: true },
    },
    features: a.features,
    signOnMode: a.signOnMode,
    credentials,
    settings,
    _links: links,
  };
}

export function serializeAppUser(
  app: SimApp,
  user: SimUser,
  base: string,
  scope: 'USER' | 'GROUP',
  a?: AppUserAssignment,
): Record<string, unknown> {
  return {
    id: user.id,
    externalId: null,
    created: a?.created ?? app.created,
    lastUpdated: a?.lastUpdated ?? app.lastUpdated,
    scope,
    status: 'ACTIVE',
    statusChanged: a?.statusChanged ?? app.created,
    passwordChanged: null,
    syncState: 'DISABLED',
    credentials: { userName: a?.userName ?? user.profile.login },
    profile: a?.profile ?? {},
    _links: {
      app: { href: `${base}/api/v1/apps/${app.id}` },
      user: { href: `${base}/api/v1/users/${user.id}` },
    },
  };
}

export function serializeAppGroup(app: SimApp, a: AppGroupAssignment, base: string): Record<string, unknown> {
  return {
    id: a.groupId,
    lastUpdated: a.lastUpdated,
    priority: a.priority,
    profile: a.profile,
    _links: {
      app: { href: `${base}/api/v1/apps/${app.id}` },
      self: { href: `${base}/api/v1/apps/${app.id}/groups/${a.groupId}` },
      group: { href: `${base}/api/v1/groups/${a.groupId}` },
    },
  };
}

export function serializeAppLink(app: SimApp, sortOrder: number, base: string): Record<string, unknown> {
  return {
    id: app.id,
    label: app.label,
    linkUrl: `${base}/home/${app.name}/${app.id}/aln${app.id.slice(3, 14)}`,
    logoUrl: 'https://op1static.oktacdn.com/assets/img/logos/default.png',
    appName: app.name,
    appInstanceId: app.id,
    appAssignmentId: `0ua${app.id.slice(3)}`,
    credentialsSetup: false,
    hidden: false,
    sortOrder,
  };
}

export function serializeFactor(u: SimUser, f: SimFactor, base: string): Record<string, unknown> {
  return {
    id: f.id,
    factorType: f.factorType,
    provider: f.provider,
    vendorName: f.vendorName,
    status: f.status,
    created: f.created,
    lastUpdated: f.lastUpdated,
    profile: f.profile,
    _links: {
      self: { href: `${base}/api/v1/users/${u.id}/factors/${f.id}`, hints: { allow: ['GET', 'DELETE'] } },
      user: { href: `${base}/api/v1/users/${u.id}`, hints: { allow: ['GET'] } },
    },
  };
}

export function serializeRole(r: RoleAssignment, assigneeHref: string): Record<string, unknown> {
  return {
    id: r.id,
    label: r.label,
    type: r.type === 'GROUP_ADMIN' ? 'USER_ADMIN' : r.type,
    status: r.status,
    created: r.created,
    lastUpdated: r.lastUpdated,
    assignmentType: r.assignmentType,
    _links: { assignee: { href: assigneeHref } },
  };
}

export function serializeLogEvent(e: SimLogEvent): Record<string, unknown> {
  return {
    actor: e.actor,
    client: e.client,
    device: null,
    authenticationContext: e.authenticationContext,
    displayMessage: e.displayMessage,
    eventType: e.eventType,
    outcome: e.outcome,
    published: e.published,
    securityContext: e.securityContext,
    severity: e.severity,
    debugContext: e.debugContext,
    legacyEventType: e.legacyEventType,
    transaction: e.transaction,
    uuid: e.uuid,
    version: e.version,
    request: e.request,
    target: e.target,
  };
}
