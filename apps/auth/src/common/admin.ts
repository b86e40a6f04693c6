import { applyDecorators, UseFilters, UseGuards } from '@nestjs/common';
import type { AdminRequest } from '@portcullis/admin-auth';
import type { z } from 'zod';
import type { AuditActor } from './auth-events';
import { ValidationError } from './errors';
import { ProblemDetailsFilter } from './filters';
import { AuthAdminGuard } from '../internal/auth-admin.guard';

/** Admin API route: AdminGuard (admin API token, bootstrap token, or an admin user's access token) + problem details. */
export const AdminApi = () => applyDecorators(UseGuards(AuthAdminGuard), UseFilters(ProblemDetailsFilter));

export function actorOf(req: AdminRequest): AuditActor {
  const p = req.principal;
  if (!p) return { type: 'system', id: 'unknown' };
  return p.kind === 'admin_api_token'
    ? { type: 'admin_token', id: p.sub }
    : { type: 'user', id: p.sub, ...(p.email ? { email: p.email } : {}) };
}

export function parseBody<S extends z.ZodType>(schema: S, body: unknown): z.output<S> {
  const r = schema.safeParse(body ?? {});
  if (!r.success) {
    const problems = r.error.issues.map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`);
    throw new ValidationError(`The request body is invalid: ${problems.join('; ')}.`, problems);
  }
  return r.data;
}
