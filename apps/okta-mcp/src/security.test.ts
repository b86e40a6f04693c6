import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  startStack,
  text,
  type CallResult,
  type ClientKind,
  type Stack,
  type TestClient,
} from './testing/harness';

/**
 * Safety and error behaviour against the simulator: scopes, admin roles, bad tokens, rate limits,
 * Okta outages, argument validation before any Okta request, and per-user isolation under load.
 */
let stack: Stack;
let client: TestClient;
before(async () => {
  stack = await startStack();
  client = await stack.connect({ kind: 'v2-legacy' });
});
after(async () => {
  await client?.close();
  await stack?.close();
});

function err(r: CallResult): Record<string, unknown> {
  assert.equal(r.isError, true, `expected an isError result, got: ${text(r)}`);
  assert.equal(r.structuredContent, undefined);
  return (r._meta?.['portcullis/error'] ?? {}) as Record<string, unknown>;
}

describe('Okta authorization failures become actionable messages', () => {
  test('a token without okta.users.manage cannot write users; the message names the scope to grant', async () => {
    const c = await stack.connect({ kind: 'v1', okta: { token: stack.tokens.superAdminReadOnlyScopes } });
    try {
      const target = stack.sim.fixtures.unassignedUser;
      const titleBefore = stack.sim.org.users.get(target.id)?.profile['title'];
      for (const [tool, args] of [
        [
          'create_user',
          {
            login: 'no.scope@example.com',
            email: 'no.scope@example.com',
            firstName: 'No',
            lastName: 'Scope',
          },
        ],
        ['update_user_profile', { user: target.id, profile: { title: 'x' } }],
        ['unlock_user', { user: target.id }],
      ] as const) {
        const r = await c.call(tool, args);
        const meta = err(r);
        assert.equal(meta['kind'], 'insufficient_scope', tool);
        assert.equal(meta['requiredScope'], 'okta.users.manage');
        assert.match(
          text(r),
          /does not include the OAuth scope "okta\.users\.manage".*grant "okta\.users\.manage" to the Portcullis Okta OIDC app/,
        );
      }
      assert.equal(stack.sim.org.users.get(target.id)?.profile['title'], titleBefore, 'nothing changed');
      assert.ok(![...stack.sim.org.users.values()].some((u) => u.profile.login === 'no.scope@example.com'));
      // Reads with the same token still work.
      assert.notEqual((await c.call('get_user', { user: target.id })).isError, true);
    } finally {
      await c.close();
    }
  });

  test('a read-only admin gets the admin-role error (E0000006) for writes, a non-admin also for reads', async () => {
    const ro = await stack.callOnce(
      'create_group',
      { name: 'Should not exist' },
      { okta: { token: stack.tokens.readOnlyAdmin } },
    );
    const meta = err(ro);
    assert.equal(meta['kind'], 'forbidden_role');
    assert.equal(meta['errorCode'], 'E0000006');
    assert.match(text(ro), /signed-in Okta user does not hold an Okta administrator role/);
    assert.ok(![...stack.sim.org.groups.values()].some((g) => g.profile.name === 'Should not exist'));

    const regular = await stack.callOnce(
      'list_users',
      {},
      { kind: 'v2-modern', okta: { token: stack.tokens.regularUser } },
    );
    assert.equal(err(regular)['kind'], 'forbidden_role');
  });

  test('revoked or garbage tokens: reconnect message', async () => {
    const token = await stack.signIn(stack.sim.fixtures.orgAdmin, ['okta.users.read']);
    assert.notEqual((await stack.callOnce('whoami', {}, { okta: { token } })).isError, true);
    stack.sim.control.revokeToken(token);
    for (const t of [token, 'not-a-real-token']) {
      const r = await stack.callOnce('whoami', {}, { okta: { token: t } });
      assert.equal(err(r)['kind'], 'invalid_token');
      assert.match(text(r), /Okta rejected the access token.*Reconnect the Okta account/);
    }
  });

  test('lifecycle conflicts are reported as Okta state errors', async () => {
    const r = await client.call('activate_user', { user: stack.sim.fixtures.unassignedUser.id });
    const meta = err(r);
    assert.equal(meta['kind'], 'invalid_state');
    assert.equal(meta['errorCode'], 'E0000016');
    assert.match(
      text(r),
      /current status \(E0000016: Activation failed because the user is already active\)/,
    );
  });

  test('not found names what was looked up', async () => {
    const r1 = await client.call('get_user', { user: 'ghost.person@example.com' });
    assert.equal(err(r1)['kind'], 'not_found');
    assert.match(text(r1), /Okta has no user "ghost\.person@example\.com"/);
    const r2 = await client.call('get_group', { groupId: '00gAAAAAAAAAAAAAAAAA' });
    assert.match(text(r2), /Okta has no group "00gAAAAAAAAAAAAAAAAA"/);
    const r3 = await client.call('list_app_users', { appId: '0oaAAAAAAAAAAAAAAAAA' });
    assert.match(text(r3), /Okta has no application "0oaAAAAAAAAAAAAAAAAA"/);
    assert.equal(err(r3)['errorCode'], 'E0000007');
  });
});

describe('rate limits and outages', () => {
  test('429 beyond the wait budget: fails fast and says when to retry', async () => {
    stack.sim.control.startRateLimitStorm({ pathPrefix: '/api/v1/users' });
    try {
      const started = Date.now();
      const r = await client.call('list_users', { limit: 1 });
      const meta = err(r);
      assert.equal(meta['kind'], 'rate_limited');
      assert.equal(meta['errorCode'], 'E0000047');
      assert.ok(Number(meta['retryAfterSeconds']) > 5);
      assert.match(text(r), /rate limit .* Retry after \d{4}-\d\d-\d\dT.* \(in about \d+ s\)/);
      assert.ok(Date.now() - started < 2000, 'did not sleep on a reset far in the future');
    } finally {
      stack.sim.control.stopRateLimitStorm();
    }
  });

  test('429 within the budget: waits for X-Rate-Limit-Reset and succeeds', async () => {
    stack.sim.control.startRateLimitStorm({ pathPrefix: '/api/v1/groups', durationMs: 1200 });
    try {
      const started = Date.now();
      const r = await client.call('list_groups', { limit: 1 });
      assert.notEqual(r.isError, true, text(r));
      assert.ok(Date.now() - started >= 900, 'backed off until the window reopened');
    } finally {
      stack.sim.control.stopRateLimitStorm();
    }
  });

  test('Okta 5xx: upstream_unavailable, with the right advice for reads and writes', async () => {
    stack.sim.control.setErrorRate({ rate: 1, status: 503, pathPrefix: '/api/v1/apps' });
    try {
      const read = await client.call('list_apps', {});
      assert.equal(err(read)['kind'], 'upstream_unavailable');
      assert.match(text(read), /Try again in a moment/);
      const write = await client.call('activate_app', { appId: stack.sim.fixtures.portcullisWebApp.appId });
      assert.match(text(write), /may or may not have been applied/);
    } finally {
      stack.sim.control.clearFaults();
    }
  });
});

describe('invalid arguments are refused before any Okta request', () => {
  const cases: [string, Record<string, unknown>, RegExp][] = [
    ['get_user', { user: '../../api/v1/apps' }, /Okta user id .* or a login/],
    ['get_user', { user: 'jane doe' }, /no spaces/],
    ['get_user', { user: 'me' }, /whoami/],
    ['get_user', {}, /user/],
    ['get_group', { groupId: '00uAAAAAAAAAAAAAAAAA' }, /Okta group id/],
    ['get_app', { appId: '0oa123' }, /Okta app id/],
    ['add_user_to_group', { groupId: '00gAAAAAAAAAAAAAAAAA', userId: 'jane@example.com' }, /Okta user id/],
    ['list_users', { limit: 0 }, /between 1 and 200/],
    ['list_users', { limit: 201 }, /between 1 and 200/],
    ['list_users', { limit: 2.5 }, /whole number/],
    ['list_users', { filter: 'status eq "ACTIVE" or 1 eq 1' }, /invalid users filter/],
    ['list_users', { filter: 'status eq "ACTIVE"\nor status eq "X"' }, /control characters|newlines/],
    ['list_users', { filter: 'status eq "ACTIVE\\" or \\"1\\" eq \\"1"' }, /backslash/],
    ['list_users', { search: 'profile.department ne "Sales"' }, /"ne" is not allowed/],
    ['list_users', { filter: 'status eq "ACTIVE"', query: 'x' }, /only one of query, filter or search/],
    ['list_users', { query: 'a"b' }, /quotes/],
    ['list_users', { cursor: 'abc&limit=1000' }, /nextCursor/],
    ['list_users', { orgUrl: 'https://evil.example.com' }, /Unrecognized key/],
    [
      'list_groups',
      { filter: 'profile.name eq "x"' },
      /unknown attribute "profile.name" for the groups filter/,
    ],
    ['list_apps', { filter: 'status eq "ACTIVE" or status eq "INACTIVE"' }, /"or" is not supported/],
    ['search_logs', { filter: 'published gt "2024-01-01T00:00:00Z"' }, /unknown attribute "published"/],
    ['search_logs', { since: '2025-02-01T00:00:00Z', until: '2025-01-01T00:00:00Z' }, /since.*before/],
    ['search_logs', { since: 'yesterday' }, /ISO 8601/],
    [
      'create_user',
      { login: 'a@example.com', email: 'not-an-email', firstName: 'A', lastName: 'B' },
      /valid email/,
    ],
    ['update_user_profile', { user: 'a@example.com', profile: {} }, /at least one attribute/],
    ['update_user_profile', { user: 'a@example.com', profile: { 'bad-name': 'x' } }, /attribute names/],
    [
      'deactivate_user',
      { user: 'a@example.com', confirmationToken: 'has spaces in it' },
      /confirmationToken returned by the first call/,
    ],
  ];
  for (const kind of ['v2-legacy', 'v2-modern', 'v1'] as const satisfies readonly ClientKind[]) {
    test(`${kind}: ${cases.length} invalid calls, zero Okta requests`, async () => {
      const c = await stack.connect({ kind });
      try {
        const before = stack.oktaRequests();
        for (const [tool, args, re] of cases) {
          const r = await c.call(tool, args);
          assert.equal(r.isError, true, `${tool} ${JSON.stringify(args)} should be refused`);
          assert.match(text(r), re, `${tool} ${JSON.stringify(args)}`);
          assert.match(text(r), new RegExp(`Invalid arguments for tool ${tool}`));
        }
        assert.equal(stack.oktaRequests(), before, 'no request may reach Okta for invalid arguments');
      } finally {
        await c.close();
      }
    });
  }
});

describe('isolation between users', () => {
  test('parallel calls with different tokens always see their own identity and permissions', async () => {
    const f = stack.sim.fixtures;
    const identities = [
      { token: stack.tokens.superAdmin, id: f.superAdmin.id, canList: true, kind: 'v2-legacy' as const },
      {
        token: stack.tokens.readOnlyAdmin,
        id: f.readOnlyAdmin.id,
        canList: true,
        kind: 'v2-modern' as const,
      },
      { token: stack.tokens.regularUser, id: f.regularUser.id, canList: false, kind: 'v1' as const },
      { token: f.ssws, tokenType: 'SSWS', id: f.superAdmin.id, canList: true, kind: 'v2-legacy' as const },
    ];
    const clients = await Promise.all(
      identities.flatMap((who) =>
        [0, 1, 2].map(async (i) => ({
          who,
          client: await stack.connect({
            kind: who.kind,
            caller: `caller-${who.id}-${i}`,
            okta: { token: who.token, ...(who.tokenType ? { tokenType: who.tokenType } : {}) },
          }),
        })),
      ),
    );
    try {
      const rounds = 15;
      const results = await Promise.all(
        clients.flatMap(({ who, client: c }) =>
          Array.from({ length: rounds }, async (_, i) => {
            if (i % 3 === 2) {
              const r = await c.call('list_users', { limit: 1 });
              assert.equal(
                r.isError === true,
                !who.canList,
                `list_users permission leak for ${who.id}: ${text(r)}`,
              );
              return 1;
            }
            const r = await c.call('whoami', {});
            assert.notEqual(r.isError, true, text(r));
            assert.equal(
              (r.structuredContent?.['user'] as { id: string }).id,
              who.id,
              'whoami returned another identity',
            );
            return 1;
          }),
        ),
      );
      assert.equal(results.length, clients.length * rounds);
    } finally {
      await Promise.all(clients.map(({ client: c }) => c.close()));
    }
  });
});
