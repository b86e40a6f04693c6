'use strict';
// Drops the PostgreSQL databases tests create (libs/testing `freshDatabase()`: "pc_test_<stamp>")
// that a killed or crashed run left behind. Each test drops its own; this catches the rest.
//
//   node scripts/lib/test-databases.js prune-tests --since <ms> [--until <ms>]   databases of tests created in that window
//   node scripts/lib/test-databases.js prune-tests --older-than <minutes>        leftovers of earlier runs
const path = require('node:path');
const { Client } = require(path.resolve(__dirname, '../../node_modules/pg'));
const { pruneWindow, stampTime } = require('./test-names');

async function dropTestDatabases(url, { since = 0, until = Date.now() } = {}) {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query(`SELECT datname FROM pg_database WHERE datname LIKE 'pc\\_test\\_%'`);
    let dropped = 0;
    for (const { datname } of rows) {
      const at = stampTime(datname.slice('pc_test_'.length));
      if (at === undefined || at < since || at > until || !/^[a-z0-9_]+$/.test(datname)) continue;
      await client.query(`DROP DATABASE IF EXISTS ${datname} WITH (FORCE)`);
      dropped++;
    }
    return dropped;
  } finally {
    await client.end();
  }
}

module.exports = { dropTestDatabases };

if (require.main === module) {
  const args = process.argv.slice(2);
  const window = args[0] === 'prune-tests' ? pruneWindow(args) : undefined;
  if (!window || !process.env.DATABASE_URL) {
    console.error('usage: DATABASE_URL=… test-databases.js prune-tests (--since <epoch ms> [--until <epoch ms>] | --older-than <minutes>)');
    process.exit(2);
  }
  const where = new URL(process.env.DATABASE_URL).host;
  dropTestDatabases(process.env.DATABASE_URL, window).then(
    (n) => console.error(`[test] dropped ${n} test database(s) on ${where}`),
    (err) => console.error(`[test] could not drop test databases on ${where}: ${err.message}`),
  );
}
