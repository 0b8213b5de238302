package io.strata.systemtest;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import io.strata.systemtest.support.Clients;
import io.strata.systemtest.support.PrometheusText;
import io.strata.testsupport.NodeLogOnFailure;
import io.strata.testsupport.StrataNode;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Fetch sessions (KIP-227) with the real consumer: a consumer of 200 partitions opens a session and then
 * fetches incrementally, and still gets every record, also those produced to a few partitions while it sits
 * in incremental fetches that leave out the idle partitions.
 */
@ExtendWith(NodeLogOnFailure.class)
class FetchSessionIT {
    private static final int PARTITIONS = 200;
    private static StrataNode node;

    @BeforeAll
    static void startNode() {
        node = StrataNode.start("fetch-sessions");
    }

    @AfterAll
    static void stopNode() {
        if (node != null) {
            node.close();
        }
    }

    @Test
    void aConsumerOfManyPartitionsFetchesIncrementallyAndMissesNothing() {
        String topic = "many-partitions";
        Clients.createTopic(node.bootstrap(), topic, PARTITIONS);
        List<TopicPartition> partitions = new ArrayList<>();
        for (int p = 0; p < PARTITIONS; p++) {
            partitions.add(new TopicPartition(topic, p));
        }
        double incrementalBefore = scrape().sum("strata_fetch_responses_incremental_total", Map.of());
        try (KafkaProducer<byte[], byte[]> producer = Clients.producer(node.bootstrap());
             KafkaConsumer<byte[], byte[]> consumer = Clients.consumer(node.bootstrap(),
                     Map.of(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, "100"))) {
            for (int p = 0; p < PARTITIONS; p++) {
                producer.send(new ProducerRecord<>(topic, p, null, ("first-" + p).getBytes(StandardCharsets.UTF_8)));
            }
            producer.flush();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, List<String>> read = new HashMap<>();
            pollUntil(consumer, read, PARTITIONS);
            assertThat(read).hasSize(PARTITIONS);

            // Idle fetches of the session, then records on three partitions: they must come through the
            // incremental responses that leave out the 197 idle ones.
            pollFor(consumer, read, Duration.ofSeconds(1));
            int[] busy = {7, 120, 199};
            for (int p : busy) {
                producer.send(new ProducerRecord<>(topic, p, null, ("second-" + p).getBytes(StandardCharsets.UTF_8)));
            }
            producer.flush();
            pollUntil(consumer, read, PARTITIONS + busy.length);
            for (int p : busy) {
                assertThat(read.get(new TopicPartition(topic, p))).containsExactly("first-" + p, "second-" + p);
            }
            PrometheusText open = scrape();
            assertThat(open.sum("strata_fetch_sessions", Map.of())).as("sessions held").isGreaterThanOrEqualTo(1);
            assertThat(open.sum("strata_fetch_sessions_partitions", Map.of())).as("partitions in sessions")
                    .isGreaterThanOrEqualTo(PARTITIONS);
        }
        PrometheusText metrics = scrape();
        assertThat(metrics.sum("strata_fetch_responses_incremental_total", Map.of()) - incrementalBefore)
                .as("incremental fetch responses").isGreaterThanOrEqualTo(3);
        assertThat(metrics.sum("strata_fetch_sessions_errors_total", Map.of())).as("refused session fetches").isZero();
    }

    private static void pollUntil(KafkaConsumer<byte[], byte[]> consumer, Map<TopicPartition, List<String>> read,
                                  int records) {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (count(read) < records) {
            assertThat(System.nanoTime()).as("%d of %d records read in time", count(read), records).isLessThan(deadline);
            pollFor(consumer, read, Duration.ofMillis(200));
        }
    }

    private static void pollFor(KafkaConsumer<byte[], byte[]> consumer, Map<TopicPartition, List<String>> read,
                                Duration time) {
        for (ConsumerRecord<byte[], byte[]> r : consumer.poll(time)) {
            read.computeIfAbsent(new TopicPartition(r.topic(), r.partition()), tp -> new ArrayList<>())
                    .add(new String(r.value(), StandardCharsets.UTF_8));
        }
    }

    private static int count(Map<TopicPartition, List<String>> read) {
        return read.values().stream().mapToInt(List::size).sum();
    }

    private static PrometheusText scrape() {
        StrataNode.HttpResult metrics = node.httpGet("/q/metrics");
        assertThat(metrics.status()).as("GET /q/metrics").isEqualTo(200);
        return PrometheusText.parse(metrics.body());
    }
}
