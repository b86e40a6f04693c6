'use strict';
// Deletes Kafka topics that tests and benchmarks leave on the shared single-node test broker.
// Every test uses its own topic prefix (libs/testing `uniqueTopicPrefix()`: "t" + base-36 creation
// time + 6 hex digits + "."), and each prefix brings a dozen topics with a few partitions each.
// Left alone they pile up run after run until the broker needs minutes and more heap than it has
// just to load them at start.
//
//   node scripts/lib/kafka-topics.js prune-tests --since <ms> [--until <ms>]   topics of tests created in that window
//   node scripts/lib/kafka-topics.js prune-tests --older-than <minutes>        leftovers of earlier runs
const path = require('node:path');
const { Kafka, logLevel } = require(path.resolve(__dirname, '../../node_modules/kafkajs'));
const { pruneWindow, stampTime } = require('./test-names');

/** When the test prefix of `topic` ("t<stamp>.") was made (epoch ms), or undefined when it is not a test topic. */
function testTopicCreatedAt(topic) {
  const m = /^t([0-9a-z]+)\./.exec(topic);
  return m ? stampTime(m[1]) : undefined;
}

async function withAdmin(brokers, fn) {
  const admin = new Kafka({ clientId: 'portcullis-topic-cleanup', brokers, logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    return await fn(admin);
  } finally {
    await admin.disconnect();
  }
}

async function deleteTopics(admin, topics) {
  // Small batches: one request naming thousands of topics can outlast the broker's request timeout.
  for (let i = 0; i < topics.length; i += 200) {
    await admin.deleteTopics({ topics: topics.slice(i, i + 200), timeout: 60_000 });
  }
  return topics.length;
}

/** Deletes the topics under one prefix (a benchmark's own), dead-letter topics included. */
async function deleteTopicsWithPrefix(brokers, prefix) {
  if (!prefix) return 0;
  return withAdmin(brokers, async (admin) =>
    deleteTopics(admin, (await admin.listTopics()).filter((t) => t.startsWith(prefix))),
  );
}

/** Deletes test topics whose prefix was created within [since, until]. */
async function deleteTestTopics(brokers, { since = 0, until = Date.now() } = {}) {
  return withAdmin(brokers, async (admin) => {
    const topics = (await admin.listTopics()).filter((t) => {
      const at = testTopicCreatedAt(t);
      return at !== undefined && at >= since && at <= until;
    });
    return deleteTopics(admin, topics);
  });
}

module.exports = { deleteTopicsWithPrefix, deleteTestTopics, testTopicCreatedAt };

if (require.main === module) {
  const args = process.argv.slice(2);
  const brokers = (process.env.KAFKA_BROKERS || '127.0.0.1:9092').split(',').map((x) => x.trim());
  const window = args[0] === 'prune-tests' ? pruneWindow(args) : undefined;
  if (!window) {
    console.error('usage: kafka-topics.js prune-tests (--since <epoch ms> [--until <epoch ms>] | --older-than <minutes>)');
    process.exit(2);
  }
  deleteTestTopics(brokers, window).then(
    (n) => console.error(`[test] deleted ${n} test topic(s) from ${brokers.join(',')}`),
    (err) => {
      // Cleanup never decides a test run's result; say what was left behind and carry on.
      console.error(`[test] could not delete test topics from ${brokers.join(',')}: ${err.message}`);
    },
  );
}
