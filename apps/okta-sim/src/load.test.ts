import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Agent } from 'undici';
import { startOktaSim, type OktaSim } from './index';

let sim: OktaSim;
let buildMs = 0;

before(async () => {
  const t0 = Date.now();
  sim = await startOktaSim({ size: 'load', seed: 2024 });
  buildMs = Date.now() - t0;
});
after(async () => {
  await sim.close();
});

describe("size 'load' (50,000 users)", () => {
  it('builds the org quickly', () => {
    assert.equal(sim.org.users.size, 50_000);
    assert.equal(sim.org.groups.size, 2_000);
    assert.equal(sim.org.apps.size, 300);
    // Generous bound: CI machines are shared; locally this is ~1-3 s.
    assert.ok(buildMs < 30_000, `built in ${buildMs} ms`);
  });

  it('paging with limit=200 returns every user exactly once, even with concurrent inserts', async () => {
    const dispatcher = new Agent({ connections: 4 });
    const expected = new Set<string>();
    for (const u of sim.org.users.values()) if (u.status !== 'DEPROVISIONED') expected.add(u.id);
    const seen = new Map<string, number>();
    let next: string | null = `${sim.url}/api/v1/users?limit=200`;
    let pages = 0;
    let inserted = 0;
    const t0 = Date.now();
    while (next) {
      const res: Response = await fetch(next, {
        headers: { Authorization: `SSWS ${sim.fixtures.ssws}`, Accept: 'application/json' },
        dispatcher,
      } as RequestInit);
      assert.equal(res.status, 200);
      const page = (await res.json()) as { id: string }[];
      assert.ok(page.length <= 200);
      for (const u of page) seen.set(u.id, (seen.get(u.id) ?? 0) + 1);
      // Another client keeps creating users while we page (they sort after everything seen so far).
      if (pages % 25 === 0) {
        sim.org.createUser(
          {
            profile: {
              firstName: 'Late',
              lastName: `Comer${pages}`,
              email: `late.${pages}@example.com`,
              login: `late.${pages}@example.com`,
            },
            password: 'x-Passw0rd!',
          },
          { activate: true },
        );
        inserted++;
      }
      next = /<([^>]+)>; rel="next"/.exec(res.headers.get('link') ?? '')?.[1] ?? null;
      pages++;
    }
    const elapsed = Date.now() - t0;
    await dispatcher.close();
    for (const id of expected) assert.equal(seen.get(id), 1, `user ${id} seen exactly once`);
    for (const [id, n] of seen) assert.equal(n, 1, `no duplicates (${id})`);
    assert.ok(seen.size >= expected.size && seen.size <= expected.size + inserted);
    assert.ok(pages >= Math.ceil(expected.size / 200));
    assert.ok(elapsed < 60_000, `paged ${pages} pages in ${elapsed} ms`);
  });

  it('filters and searches the large org', async () => {
    const res = await fetch(
      `${sim.url}/api/v1/users?${new URLSearchParams({ search: 'profile.department eq "Legal" and status eq "SUSPENDED"', limit: '200' })}`,
      {
        headers: { Authorization: `SSWS ${sim.fixtures.ssws}` },
      },
    );
    const users = (await res.json()) as { status: string; profile: { department: string } }[];
    assert.ok(users.length > 0);
    assert.ok(users.every((u) => u.status === 'SUSPENDED' && u.profile.department === 'Legal'));
  });
});
