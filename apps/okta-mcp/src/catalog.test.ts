import { test } from 'node:test';
import assert from 'node:assert/strict';
import { META_CONFIRMATION, META_SCOPES, oktaToolCatalog, oktaTools } from './catalog';

const REQUIRED = [
  'whoami',
  'list_users',
  'get_user',
  'list_user_groups',
  'list_user_apps',
  'create_user',
  'update_user_profile',
  'activate_user',
  'deactivate_user',
  'suspend_user',
  'unsuspend_user',
  'unlock_user',
  'reset_password',
  'expire_password',
  'delete_user',
  'list_groups',
  'get_group',
  'create_group',
  'update_group',
  'delete_group',
  'list_group_members',
  'add_user_to_group',
  'remove_user_from_group',
  'list_apps',
  'get_app',
  'activate_app',
  'deactivate_app',
  'list_app_users',
  'list_app_groups',
  'assign_user_to_app',
  'unassign_user_from_app',
  'assign_group_to_app',
  'unassign_group_from_app',
  'search_logs',
];
const MUST_CONFIRM = [
  'deactivate_user',
  'delete_user',
  'suspend_user',
  'reset_password',
  'expire_password',
  'remove_user_from_group',
  'unassign_user_from_app',
  'unassign_group_from_app',
  'delete_group',
  'deactivate_app',
  'clear_user_sessions',
];

test('the catalog covers the required tools with snake_case names', () => {
  const names = oktaToolCatalog.map((t) => t.name);
  for (const n of REQUIRED) assert.ok(names.includes(n), `missing ${n}`);
  for (const n of names) assert.match(n, /^[a-z][a-z0-9_]+$/);
  assert.equal(new Set(names).size, names.length);
});

test('every tool has a tight object input schema, an output schema, scopes and complete annotations', () => {
  for (const t of oktaToolCatalog) {
    assert.equal(t.inputSchema['type'], 'object', t.name);
    assert.equal(t.inputSchema['additionalProperties'], false, `${t.name} must reject unknown arguments`);
    assert.equal(t.outputSchema['type'], 'object', t.name);
    assert.ok(t.description.length > 40, `${t.name} needs a real description`);
    const scopes = t._meta[META_SCOPES] as string[];
    assert.ok(
      Array.isArray(scopes) &&
        scopes.length > 0 &&
        scopes.every((s) => /^okta\.[a-zA-Z]+\.(read|manage)(\.self)?$/.test(s)),
      t.name,
    );
    for (const k of ['readOnlyHint', 'destructiveHint', 'idempotentHint', 'openWorldHint'] as const) {
      assert.equal(typeof t.annotations[k], 'boolean', `${t.name}.${k}`);
    }
    const props = t.inputSchema['properties'] as Record<string, Record<string, unknown>>;
    for (const key of ['orgUrl', 'accessToken', 'token', 'oktaToken'])
      assert.ok(!(key in props), `${t.name} must not take ${key}`);
    if (props['limit']) {
      assert.equal(props['limit']['minimum'], 1);
      assert.equal(props['limit']['maximum'], 200);
    }
  }
});

test('reads are read-only; writes use a manage scope; destructive tools require confirmation', () => {
  for (const t of oktaTools) {
    const scopes = t.scopes;
    if (t.annotations.readOnlyHint) {
      assert.equal(t.destructive, false, t.name);
      assert.ok(
        scopes.every((s) => s.includes('.read')),
        `${t.name} is read-only and must need only read scopes`,
      );
    } else {
      assert.ok(
        scopes.every((s) => s.endsWith('.manage')),
        `${t.name} writes and must need a manage scope`,
      );
    }
  }
  for (const name of MUST_CONFIRM) {
    const d = oktaToolCatalog.find((t) => t.name === name)!;
    assert.ok(d, name);
    assert.equal(d.annotations.destructiveHint, true, name);
    assert.equal(d._meta[META_CONFIRMATION], true, name);
    assert.ok(
      'confirmationToken' in (d.inputSchema['properties'] as object),
      `${name} takes confirmationToken`,
    );
  }
  for (const t of oktaToolCatalog) {
    if (!MUST_CONFIRM.includes(t.name))
      assert.equal(t._meta[META_CONFIRMATION], undefined, `${t.name} should not ask for confirmation`);
  }
});

test('id arguments carry Okta id patterns in the advertised schema', () => {
  const get = (tool: string, prop: string) =>
    (
      oktaToolCatalog.find((t) => t.name === tool)!.inputSchema['properties'] as Record<
        string,
        Record<string, unknown>
      >
    )[prop]!;
  assert.equal(get('get_group', 'groupId')['pattern'], '^00g[0-9A-Za-z]{17}$');
  assert.equal(get('get_app', 'appId')['pattern'], '^0oa[0-9A-Za-z]{17}$');
  assert.equal(get('add_user_to_group', 'userId')['pattern'], '^00u[0-9A-Za-z]{17}$');
  assert.ok(typeof get('get_user', 'user')['pattern'] === 'string');
});
