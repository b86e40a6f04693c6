import { Injectable } from '@nestjs/common';
import { AdminGuard } from '@portcullis/admin-auth';
import { IntrospectionService } from './introspection.service';

/**
 * `AdminGuard` from @portcullis/admin-auth, asking auth's own introspection in-process instead of
 * over HTTP. (AdminGuard's constructor parameter is a type-only import, so Nest cannot infer its
 * provider; this subclass names it. The checks are AdminGuard's, unchanged.)
 */
@Injectable()
export class AuthAdminGuard extends AdminGuard {
  constructor(introspection: IntrospectionService) {
    super(introspection.asClient());
  }
}
