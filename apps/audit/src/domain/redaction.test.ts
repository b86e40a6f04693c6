import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createRedactor, isSecretKey, parseRedactPaths, REDACTED, redactText } from './redaction';

describe('redaction', () => {
  it('recognizes secret key names in any spelling', () => {
    for (const k of [
      'password',
      'userPassword',
      'PASSWD',
      'client_secret',
      'clientSecret',
      'access_token',
      'refreshToken',
      'Authorization',
      'x-api-key',
      'apiKey',
      'private_key',
      'Set-Cookie',
      'sessionId',
      'pwd',
      'pin',
      'otp',
      'passCode',
      'credentials',
    ]) {
      assert.equal(isSecretKey(k), true, k);
    }
    for (const k of [
      'login',
      'email',
      'firstName',
      'credentialMode',
      'bypass',
      'spinner',
      'status',
      'authorized_at',
    ]) {
      assert.equal(isSecretKey(k), false, k);
    }
  });

  it('replaces secret values inside free-form content at any depth, keeping the keys', () => {
    const r = createRedactor([]);
    const out = r.redactPayload(
      {
        tool: 'okta_create_user',
        credentialMode: 'service',
        arguments: {
          profile: { login: 'a@b.c', password: 'hunter2' },
          credentials: { password: { value: 'x' } },
          list: [{ token: 'abc' }, { name: 'keep' }],
          headers: { Authorization: 'Bearer abcdefghijkl' },
        },
      },
      ['arguments'],
      [],
    );
    assert.deepEqual(out, {
      tool: 'okta_create_user',
      credentialMode: 'service',
      arguments: {
        profile: { login: 'a@b.c', password: REDACTED },
        credentials: REDACTED,
        list: [{ token: REDACTED }, { name: 'keep' }],
        headers: { Authorization: REDACTED },
      },
    });
  });

  it('does not apply key rules outside free-form fields', () => {
    const out = createRedactor([]).redactPayload(
      { tokenCount: 3, arguments: { tokenCount: 3 } },
      ['arguments'],
      [],
    );
    assert.deepEqual(out, { tokenCount: 3, arguments: { tokenCount: REDACTED } });
  });

  it('redacts configured paths: exact, *, ** and bare keys, through arrays, case-insensitively', () => {
    const r = createRedactor([
      'arguments.profile.mobilePhone',
      'details.*.answer',
      'arguments.**.ssn',
      'dob',
      'resultSummary',
    ]);
    const out = r.redactPayload(
      {
        arguments: {
          profile: { mobilePhone: '+1 555', firstName: 'Ann' },
          users: [{ person: { SSN: '123-45-6789' } }, { ssn: '987' }],
          nested: { deeper: { dob: '1990-01-01' } },
        },
        details: { q1: { answer: 'blue', question: 'color?' }, answer: 'top-level is not *.answer' },
        resultSummary: '3 users',
        errorMessage: 'none',
      },
      ['arguments', 'details'],
      ['resultSummary', 'errorMessage'],
    );
    assert.deepEqual(out, {
      arguments: {
        profile: { mobilePhone: REDACTED, firstName: 'Ann' },
        users: [{ person: { SSN: REDACTED } }, { ssn: REDACTED }],
        nested: { deeper: { dob: REDACTED } },
      },
      details: { q1: { answer: REDACTED, question: 'color?' }, answer: 'top-level is not *.answer' },
      resultSummary: REDACTED,
      errorMessage: 'none',
    });
  });

  it('parses paths: a bare key means any depth', () => {
    assert.deepEqual(parseRedactPaths(['ssn', 'a.B.*', ' ']), [
      ['**', 'ssn'],
      ['a', 'b', '*'],
    ]);
  });

  it('scrubs credentials embedded in free text', () => {
    assert.equal(
      redactText('call failed: Authorization: Bearer eyJabc.def-ghi_jkl'),
      `call failed: Authorization: Bearer ${REDACTED}`,
    );
    assert.equal(redactText('SSWS 00abcdefghijklmnop'), `SSWS ${REDACTED}`);
    assert.equal(redactText('token eyJhbGciOi.eyJzdWIiOiIx.sig-nature here'), `token ${REDACTED} here`);
    assert.equal(
      redactText('https://x/cb?code=1&access_token=abc.def&state=2'),
      `https://x/cb?code=1&access_token=${REDACTED}&state=2`,
    );
    assert.equal(redactText('password="p a s s" user=x'), `password=${REDACTED} user=x`);
    assert.equal(
      redactText('key:\n-----BEGIN RSA PRIVATE KEY-----\nMIIB\n-----END RSA PRIVATE KEY-----\nafter'),
      `key:\n${REDACTED}\nafter`,
    );
    assert.equal(redactText('nothing secret here: 42 users listed'), 'nothing secret here: 42 users listed');
  });

  it('applies text patterns to free-form strings and declared text fields only', () => {
    const out = createRedactor([]).redactPayload(
      {
        arguments: { note: 'Bearer abcdefghijk' },
        errorMessage: 'upstream said Bearer abcdefghijk',
        tool: 'Bearer abcdefghijk',
      },
      ['arguments'],
      ['errorMessage'],
    );
    assert.deepEqual(out, {
      arguments: { note: `Bearer ${REDACTED}` },
      errorMessage: `upstream said Bearer ${REDACTED}`,
      tool: 'Bearer abcdefghijk',
    });
  });

  it('keeps a "__proto__" key as data instead of changing the prototype', () => {
    const payload = JSON.parse('{"arguments":{"__proto__":{"password":"x"},"a":1}}') as Record<
      string,
      unknown
    >;
    const out = createRedactor([]).redactPayload(payload, ['arguments'], []) as {
      arguments: Record<string, unknown>;
    };
    assert.equal(Object.getPrototypeOf(out.arguments), Object.prototype);
    assert.deepEqual(Object.keys(out.arguments), ['__proto__', 'a']);
    assert.deepEqual(JSON.parse(JSON.stringify(out.arguments)), {
      ['__proto__']: { password: REDACTED },
      a: 1,
    });
  });
});
