import { test } from 'node:test';
import assert from 'node:assert/strict';
import { OktaApiError } from '@portcullis/okta';
import { describeTarget, oktaErrorMessage } from './errors';

test('describeTarget names the looked-up resource from the API path', () => {
  assert.equal(describeTarget('/api/v1/users/jane%40example.com'), 'user "jane@example.com"');
  assert.equal(describeTarget('/api/v1/users/00u1/lifecycle/suspend'), 'user "00u1"');
  assert.equal(describeTarget('/api/v1/groups/00g1'), 'group "00g1"');
  assert.match(describeTarget('/api/v1/apps/0oa1/users/00u1')!, /^application "0oa1" or user "00u1"/);
  assert.equal(describeTarget('/api/v1/logs'), undefined);
});

test('messages are actionable and never include secrets', () => {
  const scope = new OktaApiError({
    kind: 'insufficient_scope',
    status: 403,
    errorSummary: 'x',
    requiredScope: 'okta.groups.manage',
    requestId: 'r1',
  });
  const m1 = oktaErrorMessage(scope, ['okta.groups.manage'], true);
  assert.match(m1, /scope "okta\.groups\.manage"/);
  assert.match(m1, /Okta API Scopes → Grant/);
  assert.match(m1, /Nothing was changed/);
  assert.match(m1, /Okta request id r1/);

  const noHeader = new OktaApiError({ kind: 'insufficient_scope', status: 403, errorSummary: 'x' });
  assert.match(
    oktaErrorMessage(noHeader, ['okta.apps.manage'], true),
    /"okta\.apps\.manage"/,
    'falls back to the tool scopes',
  );

  const role = new OktaApiError({
    kind: 'forbidden_role',
    status: 403,
    errorCode: 'E0000006',
    errorSummary: 'You do not have permission',
  });
  assert.match(oktaErrorMessage(role, ['okta.users.manage'], true), /admin role/);

  const rl = new OktaApiError({
    kind: 'rate_limited',
    status: 429,
    errorCode: 'E0000047',
    errorSummary: 'API call exceeded rate limit',
    retryAfterSeconds: 42,
    rateLimitResetEpochSeconds: 1700000042,
  });
  assert.match(oktaErrorMessage(rl, [], false), /Retry after 2023-11-14T22:14:02\.000Z \(in about 42 s\)/);

  const down = new OktaApiError({
    kind: 'upstream_unavailable',
    status: 0,
    errorSummary: 'Okta did not answer within 10 s.',
  });
  assert.match(oktaErrorMessage(down, [], true), /may or may not have been applied/);
  assert.match(oktaErrorMessage(down, [], false), /Try again/);
});
