import { OktaClient, type OktaClientOptions } from './client';
import { OktaUsersApi } from './users';
import { OktaGroupsApi } from './groups';
import { OktaAppsApi } from './apps';
import { OktaLogsApi } from './logs';

export * from './types';
export * from './errors';
export * from './org-url';
export * from './headers';
export * from './client';
export * from './users';
export * from './groups';
export * from './apps';
export * from './logs';

/** The typed Management API surface Portcullis uses, over one shared connection pool. */
export class OktaApi {
  readonly users: OktaUsersApi;
  readonly groups: OktaGroupsApi;
  readonly apps: OktaAppsApi;
  readonly logs: OktaLogsApi;

  constructor(readonly client: OktaClient) {
    this.users = new OktaUsersApi(client);
    this.groups = new OktaGroupsApi(client);
    this.apps = new OktaAppsApi(client);
    this.logs = new OktaLogsApi(client);
  }

  static create(options?: OktaClientOptions): OktaApi {
    return new OktaApi(new OktaClient(options));
  }

  close(): Promise<void> {
    return this.client.close();
  }
}
