import { test } from 'node:test';
import assert from 'node:assert/strict';
import { errorFromResponse } from './errors';

const base = { method: 'GET', path: '/api/v1/users' };
const body = (code: string, summary: string, causes: string[] = []) =>
  JSON.stringify({
    errorCode: code,
    errorSummary: summary,
    errorLink: code,
    errorId: 'oae1',
    errorCauses: causes.map((c) => ({ errorSummary: c })),
  });

test('403 with an insufficient_scope challenge → insufficient_scope with the required scope', () => {
  const e = errorFromResponse({
    ...base,
    status: 403,
    headers: {
      'www-authenticate': 'Bearer scope="okta.users.manage", error="insufficient_scope"',
      'x-okta-request-id': 'req-1',
    },
    bodyText: '',
  });
  assert.equal(e.kind, 'insufficient_scope');
  assert.equal(e.requiredScope, 'okta.users.manage');
  assert.equal(e.requestId, 'req-1');
});

test('maps documented error codes to kinds', () => {
  const cases: [number, string, string][] = [
    [403, 'E0000006', 'forbidden_role'],
    [401, 'E0000011', 'invalid_token'],
    [404, 'E0000007', 'not_found'],
    [400, 'E0000001', 'validation'],
    [400, 'E0000031', 'validation'],
    [400, 'E0000094', 'validation'],
    [409, 'E0000062', 'conflict'],
    [403, 'E0000038', 'invalid_state'],
    [403, 'E0000016', 'invalid_state'],
    [403, 'E0000056', 'invalid_state'],
    [500, 'E0000009', 'upstream_unavailable'],
    [503, 'E0000010', 'upstream_unavailable'],
  ];
  for (const [status, code, kind] of cases) {
    const e = errorFromResponse({
      ...base,
      status,
      headers: {},
      bodyText: body(code, 'x', ['login: already exists']),
    });
    assert.equal(e.kind, kind, `${status} ${code}`);
    assert.equal(e.errorCode, code);
    assert.deepEqual(e.errorCauses, [{ errorSummary: 'login: already exists' }]);
  }
});

test('429 → rate_limited with a retry-after estimate', () => {
  const e = errorFromResponse({
    ...base,
    status: 429,
    headers: { 'x-rate-limit-reset': '1700000030' },
    bodyText: body('E0000047', 'API call exceeded rate limit due to too many requests.'),
    nowMs: 1700000000_000,
  });
  assert.equal(e.kind, 'rate_limited');
  assert.equal(e.retryAfterSeconds, 30);
  assert.equal(e.rateLimitResetEpochSeconds, 1700000030);
});

test('non-JSON bodies still produce a typed error and never leak the body', () => {
  const e = errorFromResponse({ ...base, status: 502, headers: {}, bodyText: '<html>bad gateway</html>' });
  assert.equal(e.kind, 'upstream_unavailable');
  assert.equal(e.errorSummary, 'HTTP 502');
});
