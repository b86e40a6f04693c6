import { Inject, Injectable } from '@nestjs/common';
import type { IntrospectionClient, IntrospectionResult } from '@portcullis/admin-auth';
import { AUTH_CONFIG, type AuthConfig } from '../auth.config';
import { AdminTokensService } from '../admin-tokens/admin-tokens.service';
import { AccessTokenService } from '../tokens/access-token.service';
import { isAdminByGroups } from '../users/admin-role';

/** What a bearer credential is, for admin APIs (and for auth's own admin routes, without an HTTP hop). */
export type Introspection = IntrospectionResult & { clientId?: string; clientType?: string; exp?: number };

@Injectable()
export class IntrospectionService {
  constructor(
    private readonly adminTokens: AdminTokensService,
    private readonly accessTokens: AccessTokenService,
    @Inject(AUTH_CONFIG) private readonly cfg: AuthConfig,
  ) {}

  async introspect(token: string): Promise<Introspection> {
    if (typeof token !== 'string' || token.length === 0 || token.length > 8192)
      return { active: false, reason: 'no token' };
    const admin = await this.adminTokens.introspect(token);
    if (admin)
      return admin.active ? { active: true, ...admin.principal } : { active: false, reason: admin.reason };
    const v = await this.accessTokens.verify(token);
    if (!v.ok) return { active: false, reason: v.reason };
    const c = v.claims;
    return {
      active: true,
      kind: 'access_token',
      sub: c.sub,
      ...(c.email ? { email: c.email } : {}),
      ...(c.name ? { name: c.name } : {}),
      groups: c.groups,
      scopes: (c.scope ?? '').split(' ').filter(Boolean),
      admin: c.client_type !== 'service' && isAdminByGroups(c.groups, this.cfg.ADMIN_GROUPS),
      clientId: c.client_id,
      clientType: c.client_type,
      tokenId: c.jti,
      exp: c.exp,
    };
  }

  /** AdminGuard asks an IntrospectionClient; inside auth that is this service, in-process. */
  asClient(): IntrospectionClient {
    return { introspect: (token: string) => this.introspect(token) } as unknown as IntrospectionClient;
  }
}
