package io.strata.systemtest;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import io.strata.systemtest.support.Clients;
import io.strata.testsupport.NodeLogOnFailure;
import io.strata.testsupport.StrataNode;
import io.strata.systemtest.support.TestRecords;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Batches compressed by the producer with every codec Kafka supports are stored and served intact. */
@ExtendWith(NodeLogOnFailure.class)
class CompressionIT {
    private static final int COUNT = 3_000;
    private static StrataNode node;

    @BeforeAll
    static void startNode() {
        node = StrataNode.start("compression");
    }

    @AfterAll
    static void stopNode() {
        if (node != null) {
            node.close();
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"gzip", "snappy", "lz4", "zstd"})
    void roundTrip(String codec) throws Exception {
        String topic = "compressed-" + codec;
        Clients.createTopic(node.bootstrap(), topic, 1);
        TestRecords records = new TestRecords(topic, System.currentTimeMillis() - 60_000);
        try (KafkaProducer<byte[], byte[]> producer = Clients.producer(node.bootstrap(),
                Map.of("compression.type", codec, "linger.ms", "20", "batch.size", "65536"))) {
            for (int i = 0; i < COUNT; i++) {
                producer.send(records.record(topic, 0, i));
            }
            producer.flush();
            // a batch of one record too
            producer.send(records.record(topic, 0, COUNT)).get();
        }
        assertReadsBack(topic, records, COUNT + 1);
    }

    @Test
    void everyCodecInterleavedInOnePartition() throws Exception {
        String topic = "compressed-mixed";
        Clients.createTopic(node.bootstrap(), topic, 1);
        TestRecords records = new TestRecords(topic, System.currentTimeMillis() - 60_000);
        List<String> codecs = List.of("none", "gzip", "snappy", "lz4", "zstd");
        int perRound = 200;
        int seq = 0;
        for (int round = 0; round < 2; round++) {
            for (String codec : codecs) {
                try (KafkaProducer<byte[], byte[]> producer = Clients.producer(node.bootstrap(),
                        Map.of("compression.type", codec, "linger.ms", "10"))) {
                    for (int i = 0; i < perRound; i++) {
                        producer.send(records.record(topic, 0, seq++));
                    }
                    producer.flush();
                }
            }
        }
        assertReadsBack(topic, records, seq);
    }

    private static void assertReadsBack(String topic, TestRecords records, int expected) {
        List<ConsumerRecord<byte[], byte[]>> read = Clients.readAll(node.bootstrap(),
                List.of(new TopicPartition(topic, 0)), Duration.ofMinutes(1));
        assertThat(read).hasSize(expected);
        Set<Integer> seen = new HashSet<>();
        long offset = 0;
        for (ConsumerRecord<byte[], byte[]> r : read) {
            int seq = TestRecords.seq(r);
            assertThat(r.offset()).isEqualTo(offset++);
            assertThat(seq).as("order").isEqualTo(seen.size());
            records.assertMatches(r, seq);
            seen.add(seq);
        }
    }
}
