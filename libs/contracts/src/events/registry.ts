import { z } from 'zod';
import { defineEvent } from '../envelope';
import { credentialMode, id } from './common';

/** How Portcullis reaches an upstream MCP server. */
export const upstreamTransport = z.enum(['streamable_http', 'sse']);
/** Where the upstream credential comes from: nothing, an OAuth client (auth's token broker), or static headers held by auth. */
export const upstreamAuthKind = z.enum(['none', 'oauth', 'static']);

/**
 * governance → discovery, gateway, auth: a server registration was created, changed, paused or deleted.
 * Carries the whole non-secret registration, so consumers can rebuild their view from these events
 * alone. Secrets never travel here (auth holds them). `revision` grows with every change, so a
 * consumer can ignore an older event that arrives late.
 */
export const ServerChanged = defineEvent({
  type: 'registry.server-changed',
  version: 1,
  keyOf: (p) => p.serverId,
  payload: z.object({
    serverId: id,
    change: z.enum(['created', 'updated', 'paused', 'resumed', 'deleted']),
    kind: z.string().min(1).max(64),
    displayName: z.string().max(200),
    toolPrefix: z.string().regex(/^[a-z][a-z0-9]{0,23}$/),
    upstreamUrl: z.string().max(2048).optional(),
    oktaOrgUrl: z.string().max(2048).optional(),
    credentialMode,
    paused: z.boolean(),
    revision: z.number().int().min(0),
    // Additive fields (optional so older producers stay valid):
    /** Catalog entry the server was registered from, e.g. "okta" or "remote-mcp". */
    catalogId: z.string().max(64).optional(),
    transport: upstreamTransport.optional(),
    upstreamAuth: upstreamAuthKind.optional(),
    /** OAuth scopes requested from the upstream authorization server (non-secret). */
    scopes: z.array(z.string().max(200)).max(100).optional(),
  }),
});
export type ServerChangedPayload = z.infer<typeof ServerChanged.payload>;
