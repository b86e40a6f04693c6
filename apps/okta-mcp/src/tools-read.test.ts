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

/** Every read tool against the simulator: concise + full views, filters, pagination cursors. */
let stack: Stack;
const clients = {} as Record<ClientKind, TestClient>;
before(async () => {
  stack = await startStack();
  for (const kind of ['v2-legacy', 'v2-modern', 'v1'] as const) clients[kind] = await stack.connect({ kind });
});
after(async () => {
  for (const c of Object.values(clients)) await c.close();
  await stack?.close();
});

function ok(r: CallResult): Record<string, unknown> {
  assert.notEqual(r.isError, true, text(r));
  assert.ok(r.structuredContent, 'structured result');
  // The text block carries the same JSON for clients that ignore structuredContent.
  assert.ok(text(r).includes(JSON.stringify(r.structuredContent)));
  return r.structuredContent!;
}

type Item = Record<string, unknown> & { id: string };

/** Follows nextCursor through `pages` pages and checks the pages do not overlap. */
async function paginate(
  client: TestClient,
  tool: string,
  args: Record<string, unknown>,
  key: string,
  pages: number,
): Promise<Item[]> {
  const seen: Item[] = [];
  let cursor: string | undefined;
  for (let i = 0; i < pages; i++) {
    const data = ok(await client.call(tool, { ...args, ...(cursor ? { cursor } : {}) }));
    const items = data[key] as Item[];
    assert.equal(data['count'], items.length);
    seen.push(...items);
    if (i < pages - 1) {
      assert.equal(data['hasMore'], true, `${tool} page ${i + 1} should have more`);
      cursor = data['nextCursor'] as string;
      assert.ok(cursor, 'nextCursor');
    }
  }
  const ids = seen.map((x) => x.id ?? x['uuid']);
  assert.equal(new Set(ids).size, ids.length, `${tool}: pages overlap`);
  return seen;
}

describe('users', () => {
  test('whoami returns the token owner and the org', async () => {
    for (const c of Object.values(clients)) {
      const data = ok(await c.call('whoami'));
      const user = data['user'] as Item;
      assert.equal(user.id, stack.sim.fixtures.superAdmin.id);
      assert.equal(user['login'], stack.sim.fixtures.superAdmin.login);
      assert.equal(data['org'], stack.sim.url);
      assert.equal(user['profile'], undefined, 'concise by default');
    }
  });

  test('list_users: concise, paginated, filter, search, query, full', async () => {
    const users = await paginate(clients['v2-legacy'], 'list_users', { limit: 7 }, 'users', 3);
    assert.equal(users.length, 21);
    for (const u of users) {
      assert.match(u.id, /^00u/);
      assert.ok(u['status'] && u['login'] && 'lastLogin' in u);
      assert.notEqual(u['status'], 'DEPROVISIONED');
    }
    const suspended = ok(
      await clients['v1'].call('list_users', { filter: 'status eq "SUSPENDED"', limit: 50 }),
    );
    assert.ok((suspended['users'] as Item[]).length > 0);
    assert.ok((suspended['users'] as Item[]).every((u) => u['status'] === 'SUSPENDED'));

    const eng = ok(
      await clients['v2-modern'].call('list_users', {
        search: 'profile.department eq "Engineering"',
        limit: 200,
        full: true,
      }),
    );
    const engUsers = eng['users'] as (Item & { profile: Record<string, unknown> })[];
    assert.ok(engUsers.length > 0);
    assert.ok(
      engUsers.every((u) => u.profile['department'] === 'Engineering'),
      'full view has the whole profile',
    );

    const q = ok(await clients['v2-legacy'].call('list_users', { query: 'Uma' }));
    assert.ok((q['users'] as Item[]).some((u) => u.id === stack.sim.fixtures.regularUser.id));
    const byLogin = ok(
      await clients['v2-legacy'].call('list_users', {
        filter: `profile.login eq "${stack.sim.fixtures.regularUser.login}"`,
      }),
    );
    assert.deepEqual(
      (byLogin['users'] as Item[]).map((u) => u.id),
      [stack.sim.fixtures.regularUser.id],
    );
  });

  test('get_user by id and by login; list_user_groups / apps / factors', async () => {
    const f = stack.sim.fixtures;
    const byLogin = ok(await clients['v1'].call('get_user', { user: f.regularUser.login }));
    assert.equal((byLogin['user'] as Item).id, f.regularUser.id);
    const byId = ok(await clients['v2-modern'].call('get_user', { user: f.regularUser.id, full: true }));
    assert.equal(
      ((byId['user'] as Item)['profile'] as Record<string, unknown>)['login'],
      f.regularUser.login,
    );

    const groups = ok(await clients['v2-legacy'].call('list_user_groups', { user: f.regularUser.login }));
    const groupIds = (groups['groups'] as Item[]).map((g) => g.id);
    assert.ok(groupIds.includes(f.demoGroup.id));
    assert.ok((groups['groups'] as Item[]).some((g) => g['name'] === 'Everyone'));

    const apps = ok(await clients['v2-legacy'].call('list_user_apps', { user: f.regularUser.id }));
    assert.ok((apps['apps'] as Item[]).some((a) => a['appInstanceId'] === f.portcullisWebApp.appId));

    const factors = ok(await clients['v1'].call('list_user_factors', { user: f.superAdmin.id }));
    assert.ok(Array.isArray(factors['factors']));
  });
});

describe('groups', () => {
  test('list_groups with pagination, query, filter, search', async () => {
    await paginate(clients['v2-modern'], 'list_groups', { limit: 5 }, 'groups', 3);
    const demo = ok(await clients['v2-legacy'].call('list_groups', { query: 'Portcullis' }));
    assert.ok((demo['groups'] as Item[]).some((g) => g.id === stack.sim.fixtures.demoGroup.id));
    const builtIn = ok(await clients['v1'].call('list_groups', { filter: 'type eq "BUILT_IN"' }));
    assert.deepEqual(
      (builtIn['groups'] as Item[]).map((g) => g['name']),
      ['Everyone'],
    );
    const search = ok(
      await clients['v2-legacy'].call('list_groups', { search: 'profile.name sw "Portcullis"' }),
    );
    assert.ok((search['groups'] as Item[]).every((g) => String(g['name']).startsWith('Portcullis')));
  });

  test('get_group, list_group_members (paginated), list_group_apps', async () => {
    const f = stack.sim.fixtures;
    const g = ok(await clients['v2-legacy'].call('get_group', { groupId: f.demoGroup.id }));
    assert.equal((g['group'] as Item)['name'], f.demoGroupName);
    const everyone = ok(await clients['v1'].call('list_groups', { filter: 'type eq "BUILT_IN"' }));
    const everyoneId = (everyone['groups'] as Item[])[0]!.id;
    const members = await paginate(
      clients['v2-modern'],
      'list_group_members',
      { groupId: everyoneId, limit: 10 },
      'users',
      2,
    );
    assert.equal(members.length, 20);
    const apps = ok(await clients['v2-legacy'].call('list_group_apps', { groupId: f.demoGroup.id }));
    assert.ok((apps['apps'] as Item[]).some((a) => a.id === f.portcullisWebApp.appId));
  });
});

describe('apps', () => {
  test('list_apps with pagination and filters; get_app concise and full', async () => {
    const f = stack.sim.fixtures;
    await paginate(clients['v2-legacy'], 'list_apps', { limit: 4 }, 'apps', 3);
    const active = ok(await clients['v1'].call('list_apps', { filter: 'status eq "ACTIVE"', limit: 100 }));
    assert.ok((active['apps'] as Item[]).every((a) => a['status'] === 'ACTIVE'));
    const mine = ok(
      await clients['v2-modern'].call('list_apps', { filter: `user.id eq "${f.regularUser.id}"` }),
    );
    assert.ok((mine['apps'] as Item[]).some((a) => a.id === f.portcullisWebApp.appId));
    const app = ok(await clients['v2-legacy'].call('get_app', { appId: f.portcullisWebApp.appId }));
    assert.equal((app['app'] as Item)['label'], 'Portcullis');
    const full = ok(
      await clients['v2-legacy'].call('get_app', { appId: f.portcullisWebApp.appId, full: true }),
    );
    assert.ok((full['app'] as Item)['settings'], 'full view includes settings');
  });

  test('list_app_users (paginated) and list_app_groups', async () => {
    const f = stack.sim.fixtures;
    const users = await paginate(
      clients['v2-modern'],
      'list_app_users',
      { appId: f.portcullisWebApp.appId, limit: 3 },
      'users',
      2,
    );
    assert.ok(users.every((u) => u['scope'] === 'USER' || u['scope'] === 'GROUP'));
    const groups = ok(await clients['v1'].call('list_app_groups', { appId: f.portcullisWebApp.appId }));
    assert.ok((groups['groups'] as Item[]).some((g) => g.id === f.demoGroup.id));
  });
});

describe('System Log', () => {
  test('search_logs: bounded window, filter, pagination, full', async () => {
    const events = await paginate(
      clients['v2-legacy'],
      'search_logs',
      { limit: 5, since: new Date(Date.now() - 7 * 86400_000).toISOString() },
      'events',
      2,
    );
    const times = events.map((e) => Date.parse(String(e['published'])));
    assert.deepEqual(
      [...times].sort((a, b) => b - a),
      times,
      'newest first by default',
    );
    const grants = ok(
      await clients['v2-modern'].call('search_logs', { filter: 'eventType sw "app.oauth2"', limit: 10 }),
    );
    const list = grants['events'] as Item[];
    assert.ok(list.length > 0, 'sign-ins during setup produced token grant events');
    assert.ok(list.every((e) => String(e['eventType']).startsWith('app.oauth2')));
    assert.ok(typeof grants['since'] === 'string' && typeof grants['until'] === 'string');
    const full = ok(await clients['v1'].call('search_logs', { limit: 1, full: true }));
    assert.ok(
      (full['events'] as Item[])[0]!['debugContext'] !== undefined || (full['events'] as Item[])[0]!['actor'],
    );
  });
});
