import type { PolicySnapshotBody } from '@portcullis/contracts';
import type { Classification, ClientType, KillSwitchScope, ToolState } from '../common/vocabulary';

/**
 * Compiles governance state into the policy snapshot the gateways enforce. Pure: the same input
 * always gives the same snapshot, so it is tested without a database.
 */
export type ToolsetKind = 'custom' | 'server_all_approved' | 'server_read';

export interface CompileServer {
  id: string;
  catalogId: string;
  kind: string;
  displayName: string;
  toolPrefix: string;
  upstreamUrl: string | null;
  oktaOrgUrl: string | null;
  credentialMode: PolicySnapshotBody['servers'][number]['credentialMode'];
  transport: 'streamable_http' | 'sse';
  upstreamAuth: 'none' | 'oauth' | 'static';
  paused: boolean;
}

export interface CompileTool {
  id: string;
  serverId: string;
  name: string;
  state: ToolState;
  classification: Classification;
  allowedClientTypes: ClientType[] | null;
  definitionHash: string;
  definition: Record<string, unknown>;
}

export interface CompileToolset {
  id: string;
  kind: ToolsetKind;
  /** Custom toolsets only; maintained ones are named after their server. */
  name: string | null;
  serverId: string | null;
  /** Custom toolsets: tools added by hand. */
  toolIds: string[];
  /** Custom toolsets: other toolsets included whole. */
  includes: string[];
}

export interface CompileProfile {
  id: string;
  name: string;
  toolsetIds: string[];
  subjects: { type: 'user' | 'group'; value: string; expiresAt: string | null }[];
}

export interface CompileInput {
  settings: {
    requireToolApproval: boolean;
    defaultClassification: Classification;
    allowedClientTypes: ClientType[];
    discoveryIntervalSeconds: number;
    pinApprovedDefinitions: boolean;
    auditVerbosity: 'minimal' | 'standard' | 'full';
  };
  servers: CompileServer[];
  tools: CompileTool[];
  toolsets: CompileToolset[];
  profiles: CompileProfile[];
  killSwitches: { scope: KillSwitchScope; targetId: string }[];
}

export function maintainedToolsetName(kind: ToolsetKind, serverDisplayName: string): string {
  return kind === 'server_read'
    ? `Read tools — ${serverDisplayName}`
    : `All approved tools — ${serverDisplayName}`;
}

export interface ResolvedToolset {
  id: string;
  kind: ToolsetKind;
  name: string;
  serverId: string | null;
  toolIds: string[];
}

/**
 * Each toolset's effective tools: maintained ones computed from their server's tools (approved;
 * and classified read for "Read tools"), custom ones their own tools plus everything they include.
 * Inclusion cycles are refused on write; here they are cut, never looped.
 */
export function resolveToolsets(
  input: Pick<CompileInput, 'servers' | 'tools' | 'toolsets'>,
): Map<string, ResolvedToolset> {
  const servers = new Map(input.servers.map((s) => [s.id, s]));
  const byId = new Map(input.toolsets.map((t) => [t.id, t]));
  const toolsByServer = new Map<string, CompileTool[]>();
  for (const t of input.tools) {
    const list = toolsByServer.get(t.serverId) ?? [];
    list.push(t);
    toolsByServer.set(t.serverId, list);
  }
  // Each toolset is collected with its own visited set: a cycle is cut where it closes, and no
  // partial result is ever reused for another toolset.
  const collect = (id: string, visited: Set<string>, out: Set<string>): Set<string> => {
    const ts = byId.get(id);
    if (!ts || visited.has(id)) return out;
    visited.add(id);
    if (ts.kind === 'custom') {
      for (const toolId of ts.toolIds) out.add(toolId);
      for (const inc of ts.includes) collect(inc, visited, out);
    } else {
      for (const t of toolsByServer.get(ts.serverId ?? '') ?? []) {
        if (t.state !== 'approved') continue;
        if (ts.kind === 'server_read' && t.classification !== 'read') continue;
        out.add(t.id);
      }
    }
    return out;
  };
  const resolved = new Map<string, ResolvedToolset>();
  for (const ts of input.toolsets) {
    const server = ts.serverId ? servers.get(ts.serverId) : undefined;
    resolved.set(ts.id, {
      id: ts.id,
      kind: ts.kind,
      name:
        ts.kind === 'custom'
          ? (ts.name ?? ts.id)
          : maintainedToolsetName(ts.kind, server?.displayName ?? ts.serverId ?? ''),
      serverId: ts.serverId,
      toolIds: [...collect(ts.id, new Set(), new Set())].sort(),
    });
  }
  return resolved;
}

export function compileSnapshot(input: CompileInput, version: number, now = new Date()): PolicySnapshotBody {
  const toolsets = resolveToolsets(input);
  const ks = input.killSwitches;
  return {
    version,
    compiledAt: now.toISOString(),
    killSwitches: {
      tenant: ks.some((k) => k.scope === 'tenant'),
      servers: ks
        .filter((k) => k.scope === 'server')
        .map((k) => k.targetId)
        .sort(),
      tools: ks
        .filter((k) => k.scope === 'tool')
        .map((k) => k.targetId)
        .sort(),
      clients: ks
        .filter((k) => k.scope === 'client')
        .map((k) => k.targetId)
        .sort(),
    },
    allowedClientTypes: [...input.settings.allowedClientTypes],
    servers: input.servers.map((s) => ({
      id: s.id,
      kind: s.kind,
      displayName: s.displayName,
      toolPrefix: s.toolPrefix,
      ...(s.upstreamUrl ? { upstreamUrl: s.upstreamUrl } : {}),
      ...(s.oktaOrgUrl ? { oktaOrgUrl: s.oktaOrgUrl } : {}),
      credentialMode: s.credentialMode,
      paused: s.paused,
      catalogId: s.catalogId,
      transport: s.transport,
      upstreamAuth: s.upstreamAuth,
    })),
    tools: input.tools.map((t) => ({
      id: t.id,
      serverId: t.serverId,
      name: t.name,
      state: t.state,
      classification: t.classification,
      ...(t.allowedClientTypes && t.allowedClientTypes.length
        ? { allowedClientTypes: [...t.allowedClientTypes] }
        : {}),
      definitionHash: t.definitionHash,
      definition: t.definition,
    })),
    toolsets: [...toolsets.values()].map((t) => ({ id: t.id, name: t.name, toolIds: t.toolIds })),
    profiles: input.profiles.map((p) => ({
      id: p.id,
      name: p.name,
      toolsetIds: [...p.toolsetIds].sort(),
      subjects: p.subjects.map((s) => ({
        type: s.type,
        value: s.value,
        ...(s.expiresAt ? { expiresAt: s.expiresAt } : {}),
      })),
    })),
    settings: {
      auditVerbosity: input.settings.auditVerbosity,
      requireToolApproval: input.settings.requireToolApproval,
      defaultClassification: input.settings.defaultClassification,
      pinApprovedDefinitions: input.settings.pinApprovedDefinitions,
      discoveryIntervalSeconds: input.settings.discoveryIntervalSeconds,
    },
  };
}
