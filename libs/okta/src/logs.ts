import type { OktaClient, OktaPage, PageBounds } from './client';
import type { OktaCredential, OktaLogEvent } from './types';

export interface SearchLogsParams {
  /** ISO 8601; with `until` this makes a bounded (finite) query. */
  since?: string;
  until?: string;
  filter?: string;
  q?: string;
  limit?: number;
  after?: string;
  sortOrder?: 'ASCENDING' | 'DESCENDING';
  signal?: AbortSignal;
}

/** System Log (`GET /api/v1/logs`, scope `okta.logs.read`). */
export class OktaLogsApi {
  constructor(private readonly client: OktaClient) {}

  search(cred: OktaCredential, p: SearchLogsParams, bounds?: PageBounds): Promise<OktaPage<OktaLogEvent>> {
    return this.client.list<OktaLogEvent>(
      cred,
      {
        path: '/api/v1/logs',
        // Okta rejects `since` together with `after` (the cursor already encodes the position).
        query: {
          since: p.after ? undefined : p.since,
          until: p.until,
          filter: p.filter,
          q: p.q,
          limit: p.limit,
          after: p.after,
          sortOrder: p.sortOrder,
        },
        ...(p.signal ? { signal: p.signal } : {}),
      },
      bounds,
    );
  }
}
