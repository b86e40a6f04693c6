import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { freshDatabase } from '@portcullis/testing';
import { Column, Entity, type MigrationInterface, PrimaryColumn, type QueryRunner } from 'typeorm';
import { openDataSource } from './data-source';
import { EMBEDDED_SHARED_BUFFERS, startEmbeddedDatabase } from './embedded-database';
import type { PersistenceFeature } from './feature';

@Entity({ schema: 'contract', name: 'widgets' })
class Widget {
  @PrimaryColumn({ type: 'text' }) id!: string;
  @Column({ name: 'tenant_id', type: 'text' }) tenantId!: string;
  @Column({ type: 'jsonb' }) attributes!: Record<string, unknown>;
}

class ContractInitial1700000000000 implements MigrationInterface {
  name = 'ContractInitial1700000000000';
  async up(q: QueryRunner) {
    await q.query(`CREATE TABLE contract.widgets (id text PRIMARY KEY, tenant_id text NOT NULL, attributes jsonb NOT NULL)`);
  }
  async down(q: QueryRunner) {
    await q.query(`DROP TABLE contract.widgets`);
  }
}
class ContractSecond1700000000001 implements MigrationInterface {
  name = 'ContractSecond1700000000001';
  async up(q: QueryRunner) {
    await q.query(`CREATE INDEX widgets_tenant ON contract.widgets (tenant_id)`);
  }
  async down(q: QueryRunner) {
    await q.query(`DROP INDEX contract.widgets_tenant`);
  }
}

const feature: PersistenceFeature = {
  service: 'contract',
  schema: 'contract',
  entities: [Widget],
  migrations: [ContractInitial1700000000000, ContractSecond1700000000001],
};

/** The same migrations and repository behaviour on real PostgreSQL and on the embedded engine. */
function persistenceContract(name: string, makeUrl: () => Promise<{ url: string; poolSize: number; reopen?: () => Promise<string> }>) {
  describe(`persistence on ${name}`, () => {
    it('applies explicit migrations once, keeps jsonb, rolls back failed transactions', async () => {
      const { url, poolSize, reopen } = await makeUrl();
      const spec = { url, features: [feature], poolSize, migrationsSchema: 'contract' };
      const ds = await openDataSource(spec, { migrate: true });
      const applied: { name: string }[] = await ds.query(`SELECT name FROM contract.migrations ORDER BY id`);
      assert.deepEqual(applied.map((m) => m.name), ['ContractInitial1700000000000', 'ContractSecond1700000000001']);
      assert.equal(await ds.showMigrations(), false, 'nothing pending');

      const repo = ds.getRepository(Widget);
      await repo.insert({ id: 'w1', tenantId: 'acme', attributes: { nested: { n: 1 }, list: ['a'] } });
      assert.deepEqual((await repo.findOneByOrFail({ id: 'w1' })).attributes, { nested: { n: 1 }, list: ['a'] });

      await assert.rejects(
        ds.transaction(async (m) => {
          await m.getRepository(Widget).insert({ id: 'w2', tenantId: 'acme', attributes: {} });
          await m.getRepository(Widget).insert({ id: 'w1', tenantId: 'acme', attributes: {} }); // duplicate key
        }),
      );
      assert.equal(await repo.count(), 1, 'nothing half-written');
      await ds.destroy();

      if (reopen) {
        // Embedded data survives a restart of the engine.
        const url2 = await reopen();
        const ds2 = await openDataSource({ ...spec, url: url2 }, { migrate: true });
        assert.equal(await ds2.getRepository(Widget).count(), 1);
        await ds2.destroy();
      }
    });
  });
}

const cleanups: (() => Promise<void>)[] = [];
after(async () => {
  for (const c of cleanups) await c();
});

persistenceContract('PostgreSQL', async () => {
  const db = await freshDatabase();
  cleanups.push(db.drop);
  return { url: db.url, poolSize: 5 };
});

persistenceContract('embedded PGlite', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'pc-pglite-'));
  let current = await startEmbeddedDatabase({ dataDir: dir });
  cleanups.push(async () => {
    await current.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return {
    url: current.url,
    poolSize: 1,
    reopen: async () => {
      await current.close();
      current = await startEmbeddedDatabase({ dataDir: dir });
      return current.url;
    },
  };
});

describe('the embedded database', () => {
  it('runs with a laptop-sized buffer pool, kept across restarts of its data directory', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pc-pglite-mem-'));
    try {
      for (let start = 0; start < 2; start++) {
        const db = await startEmbeddedDatabase({ dataDir: dir });
        const ds = await openDataSource({ url: db.url, features: [], poolSize: 1, migrationsSchema: 'contract' }, { migrate: false });
        const [row] = (await ds.query('SHOW shared_buffers')) as { shared_buffers: string }[];
        await ds.destroy();
        await db.close();
        assert.equal(row?.shared_buffers, EMBEDDED_SHARED_BUFFERS);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
