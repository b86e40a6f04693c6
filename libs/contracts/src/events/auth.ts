import { z } from 'zod';
import { defineEvent } from '../envelope';
import { clientType, id } from './common';

/** auth → gateways: a user's (or the service identity's) upstream connection changed. */
export const ConnectionChanged = defineEvent({
  type: 'auth.connection-changed',
  version: 1,
  keyOf: (p) => `${p.serverId}:${p.userId ?? 'service'}`,
  payload: z.object({
    serverId: id,
    userId: id.optional(),
    change: z.enum([
      'connected',
      'disconnected',
      'revoked',
      'needs_reconnect',
      'scopes_changed',
      'refreshed',
    ]),
    authorizedAs: z.string().max(320).optional(),
    /** Which credential the change is about: a user's own, or the shared service identity. */
    mode: z.enum(['per_user', 'service', 'client_credentials']).optional(),
    reason: z.string().max(500).optional(),
  }),
});

/**
 * auth → gateways: an AI client was closed, hidden or re-activated, or some of its access tokens
 * were revoked (RFC 7009 revocation, refresh-token reuse). Gateways drop the listed token ids (JWT
 * `jti`) at once, and every token of a `closed` client.
 */
export const ClientChanged = defineEvent({
  type: 'auth.client-changed',
  version: 1,
  keyOf: (p) => p.clientId,
  payload: z.object({
    /** The AI client id: the `client_id` claim of the access tokens auth issues. */
    clientId: id,
    change: z.enum(['registered', 'updated', 'closed', 'hidden', 'activated', 'tokens_revoked']),
    revokedTokenIds: z.array(z.string()).max(10_000).optional(),
    state: z.enum(['active', 'hidden', 'closed']).optional(),
    type: clientType.optional(),
    /** Owner (Portcullis user id), when the client belongs to one user. */
    userId: id.optional(),
    /** The OAuth client id (DCR id or metadata document URL); the `azp` claim of its tokens. */
    oauthClientId: z.string().max(2048).optional(),
  }),
});

/**
 * auth → services with admin APIs: an admin API token was revoked. They drop any remembered
 * introspection answer for it at once (without this, a revoked token kept working until that
 * answer aged out).
 */
export const AdminTokenRevoked = defineEvent({
  type: 'auth.admin-token-revoked',
  version: 1,
  keyOf: (p) => p.tokenId,
  payload: z.object({
    /** The admin API token's id: `sub` in introspection answers for it. */
    tokenId: id,
  }),
});
