/**
 * The subset of Okta Management API object shapes that Portcullis reads. Okta adds fields over
 * time and orgs add custom profile attributes, so every object keeps an index signature: unknown
 * fields pass through untouched (the `full` view of a tool returns them).
 */

export type OktaTokenType = 'Bearer' | 'SSWS';

/** Who calls Okta, per call. Never stored by the client. */
export interface OktaCredential {
  /** Org origin, e.g. `https://acme.okta.com` (validated against the SSRF rules on every call). */
  orgUrl: string;
  accessToken: string;
  tokenType: OktaTokenType;
}

export type UserStatus =
  | 'STAGED'
  | 'PROVISIONED'
  | 'ACTIVE'
  | 'RECOVERY'
  | 'LOCKED_OUT'
  | 'PASSWORD_EXPIRED'
  | 'SUSPENDED'
  | 'DEPROVISIONED';

export interface OktaUserProfile {
  login: string;
  email?: string;
  firstName?: string | null;
  lastName?: string | null;
  displayName?: string | null;
  [attribute: string]: unknown;
}

export interface OktaUser {
  id: string;
  status: UserStatus;
  created?: string;
  activated?: string | null;
  statusChanged?: string | null;
  lastLogin?: string | null;
  lastUpdated?: string;
  passwordChanged?: string | null;
  transitioningToStatus?: string | null;
  type?: { id: string };
  profile: OktaUserProfile;
  [field: string]: unknown;
}

export type GroupType = 'OKTA_GROUP' | 'APP_GROUP' | 'BUILT_IN';

export interface OktaGroup {
  id: string;
  type: GroupType;
  created?: string;
  lastUpdated?: string;
  lastMembershipUpdated?: string;
  profile: { name: string; description?: string | null; [attribute: string]: unknown };
  [field: string]: unknown;
}

export type AppStatus = 'ACTIVE' | 'INACTIVE' | 'DELETED';

export interface OktaApp {
  id: string;
  name: string;
  label: string;
  status: AppStatus;
  signOnMode?: string;
  created?: string;
  lastUpdated?: string;
  [field: string]: unknown;
}

export interface OktaAppLink {
  id?: string;
  appInstanceId: string;
  appName?: string;
  label: string;
  linkUrl?: string;
  appAssignmentId?: string;
  hidden?: boolean;
  sortOrder?: number;
  [field: string]: unknown;
}

export interface OktaAppUser {
  id: string;
  scope?: 'USER' | 'GROUP';
  status?: string;
  syncState?: string;
  created?: string;
  lastUpdated?: string;
  credentials?: { userName?: string; [field: string]: unknown };
  profile?: Record<string, unknown>;
  [field: string]: unknown;
}

export interface OktaAppGroupAssignment {
  id: string;
  priority?: number;
  lastUpdated?: string;
  profile?: Record<string, unknown>;
  [field: string]: unknown;
}

export interface OktaFactor {
  id: string;
  factorType: string;
  provider?: string;
  status?: string;
  vendorName?: string;
  created?: string;
  lastUpdated?: string;
  [field: string]: unknown;
}

export interface OktaLogActor {
  id?: string;
  type?: string;
  alternateId?: string;
  displayName?: string;
  [field: string]: unknown;
}

export interface OktaLogEvent {
  uuid: string;
  published: string;
  eventType: string;
  displayMessage?: string;
  severity?: string;
  actor?: OktaLogActor;
  outcome?: { result?: string; reason?: string | null };
  target?: OktaLogActor[] | null;
  client?: { ipAddress?: string | null; [field: string]: unknown };
  [field: string]: unknown;
}

export interface OktaResetPasswordResult {
  resetPasswordUrl?: string;
  [field: string]: unknown;
}

export interface OktaActivationResult {
  activationUrl?: string;
  activationToken?: string;
  [field: string]: unknown;
}
