'use strict';
// Drives a kafkajs 2.2.4 consumer group: subscribes from the beginning, consumes <count> messages, lets kafkajs commit
// them, disconnects (leaving the group), then reads the group's committed offsets with the admin client.
// Usage: node consumer-group.js <bootstrap> <topic> <group> <count>
// Prints one line "RESULT <json>" on stdout; logs go to stderr.
const { Kafka, logLevel } = require('kafkajs');

const [bootstrap, topic, groupId, countArg] = process.argv.slice(2);
const count = parseInt(countArg || '10', 10);
if (!bootstrap || !topic || !groupId) {
  console.error('usage: node consumer-group.js <bootstrap> <topic> <group> <count>');
  process.exit(2);
}

const stderrLogger = () => ({ namespace, level, label, log }) => {
  process.stderr.write(`${label} [${namespace}] ${log.message} ${JSON.stringify(log)}\n`);
};

const kafka = new Kafka({
  clientId: 'strata-system-test-group',
  brokers: [bootstrap],
  logLevel: logLevel.WARN,
  logCreator: stderrLogger,
  connectionTimeout: 5000,
  requestTimeout: 30000,
  retry: { retries: 8 },
});

async function main() {
  const consumer = kafka.consumer({ groupId, sessionTimeout: 10000, heartbeatInterval: 1000 });
  const admin = kafka.admin();
  const values = [];
  const result = {};
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`only ${values.length} of ${count} messages within 90 s`)), 90000);
    consumer.run({
      eachMessage: async ({ partition, message }) => {
        values.push({ partition, offset: message.offset, value: message.value.toString() });
        if (values.length >= count) {
          clearTimeout(timer);
          resolve();
        }
      },
    }).catch(reject);
  });
  result.values = values;
  result.groupDescription = await consumer.describeGroup();
  await consumer.disconnect();
  await admin.connect();
  try {
    result.committed = await admin.fetchOffsets({ groupId, topics: [topic] });
    result.groups = (await admin.listGroups()).groups;
  } finally {
    await admin.disconnect();
  }
  process.stdout.write(`RESULT ${JSON.stringify(result)}\n`);
}

main().catch((e) => {
  process.stderr.write(`kafkajs script failed: ${e && e.stack ? e.stack : e}\n`);
  process.exit(1);
});
