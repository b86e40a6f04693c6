import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseBearerChallenge, parseNextLink, parseRateLimit, rateLimitWaitMs } from './headers';

test('parseNextLink finds rel="next" among several Link headers', () => {
  const headers = {
    link: [
      '<https://acme.okta.com/api/v1/users?limit=2>; rel="self"',
      '<https://acme.okta.com/api/v1/users?after=00uabc&limit=2>; rel="next"',
    ],
  };
  assert.equal(parseNextLink(headers), 'https://acme.okta.com/api/v1/users?after=00uabc&limit=2');
  assert.equal(parseNextLink({ link: '<https://x/a>; rel="self", <https://x/b>; rel=next' }), 'https://x/b');
  assert.equal(parseNextLink({ link: '<https://x/a>; rel="self"' }), undefined);
  assert.equal(parseNextLink({}), undefined);
});

test('parseRateLimit reads X-Rate-Limit-* and ignores duplicated values', () => {
  assert.deepEqual(
    parseRateLimit({
      'x-rate-limit-limit': '600',
      'x-rate-limit-remaining': '599',
      'x-rate-limit-reset': '1700000000',
    }),
    {
      limit: 600,
      remaining: 599,
      resetEpochSeconds: 1700000000,
    },
  );
  assert.deepEqual(parseRateLimit({ 'x-rate-limit-reset': ['1', '2'] }), {});
});

test('rateLimitWaitMs uses the server Date header as the clock', () => {
  const headers = { 'x-rate-limit-reset': '1700000010', date: new Date(1700000007_000).toUTCString() };
  assert.equal(rateLimitWaitMs(headers, 0), 3000);
  assert.equal(rateLimitWaitMs({ 'x-rate-limit-reset': '1700000010' }, 1700000009_500), 500);
  assert.equal(
    rateLimitWaitMs({ 'retry-after': '4', 'x-rate-limit-reset': '1700000010' }, 1700000009_000),
    4000,
  );
  assert.equal(rateLimitWaitMs({}, 0), undefined);
});

test('parseBearerChallenge extracts insufficient_scope and the scope, also behind a DPoP challenge', () => {
  const plain = {
    'www-authenticate':
      'Bearer authorization_uri="http://acme/oauth2/v1/authorize", realm="http://acme", scope="okta.groups.read", error="insufficient_scope", error_description="The access token provided does not contain the required scopes.", resource="/api/v1/groups/12345"',
  };
  assert.deepEqual(parseBearerChallenge(plain), {
    error: 'insufficient_scope',
    errorDescription: 'The access token provided does not contain the required scopes.',
    scope: 'okta.groups.read',
  });
  const dpop = {
    'www-authenticate':
      'DPoP algs="RS256 ES256", Bearer scope="okta.users.manage", error="insufficient_scope"',
  };
  assert.equal(parseBearerChallenge(dpop)?.scope, 'okta.users.manage');
  assert.equal(parseBearerChallenge({}), undefined);
});
