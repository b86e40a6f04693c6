'use strict';
// Deletes the Kafka topics a benchmark created under its unique prefix (and their dead-letter topics):
// every run makes a few dozen partitions, and a shared single-node test broker runs out of heap when
// thousands pile up.
const path = require('node:path');
const { Kafka, logLevel } = require(path.resolve(__dirname, '../../node_modules/kafkajs'));

async function deleteTopicsWithPrefix(brokers, prefix) {
  if (!prefix) return 0;
  const admin = new Kafka({ clientId: 'bench-cleanup', brokers, logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    const topics = (await admin.listTopics()).filter((t) => t.startsWith(prefix));
    if (topics.length) await admin.deleteTopics({ topics, timeout: 30_000 });
    return topics.length;
  } finally {
    await admin.disconnect();
  }
}

module.exports = { deleteTopicsWithPrefix };
