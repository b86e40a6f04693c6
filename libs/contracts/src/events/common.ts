import { z } from 'zod';

export const id = z.string().min(1).max(200);
export const toolName = z.string().regex(/^[A-Za-z0-9_.-]{1,128}$/);
export const credentialMode = z.enum(['per_user', 'service', 'client_credentials', 'none', 'static']);
export const toolState = z.enum(['pending_review', 'approved', 'disabled', 'removed']);
export const classification = z.enum(['read', 'write', 'destructive', 'sensitive', 'dangerous', 'unclassified']);
export const clientType = z.enum(['personal', 'shared', 'service', 'ephemeral']);
export const actor = z.object({
  type: z.enum(['user', 'admin_token', 'service', 'system']),
  id: z.string().max(200),
  email: z.string().max(320).optional(),
});
