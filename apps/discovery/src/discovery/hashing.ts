import { type ToolDefinition, toolDefinition } from '@portcullis/contracts';
import { canonicalJson, sha256Hex } from '@portcullis/crypto';

/** A tool as an MCP server lists it (the parts discovery keeps). */
export interface ListedTool {
  name: string;
  title?: string;
  description?: string;
  inputSchema: Record<string, unknown>;
  outputSchema?: Record<string, unknown>;
  annotations?: Record<string, unknown>;
  _meta?: Record<string, unknown>;
}

/**
 * The definition hash: sha256 of the canonical JSON of what an AI client is shown and what decides
 * behaviour — name, title, description, input/output schema, annotations. `_meta` is left out (it
 * carries server bookkeeping, not the contract).
 */
export function definitionHash(
  t: Pick<ListedTool, 'name' | 'title' | 'description' | 'inputSchema' | 'outputSchema' | 'annotations'>,
): string {
  return sha256Hex(
    canonicalJson({
      name: t.name,
      title: t.title,
      description: t.description,
      inputSchema: t.inputSchema,
      outputSchema: t.outputSchema,
      annotations: t.annotations,
    }),
  );
}

/** Converts listed tools into event definitions; tools the contract cannot carry are skipped with a warning. */
export function toDefinitions(listed: readonly ListedTool[]): {
  definitions: ToolDefinition[];
  warnings: string[];
} {
  const definitions: ToolDefinition[] = [];
  const warnings: string[] = [];
  const seen = new Set<string>();
  for (const t of listed) {
    if (seen.has(t.name)) {
      warnings.push(
        `tool "${String(t.name).slice(0, 100)}" is listed more than once; the first definition is kept`,
      );
      continue;
    }
    seen.add(t.name);
    const candidate = {
      name: t.name,
      ...(t.title !== undefined ? { title: t.title } : {}),
      ...(t.description !== undefined ? { description: t.description } : {}),
      inputSchema: t.inputSchema,
      ...(t.outputSchema !== undefined ? { outputSchema: t.outputSchema } : {}),
      ...(t.annotations !== undefined ? { annotations: t.annotations } : {}),
      ...(t._meta !== undefined ? { meta: t._meta } : {}),
      hash: definitionHash(t),
    };
    const parsed = toolDefinition.safeParse(candidate);
    if (!parsed.success) {
      const why = parsed.error.issues
        .map((i) => `${i.path.join('.') || 'definition'}: ${i.message}`)
        .join('; ');
      warnings.push(`tool "${String(t.name).slice(0, 100)}" was skipped: ${why}`.slice(0, 500));
      continue;
    }
    definitions.push(parsed.data);
  }
  return { definitions, warnings: warnings.slice(0, 100) };
}

export interface InventoryDiff {
  added: ToolDefinition[];
  changed: ToolDefinition[];
  removed: string[];
  unchanged: number;
}

/** Diffs a fresh listing against the last known inventory (name → hash). */
export function diffInventory(
  previous: ReadonlyMap<string, string>,
  current: readonly ToolDefinition[],
  full = false,
): InventoryDiff {
  const added: ToolDefinition[] = [];
  const changed: ToolDefinition[] = [];
  let unchanged = 0;
  const names = new Set<string>();
  for (const d of current) {
    names.add(d.name);
    const before = previous.get(d.name);
    if (full || before === undefined) added.push(d);
    else if (before !== d.hash) changed.push(d);
    else unchanged++;
  }
  const removed = [...previous.keys()].filter((n) => !names.has(n)).sort();
  return { added, changed, removed, unchanged };
}
