import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { SimUser } from '@portcullis/okta-sim';
import {
  startStack,
  text,
  type CallResult,
  type ClientKind,
  type Stack,
  type TestClient,
} from './testing/harness';

/**
 * Writes and the confirmation protocol: every destructive tool asks first (token flow on clients
 * that cannot be asked, form elicitation on 2026-07-28 clients that declare it), runs only with a
 * token for the identical call, and refuses tokens for other arguments without touching Okta.
 */
let stack: Stack;
const clients = {} as Record<ClientKind, TestClient>;
let pool: SimUser[] = [];

before(async () => {
  stack = await startStack();
  for (const kind of ['v2-legacy', 'v2-modern', 'v1'] as const) clients[kind] = await stack.connect({ kind });
  const fixtureIds = new Set(
    Object.values(stack.sim.fixtures).flatMap((v) =>
      v && typeof v === 'object' && 'id' in v ? [String(v.id)] : [],
    ),
  );
  pool = [...stack.sim.org.users.values()].filter(
    (u) => u.status === 'ACTIVE' && !fixtureIds.has(u.id) && u.roles.length === 0,
  );
});
after(async () => {
  for (const c of Object.values(clients)) await c.close();
  await stack?.close();
});

/** A fresh ACTIVE non-admin user nobody else in this file touches. */
function freshUser(): SimUser {
  const u = pool.shift();
  assert.ok(u, 'ran out of seeded ACTIVE users');
  return u;
}

function ok(r: CallResult): Record<string, unknown> {
  assert.notEqual(r.isError, true, text(r));
  return r.structuredContent ?? {};
}

const userStatus = (id: string) => stack.sim.org.users.get(id)?.status;

/**
 * The token protocol on one client: first call asks (nothing changes), a token replayed with other
 * arguments is refused without any Okta request, and the identical call with the token runs.
 */
async function confirmFlow(
  client: TestClient,
  tool: string,
  args: Record<string, unknown>,
  otherArgs: Record<string, unknown>,
  unchanged: () => void,
): Promise<Record<string, unknown>> {
  const first = await client.call(tool, args);
  const ask = ok(first);
  assert.equal(ask['status'], 'confirmation_required', text(first));
  assert.match(text(first), /CONFIRMATION REQUIRED — nothing has been changed yet/);
  assert.equal(typeof ask['confirmationToken'], 'string');
  assert.ok(Date.parse(String(ask['expiresAt'])) > Date.now());
  unchanged();

  const before = stack.oktaRequests();
  const wrong = await client.call(tool, { ...otherArgs, confirmationToken: ask['confirmationToken'] });
  assert.equal(wrong.isError, true, `${tool}: token for other arguments must be refused`);
  assert.match(text(wrong), /issued for different arguments/);
  assert.equal(stack.oktaRequests(), before, `${tool}: no Okta request for a refused token`);
  unchanged();

  const tampered = await client.call(tool, {
    ...args,
    confirmationToken: String(ask['confirmationToken']).slice(0, -2) + 'xx',
  });
  assert.equal(tampered.isError, true);
  unchanged();

  const second = await client.call(tool, { ...args, confirmationToken: ask['confirmationToken'] });
  const result = ok(second);
  assert.equal(result['status'], 'completed', text(second));
  return result;
}

describe('user lifecycle (confirmed)', () => {
  for (const [tool, expected] of [
    ['suspend_user', 'SUSPENDED'],
    ['deactivate_user', 'DEPROVISIONED'],
    ['reset_password', 'RECOVERY'],
    ['expire_password', 'PASSWORD_EXPIRED'],
  ] as const) {
    test(`${tool}: asks, refuses a token for another user, then runs`, async () => {
      const target = freshUser();
      const other = freshUser();
      const result = await confirmFlow(
        clients['v2-legacy'],
        tool,
        { user: target.profile.login },
        { user: other.profile.login },
        () => assert.equal(userStatus(target.id), 'ACTIVE'),
      );
      assert.equal(userStatus(target.id), expected);
      assert.equal(userStatus(other.id), 'ACTIVE');
      assert.equal((result['user'] as { status: string }).status, expected);
    });
  }

  test('clear_user_sessions: asks, refuses a token with other options, then runs', async () => {
    const target = freshUser();
    const result = await confirmFlow(
      clients['v1'],
      'clear_user_sessions',
      { user: target.id },
      { user: target.id, revokeOAuthTokens: true },
      () => undefined,
    );
    assert.equal(result['userId'], target.id);
  });

  test('delete_user refuses unless DEPROVISIONED (checked first, nothing asked), then deletes with confirmation', async () => {
    const target = freshUser();
    const before = stack.oktaRequests();
    const refused = await clients['v2-legacy'].call('delete_user', { user: target.id });
    assert.equal(refused.isError, true);
    assert.match(text(refused), /is ACTIVE, not DEPROVISIONED.*deactivate the user first/);
    assert.equal(stack.oktaRequests() - before, 1, 'only the status lookup');
    assert.equal(userStatus(target.id), 'ACTIVE');

    stack.sim.org.deactivateUser(target.id);
    const other = freshUser();
    stack.sim.org.deactivateUser(other.id);
    await confirmFlow(clients['v2-legacy'], 'delete_user', { user: target.id }, { user: other.id }, () =>
      assert.equal(userStatus(target.id), 'DEPROVISIONED'),
    );
    assert.equal(stack.sim.org.users.get(target.id), undefined, 'deleted');
    assert.equal(userStatus(other.id), 'DEPROVISIONED');
  });

  test('delete_user re-checks the status when confirmed (reactivated in between → refused)', async () => {
    const target = freshUser();
    stack.sim.org.deactivateUser(target.id);
    const ask = ok(await clients['v1'].call('delete_user', { user: target.id }));
    stack.sim.org.activateUser(target.id, { sendEmail: false });
    const r = await clients['v1'].call('delete_user', {
      user: target.id,
      confirmationToken: ask['confirmationToken'],
    });
    assert.equal(r.isError, true);
    assert.match(text(r), /not DEPROVISIONED/);
    assert.ok(stack.sim.org.users.get(target.id));
  });

  test('confirmation of an unknown user fails as not found before asking', async () => {
    const r = await clients['v2-legacy'].call('deactivate_user', { user: 'nobody.here@example.com' });
    assert.equal(r.isError, true);
    assert.match(text(r), /Not found: Okta has no user "nobody.here@example.com"/);
  });

  test('a token from another Portcullis caller or for another tool is refused', async () => {
    const target = freshUser();
    const ask = ok(await clients['v2-legacy'].call('suspend_user', { user: target.id }));
    const otherCaller = await stack.connect({ kind: 'v2-legacy', caller: 'someone-else' });
    try {
      const r = await otherCaller.call('suspend_user', {
        user: target.id,
        confirmationToken: ask['confirmationToken'],
      });
      assert.equal(r.isError, true);
      assert.match(text(r), /different arguments \(or another user or Okta org\)/);
    } finally {
      await otherCaller.close();
    }
    const r2 = await clients['v2-legacy'].call('deactivate_user', {
      user: target.id,
      confirmationToken: ask['confirmationToken'],
    });
    assert.equal(r2.isError, true);
    assert.match(text(r2), /issued for suspend_user, not deactivate_user/);
    assert.equal(userStatus(target.id), 'ACTIVE');
  });
});

describe('user writes (not confirmed)', () => {
  test('create_user (STAGED), activate_user, update_user_profile with previous values', async () => {
    const c = clients['v2-modern'];
    const login = `mcp.created.${Date.now()}@example.com`;
    const created = ok(
      await c.call('create_user', {
        login,
        email: login,
        firstName: 'Casey',
        lastName: 'Created',
        department: 'Ops',
      }),
    );
    const user = created['user'] as { id: string; status: string; login: string };
    assert.equal(user.status, 'STAGED');
    assert.equal(user.login, login);
    const dup = await c.call('create_user', { login, email: login, firstName: 'Casey', lastName: 'Again' });
    assert.equal(dup.isError, true);
    assert.match(text(dup), /Okta rejected the request as invalid \(E0000001.*login/);

    const activated = ok(await c.call('activate_user', { user: user.id }));
    assert.ok(['ACTIVE', 'PROVISIONED'].includes((activated['user'] as { status: string }).status));
    assert.ok(
      !JSON.stringify(activated).includes('activationToken'),
      'activation secrets never reach the client',
    );

    const updated = ok(
      await c.call('update_user_profile', {
        user: login,
        profile: { title: 'Engineer', department: 'Platform' },
      }),
    );
    assert.deepEqual(updated['changed'], {
      title: { from: null, to: 'Engineer' },
      department: { from: 'Ops', to: 'Platform' },
    });
    assert.equal(stack.sim.org.users.get(user.id)?.profile['department'], 'Platform');
  });

  test('unsuspend_user and unlock_user', async () => {
    const a = freshUser();
    stack.sim.org.suspendUser(a.id);
    ok(await clients['v1'].call('unsuspend_user', { user: a.profile.login }));
    assert.equal(userStatus(a.id), 'ACTIVE');
    const again = await clients['v1'].call('unsuspend_user', { user: a.profile.login });
    assert.equal(again.isError, true, 'unsuspending an ACTIVE user is refused by Okta');

    const locked = [...stack.sim.org.users.values()].find((u) => u.status === 'LOCKED_OUT');
    assert.ok(locked, 'seed has a LOCKED_OUT user');
    ok(await clients['v2-legacy'].call('unlock_user', { user: locked.id }));
    assert.equal(userStatus(locked.id), 'ACTIVE');
  });
});

describe('groups', () => {
  test('create, update (merged profile), add member, remove member (confirmed), delete (confirmed)', async () => {
    const c = clients['v2-legacy'];
    const created = ok(
      await c.call('create_group', { name: `MCP Test ${Date.now()}`, description: 'made by a test' }),
    );
    const groupId = (created['group'] as { id: string }).id;
    const updated = ok(await c.call('update_group', { groupId, name: 'MCP Test renamed' }));
    assert.equal((updated['group'] as { name: string; description: string }).description, 'made by a test');
    assert.equal((updated['previous'] as { name: string }).name.startsWith('MCP Test '), true);

    const member = freshUser();
    const bystander = freshUser();
    ok(await c.call('add_user_to_group', { groupId, userId: member.id }));
    ok(await c.call('add_user_to_group', { groupId, userId: bystander.id }));
    assert.ok(stack.sim.org.groups.get(groupId)?.members.has(member.id));

    await confirmFlow(
      c,
      'remove_user_from_group',
      { groupId, userId: member.id },
      { groupId, userId: bystander.id },
      () => assert.ok(stack.sim.org.groups.get(groupId)?.members.has(member.id)),
    );
    assert.ok(!stack.sim.org.groups.get(groupId)?.members.has(member.id));
    assert.ok(stack.sim.org.groups.get(groupId)?.members.has(bystander.id));

    const other = ok(await c.call('create_group', { name: `MCP Other ${Date.now()}` }));
    const otherId = (other['group'] as { id: string }).id;
    await confirmFlow(c, 'delete_group', { groupId }, { groupId: otherId }, () =>
      assert.ok(stack.sim.org.groups.get(groupId)),
    );
    assert.equal(stack.sim.org.groups.get(groupId), undefined);
    assert.ok(stack.sim.org.groups.get(otherId));
  });

  test('delete_group refuses the built-in Everyone group before asking', async () => {
    const everyone = [...stack.sim.org.groups.values()].find((g) => g.type === 'BUILT_IN')!;
    const r = await clients['v1'].call('delete_group', { groupId: everyone.id });
    assert.equal(r.isError, true);
    assert.match(text(r), /built-in Okta group and cannot be deleted/);
  });
});

describe('apps', () => {
  const pickApp = () =>
    [...stack.sim.org.apps.values()].find(
      (a) => a.status === 'ACTIVE' && a.seq > 2 && a.label !== 'Portcullis',
    )!;

  test('deactivate_app (confirmed) and activate_app', async () => {
    const app = pickApp();
    const other = [...stack.sim.org.apps.values()].find(
      (a) => a.status === 'ACTIVE' && a.seq > 2 && a.id !== app.id,
    )!;
    await confirmFlow(clients['v2-legacy'], 'deactivate_app', { appId: app.id }, { appId: other.id }, () =>
      assert.equal(stack.sim.org.apps.get(app.id)?.status, 'ACTIVE'),
    );
    assert.equal(stack.sim.org.apps.get(app.id)?.status, 'INACTIVE');
    assert.equal(stack.sim.org.apps.get(other.id)?.status, 'ACTIVE');
    ok(await clients['v2-legacy'].call('activate_app', { appId: app.id }));
    assert.equal(stack.sim.org.apps.get(app.id)?.status, 'ACTIVE');
  });

  test('assign_user_to_app, conflict on repeat, unassign_user_from_app (confirmed)', async () => {
    const app = pickApp();
    const user = freshUser();
    const other = freshUser();
    const a = ok(
      await clients['v1'].call('assign_user_to_app', { appId: app.id, userId: user.id, userName: 'u-test' }),
    );
    assert.equal((a['assignment'] as { userName: string }).userName, 'u-test');
    ok(await clients['v1'].call('assign_user_to_app', { appId: app.id, userId: other.id }));
    const again = await clients['v1'].call('assign_user_to_app', { appId: app.id, userId: user.id });
    assert.equal(again.isError, true);
    assert.match(text(again), /conflict \(E0000062/);
    await confirmFlow(
      clients['v1'],
      'unassign_user_from_app',
      { appId: app.id, userId: user.id },
      { appId: app.id, userId: other.id },
      () => assert.ok(stack.sim.org.apps.get(app.id)?.userAssignments.has(user.id)),
    );
    assert.ok(!stack.sim.org.apps.get(app.id)?.userAssignments.has(user.id));
    assert.ok(stack.sim.org.apps.get(app.id)?.userAssignments.has(other.id));
    const notAssigned = await clients['v1'].call('unassign_user_from_app', {
      appId: app.id,
      userId: user.id,
    });
    assert.equal(notAssigned.isError, true, 'a user without a direct assignment is reported before asking');
    assert.match(text(notAssigned), /Not found|through a group assignment/);
  });

  test('assign_group_to_app and unassign_group_from_app (confirmed)', async () => {
    const app = pickApp();
    const groups = [...stack.sim.org.groups.values()].filter(
      (g) => g.type === 'OKTA_GROUP' && !app.groupAssignments.has(g.id),
    );
    const [g1, g2] = groups as [(typeof groups)[number], (typeof groups)[number]];
    ok(
      await clients['v2-modern'].call('assign_group_to_app', { appId: app.id, groupId: g1.id, priority: 1 }),
    );
    ok(await clients['v2-modern'].call('assign_group_to_app', { appId: app.id, groupId: g2.id }));
    assert.ok(app.groupAssignments.has(g1.id));
    const modernNoElicitation = clients['v2-modern'];
    await confirmFlow(
      modernNoElicitation,
      'unassign_group_from_app',
      { appId: app.id, groupId: g1.id },
      { appId: app.id, groupId: g2.id },
      () => assert.ok(stack.sim.org.apps.get(app.id)?.groupAssignments.has(g1.id)),
    );
    assert.ok(!stack.sim.org.apps.get(app.id)?.groupAssignments.has(g1.id));
    assert.ok(stack.sim.org.apps.get(app.id)?.groupAssignments.has(g2.id));
  });
});

describe('form elicitation (2026-07-28 clients that declare it)', () => {
  test('accepting the form runs the action; the message names the target', async () => {
    const target = freshUser();
    const messages: string[] = [];
    const client = await stack.connect({
      kind: 'v2-modern',
      elicit: (message) => {
        messages.push(message);
        return { action: 'accept', content: { confirm: true } };
      },
    });
    try {
      const r = await client.call('suspend_user', { user: target.id });
      assert.equal(ok(r)['status'], 'completed', text(r));
      assert.equal(userStatus(target.id), 'SUSPENDED');
      assert.equal(messages.length, 1);
      assert.match(
        messages[0]!,
        new RegExp(
          `Suspend user .*${target.profile.login.replace(/\./g, '\\.')}.*\\(${target.id}, status ACTIVE\\)`,
        ),
      );
    } finally {
      await client.close();
    }
  });

  test('declining (or answering confirm=false) changes nothing', async () => {
    for (const answer of [
      { action: 'decline' as const },
      { action: 'accept' as const, content: { confirm: false } },
    ]) {
      const target = freshUser();
      const client = await stack.connect({ kind: 'v2-modern', elicit: () => answer });
      try {
        const r = await client.call('deactivate_user', { user: target.id });
        assert.equal(ok(r)['status'], 'cancelled', text(r));
        assert.match(text(r), /did not confirm; nothing was changed/);
        assert.equal(userStatus(target.id), 'ACTIVE');
      } finally {
        await client.close();
      }
    }
  });

  test('legacy clients get the token flow even when they declare elicitation (stateless server cannot push)', async () => {
    const target = freshUser();
    const client = await stack.connect({
      kind: 'v2-legacy',
      elicit: () => ({ action: 'accept', content: { confirm: true } }),
    });
    try {
      const r = await client.call('suspend_user', { user: target.id });
      assert.equal(ok(r)['status'], 'confirmation_required');
      assert.equal(userStatus(target.id), 'ACTIVE');
    } finally {
      await client.close();
    }
  });
});
