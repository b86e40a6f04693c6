import { z } from 'zod';
import { defineEvent } from '../envelope';
import { id } from './common';

/** auth → gateways: a user's (or the service identity's) upstream connection changed. */
export const ConnectionChanged = defineEvent({
  type: 'auth.connection-changed',
  version: 1,
  keyOf: (p) => `${p.serverId}:${p.userId ?? 'service'}`,
  payload: z.object({
    serverId: id,
    userId: id.optional(),
    change: z.enum(['connected', 'disconnected', 'revoked', 'needs_reconnect', 'scopes_changed', 'refreshed']),
    authorizedAs: z.string().max(320).optional(),
  }),
});

/** auth → gateways: an AI client was closed or a user's sessions were revoked. */
export const ClientChanged = defineEvent({
  type: 'auth.client-changed',
  version: 1,
  keyOf: (p) => p.clientId,
  payload: z.object({
    clientId: id,
    change: z.enum(['registered', 'updated', 'closed', 'hidden', 'activated']),
    revokedTokenIds: z.array(z.string()).max(10_000).optional(),
  }),
});
