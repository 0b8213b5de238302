package io.strata.systemtest;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import io.strata.systemtest.support.AckLog;
import io.strata.systemtest.support.Clients;
import io.strata.testsupport.NodeLogOnFailure;
import io.strata.systemtest.support.RecordChecks;
import io.strata.testsupport.StrataNode;
import io.strata.systemtest.support.TestRecords;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The core contract: what a default Java producer gets acknowledged, a consumer reads back unchanged, restarts included. */
@ExtendWith(NodeLogOnFailure.class)
class ProduceConsumeIT {
    private static final int PARTITIONS = 3;
    private static final Duration READ_TIMEOUT = Duration.ofMinutes(2);

    @Test
    void hundredThousandRecordsRoundTripAndSurviveCleanRestart() throws Exception {
        try (StrataNode node = StrataNode.start("produce-consume")) {
            String topic = "round-trip";
            Clients.createTopic(node.bootstrap(), topic, PARTITIONS);
            TestRecords records = new TestRecords(topic, System.currentTimeMillis() - 600_000);
            int count = 100_000;

            AckLog acks = new AckLog();
            try (KafkaProducer<byte[], byte[]> producer = Clients.producer(node.bootstrap())) {
                for (int i = 0; i < count; i++) {
                    producer.send(records.record(topic, i), acks.callback(i));
                }
                producer.flush();
            }
            acks.assertAllAcknowledged(count);
            for (int p = 0; p < PARTITIONS; p++) {
                assertThat(acks.countIn(p)).as("records the default partitioner put in partition %d", p)
                        .isGreaterThan(0);
            }

            verifyExactly(node, topic, records, acks, count);

            node.requireManaged("clean restart");
            node.stop();
            node.startProcess();
            verifyExactly(node, topic, records, acks, count);

            // The log end survives the restart: new records are appended right after the old ones.
            try (KafkaProducer<byte[], byte[]> producer = Clients.producer(node.bootstrap())) {
                for (int p = 0; p < PARTITIONS; p++) {
                    RecordMetadata appended = producer.send(records.record(topic, p, count + p)).get();
                    assertThat(appended.offset()).as("offset of a record appended after restart to partition %d", p)
                            .isEqualTo(acks.countIn(p));
                }
            }
        }
    }

    @Test
    void acknowledgedRecordsSurviveKillNineWhenEveryBatchIsFlushed() throws Exception {
        try (StrataNode node = StrataNode.builder("kill9-flush").env("STRATA_LOG_FLUSH_MESSAGES", "1").build()) {
            node.requireManaged("kill -9");
            node.startProcess();
            String topic = "durable";
            Clients.createTopic(node.bootstrap(), topic, PARTITIONS);
            TestRecords records = new TestRecords(topic, System.currentTimeMillis() - 600_000);

            int capacity = 1_000_000;
            AckLog acks = new AckLog();
            int firstPhase = 20_000;
            KafkaProducer<byte[], byte[]> producer = Clients.producer(node.bootstrap(),
                    Map.of("delivery.timeout.ms", "30000", "request.timeout.ms", "10000", "max.block.ms", "10000"));
            try {
                for (int i = 0; i < firstPhase; i++) {
                    producer.send(records.record(topic, i), acks.callback(i));
                }
                producer.flush();
                acks.assertAllAcknowledged(firstPhase);

                // Second phase: keep producing and kill the node while requests are in flight.
                AtomicBoolean stop = new AtomicBoolean();
                AtomicInteger sent = new AtomicInteger(firstPhase);
                Thread sender = new Thread(() -> {
                    try {
                        while (!stop.get() && sent.get() < capacity) {
                            int i = sent.getAndIncrement();
                            producer.send(records.record(topic, i), acks.callback(i));
                        }
                    } catch (RuntimeException e) {
                        // the producer is closed under the sender once the node is dead
                    }
                }, "phase-two-sender");
                sender.start();
                Awaitility.await("acknowledgements in the second phase").atMost(Duration.ofMinutes(2))
                        .until(() -> acks.acknowledged() >= firstPhase + 5_000);
                node.kill9();
                stop.set(true);
                sender.join(30_000);
            } finally {
                producer.close(Duration.ZERO);
            }
            Map<Integer, RecordMetadata> acknowledged = acks.snapshot();
            assertThat(acknowledged.size()).isGreaterThanOrEqualTo(firstPhase + 5_000);

            node.startProcess();
            List<ConsumerRecord<byte[], byte[]>> read = Clients.readAll(node.bootstrap(), partitions(topic),
                    READ_TIMEOUT);
            Map<String, ConsumerRecord<byte[], byte[]>> byPosition = new HashMap<>();
            Map<Integer, Integer> seen = new HashMap<>();
            for (ConsumerRecord<byte[], byte[]> r : read) {
                int seq = TestRecords.seq(r);
                records.assertMatches(r, seq);
                Integer earlier = seen.put(seq, (int) r.offset());
                assertThat(earlier).as("seq %d appears twice (offsets %s and %d)", seq, earlier, r.offset()).isNull();
                byPosition.put(r.partition() + "@" + r.offset(), r);
            }
            RecordChecks.assertContiguousOffsets(read);
            List<Integer> missing = new ArrayList<>();
            acknowledged.forEach((seq, meta) -> {
                ConsumerRecord<byte[], byte[]> r = byPosition.get(meta.partition() + "@" + meta.offset());
                if (r == null || TestRecords.seq(r) != seq) {
                    missing.add(seq);
                }
            });
            assertThat(missing).as("acknowledged records missing after kill -9 and restart (%d of %d acknowledged)",
                    missing.size(), acknowledged.size()).isEmpty();
        }
    }

    private static List<TopicPartition> partitions(String topic) {
        List<TopicPartition> list = new ArrayList<>();
        for (int p = 0; p < PARTITIONS; p++) {
            list.add(new TopicPartition(topic, p));
        }
        return list;
    }

    private static void verifyExactly(StrataNode node, String topic, TestRecords records, AckLog acks, int count) {
        List<ConsumerRecord<byte[], byte[]>> read = Clients.readAll(node.bootstrap(), partitions(topic), READ_TIMEOUT);
        RecordChecks.assertExactlyOnce(read, records, acks, count, PARTITIONS);
    }
}
