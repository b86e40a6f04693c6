import { oktaPath, type OktaClient, type OktaPage, type PageBounds } from './client';
import type {
  OktaActivationResult,
  OktaAppLink,
  OktaCredential,
  OktaFactor,
  OktaGroup,
  OktaResetPasswordResult,
  OktaUser,
  OktaUserProfile,
} from './types';

export interface ListUsersParams {
  /** Okta `q`: startsWith on firstName, lastName, email. */
  q?: string;
  /** Okta `filter` expression (already validated by the caller). */
  filter?: string;
  /** Okta `search` expression (already validated by the caller). */
  search?: string;
  limit?: number;
  after?: string;
  sortBy?: string;
  sortOrder?: 'asc' | 'desc';
  signal?: AbortSignal;
}

export type UserLifecycleAction =
  | 'activate'
  | 'reactivate'
  | 'deactivate'
  | 'suspend'
  | 'unsuspend'
  | 'unlock'
  | 'reset_password'
  | 'expire_password';

export interface CreateUserInput {
  profile: OktaUserProfile;
  credentials?: { password?: { value: string } };
  groupIds?: string[];
}

/** `/api/v1/users` endpoints (scopes `okta.users.read` / `okta.users.manage`). */
export class OktaUsersApi {
  constructor(private readonly client: OktaClient) {}

  list(cred: OktaCredential, p: ListUsersParams, bounds?: PageBounds): Promise<OktaPage<OktaUser>> {
    return this.client.list<OktaUser>(
      cred,
      {
        path: '/api/v1/users',
        query: {
          q: p.q,
          filter: p.filter,
          search: p.search,
          limit: p.limit,
          after: p.after,
          sortBy: p.sortBy,
          sortOrder: p.sortOrder,
        },
        ...(p.signal ? { signal: p.signal } : {}),
      },
      bounds,
    );
  }

  /** `idOrLogin` may be an id or a login; Okta resolves both on the same path. */
  async get(cred: OktaCredential, idOrLogin: string, signal?: AbortSignal): Promise<OktaUser> {
    const res = await this.client.request<OktaUser>(cred, {
      method: 'GET',
      path: oktaPath`/api/v1/users/${idOrLogin}`,
      ...(signal ? { signal } : {}),
    });
    return res.data as OktaUser;
  }

  /** The user the credential belongs to (`/users/me`). */
  async me(cred: OktaCredential, signal?: AbortSignal): Promise<OktaUser> {
    const res = await this.client.request<OktaUser>(cred, {
      method: 'GET',
      path: '/api/v1/users/me',
      ...(signal ? { signal } : {}),
    });
    return res.data as OktaUser;
  }

  groups(
    cred: OktaCredential,
    userId: string,
    bounds?: PageBounds,
    signal?: AbortSignal,
  ): Promise<OktaPage<OktaGroup>> {
    return this.client.list<OktaGroup>(
      cred,
      { path: oktaPath`/api/v1/users/${userId}/groups`, ...(signal ? { signal } : {}) },
      bounds,
    );
  }

  appLinks(
    cred: OktaCredential,
    userId: string,
    bounds?: PageBounds,
    signal?: AbortSignal,
  ): Promise<OktaPage<OktaAppLink>> {
    return this.client.list<OktaAppLink>(
      cred,
      { path: oktaPath`/api/v1/users/${userId}/appLinks`, ...(signal ? { signal } : {}) },
      bounds,
    );
  }

  factors(cred: OktaCredential, userId: string, signal?: AbortSignal): Promise<OktaPage<OktaFactor>> {
    return this.client.list<OktaFactor>(cred, {
      path: oktaPath`/api/v1/users/${userId}/factors`,
      ...(signal ? { signal } : {}),
    });
  }

  async create(
    cred: OktaCredential,
    input: CreateUserInput,
    opts: { activate: boolean; signal?: AbortSignal },
  ): Promise<OktaUser> {
    const res = await this.client.request<OktaUser>(cred, {
      method: 'POST',
      path: '/api/v1/users',
      query: { activate: opts.activate },
      body: input,
      ...(opts.signal ? { signal: opts.signal } : {}),
    });
    return res.data as OktaUser;
  }

  /** Partial profile update (`POST /users/{id}`): attributes not named stay as they are. */
  async updateProfile(
    cred: OktaCredential,
    userId: string,
    profile: Partial<OktaUserProfile>,
    signal?: AbortSignal,
  ): Promise<OktaUser> {
    const res = await this.client.request<OktaUser>(cred, {
      method: 'POST',
      path: oktaPath`/api/v1/users/${userId}`,
      body: { profile },
      ...(signal ? { signal } : {}),
    });
    return res.data as OktaUser;
  }

  async lifecycle(
    cred: OktaCredential,
    userId: string,
    action: UserLifecycleAction,
    query: Record<string, boolean | undefined> = {},
    signal?: AbortSignal,
  ): Promise<OktaActivationResult & OktaResetPasswordResult & Partial<OktaUser>> {
    const res = await this.client.request<OktaActivationResult & OktaResetPasswordResult & Partial<OktaUser>>(
      cred,
      {
        method: 'POST',
        path: oktaPath`/api/v1/users/${userId}/lifecycle/${action}`,
        query,
        ...(signal ? { signal } : {}),
      },
    );
    return res.data ?? {};
  }

  async clearSessions(
    cred: OktaCredential,
    userId: string,
    opts: { oauthTokens: boolean; signal?: AbortSignal },
  ): Promise<void> {
    await this.client.request(cred, {
      method: 'DELETE',
      path: oktaPath`/api/v1/users/${userId}/sessions`,
      query: { oauthTokens: opts.oauthTokens },
      ...(opts.signal ? { signal: opts.signal } : {}),
    });
  }

  /** Deletes a DEPROVISIONED user. (On any other status Okta would deactivate instead — callers check first.) */
  async delete(
    cred: OktaCredential,
    userId: string,
    opts: { sendEmail?: boolean; signal?: AbortSignal } = {},
  ): Promise<void> {
    await this.client.request(cred, {
      method: 'DELETE',
      path: oktaPath`/api/v1/users/${userId}`,
      query: { sendEmail: opts.sendEmail },
      ...(opts.signal ? { signal: opts.signal } : {}),
    });
  }
}
