'use strict';
// Drives kafkajs 2.2.4 over SASL_SSL with a SCRAM mechanism: produce records, then read them back with a
// consumer (no group: assign-free read via a one-off group), and try a wrong password.
// Usage: node sasl-scram.js <bootstrap> <mechanism: scram-sha-256|scram-sha-512> <user> <password> <ca.pem> <topic> <count>
// Prints one line "RESULT <json>" on stdout; logs go to stderr.
const fs = require('fs');
const { Kafka, logLevel } = require('kafkajs');

const [bootstrap, mechanism, username, password, caPem, topic, countArg] = process.argv.slice(2);
const count = parseInt(countArg || '10', 10);
if (!bootstrap || !mechanism || !username || !password || !caPem || !topic) {
  console.error('usage: node sasl-scram.js <bootstrap> <mechanism> <user> <password> <ca.pem> <topic> <count>');
  process.exit(2);
}

const stderrLogger = () => ({ namespace, level, label, log }) => {
  process.stderr.write(`${label} [${namespace}] ${log.message} ${JSON.stringify(log)}\n`);
};

function client(pass) {
  return new Kafka({
    clientId: 'strata-sasl-test',
    brokers: [bootstrap],
    ssl: { ca: [fs.readFileSync(caPem, 'utf-8')] },
    sasl: { mechanism, username, password: pass },
    logLevel: logLevel.NOTHING,
    logCreator: stderrLogger,
    connectionTimeout: 5000,
    requestTimeout: 20000,
    retry: { retries: 2 },
  });
}

async function main() {
  const result = {};
  const kafka = client(password);
  const admin = kafka.admin();
  const producer = kafka.producer({ allowAutoTopicCreation: true });
  await admin.connect();
  try {
    result.created = await admin.createTopics({ topics: [{ topic, numPartitions: 1, replicationFactor: 1 }], waitForLeaders: true });
    await producer.connect();
    const messages = [];
    for (let i = 0; i < count; i++) {
      messages.push({ key: `k${i}`, value: `kafkajs ${mechanism} ${i}` });
    }
    const sent = await producer.send({ topic, acks: -1, messages });
    result.produced = sent.map((r) => ({ partition: r.partition, errorCode: r.errorCode, baseOffset: r.baseOffset }));
    result.offsets = (await admin.fetchTopicOffsets(topic)).map((o) => ({ partition: o.partition, low: o.low, high: o.high }));
    const consumer = kafka.consumer({ groupId: `${topic}-group`, rebalanceTimeout: 10000, sessionTimeout: 10000 });
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    const values = [];
    await new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`read ${values.length} of ${count} records`)), 30000);
      consumer.run({
        eachMessage: async ({ message }) => {
          values.push(message.value.toString());
          if (values.length >= count) {
            clearTimeout(timer);
            resolve();
          }
        },
      }).catch(reject);
    });
    await consumer.disconnect().catch(() => {});
    result.consumed = values;
  } finally {
    await producer.disconnect().catch(() => {});
    await admin.disconnect().catch(() => {});
  }
  const wrong = client(`${password}-wrong`).admin();
  try {
    await wrong.connect();
    await wrong.listTopics();
    result.wrongPassword = 'accepted';
  } catch (e) {
    result.wrongPassword = `${e.name}: ${e.message}`;
  } finally {
    await wrong.disconnect().catch(() => {});
  }
  process.stdout.write(`RESULT ${JSON.stringify(result)}\n`);
}

main().catch((e) => {
  process.stderr.write(`FAILED ${e.stack || e}\n`);
  process.exit(1);
});
