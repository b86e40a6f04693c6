import { Injectable } from '@nestjs/common';
import { callableTools, type Caller, type CompiledPolicy } from '@portcullis/policy';
import { PolicyStore } from '../policy/policy-store.service';

/** One tool as the gateway lists it to an AI client. */
export interface ListedTool {
  name: string;
  inputSchema: Record<string, unknown>;
  outputSchema?: Record<string, unknown>;
  _meta: Record<string, unknown>;
  [k: string]: unknown;
}

export interface CallerToolList {
  tools: ListedTool[];
  /**
   * `tools` as 2025-era JSON, serialised once per caller and policy version: the fast path writes
   * it as is. (The SDK path encodes `tools` per protocol era itself.)
   */
  legacyJson: string;
}

const MAX_ENTRIES = 5000;

/** Everything that decides what a caller may list: who they are, their groups, their AI client. */
function callerKey(c: Caller): string {
  return [c.userId, c.email ?? '', c.clientId, c.clientType, [...c.groups].sort().join('\u0001')].join('\u0000');
}

/** The earliest grant expiry still in the future: when it passes, some caller's list shrinks. */
function nextGrantExpiry(policy: CompiledPolicy, now: number): number {
  let next = Infinity;
  for (const profile of policy.snapshot.profiles) {
    for (const s of profile.subjects) {
      if (!s.expiresAt) continue;
      const at = Date.parse(s.expiresAt);
      if (at > now && at < next) next = at;
    }
  }
  return next;
}

/**
 * Each caller's `tools/list`, computed from the in-memory policy and kept per policy version: a
 * repeat list is a map lookup and a string copy, not 500 decisions and a serialisation. Entries are
 * dropped wholesale when a new snapshot is applied or the next grant expiry passes, so a cached list
 * is never staler than the policy the gateway enforces for tools/call.
 */
@Injectable()
export class ToolListing {
  private version = -1;
  private validUntil = 0;
  private readonly entries = new Map<string, CallerToolList>();

  constructor(private readonly policy: PolicyStore) {}

  forCaller(caller: Caller, now = Date.now()): CallerToolList {
    const compiled = this.policy.compiled;
    if (!compiled) return { tools: [], legacyJson: '[]' };
    if (compiled.version !== this.version || now >= this.validUntil) {
      this.entries.clear();
      this.version = compiled.version;
      this.validUntil = nextGrantExpiry(compiled, now);
    }
    const key = callerKey(caller);
    let entry = this.entries.get(key);
    if (!entry) {
      const tools = listedTools(compiled, caller, now);
      entry = { tools, legacyJson: JSON.stringify(tools.map(legacyShape)) };
      if (this.entries.size >= MAX_ENTRIES) this.entries.delete(this.entries.keys().next().value!);
      this.entries.set(key, entry);
    }
    return entry;
  }
}

/** The caller's callable tools with the upstream's definitions, renamed `<prefix>_<tool>`. */
export function listedTools(policy: CompiledPolicy, caller: Caller, now = Date.now()): ListedTool[] {
  return callableTools(policy, caller, now).map((d) => {
    const def = d.tool.definition as Record<string, unknown>;
    const tool: ListedTool = {
      ...def,
      name: d.exposedName,
      inputSchema: (def['inputSchema'] as Record<string, unknown> | undefined) ?? { type: 'object' },
      _meta: {
        ...((def['_meta'] ?? def['meta']) as Record<string, unknown> | undefined),
        'portcullis/server': d.server.displayName,
        'portcullis/classification': d.tool.classification,
      },
    };
    delete tool['meta'];
    return tool;
  });
}

/**
 * 2025-era clients require an object-rooted output schema: wrap any other root the way the MCP
 * SDK's 2025 wire codec does, so the fast path and the SDK path list the same definitions.
 */
export function legacyShape(tool: ListedTool): ListedTool {
  const out = tool.outputSchema;
  if (!out || out['type'] === 'object') return tool;
  return { ...tool, outputSchema: { type: 'object', properties: { result: out }, required: ['result'] } };
}
