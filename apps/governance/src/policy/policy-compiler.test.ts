import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { policySnapshotBody } from '@portcullis/contracts';
import { callableTools, compilePolicy } from '@portcullis/policy';
import { type CompileInput, compileSnapshot, resolveToolsets } from './policy-compiler';

const settings: CompileInput['settings'] = {
  requireToolApproval: true,
  defaultClassification: 'unclassified',
  allowedClientTypes: ['personal', 'shared'],
  discoveryIntervalSeconds: 600,
  pinApprovedDefinitions: true,
  auditVerbosity: 'standard',
};

function input(over: Partial<CompileInput> = {}): CompileInput {
  return {
    settings,
    servers: [
      {
        id: 's1',
        catalogId: 'okta',
        kind: 'okta',
        displayName: 'Okta',
        toolPrefix: 'okta',
        upstreamUrl: 'http://okta-mcp/mcp',
        oktaOrgUrl: 'https://acme.okta.com',
        credentialMode: 'per_user',
        transport: 'streamable_http',
        upstreamAuth: 'oauth',
        paused: false,
      },
    ],
    tools: [
      {
        id: 't1',
        serverId: 's1',
        name: 'list_users',
        state: 'approved',
        classification: 'read',
        allowedClientTypes: null,
        definitionHash: 'a'.repeat(64),
        definition: { name: 'list_users' },
      },
      {
        id: 't2',
        serverId: 's1',
        name: 'delete_user',
        state: 'approved',
        classification: 'destructive',
        allowedClientTypes: ['shared'],
        definitionHash: 'b'.repeat(64),
        definition: {},
      },
      {
        id: 't3',
        serverId: 's1',
        name: 'get_user',
        state: 'pending_review',
        classification: 'read',
        allowedClientTypes: null,
        definitionHash: 'c'.repeat(64),
        definition: {},
      },
    ],
    toolsets: [
      { id: 'all', kind: 'server_all_approved', name: null, serverId: 's1', toolIds: [], includes: [] },
      { id: 'read', kind: 'server_read', name: null, serverId: 's1', toolIds: [], includes: [] },
      { id: 'c1', kind: 'custom', name: 'Helpdesk', serverId: null, toolIds: ['t3'], includes: ['read'] },
      { id: 'c2', kind: 'custom', name: 'Outer', serverId: null, toolIds: [], includes: ['c1'] },
    ],
    profiles: [
      {
        id: 'p1',
        name: 'Helpdesk',
        toolsetIds: ['c2'],
        subjects: [{ type: 'group', value: 'Helpdesk', expiresAt: null }],
      },
    ],
    killSwitches: [],
    ...over,
  };
}

describe('resolveToolsets', () => {
  it('computes maintained toolsets from the server’s approved tools and names them after the server', () => {
    const r = resolveToolsets(input());
    assert.deepEqual(r.get('all')!.toolIds, ['t1', 't2']);
    assert.equal(r.get('all')!.name, 'All approved tools — Okta');
    assert.deepEqual(r.get('read')!.toolIds, ['t1']);
    assert.equal(r.get('read')!.name, 'Read tools — Okta');
  });

  it('flattens custom toolsets through their inclusions, transitively', () => {
    const r = resolveToolsets(input());
    assert.deepEqual(r.get('c1')!.toolIds, ['t1', 't3']);
    assert.deepEqual(r.get('c2')!.toolIds, ['t1', 't3']);
  });

  it('cuts an inclusion cycle instead of looping', () => {
    const i = input();
    i.toolsets.find((t) => t.id === 'c1')!.includes.push('c2');
    const r = resolveToolsets(i);
    assert.deepEqual(r.get('c2')!.toolIds, ['t1', 't3']);
  });
});

describe('compileSnapshot', () => {
  it('produces a snapshot the contract accepts, with settings, kill switches and flattened toolsets', () => {
    const s = compileSnapshot(
      input({
        killSwitches: [
          { scope: 'tool', targetId: 't2' },
          { scope: 'client', targetId: 'c-9' },
        ],
      }),
      7,
      new Date('2026-11-30T12:00:00Z'),
    );
    assert.equal(policySnapshotBody.safeParse(s).success, true);
    assert.equal(s.version, 7);
    assert.deepEqual(s.killSwitches, { tenant: false, servers: [], tools: ['t2'], clients: ['c-9'] });
    assert.deepEqual(s.allowedClientTypes, ['personal', 'shared']);
    assert.equal(s.settings!.auditVerbosity, 'standard');
    assert.equal(s.settings!.discoveryIntervalSeconds, 600);
    assert.deepEqual(s.tools.find((t) => t.id === 't2')!.allowedClientTypes, ['shared']);
    assert.equal('allowedClientTypes' in s.tools.find((t) => t.id === 't1')!, false);
    assert.deepEqual(s.toolsets.find((t) => t.id === 'c2')!.toolIds, ['t1', 't3']);
    assert.equal(s.servers[0]!.oktaOrgUrl, 'https://acme.okta.com');
  });

  it('is what decide() enforces: a group member gets exactly the approved tools bound to them', () => {
    const p = compilePolicy(compileSnapshot(input(), 1));
    const member = { userId: 'u1', groups: ['Helpdesk'], clientId: 'c', clientType: 'personal' as const };
    assert.deepEqual(
      callableTools(p, member).map((d) => d.exposedName),
      ['okta_list_users'],
    );
    assert.deepEqual(callableTools(p, { ...member, groups: ['Sales'] }), []);
  });

  it('carries the tenant kill switch and subject expiry', () => {
    const s = compileSnapshot(
      input({
        killSwitches: [{ scope: 'tenant', targetId: '' }],
        profiles: [
          {
            id: 'p1',
            name: 'P',
            toolsetIds: ['c1'],
            subjects: [{ type: 'user', value: 'ann@example.com', expiresAt: '2030-01-01T00:00:00.000Z' }],
          },
        ],
      }),
      2,
    );
    assert.equal(s.killSwitches.tenant, true);
    assert.deepEqual(s.profiles[0]!.subjects, [
      { type: 'user', value: 'ann@example.com', expiresAt: '2030-01-01T00:00:00.000Z' },
    ]);
  });
});
