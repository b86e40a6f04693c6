import { Injectable } from '@nestjs/common';
import type { Sql } from '@portcullis/runtime';
import type { Classification, ClientType, KillSwitchScope, ToolState } from '../common/vocabulary';
import type {
  CompileInput,
  CompileProfile,
  CompileServer,
  CompileTool,
  CompileToolset,
  ToolsetKind,
} from './policy-compiler';

/** Reads everything a policy snapshot is compiled from, in one transaction (a consistent view). */
@Injectable()
export class PolicyRepository {
  async servers(sql: Sql, tenantId: string): Promise<CompileServer[]> {
    const rows = await sql.many<{
      id: string;
      catalog_id: string;
      kind: string;
      display_name: string;
      tool_prefix: string;
      upstream_url: string | null;
      okta_org_url: string | null;
      credential_mode: CompileServer['credentialMode'];
      transport: CompileServer['transport'];
      upstream_auth: CompileServer['upstreamAuth'];
      paused: boolean;
    }>(
      `SELECT id, catalog_id, kind, display_name, tool_prefix, upstream_url, okta_org_url, credential_mode, transport, upstream_auth, paused
         FROM governance.servers WHERE tenant_id = $1 ORDER BY display_name, id`,
      [tenantId],
    );
    return rows.map((r) => ({
      id: r.id,
      catalogId: r.catalog_id,
      kind: r.kind,
      displayName: r.display_name,
      toolPrefix: r.tool_prefix,
      upstreamUrl: r.upstream_url,
      oktaOrgUrl: r.okta_org_url,
      credentialMode: r.credential_mode,
      transport: r.transport,
      upstreamAuth: r.upstream_auth,
      paused: r.paused,
    }));
  }

  async tools(sql: Sql, tenantId: string): Promise<CompileTool[]> {
    const rows = await sql.many<{
      id: string;
      server_id: string;
      name: string;
      state: ToolState;
      classification: Classification;
      allowed_client_types: ClientType[] | null;
      definition_hash: string;
      definition: Record<string, unknown>;
    }>(
      `SELECT id, server_id, name, state, classification, allowed_client_types, definition_hash, definition
         FROM governance.tools WHERE tenant_id = $1 ORDER BY server_id, name`,
      [tenantId],
    );
    return rows.map((r) => ({
      id: r.id,
      serverId: r.server_id,
      name: r.name,
      state: r.state,
      classification: r.classification,
      allowedClientTypes: r.allowed_client_types,
      definitionHash: r.definition_hash,
      definition: r.definition,
    }));
  }

  async toolsets(sql: Sql, tenantId: string): Promise<CompileToolset[]> {
    const sets = await sql.many<{
      id: string;
      kind: ToolsetKind;
      name: string | null;
      server_id: string | null;
    }>(
      `SELECT id, kind, name, server_id FROM governance.toolsets WHERE tenant_id = $1 ORDER BY created_at, id`,
      [tenantId],
    );
    const tools = await sql.many<{ toolset_id: string; tool_id: string }>(
      `SELECT tt.toolset_id, tt.tool_id FROM governance.toolset_tools tt JOIN governance.toolsets t ON t.id = tt.toolset_id WHERE t.tenant_id = $1`,
      [tenantId],
    );
    const includes = await sql.many<{ toolset_id: string; included_id: string }>(
      `SELECT ti.toolset_id, ti.included_id FROM governance.toolset_includes ti JOIN governance.toolsets t ON t.id = ti.toolset_id WHERE t.tenant_id = $1`,
      [tenantId],
    );
    const byId = new Map<string, CompileToolset>(
      sets.map((s) => [
        s.id,
        { id: s.id, kind: s.kind, name: s.name, serverId: s.server_id, toolIds: [], includes: [] },
      ]),
    );
    for (const r of tools) byId.get(r.toolset_id)?.toolIds.push(r.tool_id);
    for (const r of includes) byId.get(r.toolset_id)?.includes.push(r.included_id);
    return [...byId.values()];
  }

  async profiles(sql: Sql, tenantId: string): Promise<CompileProfile[]> {
    const profiles = await sql.many<{ id: string; name: string }>(
      `SELECT id, name FROM governance.profiles WHERE tenant_id = $1 ORDER BY name, id`,
      [tenantId],
    );
    const bindings = await sql.many<{ profile_id: string; toolset_id: string }>(
      `SELECT pt.profile_id, pt.toolset_id FROM governance.profile_toolsets pt JOIN governance.profiles p ON p.id = pt.profile_id WHERE p.tenant_id = $1`,
      [tenantId],
    );
    const subjects = await sql.many<{
      profile_id: string;
      subject_type: 'user' | 'group';
      value: string;
      expires_at: Date | null;
    }>(
      `SELECT ps.profile_id, ps.subject_type, ps.value, ps.expires_at FROM governance.profile_subjects ps
         JOIN governance.profiles p ON p.id = ps.profile_id WHERE p.tenant_id = $1 ORDER BY ps.subject_type, ps.value`,
      [tenantId],
    );
    const byId = new Map<string, CompileProfile>(
      profiles.map((p) => [p.id, { id: p.id, name: p.name, toolsetIds: [], subjects: [] }]),
    );
    for (const b of bindings) byId.get(b.profile_id)?.toolsetIds.push(b.toolset_id);
    for (const s of subjects) {
      byId.get(s.profile_id)?.subjects.push({
        type: s.subject_type,
        value: s.value,
        expiresAt: s.expires_at ? s.expires_at.toISOString() : null,
      });
    }
    return [...byId.values()];
  }

  async killSwitches(sql: Sql, tenantId: string): Promise<CompileInput['killSwitches']> {
    return (
      await sql.many<{ scope: KillSwitchScope; target_id: string }>(
        `SELECT scope, target_id FROM governance.kill_switches WHERE tenant_id = $1`,
        [tenantId],
      )
    ).map((r) => ({ scope: r.scope, targetId: r.target_id }));
  }
}
