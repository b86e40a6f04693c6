import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createEnvelope, InvalidEventError, parseEnvelope } from './envelope';
import { ALL_EVENTS, ServerChanged, ToolCallAudited } from './events';

describe('event envelopes', () => {
  it('names topics portcullis.<domain>.<event>.v<N>, unique per event', () => {
    const topics = ALL_EVENTS.map((e) => e.topic);
    assert.ok(topics.every((t) => /^portcullis\.[a-z]+\.[a-z-]+\.v\d+$/.test(t)));
    assert.equal(new Set(topics).size, topics.length);
  });

  it('builds a valid envelope with a key derived from the payload', () => {
    const env = createEnvelope(
      ServerChanged,
      { serverId: 's1', change: 'created', kind: 'okta', displayName: 'Okta', toolPrefix: 'okta', credentialMode: 'per_user', paused: false, revision: 1 },
      { tenantId: 'acme' },
    );
    assert.equal(env.key, 's1');
    assert.equal(env.type, 'registry.server-changed');
    assert.deepEqual(parseEnvelope(ServerChanged, JSON.parse(JSON.stringify(env))), env);
  });

  it('rejects an invalid payload naming the field', () => {
    assert.throws(
      () => createEnvelope(ToolCallAudited, { callId: 'c', phase: 'outcome', outcome: 'maybe' } as never, { tenantId: 'acme' }),
      (err: unknown) => err instanceof InvalidEventError && /outcome/.test(err.message) && /user/.test(err.message),
    );
  });

  it('refuses to parse an envelope of another type or version', () => {
    const env = createEnvelope(
      ServerChanged,
      { serverId: 's1', change: 'created', kind: 'okta', displayName: 'Okta', toolPrefix: 'okta', credentialMode: 'per_user', paused: false, revision: 1 },
      { tenantId: 'acme' },
    );
    assert.throws(() => parseEnvelope(ToolCallAudited, env), /envelope says registry.server-changed v1/);
  });
});
