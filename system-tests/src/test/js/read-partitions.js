'use strict';
// Reads a topic from the beginning with a kafkajs 2.2.4 consumer (fresh group) until it holds <count> distinct
// offsets, surviving broker failures the way kafkajs does (retries, restarts on retriable errors).
// Usage: node read-partitions.js <bootstrap[,bootstrap...]> <topic> <group> <count> [timeout-ms]
// Prints one line "RESULT <json>" on stdout: records by offset and the errors kafkajs reported; logs go to stderr.
const { Kafka, logLevel } = require('kafkajs');

const [bootstrap, topic, groupId, countArg, timeoutArg] = process.argv.slice(2);
const count = parseInt(countArg || '10', 10);
const timeoutMs = parseInt(timeoutArg || '120000', 10);
if (!bootstrap || !topic || !groupId) {
  console.error('usage: node read-partitions.js <bootstrap> <topic> <group> <count> [timeout-ms]');
  process.exit(2);
}

const errors = [];
const kafka = new Kafka({
  clientId: 'strata-system-test-reader',
  brokers: bootstrap.split(','),
  logLevel: logLevel.WARN,
  logCreator: () => ({ namespace, label, log }) => {
    process.stderr.write(`${label} [${namespace}] ${log.message} ${JSON.stringify(log)}\n`);
  },
  connectionTimeout: 3000,
  requestTimeout: 10000,
  retry: { retries: 20, initialRetryTime: 200, maxRetryTime: 2000 },
});

async function main() {
  const consumer = kafka.consumer({ groupId, sessionTimeout: 10000, heartbeatInterval: 1000 });
  consumer.on(consumer.events.CRASH, (e) => {
    const error = e.payload.error;
    errors.push({ name: error && error.name, message: error && error.message, retriable: !!(error && error.retriable),
      restart: e.payload.restart });
  });
  const records = new Map();
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`only ${records.size} of ${count} offsets within ${timeoutMs} ms`)),
      timeoutMs);
    consumer.run({
      eachMessage: async ({ partition, message }) => {
        records.set(`${partition}@${message.offset}`, message.value ? message.value.toString() : null);
        if (records.size >= count) {
          clearTimeout(timer);
          resolve();
        }
      },
    }).catch(reject);
  });
  await consumer.disconnect();
  const result = { records: Object.fromEntries(records), errors };
  process.stdout.write(`RESULT ${JSON.stringify(result)}\n`);
}

main().catch((e) => {
  process.stderr.write(`kafkajs script failed: ${e && e.stack ? e.stack : e}\n`);
  process.stdout.write(`RESULT ${JSON.stringify({ failed: String(e), errors })}\n`);
  process.exit(1);
});
