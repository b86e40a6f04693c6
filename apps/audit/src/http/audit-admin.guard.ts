import { Inject, Injectable } from '@nestjs/common';
import { AdminGuard, IntrospectionClient } from '@portcullis/admin-auth';

export const AUDIT_INTROSPECTION = Symbol('AUDIT_INTROSPECTION');

/**
 * `AdminGuard` from @portcullis/admin-auth (its checks, unchanged), bound to this module's
 * introspection client through an explicit token: the guard does not depend on how, or whether,
 * other modules in the same (embedded) application provide an IntrospectionClient.
 */
@Injectable()
export class AuditAdminGuard extends AdminGuard {
  constructor(@Inject(AUDIT_INTROSPECTION) introspection: IntrospectionClient) {
    super(introspection);
  }
}
