import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  type Caller,
  callableTools,
  compilePolicy,
  decide,
  decideTool,
  emptySnapshot,
  explainTool,
  type Snapshot,
  toolGate,
  whoCanCall,
} from './decide';

function snapshot(over: (s: Snapshot) => void = () => undefined): Snapshot {
  const s = emptySnapshot(7);
  s.servers.push({
    id: 'srv1',
    kind: 'okta',
    displayName: 'Okta',
    toolPrefix: 'okta',
    credentialMode: 'per_user',
    paused: false,
  });
  s.tools.push(
    {
      id: 't1',
      serverId: 'srv1',
      name: 'list_users',
      state: 'approved',
      classification: 'read',
      definitionHash: 'h1',
      definition: {},
    },
    {
      id: 't2',
      serverId: 'srv1',
      name: 'delete_user',
      state: 'approved',
      classification: 'destructive',
      definitionHash: 'h2',
      definition: {},
    },
    {
      id: 't3',
      serverId: 'srv1',
      name: 'get_user',
      state: 'pending_review',
      classification: 'read',
      definitionHash: 'h3',
      definition: {},
    },
  );
  s.toolsets.push({ id: 'ts1', name: 'Okta read', toolIds: ['t1', 't3'] });
  s.profiles.push({
    id: 'p1',
    name: 'Helpdesk',
    toolsetIds: ['ts1'],
    subjects: [{ type: 'group', value: 'Helpdesk' }],
  });
  over(s);
  return s;
}

const alice: Caller = {
  userId: 'u-alice',
  email: 'alice@example.com',
  groups: ['Helpdesk'],
  clientId: 'c1',
  clientType: 'personal',
};
const bob: Caller = { userId: 'u-bob', groups: ['Sales'], clientId: 'c2', clientType: 'personal' };

describe('decide()', () => {
  it('fails closed without a policy', () => {
    const d = decide(null, alice, 'okta_list_users');
    assert.equal(d.allowed, false);
    assert.equal(!d.allowed && d.reason, 'no_policy');
  });

  it('allows an approved tool bound to a profile that includes the caller through a group', () => {
    const d = decide(compilePolicy(snapshot()), alice, 'okta_list_users');
    assert.equal(d.allowed, true);
    assert.equal(d.allowed && d.grants[0]!.via.value, 'Helpdesk');
    assert.equal(d.policyVersion, 7);
  });

  it('denies a caller outside every profile, naming the reason', () => {
    const d = decide(compilePolicy(snapshot()), bob, 'okta_list_users');
    assert.deepEqual(!d.allowed && [d.reason, /no access profile/.test(d.message)], ['not_entitled', true]);
  });

  it('denies tools that are not in any bound toolset, pending review, disabled or removed', () => {
    const p = compilePolicy(
      snapshot((s) => {
        s.tools.push({
          id: 't4',
          serverId: 'srv1',
          name: 'old',
          state: 'removed',
          classification: 'read',
          definitionHash: 'h',
          definition: {},
        });
        s.tools.push({
          id: 't5',
          serverId: 'srv1',
          name: 'off',
          state: 'disabled',
          classification: 'read',
          definitionHash: 'h',
          definition: {},
        });
        s.toolsets[0]!.toolIds.push('t4', 't5');
      }),
    );
    const reason = (name: string) => {
      const d = decide(p, alice, name);
      return d.allowed ? 'allowed' : d.reason;
    };
    assert.equal(reason('okta_delete_user'), 'not_entitled');
    assert.equal(reason('okta_get_user'), 'tool_pending_review');
    assert.equal(reason('okta_off'), 'tool_disabled');
    assert.equal(reason('okta_old'), 'tool_removed');
    assert.equal(reason('okta_nope'), 'unknown_tool');
  });

  it('applies kill switches in order: tenant, client, server, tool', () => {
    const reason = (f: (s: Snapshot) => void) => {
      const d = decide(compilePolicy(snapshot(f)), alice, 'okta_list_users');
      return d.allowed ? 'allowed' : d.reason;
    };
    assert.equal(
      reason((s) => (s.killSwitches.tenant = true)),
      'tenant_kill_switch',
    );
    assert.equal(
      reason((s) => s.killSwitches.clients.push('c1')),
      'client_kill_switch',
    );
    assert.equal(
      reason((s) => s.killSwitches.servers.push('srv1')),
      'server_kill_switch',
    );
    assert.equal(
      reason((s) => s.killSwitches.tools.push('t1')),
      'tool_kill_switch',
    );
    assert.equal(
      reason((s) => (s.servers[0]!.paused = true)),
      'server_paused',
    );
    assert.equal(
      reason(() => undefined),
      'allowed',
    );
  });

  it('enforces allowed client types tenant-wide and per tool', () => {
    const p1 = compilePolicy(snapshot((s) => (s.allowedClientTypes = ['shared'])));
    assert.equal(
      (decide(p1, alice, 'okta_list_users') as { reason: string }).reason,
      'client_type_not_allowed',
    );
    const p2 = compilePolicy(snapshot((s) => (s.tools[0]!.allowedClientTypes = ['service'])));
    assert.equal(
      (decide(p2, alice, 'okta_list_users') as { reason: string }).reason,
      'tool_client_type_not_allowed',
    );
  });

  it('honours grant expiry for just-in-time access', () => {
    const now = Date.parse('2026-11-30T12:00:00Z');
    const p = compilePolicy(
      snapshot((s) => {
        s.profiles[0]!.subjects = [
          { type: 'user', value: 'alice@example.com', expiresAt: '2026-11-30T11:00:00Z' },
        ];
      }),
    );
    const d = decide(p, alice, 'okta_list_users', now);
    assert.equal(!d.allowed && d.reason, 'grant_expired');
    const later = compilePolicy(
      snapshot(
        (s) =>
          (s.profiles[0]!.subjects = [{ type: 'user', value: 'u-alice', expiresAt: '2026-11-30T13:00:00Z' }]),
      ),
    );
    assert.equal(decide(later, alice, 'okta_list_users', now).allowed, true);
  });

  it('callableTools lists exactly the tools decide() allows', () => {
    const p = compilePolicy(snapshot());
    assert.deepEqual(
      callableTools(p, alice).map((d) => d.exposedName),
      ['okta_list_users'],
    );
    assert.deepEqual(callableTools(p, bob), []);
    assert.deepEqual(callableTools(null, alice), []);
  });

  it('whoCanCall explains which subjects reach a tool and through what', () => {
    const p = compilePolicy(snapshot());
    assert.deepEqual(whoCanCall(p, 't1'), [
      { subject: { type: 'group', value: 'Helpdesk' }, profile: 'Helpdesk', toolset: 'Okta read' },
    ]);
    assert.deepEqual(whoCanCall(p, 't2'), []);
  });

  it('toolGate names tool-level blockers and ignores caller-level ones', () => {
    const gate = (f: (s: Snapshot) => void, id = 't1') =>
      toolGate(compilePolicy(snapshot(f)), id)?.reason ?? null;
    assert.equal(
      gate(() => undefined),
      null,
    );
    assert.equal(
      gate(() => undefined, 't3'),
      'tool_pending_review',
    );
    assert.equal(
      gate((s) => (s.killSwitches.tenant = true)),
      'tenant_kill_switch',
    );
    assert.equal(
      gate((s) => s.killSwitches.servers.push('srv1')),
      'server_kill_switch',
    );
    assert.equal(
      gate((s) => s.killSwitches.tools.push('t1')),
      'tool_kill_switch',
    );
    assert.equal(
      gate((s) => s.killSwitches.clients.push('c1')),
      null,
    );
    assert.equal(
      gate((s) => (s.tools[0]!.allowedClientTypes = ['service'])),
      null,
    );
    assert.equal(
      gate(() => undefined, 'nope'),
      'unknown_tool',
    );
  });

  it('decideTool decides by tool id exactly as decide() does by exposed name', () => {
    const p = compilePolicy(snapshot());
    for (const [id, name] of [
      ['t1', 'okta_list_users'],
      ['t2', 'okta_delete_user'],
      ['t3', 'okta_get_user'],
    ] as const) {
      for (const caller of [alice, bob]) {
        const a = decideTool(p, caller, id);
        const b = decide(p, caller, name);
        assert.equal(a.allowed, b.allowed);
        assert.equal(a.allowed ? 'ok' : a.reason, b.allowed ? 'ok' : b.reason);
      }
    }
    assert.equal((decideTool(p, alice, 'nope') as { reason: string }).reason, 'unknown_tool');
    assert.equal((decideTool(null, alice, 't1') as { reason: string }).reason, 'no_policy');
  });

  it('explainTool lists every grant with its expiry state and the effective client types', () => {
    const now = Date.parse('2026-11-30T12:00:00Z');
    const p = compilePolicy(
      snapshot((s) => {
        s.allowedClientTypes = ['personal', 'shared'];
        s.tools[0]!.allowedClientTypes = ['shared', 'service'];
        s.profiles[0]!.subjects.push({
          type: 'user',
          value: 'carol@example.com',
          expiresAt: '2026-11-30T11:00:00Z',
        });
      }),
    );
    const e = explainTool(p, 't1', now);
    assert.equal(e.exposedName, 'okta_list_users');
    assert.equal(e.gate, null);
    assert.deepEqual(e.allowedClientTypes, ['shared']);
    assert.deepEqual(
      e.grants.map((g) => [g.via.value, g.expired, g.toolsetName]),
      [
        ['Helpdesk', false, 'Okta read'],
        ['carol@example.com', true, 'Okta read'],
      ],
    );
    assert.equal(explainTool(p, 't2', now).grants.length, 0);
  });

  it('accepts snapshots carrying the optional settings block', () => {
    const p = compilePolicy(
      snapshot((s) => {
        s.settings = {
          auditVerbosity: 'full',
          requireToolApproval: true,
          defaultClassification: 'unclassified',
          pinApprovedDefinitions: true,
          discoveryIntervalSeconds: 3600,
        };
      }),
    );
    assert.equal(decide(p, alice, 'okta_list_users').allowed, true);
  });
});
