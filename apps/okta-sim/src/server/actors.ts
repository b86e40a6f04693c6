import type { ActorContext, LogActor, SimApp, SimUser } from '../core/model';
import { defaultLogClient, displayName } from '../core/org';
import type { SimRequest } from './http';

/** System Log `actor` for a user (what later tests assert on to see whose token made a call). */
export function userActor(u: SimUser): LogActor {
  return {
    id: u.id,
    type: 'User',
    alternateId: u.profile.login,
    displayName: displayName(u),
    detailEntry: null,
  };
}

/** System Log `actor` for an OAuth client acting on its own behalf (client_credentials). */
export function appActor(app: SimApp): LogActor {
  const id = app.oauth?.clientId ?? app.id;
  return { id, type: 'PublicClientApp', alternateId: id, displayName: app.label, detailEntry: null };
}

export function requestActorContext(
  req: SimRequest,
  actor: LogActor,
  clientId: string | null = null,
): ActorContext {
  const client = defaultLogClient(req.ip, req.userAgent);
  client.id = clientId;
  return { actor, client, requestId: req.requestId };
}
