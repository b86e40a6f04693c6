import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { AdminActionAudited, PolicySnapshotPublished, ToolCallAudited } from '@portcullis/contracts';
import { KafkaEventBus } from '@portcullis/messaging';
import {
  eventually,
  freshDatabase,
  serviceEnvironment,
  startProcess,
  type TestDatabase,
  uniqueTopicPrefix,
} from '@portcullis/testing';
import type { AuditRecordView } from './domain/view';
import {
  ADMIN_TOKEN,
  auditEnv,
  envelope,
  getJson,
  type IntrospectionStub,
  rowsOf,
  type RunningAudit,
  startAudit,
  startIntrospectionStub,
  USER_TOKEN,
} from './testing/harness';

type Page = { data: AuditRecordView[]; nextCursor: string | null };

describe('audit service (Kafka + PostgreSQL)', () => {
  let stub: IntrospectionStub;
  let db: TestDatabase;
  let prefix: string;
  let svc: RunningAudit;
  let producer: KafkaEventBus;
  const env = () => serviceEnvironment();

  before(async () => {
    stub = await startIntrospectionStub();
    db = await freshDatabase();
    prefix = uniqueTopicPrefix();
    svc = await startAudit(
      auditEnv({
        databaseUrl: db.url,
        kafkaBrokers: env().kafkaBrokers,
        topicPrefix: prefix,
        authUrl: stub.url,
        extra: {
          AUDIT_REDACT_FIELDS: 'arguments.profile.mobilePhone',
          AUDIT_VERBOSITY: 'full',
          AUDIT_VERBOSITY_BY_TENANT: 'globex=minimal',
          AUDIT_INFLIGHT_TIMEOUT_SECONDS: '60',
        },
      }),
    );
    producer = new KafkaEventBus({
      brokers: env().kafkaBrokers,
      clientId: 'audit-int-test',
      topicPrefix: prefix,
    });
    await producer.start();
  });

  after(async () => {
    await producer?.close();
    await svc?.close();
    await stub?.close();
    await db?.drop();
  });

  const api = (path: string, token: string | null = ADMIN_TOKEN) =>
    getJson(`${svc.url}/api/v1/audit/${path}`, token);
  const count = async (sql: string, params: unknown[] = []) =>
    Number((await svc.platform.dataSource!.query(sql, params))[0].n);
  const user = { id: 'u-ann', email: 'ann@example.com' };
  const client = { id: 'c-claude', name: 'Claude Desktop', type: 'personal' as const };

  it('stores intent and outcome per call; the calls view shows one row per call with its final status', async () => {
    const base = {
      user,
      client,
      serverId: 'okta',
      tool: 'okta_list_users',
      classification: 'read' as const,
      protocolVersion: '2025-11-25',
    };
    const [a, b, c] = ['call-a', 'call-b', 'call-c'];
    await producer.publish(
      ToolCallAudited,
      { ...base, callId: a, phase: 'intent', outcome: 'intent', arguments: { limit: 5 } },
      { tenantId: 'acme' },
    );
    await producer.publish(
      ToolCallAudited,
      {
        ...base,
        callId: a,
        phase: 'outcome',
        outcome: 'allowed_success',
        latencyMs: 42,
        resultSummary: '5 users',
        upstreamIdentity: 'svc@okta',
      },
      { tenantId: 'acme', traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01' },
    );
    await producer.publish(
      ToolCallAudited,
      { ...base, callId: b, phase: 'intent', outcome: 'intent' },
      { tenantId: 'acme' },
    );
    await producer.publish(
      ToolCallAudited,
      {
        ...base,
        tool: 'okta_delete_user',
        callId: c,
        phase: 'outcome',
        outcome: 'denied',
        denialReason: 'tool not in your access profile',
      },
      { tenantId: 'acme' },
    );
    await producer.publish(
      AdminActionAudited,
      {
        action: 'server.registered',
        actor: { type: 'user', id: 'admin-1', email: 'admin@example.com' },
        resourceType: 'server',
        resourceId: 'okta',
      },
      { tenantId: 'acme' },
    );
    const records = await eventually('5 records stored', async () => {
      const r = await api('events?view=records&limit=50');
      const page = r.body as Page;
      return page.data.length >= 5 ? page : undefined;
    });
    assert.equal(records.data.length, 5);

    const calls = (await api('events')).body as Page;
    const byCall = new Map(calls.data.filter((r) => r.toolCall).map((r) => [r.toolCall!.callId, r]));
    assert.equal(calls.data.length, 4, 'intent of call-a is folded into its outcome');
    assert.equal(byCall.get(a)!.status, 'allowed_success');
    assert.equal(byCall.get(a)!.toolCall!.latencyMs, 42);
    assert.equal(byCall.get(a)!.traceId, '4bf92f3577b34da6a3ce929d0e0e4736');
    assert.equal(byCall.get(a)!.toolCall!.upstreamIdentity, 'svc@okta');
    assert.equal(byCall.get(b)!.status, 'in_flight', 'an intent without outcome is visible as in flight');
    assert.equal(byCall.get(c)!.status, 'denied');
    assert.equal(byCall.get(c)!.toolCall!.denialReason, 'tool not in your access profile');
    const admin = calls.data.find((r) => r.type === 'admin')!;
    assert.equal(admin.admin!.action, 'server.registered');
    assert.equal(admin.user!.email, 'admin@example.com');

    const one = (await api(`calls/${a}`)).body as { status: string; records: AuditRecordView[] };
    assert.equal(one.status, 'allowed_success');
    assert.deepEqual(
      one.records.map((r) => r.toolCall!.phase),
      ['intent', 'outcome'],
    );
    const pending = (await api('events?outcome=pending')).body as Page;
    assert.deepEqual(
      pending.data.map((r) => r.toolCall!.callId),
      [b],
    );
    const byId = await api(`events/${admin.eventId}`);
    assert.equal((byId.body as AuditRecordView).seq, admin.seq);
    assert.equal((await api(`events/${randomUUID()}`)).status, 404);
  });

  it('a redelivered event (same eventId, even with a new occurredAt) is stored once', async () => {
    const eventId = randomUUID();
    const callId = `dup-${randomUUID()}`;
    const p = {
      callId,
      phase: 'outcome' as const,
      outcome: 'allowed_success' as const,
      user,
      client,
      tool: 'okta_get_user',
    };
    await producer.publish(ToolCallAudited, p, { tenantId: 'acme', eventId });
    await new Promise((r) => setTimeout(r, 20));
    await producer.publish(ToolCallAudited, p, { tenantId: 'acme', eventId });
    const raw = envelope(ToolCallAudited, p, { tenantId: 'acme', eventId });
    await producer.publishRaw(ToolCallAudited, callId, JSON.stringify(raw));
    // Same key → same partition → ordered: once the sentinel is stored, the duplicates were handled.
    const sentinel = randomUUID();
    await producer.publish(
      ToolCallAudited,
      { ...p, phase: 'intent', outcome: 'intent' },
      { tenantId: 'acme', eventId: sentinel, key: callId },
    );
    await eventually(
      'sentinel stored',
      async () =>
        (await count(`SELECT count(*) AS n FROM audit.events WHERE event_id = $1`, [sentinel])) === 1,
    );
    assert.equal(await count(`SELECT count(*) AS n FROM audit.events WHERE event_id = $1`, [eventId]), 1);
    assert.equal(await count(`SELECT count(*) AS n FROM audit.event_ids WHERE event_id = $1`, [eventId]), 1);
  });

  it('redacts secrets and configured fields, and applies per-tenant verbosity, before storing', async () => {
    const callId = `redact-${randomUUID()}`;
    const args = {
      profile: { login: 'new@example.com', mobilePhone: '+1-555-0100', password: 'Sup3rS3cret!' },
      headers: { authorization: 'SSWS 00verysecretapitoken' },
    };
    await producer.publish(
      ToolCallAudited,
      {
        callId,
        phase: 'outcome',
        outcome: 'allowed_error',
        user,
        client,
        tool: 'okta_create_user',
        arguments: args,
        errorMessage: 'got Bearer abcdefghijklmnop back',
      },
      { tenantId: 'acme' },
    );
    await producer.publish(
      ToolCallAudited,
      {
        callId,
        phase: 'outcome',
        outcome: 'allowed_success',
        user,
        client,
        tool: 'okta_create_user',
        arguments: args,
        resultSummary: 'ok',
      },
      { tenantId: 'globex' },
    );
    await eventually(
      'both stored',
      async () => (await count(`SELECT count(*) AS n FROM audit.events WHERE call_id = $1`, [callId])) === 2,
    );
    const rows: {
      tenant_id: string;
      content: string;
      arguments: unknown;
      result_summary: string | null;
      verbosity: string;
    }[] = await svc.platform.dataSource!.query(
      `SELECT tenant_id, row_to_json(e)::text AS content, arguments, result_summary, verbosity FROM audit.events e WHERE call_id = $1`,
      [callId],
    );
    for (const r of rows) {
      for (const secret of ['Sup3rS3cret!', '+1-555-0100', '00verysecretapitoken', 'abcdefghijklmnop']) {
        assert.ok(!r.content.includes(secret), `${secret} must not be stored (tenant ${r.tenant_id})`);
      }
    }
    const acme = rows.find((r) => r.tenant_id === 'acme')!;
    assert.equal(acme.verbosity, 'full');
    assert.deepEqual(acme.arguments, {
      profile: { login: 'new@example.com', mobilePhone: '[REDACTED]', password: '[REDACTED]' },
      headers: { authorization: '[REDACTED]' },
    });
    const globex = rows.find((r) => r.tenant_id === 'globex')!;
    assert.equal(globex.verbosity, 'minimal');
    assert.equal(globex.arguments, null);
    assert.equal(globex.result_summary, null);
    // Other tenants' records are not visible through this deployment's API.
    const listed = (await api(`events?q=${encodeURIComponent('okta_create_user')}&view=records`))
      .body as Page;
    assert.ok(listed.data.every((r) => r.tenantId === 'acme'));
  });

  it("follows each tenant's audit verbosity from governance's policy snapshots", async () => {
    const snapshot = (auditVerbosity: 'minimal' | 'standard' | 'full') => ({
      version: 1,
      compiledAt: new Date().toISOString(),
      killSwitches: { tenant: false, servers: [], tools: [], clients: [] },
      allowedClientTypes: ['personal' as const],
      servers: [],
      tools: [],
      toolsets: [],
      profiles: [],
      settings: {
        auditVerbosity,
        requireToolApproval: true,
        defaultClassification: 'read' as const,
        pinApprovedDefinitions: false,
        discoveryIntervalSeconds: 3600,
      },
    });
    await producer.publish(PolicySnapshotPublished, snapshot('standard'), { tenantId: 'initech' });
    const args = { filter: 'status eq "ACTIVE"', limit: 20 };
    const stored = async (callId: string) => {
      await eventually(
        `${callId} stored`,
        async () =>
          (await count(`SELECT count(*) AS n FROM audit.events WHERE call_id = $1`, [callId])) === 1,
      );
      return (
        await svc.platform.dataSource!.query(
          `SELECT arguments, verbosity FROM audit.events WHERE call_id = $1`,
          [callId],
        )
      )[0] as { arguments: unknown; verbosity: string };
    };
    // The snapshot is applied asynchronously: publish until a call is stored at the tenant's level.
    const call = (callId: string) =>
      producer.publish(
        ToolCallAudited,
        {
          callId,
          phase: 'outcome',
          outcome: 'allowed_success',
          user,
          client,
          tool: 'okta_list_users',
          arguments: args,
        },
        { tenantId: 'initech' },
      );
    await eventually('the standard setting to apply', async () => {
      const id = `v-${randomUUID()}`;
      await call(id);
      return (await stored(id)).verbosity === 'standard';
    });
    const std = `v-${randomUUID()}`;
    await call(std);
    assert.deepEqual((await stored(std)).arguments, { filter: '<string:18>', limit: '<number>' });
    // AUDIT_VERBOSITY_BY_TENANT pins globex to minimal whatever its setting says.
    await producer.publish(PolicySnapshotPublished, snapshot('full'), { tenantId: 'globex' });
    await new Promise((r) => setTimeout(r, 500));
    const g = `v-${randomUUID()}`;
    await producer.publish(
      ToolCallAudited,
      {
        callId: g,
        phase: 'outcome',
        outcome: 'allowed_success',
        user,
        client,
        tool: 'okta_list_users',
        arguments: args,
      },
      { tenantId: 'globex' },
    );
    assert.equal((await stored(g)).verbosity, 'minimal');
  });

  it('guards every route with AdminGuard (auth introspection), failing closed', async () => {
    for (const path of ['events', 'export', 'verify', 'calls/x', `events/${randomUUID()}`]) {
      const none = await api(path, null);
      assert.equal(none.status, 401, path);
      assert.match(none.type, /application\/problem\+json/);
      assert.equal((await api(path, USER_TOKEN)).status, 403, path);
      assert.equal((await api(path, 'forged')).status, 401, path);
    }
    assert.ok(
      stub.calls.every((c) => c.caller === 'audit'),
      'the guard authenticates to auth as the audit service',
    );
    stub.setDown(true);
    try {
      assert.equal((await api('events', 'never-seen-token')).status, 503);
    } finally {
      stub.setDown(false);
    }
  });

  describe('query filters and keyset pagination', () => {
    const tenant = 'acme';
    const t0 = Date.now() - 3 * 86_400_000;
    const users = ['u1', 'u2', 'u3'];
    const tools = ['okta_list_users', 'okta_get_user', 'okta_delete_user'];
    const outcomes = ['allowed_success', 'allowed_error', 'denied'] as const;
    let seeded: ReturnType<typeof rowsOf>;
    let from: Date;
    let to: Date;

    before(async () => {
      const envs = [];
      for (let i = 0; i < 240; i++) {
        const at = new Date(t0 + Math.floor(i / 2) * 60_000); // pairs share a timestamp: seq breaks ties
        const o = outcomes[i % 3]!;
        envs.push(
          i % 10 === 9
            ? envelope(
                AdminActionAudited,
                {
                  action: 'tool.approved',
                  actor: { type: 'user', id: users[i % 3]!, email: `${users[i % 3]}@example.com` },
                  resourceType: 'tool',
                  resourceId: `t${i}`,
                  summary: `approved batch ${i}`,
                },
                { tenantId: tenant, occurredAt: at },
              )
            : envelope(
                ToolCallAudited,
                {
                  callId: `q-${i}`,
                  phase: i % 7 === 0 ? 'intent' : 'outcome',
                  outcome: i % 7 === 0 ? 'intent' : o,
                  user: { id: users[i % 3]!, email: `${users[i % 3]}@example.com` },
                  client: { id: i % 2 ? 'c-cursor' : 'c-claude', name: i % 2 ? 'Cursor' : 'Claude' },
                  serverId: i % 4 ? 'okta' : 'okta-eu',
                  tool: tools[i % 3]!,
                  ...(o === 'denied' && i % 7 !== 0
                    ? { denialReason: i % 2 ? 'kill switch active' : 'tool not in profile' }
                    : {}),
                  resultSummary: `summary ${i} ${i % 5 === 0 ? 'needle_50%' : ''}`,
                },
                { tenantId: tenant, occurredAt: at },
              ),
        );
      }
      // Some intents get their outcome later (so the calls view folds them).
      for (let i = 0; i < 240; i += 14) {
        envs.push(
          envelope(
            ToolCallAudited,
            {
              callId: `q-${i}`,
              phase: 'outcome',
              outcome: 'allowed_success',
              user: { id: users[i % 3]!, email: `${users[i % 3]}@example.com` },
              client: { id: 'c-claude' },
              tool: tools[i % 3]!,
            },
            {
              tenantId: tenant,
              occurredAt: new Date(t0 + Math.floor(i / 2) * 60_000 + 500),
            },
          ),
        );
      }
      seeded = rowsOf(envs);
      await svc.store.records.append(seeded);
      from = new Date(t0);
      to = new Date(t0 + 200 * 60_000);
      outcomeIds = new Set(seeded.filter((r) => r.phase === 'outcome').map((r) => r.callId));
    });

    async function all(query: string, limit: number): Promise<AuditRecordView[]> {
      const out: AuditRecordView[] = [];
      let cursor: string | null = null;
      for (let guard = 0; guard < 1000; guard++) {
        const r = await api(`events?${query}&limit=${limit}${cursor ? `&cursor=${cursor}` : ''}`);
        assert.equal(r.status, 200, JSON.stringify(r.body));
        const page = r.body as Page;
        out.push(...page.data);
        if (!page.nextCursor) return out;
        assert.equal(page.data.length, limit);
        cursor = page.nextCursor;
      }
      throw new Error('pagination did not end');
    }

    const range = () => `from=${from.toISOString()}&to=${to.toISOString()}`;
    const inRange = (r: { occurredAt: string }) =>
      Date.parse(r.occurredAt) >= from.getTime() && Date.parse(r.occurredAt) < to.getTime();
    const order = (rows: typeof seeded, dir: 'asc' | 'desc') =>
      [...rows].sort((a, b) => {
        const d = a.occurredAt < b.occurredAt ? -1 : a.occurredAt > b.occurredAt ? 1 : 0;
        return dir === 'asc' ? d : -d;
      });
    const ids = (rows: { eventId: string }[]) => rows.map((r) => r.eventId);
    let outcomeIds: Set<string | null>;

    const cases: [string, (r: (typeof seeded)[number]) => boolean][] = [
      ['view=records', () => true],
      ['view=records&user=u2', (r) => r.userId === 'u2'],
      ['view=records&user=U3@EXAMPLE.COM', (r) => r.userEmail === 'u3@example.com'],
      ['view=records&tool=okta_delete_user', (r) => r.tool === 'okta_delete_user'],
      ['view=records&client=cursor', (r) => r.clientName === 'Cursor'],
      ['view=records&server=okta-eu', (r) => r.serverId === 'okta-eu'],
      ['view=records&outcome=denied', (r) => r.phase === 'outcome' && r.outcome === 'denied'],
      ['view=records&reason=KILL', (r) => (r.denialReason ?? '').includes('kill')],
      ['view=records&type=admin', (r) => r.kind === 'admin'],
      ['view=records&q=needle_50%25', (r) => (r.resultSummary ?? '').includes('needle_50%')],
      ['view=records&q=approved%20batch', (r) => (r.summary ?? '').includes('approved batch')],
      [
        'view=records&user=u1&tool=okta_list_users&outcome=allowed_success',
        (r) =>
          r.userId === 'u1' &&
          r.tool === 'okta_list_users' &&
          r.phase === 'outcome' &&
          r.outcome === 'allowed_success',
      ],
      ['view=calls', (r) => !(r.phase === 'intent' && outcomeIds.has(r.callId))],
      ['outcome=pending', (r) => r.phase === 'intent' && !outcomeIds.has(r.callId)],
    ];

    for (const [query, predicate] of cases) {
      it(`returns exactly the matching rows, in order, across pages: ${query}`, async () => {
        for (const [dir, limit] of [
          ['desc', 7],
          ['asc', 50],
        ] as const) {
          const got = await all(`${query}&${range()}&order=${dir}`, limit);
          const want = order(
            seeded.filter((r) => inRange(r) && predicate(r)),
            dir,
          );
          assert.ok(want.length > 0, 'the case selects something');
          assert.equal(got.length, want.length, `${dir} count`);
          // Equal timestamps are ordered by seq (append order), which the seeding preserves.
          assert.deepEqual(new Set(ids(got)), new Set(ids(want)));
          for (let i = 1; i < got.length; i++) {
            const [p, c] = [got[i - 1]!, got[i]!];
            const cmp = p.occurredAt === c.occurredAt ? p.seq - c.seq : p.occurredAt < c.occurredAt ? -1 : 1;
            assert.ok(dir === 'asc' ? cmp < 0 : cmp > 0, `sorted ${dir} at ${i}`);
          }
        }
      });
    }

    it('from is inclusive and to exclusive', async () => {
      const at = new Date(t0 + 10 * 60_000);
      const got = (
        await api(
          `events?view=records&from=${at.toISOString()}&to=${new Date(at.getTime() + 60_000).toISOString()}`,
        )
      ).body as Page;
      assert.deepEqual(
        new Set(ids(got.data)),
        new Set(
          ids(
            seeded.filter(
              (r) =>
                Date.parse(r.occurredAt) >= at.getTime() && Date.parse(r.occurredAt) < at.getTime() + 60_000,
            ),
          ),
        ),
      );
    });

    it('rejects bad parameters and foreign cursors with 400 problem details', async () => {
      const first = (await api(`events?${range()}&limit=5&user=u1`)).body as Page;
      const cases: [string, RegExp][] = [
        [`events?users=u1`, /unknown parameter\(s\): users/],
        [`events?limit=0`, /limit/],
        [`events?limit=5000`, /limit/],
        [`events?from=yesterday`, /from: must be an ISO 8601/],
        [`events?from=2025-02-01&to=2025-01-01`, /from must be earlier than to/],
        [`events?outcome=maybe`, /outcome: must be one of/],
        [`events?type=tool_call,bogus`, /type/],
        [`events?cursor=garbage`, /cursor is not valid/],
        [`events?${range()}&limit=5&user=u2&cursor=${first.nextCursor}`, /different filters/],
        [`events?${range()}&limit=5&user=u1&order=asc&cursor=${first.nextCursor}`, /order=desc/],
        [`events?user=a&user=b`, /user: must be given once/],
        [`export?format=xml`, /format/],
        [`verify?from=nope`, /from/],
      ];
      for (const [path, msg] of cases) {
        const r = await api(path);
        assert.equal(r.status, 400, path);
        assert.match(r.type, /problem\+json/);
        assert.match((r.body as { detail: string }).detail, msg, path);
      }
    });

    it('exports the same rows as NDJSON, CSV and OCSF', async () => {
      const q = `${range()}&user=u2`;
      const want = order(
        seeded.filter((r) => inRange(r) && r.userId === 'u2'),
        'asc',
      );
      const nd = await fetch(`${svc.url}/api/v1/audit/export?${q}`, {
        headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
      });
      assert.match(nd.headers.get('content-type')!, /application\/x-ndjson/);
      assert.match(nd.headers.get('content-disposition')!, /attachment; filename="audit-acme-ndjson-/);
      const lines = (await nd.text())
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as AuditRecordView);
      assert.deepEqual(ids(lines), ids(want));
      const csv = await (
        await fetch(`${svc.url}/api/v1/audit/export?${q}&format=csv`, {
          headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
        })
      ).text();
      const csvLines = csv.split('\r\n').filter(Boolean);
      assert.equal(csvLines[0]!.split(',')[1], 'event_id');
      assert.deepEqual(
        csvLines.slice(1).map((l) => l.split(',')[1]),
        ids(want),
      );
      const ocsf = (
        await (
          await fetch(`${svc.url}/api/v1/audit/export?${q}&format=ocsf`, {
            headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
          })
        ).text()
      )
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as { class_uid: number; metadata: { uid: string } });
      assert.ok(ocsf.every((o) => o.class_uid === 6003));
      assert.deepEqual(
        ocsf.map((o) => o.metadata.uid),
        ids(want),
      );
      const limited = (
        await (
          await fetch(`${svc.url}/api/v1/audit/export?${q}&limit=3`, {
            headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
          })
        ).text()
      )
        .trim()
        .split('\n');
      assert.equal(limited.length, 3);
      // Exports are themselves recorded as admin actions.
      await eventually(
        'export recorded',
        async () =>
          (await count(
            `SELECT count(*) AS n FROM audit.events WHERE action = 'audit.exported' AND user_id = 'admin-1'`,
          )) >= 1,
      );
    });
  });

  describe('tamper evidence', () => {
    const cli = async (args: string[]) => {
      const p = startProcess(
        'audit-verify',
        'dist/apps/audit/src/main.js',
        { DATABASE_URL: db.url, LOG_LEVEL: 'silent' },
        ['verify', ...args],
      );
      const code = await p.exited;
      return { code, output: p.output() };
    };

    it('verifies the intact chain (API and CLI)', async () => {
      const r = (await api('verify')).body as { ok: boolean; checked: number; head: { seq: number } };
      assert.equal(r.ok, true, JSON.stringify(r));
      assert.equal(r.checked, r.head.seq);
      const c = await cli(['--tenant', 'acme']);
      assert.equal(c.code, 0, c.output);
      assert.match(c.output, /audit chain OK: tenant acme/);
      const all = await cli([]);
      assert.equal(all.code, 0, all.output);
      assert.match(all.output, /tenant globex/);
    });

    it('refuses UPDATE and DELETE on stored records', async () => {
      await assert.rejects(
        svc.platform.dataSource!.query(
          `UPDATE audit.events SET tool = 'x' WHERE tenant_id = 'acme' AND seq = 3`,
        ),
        /append-only/,
      );
      await assert.rejects(
        svc.platform.dataSource!.query(`DELETE FROM audit.events WHERE tenant_id = 'acme' AND seq = 3`),
        /append-only/,
      );
    });

    it('detects an edited record and names it (API and CLI), and a deleted one', async () => {
      const ds = svc.platform.dataSource!;
      // An attacker with table-owner rights can switch the guard trigger off; the chain still tells.
      await ds.query(`ALTER TABLE audit.events DISABLE TRIGGER events_append_only`);
      try {
        const [orig]: { tool: string; event_id: string; hash: string }[] = await ds.query(
          `SELECT tool, event_id, encode(hash, 'hex') AS hash FROM audit.events WHERE tenant_id = 'acme' AND seq = 20`,
        );
        await ds.query(
          `UPDATE audit.events SET tool = 'okta_innocent_tool' WHERE tenant_id = 'acme' AND seq = 20`,
        );
        const r = (await api('verify')).body as {
          ok: boolean;
          broken: { seq: number; eventId: string; problem: string; expected: string; stored: string };
        };
        assert.equal(r.ok, false);
        assert.equal(r.broken.seq, 20);
        assert.equal(r.broken.eventId, orig!.event_id);
        assert.equal(r.broken.problem, 'hash_mismatch');
        assert.equal(r.broken.stored, orig!.hash);
        assert.notEqual(r.broken.expected, orig!.hash);
        const c = await cli([]);
        assert.equal(c.code, 2, c.output);
        assert.match(
          c.output,
          new RegExp(
            `audit chain BROKEN: tenant acme .*at record 20 \\(event ${orig!.event_id}\\): hash_mismatch; expected [0-9a-f]{64}, stored ${orig!.hash}`,
          ),
        );
        // Putting the value back makes the record verify again.
        await ds.query(`UPDATE audit.events SET tool = $1 WHERE tenant_id = 'acme' AND seq = 20`, [
          orig!.tool,
        ]);
        assert.equal(((await api('verify')).body as { ok: boolean }).ok, true);

        await ds.query(`DELETE FROM audit.events WHERE tenant_id = 'acme' AND seq = 33`);
        const d = (await api('verify')).body as {
          ok: boolean;
          broken: { seq: number; problem: string; missingSeqs: unknown };
        };
        assert.equal(d.ok, false);
        assert.equal(d.broken.seq, 34);
        assert.equal(d.broken.problem, 'missing_records');
        assert.deepEqual(d.broken.missingSeqs, { from: 33, to: 33 });
        const dc = await cli(['--tenant', 'acme']);
        assert.equal(dc.code, 2);
        assert.match(dc.output, /at record 34 .*missing_records/);
        // A time-ranged verify whose records (by seq) start after the hole still passes.
        const [{ a, b }]: { a: Date; b: Date }[] = await ds.query(
          `SELECT min(occurred_at) FILTER (WHERE seq = 40) AS a, min(occurred_at) FILTER (WHERE seq = 200) AS b FROM audit.events WHERE tenant_id = 'acme'`,
        );
        const window = `from=${encodeURIComponent(new Date(a).toISOString())}&to=${encodeURIComponent(new Date(b).toISOString())}`;
        const ranged = (await api(`verify?${window}`)).body as { ok: boolean; firstSeq: number };
        assert.equal(ranged.ok, true, JSON.stringify(ranged));
        assert.ok(ranged.firstSeq > 34);
      } finally {
        await ds.query(`ALTER TABLE audit.events ENABLE TRIGGER events_append_only`);
      }
    });
  });
});
