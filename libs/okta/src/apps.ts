import { oktaPath, type OktaClient, type OktaPage, type PageBounds } from './client';
import type { OktaApp, OktaAppGroupAssignment, OktaAppUser, OktaCredential } from './types';

export interface ListAppsParams {
  q?: string;
  filter?: string;
  limit?: number;
  after?: string;
  includeNonDeleted?: boolean;
  signal?: AbortSignal;
}

export interface AppMembersParams {
  q?: string;
  limit?: number;
  after?: string;
  signal?: AbortSignal;
}

/** `/api/v1/apps` endpoints (scopes `okta.apps.read` / `okta.apps.manage`). */
export class OktaAppsApi {
  constructor(private readonly client: OktaClient) {}

  list(cred: OktaCredential, p: ListAppsParams, bounds?: PageBounds): Promise<OktaPage<OktaApp>> {
    return this.client.list<OktaApp>(
      cred,
      {
        path: '/api/v1/apps',
        query: {
          q: p.q,
          filter: p.filter,
          limit: p.limit,
          after: p.after,
          includeNonDeleted: p.includeNonDeleted,
        },
        ...(p.signal ? { signal: p.signal } : {}),
      },
      bounds,
    );
  }

  async get(cred: OktaCredential, appId: string, signal?: AbortSignal): Promise<OktaApp> {
    const res = await this.client.request<OktaApp>(cred, {
      method: 'GET',
      path: oktaPath`/api/v1/apps/${appId}`,
      ...(signal ? { signal } : {}),
    });
    return res.data as OktaApp;
  }

  async lifecycle(
    cred: OktaCredential,
    appId: string,
    action: 'activate' | 'deactivate',
    signal?: AbortSignal,
  ): Promise<void> {
    await this.client.request(cred, {
      method: 'POST',
      path: oktaPath`/api/v1/apps/${appId}/lifecycle/${action}`,
      ...(signal ? { signal } : {}),
    });
  }

  users(
    cred: OktaCredential,
    appId: string,
    p: AppMembersParams,
    bounds?: PageBounds,
  ): Promise<OktaPage<OktaAppUser>> {
    return this.client.list<OktaAppUser>(
      cred,
      {
        path: oktaPath`/api/v1/apps/${appId}/users`,
        query: { q: p.q, limit: p.limit, after: p.after },
        ...(p.signal ? { signal: p.signal } : {}),
      },
      bounds,
    );
  }

  /** One user's assignment (404 when the user is not assigned directly or via a group). */
  async getUserAssignment(
    cred: OktaCredential,
    appId: string,
    userId: string,
    signal?: AbortSignal,
  ): Promise<OktaAppUser> {
    const res = await this.client.request<OktaAppUser>(cred, {
      method: 'GET',
      path: oktaPath`/api/v1/apps/${appId}/users/${userId}`,
      ...(signal ? { signal } : {}),
    });
    return res.data as OktaAppUser;
  }

  async assignUser(
    cred: OktaCredential,
    appId: string,
    input: { id: string; scope: 'USER'; credentials?: { userName: string } },
    signal?: AbortSignal,
  ): Promise<OktaAppUser> {
    const res = await this.client.request<OktaAppUser>(cred, {
      method: 'POST',
      path: oktaPath`/api/v1/apps/${appId}/users`,
      body: input,
      ...(signal ? { signal } : {}),
    });
    return res.data as OktaAppUser;
  }

  async unassignUser(
    cred: OktaCredential,
    appId: string,
    userId: string,
    signal?: AbortSignal,
  ): Promise<void> {
    await this.client.request(cred, {
      method: 'DELETE',
      path: oktaPath`/api/v1/apps/${appId}/users/${userId}`,
      ...(signal ? { signal } : {}),
    });
  }

  groups(
    cred: OktaCredential,
    appId: string,
    p: AppMembersParams,
    bounds?: PageBounds,
  ): Promise<OktaPage<OktaAppGroupAssignment>> {
    return this.client.list<OktaAppGroupAssignment>(
      cred,
      {
        path: oktaPath`/api/v1/apps/${appId}/groups`,
        query: { q: p.q, limit: p.limit, after: p.after },
        ...(p.signal ? { signal: p.signal } : {}),
      },
      bounds,
    );
  }

  /** One group's assignment (404 when the group is not assigned). */
  async getGroupAssignment(
    cred: OktaCredential,
    appId: string,
    groupId: string,
    signal?: AbortSignal,
  ): Promise<OktaAppGroupAssignment> {
    const res = await this.client.request<OktaAppGroupAssignment>(cred, {
      method: 'GET',
      path: oktaPath`/api/v1/apps/${appId}/groups/${groupId}`,
      ...(signal ? { signal } : {}),
    });
    return res.data as OktaAppGroupAssignment;
  }

  async assignGroup(
    cred: OktaCredential,
    appId: string,
    groupId: string,
    input: { priority?: number },
    signal?: AbortSignal,
  ): Promise<OktaAppGroupAssignment> {
    const res = await this.client.request<OktaAppGroupAssignment>(cred, {
      method: 'PUT',
      path: oktaPath`/api/v1/apps/${appId}/groups/${groupId}`,
      body: input,
      ...(signal ? { signal } : {}),
    });
    return res.data as OktaAppGroupAssignment;
  }

  async unassignGroup(
    cred: OktaCredential,
    appId: string,
    groupId: string,
    signal?: AbortSignal,
  ): Promise<void> {
    await this.client.request(cred, {
      method: 'DELETE',
      path: oktaPath`/api/v1/apps/${appId}/groups/${groupId}`,
      ...(signal ? { signal } : {}),
    });
  }
}
