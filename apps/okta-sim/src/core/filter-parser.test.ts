import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compileFilter, FilterSyntaxError, parseFilter, pathAccessor } from './filter-parser';

const users = [
  {
    id: '1',
    status: 'ACTIVE',
    lastUpdated: '2024-03-01T10:00:00.000Z',
    profile: {
      firstName: 'Ada',
      lastName: 'Lovelace',
      department: 'Engineering',
      level: 3,
      manager: null as string | null,
    },
  },
  {
    id: '2',
    status: 'SUSPENDED',
    lastUpdated: '2024-05-01T10:00:00.000Z',
    profile: { firstName: 'Grace', lastName: 'Hopper', department: 'Engineering', level: 5, manager: 'Ada' },
  },
  {
    id: '3',
    status: 'ACTIVE',
    lastUpdated: '2023-12-31T23:59:59.000Z',
    profile: { firstName: 'Alan', lastName: 'Turing', department: 'Research', level: 4, manager: 'Grace' },
  },
];
type U = (typeof users)[number];
const run = (expr: string) =>
  users.filter(compileFilter<U>(parseFilter(expr), (a) => pathAccessor<U>(a))).map((u) => u.id);

describe('filter-parser', () => {
  it('evaluates comparisons, logic and precedence', () => {
    assert.deepEqual(run('status eq "ACTIVE"'), ['1', '3']);
    assert.deepEqual(
      run('status EQ "active"'),
      ['1', '3'],
      'operators and string values are case-insensitive',
    );
    assert.deepEqual(run('status ne "ACTIVE"'), ['2']);
    assert.deepEqual(
      run('profile.department eq "Engineering" and status eq "ACTIVE" or profile.lastName eq "Turing"'),
      ['1', '3'],
    );
    assert.deepEqual(
      run('profile.department eq "Engineering" and (status eq "SUSPENDED" or profile.lastName sw "Tu")'),
      ['2'],
    );
    assert.deepEqual(run('not (status eq "ACTIVE")'), ['2']);
    assert.deepEqual(run('profile.firstName sw "A" and profile.lastName co "ov"'), ['1']);
    assert.deepEqual(run('profile.lastName ew "ING"'), ['3']);
    assert.deepEqual(run('profile.manager pr'), ['2', '3']);
    assert.deepEqual(run('profile.manager eq null'), ['1']);
    assert.deepEqual(run('profile.level ge 4'), ['2', '3']);
    assert.deepEqual(run('profile.level lt 4.5 and profile.level gt -1'), ['1', '3']);
  });

  it('compares dates as instants', () => {
    assert.deepEqual(run('lastUpdated gt "2024-01-01T00:00:00.000Z"'), ['1', '2']);
    assert.deepEqual(run('lastUpdated lt "2024-01-01T00:00:00.000-01:00"'), ['3']);
    assert.deepEqual(run('lastUpdated eq "2024-03-01T11:00:00.000+01:00"'), ['1']);
  });

  it('handles escapes in string literals', () => {
    const ast = parseFilter('profile.nickName eq "say \\"hi\\" \\\\ ok"');
    assert.deepEqual(ast, { kind: 'cmp', attr: 'profile.nickName', op: 'eq', value: 'say "hi" \\ ok' });
  });

  it('rejects malformed expressions with FilterSyntaxError', () => {
    const bad = [
      '',
      '   ',
      'status',
      'status eq',
      'status eq ACTIVE',
      'status equals "x"',
      '(status eq "x"',
      'status eq "x")',
      'status eq "x" and',
      'status eq "x" or or status eq "y"',
      'status eq "unterminated',
      '"x" eq status',
      'status eq "x" status eq "y"',
      'pr',
      'a..b eq "x"',
      'status eq "\\q"',
      'status eq "x" && id eq "y"',
      '('.repeat(100) + 'a eq "b"' + ')'.repeat(100),
    ];
    for (const expr of bad) assert.throws(() => parseFilter(expr), FilterSyntaxError, JSON.stringify(expr));
  });

  it('unknown attributes fail at compile time', () => {
    assert.throws(() => compileFilter(parseFilter('nope eq "x"'), () => undefined), FilterSyntaxError);
  });
});
