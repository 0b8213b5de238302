'use strict';
// Drives kafkajs 2.2.4 against a broker: admin createTopics, producer send (plain and gzip, with keys and
// headers), auto topic creation on produce, then admin listTopics / fetchTopicMetadata / fetchTopicOffsets.
// Usage: node produce-and-admin.js <bootstrap> <topic> <count>
// Prints one line "RESULT <json>" on stdout; logs go to stderr.
const { Kafka, CompressionTypes, logLevel } = require('kafkajs');

const [bootstrap, topic, countArg] = process.argv.slice(2);
const count = parseInt(countArg || '20', 10);
if (!bootstrap || !topic) {
  console.error('usage: node produce-and-admin.js <bootstrap> <topic> <count>');
  process.exit(2);
}

const stderrLogger = () => ({ namespace, level, label, log }) => {
  process.stderr.write(`${label} [${namespace}] ${log.message} ${JSON.stringify(log)}\n`);
};

const kafka = new Kafka({
  clientId: 'strata-system-test',
  brokers: [bootstrap],
  logLevel: logLevel.WARN,
  logCreator: stderrLogger,
  connectionTimeout: 5000,
  requestTimeout: 20000,
  retry: { retries: 5 },
});

function messages(from, to, tag) {
  const list = [];
  for (let i = from; i < to; i++) {
    list.push({ key: `key-${i}`, value: `${tag} value ${i}`, headers: { source: 'kafkajs', seq: `${i}` } });
  }
  return list;
}

async function main() {
  const admin = kafka.admin();
  const producer = kafka.producer({ allowAutoTopicCreation: true });
  const result = {};
  await admin.connect();
  try {
    result.created = await admin.createTopics({ topics: [{ topic, numPartitions: 2, replicationFactor: 1 }], waitForLeaders: true });
    await producer.connect();
    const half = Math.floor(count / 2);
    const plain = await producer.send({ topic, acks: -1, messages: messages(0, half, 'plain') });
    const gzip = await producer.send({ topic, acks: -1, compression: CompressionTypes.GZIP, messages: messages(half, count, 'gzip') });
    result.produced = plain.concat(gzip).map((r) => ({ partition: r.partition, errorCode: r.errorCode, baseOffset: r.baseOffset }));
    const autoTopic = `${topic}-auto`;
    const auto = await producer.send({ topic: autoTopic, acks: 1, messages: [{ key: 'a', value: 'auto-created' }] });
    result.autoProduced = auto.map((r) => ({ partition: r.partition, errorCode: r.errorCode, baseOffset: r.baseOffset }));
    result.topics = (await admin.listTopics()).sort();
    const metadata = await admin.fetchTopicMetadata({ topics: [topic] });
    result.metadata = metadata.topics.map((t) => ({
      name: t.name,
      partitions: t.partitions.map((p) => ({ partitionId: p.partitionId, leader: p.leader, partitionErrorCode: p.partitionErrorCode })).sort((a, b) => a.partitionId - b.partitionId),
    }));
    result.offsets = (await admin.fetchTopicOffsets(topic)).map((o) => ({ partition: o.partition, low: o.low, high: o.high, offset: o.offset })).sort((a, b) => a.partition - b.partition);
  } finally {
    await producer.disconnect().catch(() => {});
    await admin.disconnect().catch(() => {});
  }
  process.stdout.write(`RESULT ${JSON.stringify(result)}\n`);
}

main().catch((e) => {
  process.stderr.write(`kafkajs script failed: ${e && e.stack ? e.stack : e}\n`);
  process.exit(1);
});
