import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ocsfActivityId, toOcsf } from './ocsf';
import type { ChainedRow } from './record';

const base: ChainedRow = {
  tenantId: 'acme',
  seq: 7,
  eventId: 'e-1',
  eventType: 'audit.tool-call',
  eventVersion: 1,
  kind: 'tool_call',
  occurredAt: '2025-06-01T12:00:00.250000Z',
  occurredAtClaimed: null,
  recordedAt: '2025-06-01T12:00:01.000000Z',
  traceId: 'abc',
  callId: 'call-1',
  phase: 'outcome',
  outcome: 'denied',
  userId: 'u1',
  userEmail: 'ann@example.com',
  clientId: 'c1',
  clientName: 'Claude',
  clientType: 'personal',
  serverId: 'okta',
  tool: 'okta_delete_user',
  classification: 'destructive',
  denialReason: 'tool not in profile',
  errorMessage: null,
  upstreamIdentity: null,
  credentialMode: 'per_user',
  latencyMs: 3,
  protocolVersion: '2025-11-25',
  arguments: { id: 'x' },
  resultSummary: null,
  verbosity: 'standard',
  action: null,
  actorType: null,
  resourceType: null,
  resourceId: null,
  summary: null,
  details: null,
  prevHash: 'aa',
  hash: 'bb',
};

describe('OCSF mapping', () => {
  it('maps a denied tool call to API Activity with disposition Blocked', () => {
    const o = toOcsf(base, { version: '0.1.0' }) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
    assert.equal(o.class_uid, 6003);
    assert.equal(o.category_uid, 6);
    assert.equal(o.activity_id, 4);
    assert.equal(o.type_uid, 600304);
    assert.equal(o.time, Date.parse('2025-06-01T12:00:00.250Z'));
    assert.equal(o.status_id, 2);
    assert.equal(o.status_detail, 'tool not in profile');
    assert.equal(o.disposition, 'Blocked');
    assert.equal(o.severity_id, 3);
    assert.deepEqual(o.actor, {
      user: { uid: 'u1', email_addr: 'ann@example.com' },
      app_uid: 'c1',
      app_name: 'Claude',
    });
    assert.deepEqual(o.api, {
      operation: 'okta_delete_user',
      service: { name: 'okta', uid: 'okta' },
      request: { uid: 'call-1' },
      version: '2025-11-25',
    });
    assert.equal(o.metadata.uid, 'e-1');
    assert.equal(o.metadata.correlation_uid, 'call-1');
    assert.equal(o.metadata.version, '1.3.0');
    assert.equal(o.metadata.product.name, 'Portcullis');
    assert.equal(o.unmapped.hash, 'bb');
    assert.equal(
      o.message,
      'ann@example.com called okta_delete_user via Claude: denied (tool not in profile)',
    );
  });

  it('maps success, error and intent statuses', () => {
    const ok = toOcsf(
      { ...base, outcome: 'allowed_success', denialReason: null, classification: 'read' },
      { version: '1' },
    );
    assert.equal(ok['status_id'], 1);
    assert.equal(ok['activity_id'], 2);
    assert.equal(ok['disposition'], 'Allowed');
    const err = toOcsf(
      { ...base, outcome: 'allowed_error', denialReason: null, errorMessage: 'boom' },
      { version: '1' },
    );
    assert.equal(err['status_id'], 2);
    assert.deepEqual((err['api'] as Record<string, unknown>)['response'], {
      error: 'allowed_error',
      error_message: 'boom',
    });
    const intent = toOcsf(
      { ...base, phase: 'intent', outcome: 'intent', denialReason: null },
      { version: '1' },
    );
    assert.equal(intent['status_id'], 0);
  });

  it('maps admin actions by verb', () => {
    const admin = {
      ...base,
      kind: 'admin' as const,
      tool: null,
      classification: null,
      callId: null,
      phase: null,
      outcome: null,
    };
    assert.equal(ocsfActivityId({ ...admin, action: 'server.registered' }), 1);
    assert.equal(ocsfActivityId({ ...admin, action: 'tool.classification_changed' }), 3);
    assert.equal(ocsfActivityId({ ...admin, action: 'connection.revoked' }), 4);
    assert.equal(ocsfActivityId({ ...admin, action: 'client.disconnected' }), 4);
    assert.equal(ocsfActivityId({ ...admin, action: 'auth.sign_in' }), 99);
    const o = toOcsf(
      {
        ...admin,
        action: 'kill_switch.engaged',
        resourceType: 'tenant',
        resourceId: 'acme',
        actorType: 'user',
      },
      { version: '1' },
    );
    assert.deepEqual(o['resources'], [{ type: 'tenant', uid: 'acme' }]);
    assert.equal((o['api'] as Record<string, unknown>)['operation'], 'kill_switch.engaged');
    assert.equal(o['disposition'], undefined);
  });
});
