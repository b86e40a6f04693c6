import type { PolicySnapshotBody } from '@portcullis/contracts';

/**
 * Portcullis's access decision, as a pure function over a compiled policy snapshot. The gateway
 * calls it on every tools/call and tools/list; governance's effective-access queries call the same
 * code, so "who can call this tool, and why" always agrees with what the gateway enforces.
 *
 * A tool is callable only when: no kill switch applies (tenant, server, tool, AI client), the
 * client's type is allowed (tenant-wide and per tool), the server is not paused, the tool is
 * Approved, and some access profile that includes the caller (directly or by IdP group, with an
 * unexpired grant) binds a toolset containing the tool.
 */
export type Snapshot = PolicySnapshotBody;
export type ClientType = Snapshot['allowedClientTypes'][number];
export type SnapshotTool = Snapshot['tools'][number];
export type SnapshotServer = Snapshot['servers'][number];

export interface Caller {
  userId: string;
  email?: string;
  groups: readonly string[];
  clientId: string;
  clientType: ClientType;
}

export type DenialReason =
  | 'no_policy'
  | 'tenant_kill_switch'
  | 'client_kill_switch'
  | 'client_type_not_allowed'
  | 'unknown_tool'
  | 'server_kill_switch'
  | 'server_paused'
  | 'tool_kill_switch'
  | 'tool_pending_review'
  | 'tool_disabled'
  | 'tool_removed'
  | 'tool_client_type_not_allowed'
  | 'grant_expired'
  | 'not_entitled';

export interface Grant {
  profileId: string;
  profileName: string;
  toolsetId: string;
  toolsetName: string;
  via: { type: 'user' | 'group'; value: string };
  expiresAt?: string;
}

export type Decision =
  | {
      allowed: true;
      tool: SnapshotTool;
      server: SnapshotServer;
      exposedName: string;
      grants: Grant[];
      policyVersion: number;
    }
  | {
      allowed: false;
      reason: DenialReason;
      message: string;
      tool?: SnapshotTool;
      server?: SnapshotServer;
      policyVersion: number;
    };

interface ToolEntry {
  tool: SnapshotTool;
  server: SnapshotServer;
  exposedName: string;
  /** (profile, toolset) pairs that bind this tool. */
  bindings: { profile: Snapshot['profiles'][number]; toolset: Snapshot['toolsets'][number] }[];
}

export interface CompiledPolicy {
  readonly snapshot: Snapshot;
  readonly version: number;
  readonly byExposedName: ReadonlyMap<string, ToolEntry>;
  readonly byToolId: ReadonlyMap<string, ToolEntry>;
  readonly killedServers: ReadonlySet<string>;
  readonly killedTools: ReadonlySet<string>;
  readonly killedClients: ReadonlySet<string>;
  readonly allowedClientTypes: ReadonlySet<string>;
}

export function exposedToolName(server: Pick<SnapshotServer, 'toolPrefix'>, toolName: string): string {
  return `${server.toolPrefix}_${toolName}`;
}

/** Indexes a snapshot once, so each decision is a few map lookups. */
export function compilePolicy(snapshot: Snapshot): CompiledPolicy {
  const servers = new Map(snapshot.servers.map((s) => [s.id, s]));
  const toolsets = new Map(snapshot.toolsets.map((t) => [t.id, t]));
  const bindings = new Map<string, ToolEntry['bindings']>();
  for (const profile of snapshot.profiles) {
    for (const tsId of profile.toolsetIds) {
      const toolset = toolsets.get(tsId);
      if (!toolset) continue;
      for (const toolId of toolset.toolIds) {
        const list = bindings.get(toolId) ?? [];
        list.push({ profile, toolset });
        bindings.set(toolId, list);
      }
    }
  }
  const byExposedName = new Map<string, ToolEntry>();
  const byToolId = new Map<string, ToolEntry>();
  for (const tool of snapshot.tools) {
    const server = servers.get(tool.serverId);
    if (!server) continue;
    const entry: ToolEntry = {
      tool,
      server,
      exposedName: exposedToolName(server, tool.name),
      bindings: bindings.get(tool.id) ?? [],
    };
    byToolId.set(tool.id, entry);
    // A removed tool keeps its id but must not shadow a live tool with the same exposed name.
    const existing = byExposedName.get(entry.exposedName);
    if (!existing || existing.tool.state === 'removed') byExposedName.set(entry.exposedName, entry);
  }
  return {
    snapshot,
    version: snapshot.version,
    byExposedName,
    byToolId,
    killedServers: new Set(snapshot.killSwitches.servers),
    killedTools: new Set(snapshot.killSwitches.tools),
    killedClients: new Set(snapshot.killSwitches.clients),
    allowedClientTypes: new Set(snapshot.allowedClientTypes),
  };
}

function deny(
  policy: CompiledPolicy | null,
  reason: DenialReason,
  message: string,
  entry?: ToolEntry,
): Decision {
  return {
    allowed: false,
    reason,
    message,
    policyVersion: policy?.version ?? 0,
    ...(entry ? { tool: entry.tool, server: entry.server } : {}),
  };
}

/** Grants through which `caller` reaches the tool of `entry`, split into live and expired. */
function grantsFor(entry: ToolEntry, caller: Caller, now: number): { live: Grant[]; expired: Grant[] } {
  const live: Grant[] = [];
  const expired: Grant[] = [];
  const email = caller.email?.toLowerCase();
  for (const { profile, toolset } of entry.bindings) {
    for (const s of profile.subjects) {
      const matches =
        s.type === 'user'
          ? s.value === caller.userId || (email !== undefined && s.value.toLowerCase() === email)
          : caller.groups.includes(s.value);
      if (!matches) continue;
      const grant: Grant = {
        profileId: profile.id,
        profileName: profile.name,
        toolsetId: toolset.id,
        toolsetName: toolset.name,
        via: { type: s.type, value: s.value },
        ...(s.expiresAt ? { expiresAt: s.expiresAt } : {}),
      };
      if (s.expiresAt && Date.parse(s.expiresAt) <= now) expired.push(grant);
      else live.push(grant);
    }
  }
  return { live, expired };
}

/** Checks that do not depend on the tool: no policy, tenant and client kill switches, client type. */
function callerGate(policy: CompiledPolicy | null, caller: Caller): Decision | null {
  if (!policy)
    return deny(
      null,
      'no_policy',
      'Portcullis has no access policy yet, so every call is refused (fail closed). Try again shortly.',
    );
  if (policy.snapshot.killSwitches.tenant) {
    return deny(
      policy,
      'tenant_kill_switch',
      'All tool calls are stopped by the organization-wide kill switch.',
    );
  }
  if (policy.killedClients.has(caller.clientId)) {
    return deny(
      policy,
      'client_kill_switch',
      'This AI client has been stopped by an administrator (client kill switch).',
    );
  }
  if (!policy.allowedClientTypes.has(caller.clientType)) {
    return deny(
      policy,
      'client_type_not_allowed',
      `AI clients of type "${caller.clientType}" are not allowed by the organization's settings.`,
    );
  }
  return null;
}

export function decide(
  policy: CompiledPolicy | null,
  caller: Caller,
  exposedName: string,
  now = Date.now(),
): Decision {
  const gate = callerGate(policy, caller);
  if (gate) return gate;
  const p = policy!;
  const entry = p.byExposedName.get(exposedName);
  if (!entry)
    return deny(
      p,
      'unknown_tool',
      `There is no tool named "${exposedName}". List the tools to see the ones you may call.`,
    );
  return decideEntry(p, caller, entry, now);
}

function decideEntry(p: CompiledPolicy, caller: Caller, entry: ToolEntry, now: number): Decision {
  const { tool, server } = entry;
  const name = entry.exposedName;
  if (p.killedServers.has(server.id)) {
    return deny(
      p,
      'server_kill_switch',
      `Calls to ${server.displayName} are stopped by an administrator (server kill switch).`,
      entry,
    );
  }
  if (server.paused)
    return deny(p, 'server_paused', `${server.displayName} is paused by an administrator.`, entry);
  if (p.killedTools.has(tool.id))
    return deny(
      p,
      'tool_kill_switch',
      `The tool "${name}" is stopped by an administrator (tool kill switch).`,
      entry,
    );
  switch (tool.state) {
    case 'pending_review':
      return deny(
        p,
        'tool_pending_review',
        `The tool "${name}" is pending review by an administrator and cannot be called yet.`,
        entry,
      );
    case 'disabled':
      return deny(p, 'tool_disabled', `The tool "${name}" has been disabled by an administrator.`, entry);
    case 'removed':
      return deny(p, 'tool_removed', `The tool "${name}" no longer exists on ${server.displayName}.`, entry);
    case 'approved':
      break;
  }
  if (
    tool.allowedClientTypes &&
    tool.allowedClientTypes.length > 0 &&
    !tool.allowedClientTypes.includes(caller.clientType)
  ) {
    return deny(
      p,
      'tool_client_type_not_allowed',
      `The tool "${name}" may not be called from a ${caller.clientType} AI client.`,
      entry,
    );
  }
  const { live, expired } = grantsFor(entry, caller, now);
  if (live.length === 0) {
    if (expired.length > 0) {
      return deny(
        p,
        'grant_expired',
        `Your access to "${name}" (profile "${expired[0]!.profileName}") expired at ${expired[0]!.expiresAt}.`,
        entry,
      );
    }
    return deny(
      p,
      'not_entitled',
      `You have no access profile that includes the tool "${name}". Ask an administrator for access.`,
      entry,
    );
  }
  return { allowed: true, tool, server, exposedName: name, grants: live, policyVersion: p.version };
}

/** Every tool the caller may call right now (for tools/list), with the grants that allow each. */
export function callableTools(
  policy: CompiledPolicy | null,
  caller: Caller,
  now = Date.now(),
): Extract<Decision, { allowed: true }>[] {
  if (callerGate(policy, caller)) return [];
  const out: Extract<Decision, { allowed: true }>[] = [];
  for (const entry of policy!.byExposedName.values()) {
    if (entry.bindings.length === 0) continue;
    const d = decideEntry(policy!, caller, entry, now);
    if (d.allowed) out.push(d);
  }
  return out;
}

/** "Who can call this tool, and why": every subject of every profile binding it, with the decision for it. */
export function whoCanCall(
  policy: CompiledPolicy,
  toolId: string,
): {
  subject: { type: 'user' | 'group'; value: string };
  profile: string;
  toolset: string;
  expiresAt?: string;
}[] {
  const entry = policy.byToolId.get(toolId);
  if (!entry) return [];
  return entry.bindings.flatMap(({ profile, toolset }) =>
    profile.subjects.map((s) => ({
      subject: { type: s.type, value: s.value },
      profile: profile.name,
      toolset: toolset.name,
      ...(s.expiresAt ? { expiresAt: s.expiresAt } : {}),
    })),
  );
}

/**
 * Tool-level gates only — the checks that do not depend on who calls: tenant, server and tool kill
 * switches, a paused server, the tool's state. `null` when the tool itself is callable (by someone
 * entitled, from an allowed client).
 */
export function toolGate(
  policy: CompiledPolicy,
  toolId: string,
): { reason: DenialReason; message: string } | null {
  const entry = policy.byToolId.get(toolId);
  if (!entry)
    return {
      reason: 'unknown_tool',
      message: `There is no tool with id "${toolId}" in policy version ${policy.version}.`,
    };
  if (policy.snapshot.killSwitches.tenant) {
    return {
      reason: 'tenant_kill_switch',
      message: 'All tool calls are stopped by the organization-wide kill switch.',
    };
  }
  // Any caller will do: tool-level checks come before the caller's grants in decideEntry.
  const probe: Caller = { userId: '', groups: [], clientId: '', clientType: 'personal' };
  const d = decideEntry(policy, probe, entry, Date.now());
  if (
    !d.allowed &&
    d.reason !== 'not_entitled' &&
    d.reason !== 'grant_expired' &&
    d.reason !== 'tool_client_type_not_allowed'
  ) {
    return { reason: d.reason, message: d.message };
  }
  return null;
}

/** Decides for a tool named by id rather than by exposed name (admin previews). */
export function decideTool(
  policy: CompiledPolicy | null,
  caller: Caller,
  toolId: string,
  now = Date.now(),
): Decision {
  const gate = callerGate(policy, caller);
  if (gate) return gate;
  const entry = policy!.byToolId.get(toolId);
  if (!entry) return deny(policy, 'unknown_tool', `There is no tool with id "${toolId}".`);
  return decideEntry(policy!, caller, entry, now);
}

export interface ToolExplanation {
  toolId: string;
  exposedName?: string;
  policyVersion: number;
  /** Why nobody can call it right now, regardless of grants; null when the tool itself is open. */
  gate: { reason: DenialReason; message: string } | null;
  /** Client types the tool accepts (tenant setting narrowed by the tool's own list). */
  allowedClientTypes: ClientType[];
  /** Every subject of every profile that binds the tool, and whether that grant is live now. */
  grants: (Grant & { expired: boolean })[];
}

/** "Who can call this tool, and why": the tool-level gate plus every grant, with expiry evaluated at `now`. */
export function explainTool(policy: CompiledPolicy, toolId: string, now = Date.now()): ToolExplanation {
  const entry = policy.byToolId.get(toolId);
  const tenantTypes = [...policy.allowedClientTypes] as ClientType[];
  const toolTypes = entry?.tool.allowedClientTypes;
  const allowedClientTypes =
    toolTypes && toolTypes.length > 0 ? tenantTypes.filter((t) => toolTypes.includes(t)) : tenantTypes;
  const grants: ToolExplanation['grants'] = [];
  for (const { profile, toolset } of entry?.bindings ?? []) {
    for (const s of profile.subjects) {
      grants.push({
        profileId: profile.id,
        profileName: profile.name,
        toolsetId: toolset.id,
        toolsetName: toolset.name,
        via: { type: s.type, value: s.value },
        ...(s.expiresAt ? { expiresAt: s.expiresAt } : {}),
        expired: s.expiresAt !== undefined && Date.parse(s.expiresAt) <= now,
      });
    }
  }
  return {
    toolId,
    ...(entry ? { exposedName: entry.exposedName } : {}),
    policyVersion: policy.version,
    gate: toolGate(policy, toolId),
    allowedClientTypes,
    grants,
  };
}

/** An empty, valid snapshot (fails every call as not entitled): a starting point for tests and new tenants. */
export function emptySnapshot(version = 1): Snapshot {
  return {
    version,
    compiledAt: new Date(0).toISOString(),
    killSwitches: { tenant: false, servers: [], tools: [], clients: [] },
    allowedClientTypes: ['personal', 'shared', 'service', 'ephemeral'],
    servers: [],
    tools: [],
    toolsets: [],
    profiles: [],
  };
}
