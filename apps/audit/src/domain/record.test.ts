import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AdminActionAudited, createEnvelope, ServiceStarted, ToolCallAudited } from '@portcullis/contracts';
import { createRedactor, REDACTED } from './redaction';
import { type IngestPolicy, toAuditRow } from './record';

const policy = (level: 'minimal' | 'standard' | 'full' = 'standard', paths: string[] = []): IngestPolicy => ({
  verbosityFor: () => level,
  redactor: createRedactor(paths),
});
const now = new Date('2025-06-01T12:00:00.000Z');

describe('toAuditRow', () => {
  const call = createEnvelope(
    ToolCallAudited,
    {
      callId: 'call-1',
      phase: 'outcome',
      outcome: 'allowed_error',
      user: { id: 'u1', email: 'Ann@Example.com' },
      client: { id: 'c1', name: 'Claude', type: 'personal' },
      serverId: 'okta',
      tool: 'okta_create_user',
      classification: 'write',
      errorMessage: 'upstream 401 for Bearer abcdefghijklmn',
      upstreamIdentity: 'svc@okta',
      credentialMode: 'service',
      latencyMs: 87.5,
      protocolVersion: '2025-11-25',
      arguments: { profile: { login: 'x@y.z', password: 'p' }, note: 'a\u0000b' },
      resultSummary: 'r'.repeat(700),
    },
    {
      tenantId: 'acme',
      traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
      eventId: 'A1B2C3D4-0000-4000-8000-000000000001',
      occurredAt: new Date('2025-06-01T11:59:59.250Z'),
    },
  );

  it('maps a tool call, redacting and shaping before storage', () => {
    const r = toAuditRow(call, policy('standard'), now);
    assert.equal(r.kind, 'tool_call');
    assert.equal(r.eventId, 'a1b2c3d4-0000-4000-8000-000000000001', 'event ids are stored lower-case');
    assert.equal(r.occurredAt, '2025-06-01T11:59:59.250000Z');
    assert.equal(r.traceId, '0af7651916cd43dd8448eb211c80319c');
    assert.deepEqual(r.arguments, {
      profile: { login: '<string:5>', password: REDACTED },
      note: '<string:2>',
    });
    assert.equal(r.errorMessage, `upstream 401 for Bearer ${REDACTED}`);
    assert.equal(r.resultSummary!.length, 500 + '…[truncated]'.length);
    assert.equal(r.verbosity, 'standard');
    assert.equal(r.userEmail, 'Ann@Example.com');
    assert.equal(r.latencyMs, 87.5);
    assert.equal(r.action, null);
  });

  it('is deterministic (the same event always maps to the same row)', () => {
    assert.deepEqual(toAuditRow(call, policy(), now), toAuditRow(call, policy(), now));
  });

  it('honours the tenant verbosity and configured paths', () => {
    const min = toAuditRow(call, policy('minimal'), now);
    assert.equal(min.arguments, null);
    assert.equal(min.resultSummary, null);
    assert.equal(min.errorMessage, `upstream 401 for Bearer ${REDACTED}`);
    const full = toAuditRow(call, policy('full', ['arguments.profile.login', 'upstreamIdentity']), now);
    assert.deepEqual(full.arguments, { profile: { login: REDACTED, password: REDACTED }, note: 'ab' });
    assert.equal(full.upstreamIdentity, REDACTED);
    assert.equal(full.resultSummary!.length, 700);
  });

  it('records an intent as outcome "intent"', () => {
    const intent = createEnvelope(
      ToolCallAudited,
      { ...call.payload, phase: 'intent', outcome: 'intent' },
      { tenantId: 'acme' },
    );
    assert.equal(toAuditRow(intent, policy(), now).outcome, 'intent');
  });

  it('maps admin actions with the actor in the user columns, and links server/client resources', () => {
    const env = createEnvelope(
      AdminActionAudited,
      {
        action: 'server.credentials_changed',
        actor: { type: 'user', id: 'admin-1', email: 'root@example.com' },
        resourceType: 'server',
        resourceId: 'okta',
        summary: 'client secret rotated; old=Bearer abcdefghijkl',
        details: { clientSecret: 's3cr3t', scopes: ['okta.users.read'] },
      },
      { tenantId: 'acme' },
    );
    const r = toAuditRow(env, policy('minimal'), now);
    assert.equal(r.kind, 'admin');
    assert.equal(r.userId, 'admin-1');
    assert.equal(r.actorType, 'user');
    assert.equal(r.serverId, 'okta');
    assert.equal(r.summary, `client secret rotated; old=Bearer ${REDACTED}`);
    assert.deepEqual(
      r.details,
      { clientSecret: REDACTED, scopes: ['okta.users.read'] },
      'admin details are kept at every verbosity',
    );
  });

  it('maps service starts as system records', () => {
    const env = createEnvelope(
      ServiceStarted,
      { service: 'gateway', instanceId: 'g-1', version: '0.1.0', startedAt: now.toISOString() },
      { tenantId: 'acme' },
    );
    const r = toAuditRow(env, policy(), now);
    assert.equal(r.kind, 'system');
    assert.equal(r.action, 'service.started');
    assert.equal(r.resourceId, 'gateway');
  });

  it('replaces an implausible producer time with the ingest time and keeps the claim', () => {
    const future = createEnvelope(
      AdminActionAudited,
      { action: 'x', actor: { type: 'system', id: 's' }, resourceType: 'r', resourceId: '1' },
      {
        tenantId: 'acme',
        occurredAt: new Date('2031-01-01T00:00:00Z'),
      },
    );
    const r = toAuditRow(future, policy(), now);
    assert.equal(r.occurredAt, '2025-06-01T12:00:00.000000Z');
    assert.equal(r.occurredAtClaimed, '2031-01-01T00:00:00.000Z');
  });
});
