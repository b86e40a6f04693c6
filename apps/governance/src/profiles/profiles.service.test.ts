import assert from 'node:assert/strict';
import { it } from 'node:test';
import { ValidationProblem } from '../common/problem';
import { normalizeSubjects } from './profiles.service';

it('normalizeSubjects refuses duplicates and grants that already expired, naming each subject', () => {
  const now = Date.parse('2026-11-30T12:00:00Z');
  assert.deepEqual(
    normalizeSubjects(
      [
        { type: 'group', value: 'Helpdesk' },
        { type: 'user', value: 'ann@example.com', expiresAt: '2026-12-01T00:00:00+01:00' },
      ],
      now,
    ),
    [
      { type: 'group', value: 'Helpdesk', expiresAt: null },
      { type: 'user', value: 'ann@example.com', expiresAt: '2026-11-30T23:00:00.000Z' },
    ],
  );
  assert.throws(
    () =>
      normalizeSubjects(
        [
          { type: 'user', value: 'Ann@example.com' },
          { type: 'user', value: 'ann@example.com' },
          { type: 'group', value: 'Ops', expiresAt: '2026-11-30T11:00:00Z' },
        ],
        now,
      ),
    (e: unknown) =>
      e instanceof ValidationProblem &&
      JSON.stringify(e.errors!.map((x) => x.field)) ===
        JSON.stringify(['subjects[1]', 'subjects[2].expiresAt']),
  );
});
