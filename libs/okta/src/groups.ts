import { oktaPath, type OktaClient, type OktaPage, type PageBounds } from './client';
import type { OktaApp, OktaCredential, OktaGroup, OktaUser } from './types';

export interface ListGroupsParams {
  q?: string;
  filter?: string;
  search?: string;
  limit?: number;
  after?: string;
  sortBy?: string;
  sortOrder?: 'asc' | 'desc';
  signal?: AbortSignal;
}

export interface PageParams {
  limit?: number;
  after?: string;
  signal?: AbortSignal;
}

/** `/api/v1/groups` endpoints (scopes `okta.groups.read` / `okta.groups.manage`). */
export class OktaGroupsApi {
  constructor(private readonly client: OktaClient) {}

  list(cred: OktaCredential, p: ListGroupsParams, bounds?: PageBounds): Promise<OktaPage<OktaGroup>> {
    return this.client.list<OktaGroup>(
      cred,
      {
        path: '/api/v1/groups',
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

  async get(cred: OktaCredential, groupId: string, signal?: AbortSignal): Promise<OktaGroup> {
    const res = await this.client.request<OktaGroup>(cred, {
      method: 'GET',
      path: oktaPath`/api/v1/groups/${groupId}`,
      ...(signal ? { signal } : {}),
    });
    return res.data as OktaGroup;
  }

  async create(
    cred: OktaCredential,
    profile: { name: string; description?: string },
    signal?: AbortSignal,
  ): Promise<OktaGroup> {
    const res = await this.client.request<OktaGroup>(cred, {
      method: 'POST',
      path: '/api/v1/groups',
      body: { profile },
      ...(signal ? { signal } : {}),
    });
    return res.data as OktaGroup;
  }

  /** Full replace of the group profile (`PUT`): callers merge with the current profile first. */
  async update(
    cred: OktaCredential,
    groupId: string,
    profile: { name: string; description?: string | null },
    signal?: AbortSignal,
  ): Promise<OktaGroup> {
    const res = await this.client.request<OktaGroup>(cred, {
      method: 'PUT',
      path: oktaPath`/api/v1/groups/${groupId}`,
      body: { profile },
      ...(signal ? { signal } : {}),
    });
    return res.data as OktaGroup;
  }

  async delete(cred: OktaCredential, groupId: string, signal?: AbortSignal): Promise<void> {
    await this.client.request(cred, {
      method: 'DELETE',
      path: oktaPath`/api/v1/groups/${groupId}`,
      ...(signal ? { signal } : {}),
    });
  }

  members(
    cred: OktaCredential,
    groupId: string,
    p: PageParams,
    bounds?: PageBounds,
  ): Promise<OktaPage<OktaUser>> {
    return this.client.list<OktaUser>(
      cred,
      {
        path: oktaPath`/api/v1/groups/${groupId}/users`,
        query: { limit: p.limit, after: p.after },
        ...(p.signal ? { signal: p.signal } : {}),
      },
      bounds,
    );
  }

  async addMember(
    cred: OktaCredential,
    groupId: string,
    userId: string,
    signal?: AbortSignal,
  ): Promise<void> {
    await this.client.request(cred, {
      method: 'PUT',
      path: oktaPath`/api/v1/groups/${groupId}/users/${userId}`,
      ...(signal ? { signal } : {}),
    });
  }

  async removeMember(
    cred: OktaCredential,
    groupId: string,
    userId: string,
    signal?: AbortSignal,
  ): Promise<void> {
    await this.client.request(cred, {
      method: 'DELETE',
      path: oktaPath`/api/v1/groups/${groupId}/users/${userId}`,
      ...(signal ? { signal } : {}),
    });
  }

  apps(
    cred: OktaCredential,
    groupId: string,
    p: PageParams,
    bounds?: PageBounds,
  ): Promise<OktaPage<OktaApp>> {
    return this.client.list<OktaApp>(
      cred,
      {
        path: oktaPath`/api/v1/groups/${groupId}/apps`,
        query: { limit: p.limit, after: p.after },
        ...(p.signal ? { signal: p.signal } : {}),
      },
      bounds,
    );
  }
}
