/** In-memory domain model of the simulated org. Dates are stored as ISO-8601 UTC strings, as Okta returns them. */

export type UserStatus =
  | 'STAGED'
  | 'PROVISIONED'
  | 'ACTIVE'
  | 'RECOVERY'
  | 'LOCKED_OUT'
  | 'PASSWORD_EXPIRED'
  | 'SUSPENDED'
  | 'DEPROVISIONED';

/**
 * Admin role types. Okta's API calls the "Group Administrator" role `USER_ADMIN`; `GROUP_ADMIN` is
 * accepted as a friendlier alias with identical semantics (both may be scoped to groups).
 */
export type AdminRoleType =
  | 'SUPER_ADMIN'
  | 'ORG_ADMIN'
  | 'APP_ADMIN'
  | 'USER_ADMIN'
  | 'GROUP_ADMIN'
  | 'GROUP_MEMBERSHIP_ADMIN'
  | 'HELP_DESK_ADMIN'
  | 'READ_ONLY_ADMIN'
  | 'REPORT_ADMIN'
  | 'API_ACCESS_MANAGEMENT_ADMIN'
  | 'MOBILE_ADMIN';

export const ADMIN_ROLE_LABELS: Record<AdminRoleType, string> = {
  SUPER_ADMIN: 'Super Administrator',
  ORG_ADMIN: 'Organizational Administrator',
  APP_ADMIN: 'Application Administrator',
  USER_ADMIN: 'Group Administrator',
  GROUP_ADMIN: 'Group Administrator',
  GROUP_MEMBERSHIP_ADMIN: 'Group Membership Administrator',
  HELP_DESK_ADMIN: 'Help Desk Administrator',
  READ_ONLY_ADMIN: 'Read-only Administrator',
  REPORT_ADMIN: 'Report Administrator',
  API_ACCESS_MANAGEMENT_ADMIN: 'API Access Management Administrator',
  MOBILE_ADMIN: 'Mobile Administrator',
};

export interface RoleAssignment {
  id: string;
  type: AdminRoleType;
  label: string;
  status: 'ACTIVE';
  created: string;
  lastUpdated: string;
  assignmentType: 'USER' | 'CLIENT';
  /** Group ids the role is limited to (USER_ADMIN / GROUP_ADMIN / GROUP_MEMBERSHIP_ADMIN / HELP_DESK_ADMIN). */
  groupTargets?: string[];
}

export interface UserProfile {
  login: string;
  email: string;
  firstName: string;
  lastName: string;
  [key: string]: unknown;
}

export interface SimFactor {
  id: string;
  factorType: string;
  provider: string;
  vendorName: string;
  status: 'ACTIVE' | 'PENDING_ACTIVATION';
  created: string;
  lastUpdated: string;
  profile: Record<string, unknown>;
}

export interface Sequenced {
  id: string;
  /** Monotonic insertion sequence: the stable sort key behind opaque paging cursors. */
  seq: number;
  deleted?: boolean;
}

export interface SimUser extends Sequenced {
  status: UserStatus;
  transitioningToStatus: string | null;
  created: string;
  activated: string | null;
  statusChanged: string | null;
  lastLogin: string | null;
  lastUpdated: string;
  passwordChanged: string | null;
  typeId: string;
  profile: UserProfile;
  /** Plain text — this is a test double. Never serialized. */
  password: string | null;
  roles: RoleAssignment[];
  factors: SimFactor[];
  failedLogins: number;
}

export type GroupType = 'OKTA_GROUP' | 'APP_GROUP' | 'BUILT_IN';

export interface SimGroup extends Sequenced {
  type: GroupType;
  created: string;
  lastUpdated: string;
  lastMembershipUpdated: string;
  profile: { name: string; description: string | null; [key: string]: unknown };
  /** Member user ids in insertion order. */
  members: Set<string>;
}

export type TokenEndpointAuthMethod =
  | 'client_secret_basic'
  | 'client_secret_post'
  | 'private_key_jwt'
  | 'none';
export type OAuthApplicationType = 'web' | 'service' | 'browser' | 'native';

/** A public key registered for `private_key_jwt` (JWK members as Okta stores them). */
export interface ClientJwk {
  kid: string;
  kty: string;
  alg?: string;
  use?: string;
  n?: string;
  e?: string;
  crv?: string;
  x?: string;
  y?: string;
  status?: 'ACTIVE' | 'INACTIVE';
}

export interface OAuthClientSettings {
  clientId: string;
  clientSecret: string | null;
  tokenEndpointAuthMethod: TokenEndpointAuthMethod;
  applicationType: OAuthApplicationType;
  redirectUris: string[];
  postLogoutRedirectUris: string[];
  grantTypes: string[];
  responseTypes: string[];
  jwks: ClientJwk[];
  /** "Require PKCE as additional verification" (always effectively on for public clients). */
  pkceRequired: boolean;
  /** ROTATE vs STATIC (Okta `settings.oauthClient.refresh_token.rotation_type`). */
  refreshTokenRotation: boolean;
  /** Grace period in which the previous refresh token still works after a rotation (Okta default 30 s). */
  refreshTokenLeewaySeconds: number;
}

export interface AppGrant {
  id: string;
  scopeId: string;
  issuer: string;
  created: string;
  createdBy: { id: string; type: 'User' | 'Client' };
}

export interface AppUserAssignment {
  userId: string;
  created: string;
  lastUpdated: string;
  statusChanged: string;
  profile: Record<string, unknown>;
  userName: string;
}

export interface AppGroupAssignment {
  groupId: string;
  priority: number;
  profile: Record<string, unknown>;
  lastUpdated: string;
}

export type SignOnMode =
  | 'OPENID_CONNECT'
  | 'SAML_2_0'
  | 'BOOKMARK'
  | 'AUTO_LOGIN'
  | 'BROWSER_PLUGIN'
  | 'SECURE_PASSWORD_STORE'
  | 'BASIC_AUTH'
  | 'WS_FEDERATION'
  | 'SAML_1_1';

export interface SimApp extends Sequenced {
  name: string;
  label: string;
  status: 'ACTIVE' | 'INACTIVE';
  signOnMode: SignOnMode;
  created: string;
  lastUpdated: string;
  features: string[];
  settings: Record<string, unknown>;
  oauth: OAuthClientSettings | null;
  /** Okta API scope grants keyed by scope id. */
  grants: Map<string, AppGrant>;
  userAssignments: Map<string, AppUserAssignment>;
  groupAssignments: Map<string, AppGroupAssignment>;
  /** Admin roles assigned to a service app (needed in addition to scopes, like for users). */
  roles: RoleAssignment[];
}

export interface LogActor {
  id: string;
  type: 'User' | 'PublicClientApp' | 'SystemPrincipal';
  alternateId: string;
  displayName: string;
  detailEntry: Record<string, unknown> | null;
}

export interface LogTarget {
  id: string;
  type: string;
  alternateId: string;
  displayName: string;
  detailEntry: Record<string, unknown> | null;
}

export interface LogClient {
  userAgent: { rawUserAgent: string; os: string; browser: string };
  zone: string;
  device: string;
  id: string | null;
  ipAddress: string;
  geographicalContext: null;
}

export interface SimLogEvent extends Sequenced {
  uuid: string;
  published: string;
  eventType: string;
  legacyEventType: string | null;
  displayMessage: string;
  severity: 'INFO' | 'WARN' | 'ERROR' | 'DEBUG';
  version: '0';
  actor: LogActor;
  client: LogClient;
  outcome: { result: 'SUCCESS' | 'FAILURE' | 'DENY' | 'ALLOW' | 'UNKNOWN'; reason: string | null };
  target: LogTarget[];
  transaction: { type: 'WEB' | 'JOB'; id: string; detail: Record<string, unknown> };
  debugContext: { debugData: Record<string, unknown> };
  authenticationContext: Record<string, unknown>;
  securityContext: Record<string, unknown>;
  request: { ipChain: { ip: string }[] };
}

/** Who performs an operation and from where — becomes `actor`/`client` of the System Log event. */
export interface ActorContext {
  actor: LogActor;
  client: LogClient;
  requestId: string;
}
