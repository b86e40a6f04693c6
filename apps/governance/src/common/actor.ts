import type { AdminRequest, Principal } from '@portcullis/admin-auth';

/** Who made a change, as recorded in history and in AdminActionAudited events. */
export interface Actor {
  type: 'user' | 'admin_token' | 'service' | 'system';
  id: string;
  email?: string;
}

export const SYSTEM_ACTOR: Actor = { type: 'system', id: 'governance' };

export function actorOf(principal: Principal | undefined): Actor {
  if (!principal) return SYSTEM_ACTOR;
  return {
    type: principal.kind === 'admin_api_token' ? 'admin_token' : 'user',
    id: principal.sub,
    ...(principal.email ? { email: principal.email } : {}),
  };
}

export function actorOfRequest(req: AdminRequest): Actor {
  return actorOf(req.principal);
}

export function actorLabel(a: Actor): string {
  return a.email ?? `${a.type}:${a.id}`;
}
