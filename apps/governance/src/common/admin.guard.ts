import { Inject, Injectable } from '@nestjs/common';
import { AdminGuard, IntrospectionClient } from '@portcullis/admin-auth';

export const GOVERNANCE_INTROSPECTION = Symbol('GOVERNANCE_INTROSPECTION');

/**
 * `AdminGuard` from @portcullis/admin-auth bound to governance's introspection client. Its
 * constructor parameter is type-only in the library, so Nest cannot resolve it by class; this
 * subclass names the provider explicitly. The checks are AdminGuard's, unchanged.
 */
@Injectable()
export class GovernanceAdminGuard extends AdminGuard {
  constructor(@Inject(GOVERNANCE_INTROSPECTION) introspection: IntrospectionClient) {
    super(introspection);
  }
}
