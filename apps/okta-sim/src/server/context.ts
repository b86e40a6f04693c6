import type { SimClock } from '../core/clock';
import type { SimOrg } from '../core/org';
import type { ClientAuthenticator } from '../oauth/client-auth';
import type { KeyStore } from '../oauth/keys';
import type { TokenService } from '../oauth/tokens';

/** Everything a handler needs; one per simulator instance (no module-level state). */
export interface SimContext {
  org: SimOrg;
  tokens: TokenService;
  keys: KeyStore;
  clock: SimClock;
  clients: ClientAuthenticator;
}
