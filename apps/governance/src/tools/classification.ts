import type { Classification } from '../common/vocabulary';

export type ClassificationSource = 'annotations' | 'tenant_default' | 'admin';

const HINTS = ['readOnlyHint', 'destructiveHint', 'idempotentHint', 'openWorldHint'] as const;

/**
 * The default classification of a discovered tool, from its MCP annotations: read-only → read;
 * destructive → destructive; annotated otherwise → write; unannotated → the tenant default.
 * (Annotations are hints from the upstream, so an admin can always override the result.)
 */
export function classifyFromAnnotations(
  annotations: Record<string, unknown> | undefined,
  tenantDefault: Classification,
): { classification: Classification; source: ClassificationSource } {
  if (annotations?.['readOnlyHint'] === true) return { classification: 'read', source: 'annotations' };
  if (annotations?.['destructiveHint'] === true)
    return { classification: 'destructive', source: 'annotations' };
  if (annotations && HINTS.some((h) => typeof annotations[h] === 'boolean'))
    return { classification: 'write', source: 'annotations' };
  return { classification: tenantDefault, source: 'tenant_default' };
}
