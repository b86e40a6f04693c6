import { z } from 'zod';
import { defineEvent } from '../envelope';
import { credentialMode, id } from './common';

/** governance → discovery, gateway, auth: a server registration was created, changed, paused or deleted. */
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
  }),
});
