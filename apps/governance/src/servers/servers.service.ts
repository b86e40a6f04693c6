import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { DiscoveryRequested, ServerChanged, type ServerChangedPayload } from '@portcullis/contracts';
import { assertSafeOrgUrl, OrgUrlNotAllowedError } from '@portcullis/okta';
import { PLATFORM, type Platform } from '@portcullis/runtime';
import { GOVERNANCE_CONFIG, type GovernanceConfig } from '../config';
import { CATALOG, catalogEntry } from '../catalog/catalog';
import { type Actor, actorLabel } from '../common/actor';
import { Changes, type ChangeContext } from '../common/changes';
import { Database, type Sql, uniqueViolation } from '@portcullis/runtime';
import { assertRevision, etagOf } from '../common/etag';
import { type Page, type PageRequest, toPage } from '../common/pagination';
import { ConflictProblem, NotFoundProblem, ValidationProblem } from '../common/problem';
import { isUuid, parseInput } from '../common/validation';
import { KillSwitchesRepository } from '../kill-switches/kill-switches.repository';
import { ToolsRepository } from '../tools/tools.repository';
import { ToolsetsRepository } from '../toolsets/toolsets.repository';
import { ConnectionTester, type ConnectionTestResult } from './connection-tester';
import {
  catalogIdSchema,
  discoverBodySchema,
  type OktaCreate,
  oktaCreateSchema,
  type OktaPatch,
  oktaPatchSchema,
  type RemoteAuthInput,
  type RemoteCreate,
  remoteCreateSchema,
  type RemotePatch,
  remotePatchSchema,
} from './server.schemas';
import { ServersRepository, type ServerChanges, type ServerRecord } from './servers.repository';
import {
  UPSTREAM_CLIENT_REGISTRY,
  type UpstreamClientConfig,
  type UpstreamClientRegistry,
} from './upstream-clients';
import { checkRemoteMcpUrl } from './upstream-url';

export interface ServerView {
  id: string;
  catalogId: string;
  kind: string;
  displayName: string;
  toolPrefix: string;
  upstreamUrl: string | null;
  transport: string;
  oktaOrgUrl: string | null;
  credentialMode: string;
  auth:
    | { type: 'none' }
    | { type: 'bearer'; token: 'configured' | null }
    | { type: 'header'; name: string; value: 'configured' | null }
    | {
        type: 'oauth';
        clientId: string;
        clientSecret: 'configured' | null;
        scopes: string[];
        authorizationEndpoint?: string;
        tokenEndpoint?: string;
      };
  requireToolApproval: boolean | null;
  paused: boolean;
  killSwitchEngaged: boolean;
  tools: { pending_review: number; approved: number; disabled: number; removed: number };
  toolsets: { id: string; kind: string; name: string }[];
  discovery: {
    status: 'never_run' | 'requested' | 'ok' | 'failed';
    requestedAt: string | null;
    last: ServerRecord['lastDiscovery'];
  };
  revision: number;
  etag: string;
  createdAt: string;
  updatedAt: string;
  createdBy: string | null;
}

@Injectable()
export class ServersService {
  private readonly tester: ConnectionTester;

  constructor(
    private readonly db: Database,
    private readonly changes: Changes,
    private readonly servers: ServersRepository,
    private readonly tools: ToolsRepository,
    private readonly toolsets: ToolsetsRepository,
    private readonly killSwitches: KillSwitchesRepository,
    @Inject(UPSTREAM_CLIENT_REGISTRY) private readonly upstreamClients: UpstreamClientRegistry,
    @Inject(GOVERNANCE_CONFIG) private readonly config: GovernanceConfig,
    @Inject(PLATFORM) private readonly platform: Platform,
  ) {
    this.tester = new ConnectionTester({
      oktaOrgAllowlist: config.oktaOrgAllowlist,
      timeoutMs: config.httpTimeoutMs,
    });
  }

  private get tenant() {
    return this.platform.tenantId;
  }

  // ---------- reads ----------

  async view(sql: Sql, s: ServerRecord): Promise<ServerView> {
    const counts = await this.tools.countsByServer(sql, this.tenant, s.id);
    const maintained = await this.toolsets.maintainedOf(sql, this.tenant, s.id);
    const killed = await this.killSwitches.find(sql, this.tenant, 'server', s.id);
    const d = s.lastDiscovery;
    const requested = s.discoveryRequestedAt && (!d || Date.parse(d.at) < Date.parse(s.discoveryRequestedAt));
    return {
      id: s.id,
      catalogId: s.catalogId,
      kind: s.kind,
      displayName: s.displayName,
      toolPrefix: s.toolPrefix,
      upstreamUrl: s.upstreamUrl,
      transport: s.transport,
      oktaOrgUrl: s.oktaOrgUrl,
      credentialMode: s.credentialMode,
      auth: authView(s),
      requireToolApproval: s.requireToolApproval,
      paused: s.paused,
      killSwitchEngaged: !!killed,
      tools: counts,
      toolsets: maintained.map((t) => ({ id: t.id, kind: t.kind, name: t.name })),
      discovery: {
        status: requested ? 'requested' : !d ? 'never_run' : d.ok ? 'ok' : 'failed',
        requestedAt: s.discoveryRequestedAt,
        last: d,
      },
      revision: s.revision,
      etag: etagOf(s.revision),
      createdAt: s.createdAt,
      updatedAt: s.updatedAt,
      createdBy: s.createdBy,
    };
  }

  async list(page: PageRequest, filter: { catalogId?: string }): Promise<Page<ServerView>> {
    const rows = await this.servers.page(this.db.sql, this.tenant, page, filter);
    const views = await Promise.all(rows.slice(0, page.limit).map((r) => this.view(this.db.sql, r)));
    return toPage(
      rows,
      page.limit,
      (r) => ({ key: r.displayName, id: r.id }),
      (r) => views.find((v) => v.id === r.id)!,
    );
  }

  async record(id: string): Promise<ServerRecord> {
    const s = isUuid(id) ? await this.servers.get(this.db.sql, this.tenant, id) : undefined;
    if (!s) throw new NotFoundProblem('server', id);
    return s;
  }

  async get(id: string): Promise<ServerView> {
    return this.view(this.db.sql, await this.record(id));
  }

  // ---------- create ----------

  async create(body: unknown, actor: Actor): Promise<ServerView> {
    const { catalogId } = parseInput(catalogIdSchema, body);
    const entry = catalogEntry(catalogId)!;
    const id = randomUUID();
    // Validate everything (schema, SSRF rules) before opening the transaction.
    const { record, upstream, explicitPrefix } =
      catalogId === 'okta'
        ? (() => {
            const b = parseInput(oktaCreateSchema, body);
            return { ...this.oktaRegistration(b, actor), explicitPrefix: b.toolPrefix };
          })()
        : (() => {
            const b = parseInput(remoteCreateSchema, body);
            return { ...this.remoteRegistration(b, actor), explicitPrefix: b.toolPrefix };
          })();
    const toolPrefix = await this.choosePrefix(this.db.sql, explicitPrefix, entry.defaultToolPrefix);
    // auth stores the secrets first, outside any database transaction (in embedded mode auth shares
    // the one database connection); if the registration then fails, the stored credentials are
    // removed again, so nothing is left half-written.
    if (upstream) await this.upstreamClients.put(id, upstream);
    let created: ServerRecord;
    try {
      created = await this.changes.run(actor, async (ctx) => {
        let s: ServerRecord;
        try {
          s = await this.servers.insert(ctx.sql, { ...record, id, tenantId: this.tenant, toolPrefix });
        } catch (err) {
          if (uniqueViolation(err) !== undefined) throw prefixTaken(toolPrefix);
          throw err;
        }
        await this.toolsets.insertMaintained(ctx.sql, this.tenant, s.id);
        ctx.emit(ServerChanged, serverChanged(s, 'created'));
        ctx.audit(
          'server.created',
          'server',
          s.id,
          `Registered ${entry.displayName} server "${s.displayName}" (prefix ${s.toolPrefix}, ${s.credentialMode})`,
          {
            catalogId,
            toolPrefix: s.toolPrefix,
            credentialMode: s.credentialMode,
            ...(s.oktaOrgUrl ? { oktaOrgUrl: s.oktaOrgUrl } : {}),
            ...(s.upstreamUrl && s.catalogId !== 'okta' ? { upstreamUrl: s.upstreamUrl } : {}),
          },
        );
        ctx.touchPolicy();
        return s;
      });
    } catch (err) {
      if (upstream) await this.upstreamClients.remove(id).catch(() => undefined);
      throw err;
    }
    return this.view(this.db.sql, created);
  }

  private oktaOrigin(url: string, field: string): string {
    try {
      return assertSafeOrgUrl(url, this.config.oktaOrgAllowlist);
    } catch (err) {
      if (err instanceof OrgUrlNotAllowedError)
        throw new ValidationProblem(err.message, [{ field, message: err.reason }]);
      throw err;
    }
  }

  private remoteUrl(url: string, field: string): string {
    const r = checkRemoteMcpUrl(url, this.config.remoteMcpAllowlist);
    if (!r.ok) throw new ValidationProblem(`The server URL ${r.reason}.`, [{ field, message: r.reason }]);
    return r.url;
  }

  private oktaRegistration(b: OktaCreate, actor: Actor) {
    const oktaOrgUrl = this.oktaOrigin(b.oktaOrgUrl, 'oktaOrgUrl');
    const scopes = b.scopes ?? [...catalogEntry('okta')!.defaultScopes];
    const record = {
      catalogId: 'okta' as const,
      kind: 'okta',
      displayName: b.displayName,
      upstreamUrl: this.config.oktaMcpUrl,
      transport: 'streamable_http' as const,
      oktaOrgUrl,
      credentialMode: b.credentialMode,
      upstreamAuth: 'oauth' as const,
      oauth: { clientId: b.clientId, scopes },
      clientSecretConfigured: true,
      staticHeaderName: null,
      staticSecretConfigured: false,
      requireToolApproval: b.requireToolApproval ?? null,
      paused: b.paused ?? false,
      createdBy: actorLabel(actor),
    };
    const upstream: UpstreamClientConfig = {
      kind: 'okta',
      displayName: b.displayName,
      credentialMode: b.credentialMode,
      oktaOrgUrl,
      clientId: b.clientId,
      clientSecret: b.clientSecret,
      scopes,
    };
    return { record, upstream };
  }

  private remoteRegistration(b: RemoteCreate, actor: Actor) {
    const upstreamUrl = this.remoteUrl(b.url, 'url');
    const auth = remoteAuthFields(b.auth, undefined, 'auth');
    const record = {
      catalogId: 'remote-mcp' as const,
      kind: 'remote',
      displayName: b.displayName,
      upstreamUrl,
      transport: b.transport,
      oktaOrgUrl: null,
      ...auth.fields,
      requireToolApproval: b.requireToolApproval ?? null,
      paused: b.paused ?? false,
      createdBy: actorLabel(actor),
    };
    return { record, upstream: auth.upstream(b.displayName) };
  }

  private async choosePrefix(
    sql: Sql,
    explicit: string | undefined,
    fallback: string,
    selfId?: string,
  ): Promise<string> {
    if (explicit) {
      const taken = await this.servers.byPrefix(sql, this.tenant, explicit);
      if (taken && taken.id !== selfId) throw prefixTaken(explicit, taken.displayName);
      return explicit;
    }
    for (let i = 1; i < 100; i++) {
      const candidate = i === 1 ? fallback : `${fallback}${i}`;
      if (!(await this.servers.byPrefix(sql, this.tenant, candidate))) return candidate;
    }
    throw prefixTaken(fallback);
  }

  // ---------- update ----------

  async patch(id: string, expected: number | null, body: unknown, actor: Actor): Promise<ServerView> {
    const current = await this.record(id);
    const patch =
      current.catalogId === 'okta' ? parseInput(oktaPatchSchema, body) : parseInput(remotePatchSchema, body);
    assertRevision(expected, current.revision, 'server');
    const { changes, upstream, removeUpstream } =
      current.catalogId === 'okta'
        ? this.oktaChanges(current, patch as OktaPatch)
        : this.remoteChanges(current, patch as RemotePatch);
    if (changes.toolPrefix !== undefined && changes.toolPrefix !== current.toolPrefix) {
      await this.choosePrefix(this.db.sql, changes.toolPrefix, '', current.id);
    }
    // Credentials go to auth before the registry changes, outside the transaction (see create).
    if (upstream) await this.upstreamClients.put(id, upstream);
    if (removeUpstream) await this.upstreamClients.remove(id);
    const updated = await this.changes.run(actor, async (ctx) => {
      const s = await this.servers.get(ctx.sql, this.tenant, id, true);
      if (!s) throw new NotFoundProblem('server', id);
      if (s.revision !== current.revision) {
        // Someone changed it between our read and now; auth may hold our credentials already.
        this.platform.logger.warn(
          { serverId: id },
          'server changed concurrently after its credentials were sent to auth',
        );
        assertRevision(current.revision, s.revision, 'server');
      }
      const changed = Object.entries(changes).filter(
        ([k, v]) => v !== undefined && JSON.stringify(v) !== JSON.stringify(s[k as keyof ServerRecord]),
      );
      if (changed.length === 0 && !upstream && !removeUpstream) return s;
      let next: ServerRecord;
      try {
        next = await this.servers.update(ctx.sql, this.tenant, id, changes);
      } catch (err) {
        if (uniqueViolation(err) !== undefined) throw prefixTaken(changes.toolPrefix ?? '');
        throw err;
      }
      const change: ServerChangedPayload['change'] =
        s.paused !== next.paused ? (next.paused ? 'paused' : 'resumed') : 'updated';
      ctx.emit(ServerChanged, serverChanged(next, change));
      ctx.audit(
        `server.${change}`,
        'server',
        id,
        `Changed server "${next.displayName}": ${changed.map(([k]) => k).join(', ') || 'credentials'}`,
        {
          fields: changed.map(([k]) => k),
          ...(upstream?.clientSecret || upstream?.staticHeaders ? { secretChanged: true } : {}),
        },
      );
      ctx.touchPolicy();
      return next;
    });
    return this.view(this.db.sql, updated);
  }

  private oktaChanges(s: ServerRecord, p: OktaPatch) {
    const changes: ServerChanges = {
      displayName: p.displayName,
      toolPrefix: p.toolPrefix,
      requireToolApproval: p.requireToolApproval,
      paused: p.paused,
      oktaOrgUrl: p.oktaOrgUrl !== undefined ? this.oktaOrigin(p.oktaOrgUrl, 'oktaOrgUrl') : undefined,
      credentialMode: p.credentialMode,
    };
    const oauth = {
      clientId: p.clientId ?? s.oauth?.clientId ?? '',
      scopes: p.scopes ?? s.oauth?.scopes ?? [],
    };
    if (p.clientId !== undefined && p.clientId !== s.oauth?.clientId && !p.clientSecret) {
      throw new ValidationProblem(
        'A new client id needs its client secret (the stored one belongs to the old client).',
        [{ field: 'clientSecret', message: 'is required when clientId changes' }],
      );
    }
    if (p.clientId !== undefined || p.scopes !== undefined) changes.oauth = oauth;
    const touchesAuth =
      p.displayName !== undefined ||
      p.oktaOrgUrl !== undefined ||
      p.credentialMode !== undefined ||
      p.clientId !== undefined ||
      p.clientSecret !== undefined ||
      p.scopes !== undefined;
    const upstream: UpstreamClientConfig | null = touchesAuth
      ? {
          kind: 'okta',
          displayName: p.displayName ?? s.displayName,
          credentialMode: (p.credentialMode ?? s.credentialMode) as UpstreamClientConfig['credentialMode'],
          oktaOrgUrl: changes.oktaOrgUrl ?? s.oktaOrgUrl ?? '',
          clientId: oauth.clientId,
          ...(p.clientSecret ? { clientSecret: p.clientSecret } : {}),
          scopes: oauth.scopes,
        }
      : null;
    if (p.clientSecret) changes.clientSecretConfigured = true;
    return { changes, upstream, removeUpstream: false };
  }

  private remoteChanges(s: ServerRecord, p: RemotePatch) {
    const changes: ServerChanges = {
      displayName: p.displayName,
      toolPrefix: p.toolPrefix,
      requireToolApproval: p.requireToolApproval,
      paused: p.paused,
      upstreamUrl: p.url !== undefined ? this.remoteUrl(p.url, 'url') : undefined,
      transport: p.transport,
    };
    let upstream: UpstreamClientConfig | null = null;
    let removeUpstream = false;
    if (p.auth) {
      const auth = remoteAuthFields(p.auth, s, 'auth');
      Object.assign(changes, auth.fields);
      upstream = auth.upstream(p.displayName ?? s.displayName);
      removeUpstream = !upstream && s.upstreamAuth !== 'none';
    } else if (p.displayName !== undefined && s.upstreamAuth !== 'none') {
      // auth keeps the display name for consent screens: tell it, keeping the stored secrets.
      upstream = remoteUpstreamFromRecord(s, p.displayName);
    }
    return { changes, upstream, removeUpstream };
  }

  // ---------- pause / resume / delete ----------

  async setPaused(id: string, paused: boolean, actor: Actor): Promise<ServerView> {
    if (!isUuid(id)) throw new NotFoundProblem('server', id);
    const s = await this.changes.run(actor, async (ctx) => {
      const s = await this.servers.get(ctx.sql, this.tenant, id, true);
      if (!s) throw new NotFoundProblem('server', id);
      if (s.paused === paused) return s;
      const next = await this.servers.update(ctx.sql, this.tenant, id, { paused });
      ctx.emit(ServerChanged, serverChanged(next, paused ? 'paused' : 'resumed'));
      ctx.audit(
        paused ? 'server.paused' : 'server.resumed',
        'server',
        id,
        `${paused ? 'Paused' : 'Resumed'} server "${s.displayName}"`,
      );
      ctx.touchPolicy();
      return next;
    });
    return this.view(this.db.sql, s);
  }

  async delete(id: string, expected: number | null, actor: Actor): Promise<void> {
    if (!isUuid(id)) throw new NotFoundProblem('server', id);
    const deleted = await this.changes.run(actor, async (ctx) => {
      const s = await this.servers.get(ctx.sql, this.tenant, id, true);
      if (!s) throw new NotFoundProblem('server', id);
      assertRevision(expected, s.revision, 'server');
      await this.servers.delete(ctx.sql, this.tenant, id);
      await this.killSwitches.releaseTarget(ctx.sql, this.tenant, 'server', id);
      ctx.emit(ServerChanged, serverChanged({ ...s, revision: s.revision + 1 }, 'deleted'));
      ctx.audit('server.deleted', 'server', id, `Deleted server "${s.displayName}" and its tools`, {
        toolPrefix: s.toolPrefix,
      });
      ctx.touchPolicy();
      return s;
    });
    // After commit (outside the transaction): auth forgets the credentials. If auth is unreachable
    // the server is still gone; auth also sees the ServerChanged "deleted" event.
    if (deleted.upstreamAuth !== 'none') {
      await this.upstreamClients
        .remove(id)
        .catch((err: unknown) =>
          this.platform.logger.warn(
            { serverId: id, err: (err as Error).message },
            'could not remove the deleted server’s credentials from auth',
          ),
        );
    }
  }

  // ---------- discovery and connection test ----------

  async requestDiscovery(
    id: string,
    body: unknown,
    actor: Actor,
  ): Promise<{ serverId: string; requestId: string; full: boolean; status: 'requested' }> {
    const { full } = parseInput(discoverBodySchema, body ?? {});
    if (!isUuid(id)) throw new NotFoundProblem('server', id);
    const requestId = randomUUID();
    await this.changes.run(actor, async (ctx: ChangeContext) => {
      const s = await this.servers.get(ctx.sql, this.tenant, id);
      if (!s) throw new NotFoundProblem('server', id);
      await this.servers.markDiscoveryRequested(ctx.sql, this.tenant, id);
      ctx.emit(DiscoveryRequested, { serverId: id, requestId, full, requestedBy: actorLabel(actor) });
      ctx.audit(
        'server.discovery_requested',
        'server',
        id,
        `Requested ${full ? 'a full resync' : 'discovery'} of "${s.displayName}"`,
        { requestId },
      );
    });
    return { serverId: id, requestId, full, status: 'requested' };
  }

  async test(id: string): Promise<ConnectionTestResult & { serverId: string }> {
    const s = await this.record(id);
    if (s.upstreamAuth !== 'none') {
      // Prefer auth's word on whether a secret is stored (it may have been rotated there).
      const status = await this.upstreamClients.get(id).catch(() => undefined);
      if (status !== undefined)
        s.clientSecretConfigured =
          status?.clientSecret === 'configured' || (s.upstreamAuth === 'static' && s.staticSecretConfigured);
    }
    return { serverId: id, ...(await this.tester.test(s)) };
  }

  catalog() {
    return CATALOG;
  }
}

function prefixTaken(prefix: string, by?: string): ConflictProblem {
  return new ConflictProblem(
    'tool-prefix-taken',
    'Tool prefix already in use',
    `The tool prefix "${prefix}" is already used${by ? ` by "${by}"` : ''}; tool names must stay unique, so pick another prefix.`,
    [{ field: 'toolPrefix', message: `"${prefix}" is already in use` }],
  );
}

function authView(s: ServerRecord): ServerView['auth'] {
  if (s.upstreamAuth === 'oauth') {
    return {
      type: 'oauth',
      clientId: s.oauth?.clientId ?? '',
      clientSecret: s.clientSecretConfigured ? 'configured' : null,
      scopes: s.oauth?.scopes ?? [],
      ...(s.oauth?.authorizationEndpoint ? { authorizationEndpoint: s.oauth.authorizationEndpoint } : {}),
      ...(s.oauth?.tokenEndpoint ? { tokenEndpoint: s.oauth.tokenEndpoint } : {}),
    };
  }
  if (s.upstreamAuth === 'static') {
    return s.staticHeaderName && s.staticHeaderName.toLowerCase() !== 'authorization'
      ? { type: 'header', name: s.staticHeaderName, value: s.staticSecretConfigured ? 'configured' : null }
      : { type: 'bearer', token: s.staticSecretConfigured ? 'configured' : null };
  }
  return { type: 'none' };
}

/** Registry fields and the auth configuration for a remote server's `auth` input. */
function remoteAuthFields(a: RemoteAuthInput, current: ServerRecord | undefined, field: string) {
  const sameType = (t: string) => current && authView(current).type === t;
  switch (a.type) {
    case 'none':
      return {
        fields: {
          credentialMode: 'none' as const,
          upstreamAuth: 'none' as const,
          oauth: null,
          clientSecretConfigured: false,
          staticHeaderName: null,
          staticSecretConfigured: false,
        },
        upstream: (): UpstreamClientConfig | null => null,
      };
    case 'bearer':
    case 'header': {
      const secret = a.type === 'bearer' ? a.token : a.value;
      const name = a.type === 'bearer' ? 'Authorization' : a.name;
      if (
        !secret &&
        !(
          sameType(a.type) &&
          current?.staticSecretConfigured &&
          (a.type === 'bearer' || current.staticHeaderName === name)
        )
      ) {
        throw new ValidationProblem(`A ${a.type} credential needs its secret value.`, [
          { field: `${field}.${a.type === 'bearer' ? 'token' : 'value'}`, message: 'is required' },
        ]);
      }
      return {
        fields: {
          credentialMode: 'static' as const,
          upstreamAuth: 'static' as const,
          oauth: null,
          clientSecretConfigured: false,
          staticHeaderName: name,
          staticSecretConfigured: true,
        },
        upstream: (displayName: string): UpstreamClientConfig => ({
          kind: 'static',
          displayName,
          credentialMode: 'static',
          scopes: [],
          ...(secret ? { staticHeaders: { [name]: a.type === 'bearer' ? `Bearer ${secret}` : secret } } : {}),
        }),
      };
    }
    case 'oauth': {
      const keepsSecret = !!(
        sameType('oauth') &&
        current?.clientSecretConfigured &&
        current.oauth?.clientId === a.clientId
      );
      if (!a.clientSecret && !keepsSecret) {
        throw new ValidationProblem(
          'The OAuth client needs its client secret (write-only: omit it only to keep the stored one).',
          [{ field: `${field}.clientSecret`, message: 'is required' }],
        );
      }
      const configured = !!a.clientSecret || keepsSecret;
      return {
        fields: {
          credentialMode: a.credentialMode,
          upstreamAuth: 'oauth' as const,
          oauth: {
            clientId: a.clientId,
            scopes: a.scopes,
            tokenEndpoint: a.tokenEndpoint,
            ...(a.authorizationEndpoint ? { authorizationEndpoint: a.authorizationEndpoint } : {}),
          },
          clientSecretConfigured: configured,
          staticHeaderName: null,
          staticSecretConfigured: false,
        },
        upstream: (displayName: string): UpstreamClientConfig => ({
          kind: 'oauth',
          displayName,
          credentialMode: a.credentialMode,
          clientId: a.clientId,
          ...(a.clientSecret ? { clientSecret: a.clientSecret } : {}),
          tokenEndpoint: a.tokenEndpoint,
          ...(a.authorizationEndpoint ? { authorizationEndpoint: a.authorizationEndpoint } : {}),
          scopes: a.scopes,
        }),
      };
    }
  }
}

function remoteUpstreamFromRecord(s: ServerRecord, displayName: string): UpstreamClientConfig | null {
  if (s.upstreamAuth === 'static')
    return { kind: 'static', displayName, credentialMode: 'static', scopes: [] };
  if (s.upstreamAuth === 'oauth' && s.oauth) {
    return {
      kind: 'oauth',
      displayName,
      credentialMode: s.credentialMode as UpstreamClientConfig['credentialMode'],
      clientId: s.oauth.clientId,
      scopes: s.oauth.scopes,
      ...(s.oauth.tokenEndpoint ? { tokenEndpoint: s.oauth.tokenEndpoint } : {}),
      ...(s.oauth.authorizationEndpoint ? { authorizationEndpoint: s.oauth.authorizationEndpoint } : {}),
    };
  }
  return null;
}

export function serverChanged(s: ServerRecord, change: ServerChangedPayload['change']): ServerChangedPayload {
  return {
    serverId: s.id,
    change,
    kind: s.kind,
    displayName: s.displayName,
    toolPrefix: s.toolPrefix,
    ...(s.upstreamUrl ? { upstreamUrl: s.upstreamUrl } : {}),
    ...(s.oktaOrgUrl ? { oktaOrgUrl: s.oktaOrgUrl } : {}),
    credentialMode: s.credentialMode,
    paused: s.paused,
    revision: s.revision,
    catalogId: s.catalogId,
    transport: s.transport,
    upstreamAuth: s.upstreamAuth,
    ...(s.oauth?.scopes.length ? { scopes: s.oauth.scopes } : {}),
  };
}
