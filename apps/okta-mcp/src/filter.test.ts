import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  FilterError,
  appsFilterDialect,
  groupsSearchDialect,
  logsFilterDialect,
  usersFilterDialect,
  usersSearchDialect,
  validateFilter,
} from './filter';

test('valid expressions are re-serialized canonically', () => {
  assert.equal(validateFilter('status eq "ACTIVE"', usersFilterDialect), 'status eq "ACTIVE"');
  assert.equal(
    validateFilter(
      '  status EQ "ACTIVE"   and lastUpdated gt "2025-01-01T00:00:00.000Z" ',
      usersFilterDialect,
    ),
    'status eq "ACTIVE" and lastUpdated gt "2025-01-01T00:00:00.000Z"',
  );
  assert.equal(
    validateFilter(
      '(status eq "ACTIVE" or status eq "SUSPENDED") and profile.lastName eq "O\'Brien"',
      usersFilterDialect,
    ),
    '(status eq "ACTIVE" or status eq "SUSPENDED") and profile.lastName eq "O\'Brien"',
  );
  assert.equal(
    validateFilter('profile.department eq "Sales" and profile.email co "@example"', usersSearchDialect),
    'profile.department eq "Sales" and profile.email co "@example"',
  );
  assert.equal(validateFilter('profile.costCenter pr', usersSearchDialect), 'profile.costCenter pr');
  assert.equal(validateFilter('profile.name sw "Eng"', groupsSearchDialect), 'profile.name sw "Eng"');
  assert.equal(
    validateFilter('user.id eq "00u1234567890abcdefg" and status eq "ACTIVE"', appsFilterDialect),
    'user.id eq "00u1234567890abcdefg" and status eq "ACTIVE"',
  );
  assert.equal(
    validateFilter('eventType eq "user.session.start" and outcome.result eq "FAILURE"', logsFilterDialect),
    'eventType eq "user.session.start" and outcome.result eq "FAILURE"',
  );
});

test('injection attempts and invalid grammar are refused with a reason', () => {
  const cases: [string, RegExp][] = [
    ['status eq "ACTIVE" or 1 eq 1', /attribute name .* number 1/],
    ['status eq "ACTIVE" or true', /unknown attribute "true"/],
    ['status eq "ACTIVE\\" or status eq \\"X"', /backslash/],
    ['status eq "ACTIVE"\nor status eq "SUSPENDED"', /newlines|control/],
    ['status eq "ACTIVE" status eq "SUSPENDED"', /unexpected .*join conditions/],
    ["status eq 'ACTIVE'", /unexpected character/],
    ['status eq ACTIVE', /double-quoted value/],
    ['status eq "ACTIVE" ; DROP', /unexpected character/],
    ['status eq "NOPE"', /must be one of/],
    ['status ne "ACTIVE"', /operator "ne" is not allowed/],
    ['profile.login co "jane"', /operator "co" is not allowed on profile.login/],
    ['profile.department eq "x"', /unknown attribute "profile.department" for the users filter/],
    ['lastUpdated gt "yesterday"', /ISO 8601/],
    ['id eq "00g1234567890abcdefg"', /Okta user id/],
    ['not status eq "ACTIVE"', /"not" is not supported/],
    ['(status eq "ACTIVE"', /missing "\)"/],
    ['status eq "ACTIVE" and', /ends too early/],
    ['"ACTIVE" eq status', /expected an attribute name/],
    ['status eq "unterminated', /unterminated string/],
    ['', /empty/],
    ['((((((status eq "ACTIVE"))))))', /nested more than/],
    [Array.from({ length: 11 }, () => 'status eq "ACTIVE"').join(' or '), /too many conditions/],
  ];
  for (const [input, re] of cases) {
    assert.throws(
      () => validateFilter(input, usersFilterDialect),
      (e: unknown) => e instanceof FilterError && re.test(e.message),
      input,
    );
  }
  assert.throws(
    () => validateFilter('status eq "ACTIVE" or status eq "INACTIVE"', appsFilterDialect),
    /"or" is not supported/,
  );
  assert.throws(
    () => validateFilter('profile.x eq "a" and profile.y ne "b"', usersSearchDialect),
    /"ne" is not allowed/,
  );
  assert.throws(
    () => validateFilter('published gt "2025-01-01T00:00:00Z"', logsFilterDialect),
    /unknown attribute "published"/,
  );
});
