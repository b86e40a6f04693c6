import type { ToolDefinition } from '@portcullis/contracts';
import { canonicalJson } from '@portcullis/crypto';
import type { Classification } from '../common/vocabulary';
import { classifyFromAnnotations } from './classification';
import type { McpToolDefinition, NewHistoryEntry, ToolChanges, ToolRecord } from './tools.repository';

/**
 * What a discovery result does to a server's tools — a pure plan, applied by the consumer in one
 * transaction. Rules: a new tool starts pending review (or approved when approval is not required);
 * a changed definition is recorded and, when approved definitions are pinned, sends an approved tool
 * back to review; a vanished tool becomes removed; a tool that reappears is reviewed again.
 */
export interface InventoryRules {
  requireApproval: boolean;
  pinApprovedDefinitions: boolean;
  defaultClassification: Classification;
}

export type HistoryDraft = Omit<NewHistoryEntry, 'toolId' | 'serverId' | 'toolName' | 'actor'>;

export type InventoryAction =
  | {
      kind: 'insert';
      name: string;
      tool: Omit<
        ToolRecord,
        'id' | 'tenantId' | 'serverId' | 'revision' | 'firstSeenAt' | 'updatedAt' | 'removedAt'
      >;
      history: HistoryDraft;
    }
  | { kind: 'update'; toolId: string; name: string; changes: ToolChanges; history: HistoryDraft };

export function definitionOf(d: ToolDefinition): McpToolDefinition {
  return {
    name: d.name,
    ...(d.title !== undefined ? { title: d.title } : {}),
    ...(d.description !== undefined ? { description: d.description } : {}),
    inputSchema: d.inputSchema,
    ...(d.outputSchema !== undefined ? { outputSchema: d.outputSchema } : {}),
    ...(d.annotations !== undefined ? { annotations: d.annotations } : {}),
    ...(d.meta !== undefined ? { meta: d.meta } : {}),
  };
}

export function planInventory(
  existing: readonly ToolRecord[],
  result: {
    added: readonly ToolDefinition[];
    changed: readonly ToolDefinition[];
    removed: readonly string[];
    fullInventory?: boolean;
  },
  rules: InventoryRules,
  now = new Date(),
): InventoryAction[] {
  const byName = new Map(existing.map((t) => [t.name, t]));
  const seen = new Set<string>();
  const actions: InventoryAction[] = [];
  const newState = rules.requireApproval ? ('pending_review' as const) : ('approved' as const);

  for (const def of [...result.added, ...result.changed]) {
    if (seen.has(def.name)) continue;
    seen.add(def.name);
    const current = byName.get(def.name);
    const derived = classifyFromAnnotations(def.annotations, rules.defaultClassification);
    const definition = definitionOf(def);
    if (!current) {
      actions.push({
        kind: 'insert',
        name: def.name,
        tool: {
          name: def.name,
          state: newState,
          classification: derived.classification,
          defaultClassification: derived.classification,
          classificationSource: derived.source,
          allowedClientTypes: null,
          definition,
          definitionHash: def.hash,
          approvedHash: newState === 'approved' ? def.hash : null,
        },
        history: {
          change: 'discovered',
          oldState: null,
          newState,
          oldClassification: null,
          newClassification: derived.classification,
          oldHash: null,
          newHash: def.hash,
          details: null,
        },
      });
      continue;
    }
    const classification =
      current.classificationSource === 'admin' ? current.classification : derived.classification;
    const classificationChanges: ToolChanges =
      current.classificationSource === 'admin'
        ? { defaultClassification: derived.classification }
        : {
            classification: derived.classification,
            defaultClassification: derived.classification,
            classificationSource: derived.source,
          };
    if (current.state === 'removed') {
      actions.push({
        kind: 'update',
        toolId: current.id,
        name: def.name,
        changes: {
          state: newState,
          definition,
          definitionHash: def.hash,
          removedAt: null,
          ...(newState === 'approved' ? { approvedHash: def.hash } : {}),
          ...classificationChanges,
        },
        history: {
          change: 'restored',
          oldState: 'removed',
          newState,
          oldClassification: current.classification,
          newClassification: classification,
          oldHash: current.definitionHash,
          newHash: def.hash,
          details: null,
        },
      });
      continue;
    }
    if (current.definitionHash === def.hash) continue;
    const backToReview = current.state === 'approved' && rules.pinApprovedDefinitions;
    actions.push({
      kind: 'update',
      toolId: current.id,
      name: def.name,
      changes: {
        definition,
        definitionHash: def.hash,
        ...(backToReview ? { state: 'pending_review' } : {}),
        ...classificationChanges,
      },
      history: {
        change: 'definition_changed',
        oldState: current.state,
        newState: backToReview ? 'pending_review' : current.state,
        oldClassification: current.classification,
        newClassification: classification,
        oldHash: current.definitionHash,
        newHash: def.hash,
        details: {
          ...(backToReview
            ? {
                reason:
                  'The approved definition changed and approved definitions are pinned: re-approve to make it callable again.',
              }
            : {}),
          changedFields: changedFields(current.definition, definition),
        },
      },
    });
  }

  const removed = new Set(result.removed);
  if (result.fullInventory) {
    // A full resync lists every tool: whatever it did not list is gone.
    for (const t of existing) if (!seen.has(t.name)) removed.add(t.name);
  }
  for (const name of removed) {
    const current = byName.get(name);
    if (!current || current.state === 'removed' || seen.has(name)) continue;
    actions.push({
      kind: 'update',
      toolId: current.id,
      name,
      changes: { state: 'removed', removedAt: now.toISOString() },
      history: {
        change: 'removed',
        oldState: current.state,
        newState: 'removed',
        oldClassification: current.classification,
        newClassification: current.classification,
        oldHash: current.definitionHash,
        newHash: null,
        details: null,
      },
    });
  }
  return actions;
}

function changedFields(a: McpToolDefinition, b: McpToolDefinition): string[] {
  const keys: (keyof McpToolDefinition)[] = [
    'title',
    'description',
    'inputSchema',
    'outputSchema',
    'annotations',
  ];
  return keys.filter((k) => canonicalJson(a[k] ?? null) !== canonicalJson(b[k] ?? null));
}
