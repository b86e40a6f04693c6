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

  it('checks the producer\'s envelope inputs by the rules consumers parse with', () => {
    const payload = { serverId: 's1', change: 'created', kind: 'okta', displayName: 'Okta', toolPrefix: 'okta', credentialMode: 'per_user', paused: false, revision: 1 } as const;
    const bad: [Parameters<typeof createEnvelope>[2], RegExp][] = [
      [{ tenantId: 'acme', eventId: 'not-a-uuid' }, /eventId/],
      [{ tenantId: '' }, /tenantId/],
      [{ tenantId: 'x'.repeat(64) }, /tenantId/],
      [{ tenantId: 'acme', key: 'k'.repeat(513) }, /key/],
    ];
    for (const [meta, issue] of bad) {
      assert.throws(() => createEnvelope(ServerChanged, payload, meta), (err: unknown) => err instanceof InvalidEventError && issue.test(err.message));
    }
    // What a producer accepts, a consumer parses.
    const ok = createEnvelope(ServerChanged, payload, { tenantId: 'x'.repeat(63), key: 'k'.repeat(512), eventId: '3b0d9f39-4a7a-4a7e-9a3c-1b2c3d4e5f60', traceparent: '00-' + 'a'.repeat(32) + '-' + 'b'.repeat(16) + '-01' });
    assert.deepEqual(parseEnvelope(ServerChanged, JSON.parse(JSON.stringify(ok))), ok);
  });
});
