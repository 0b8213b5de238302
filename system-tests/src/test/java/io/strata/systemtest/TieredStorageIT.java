package io.strata.systemtest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import io.strata.systemtest.support.ReplicaLogs;
import io.strata.systemtest.support.AckLog;
import io.strata.systemtest.support.Clients;
import io.strata.systemtest.support.PrometheusText;
import io.strata.testsupport.ObjectStoreProcess;
import io.strata.testsupport.NodeLogOnFailure;
import io.strata.systemtest.support.RecordChecks;
import io.strata.testsupport.StrataNode;
import io.strata.systemtest.support.TestRecords;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.errors.KafkaStorageException;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Tiered storage end to end: sealed segments go to an S3Proxy (in the node, or a separate process the test stops),
 * the local disk keeps only the hot tail, and a plain Java consumer reads every record from offset 0 unchanged,
 * across the remote/local boundary, after an object-store outage and after the node lost its data directory.
 */
@ExtendWith(NodeLogOnFailure.class)
class TieredStorageIT {
    private static final Duration TIMEOUT = Duration.ofMinutes(2);
    /** Small segments and a small local budget, so a few MB make hundreds of segments of which few stay local. */
    private static final Map<String, String> SMALL_SEGMENTS = Map.of(
            "segment.bytes", "16384",
            "local.retention.bytes", "65536");
    /** Batches must fit a segment. */
    private static final Map<String, Object> SMALL_BATCHES = Map.of(
            ProducerConfig.BATCH_SIZE_CONFIG, 8192,
            ProducerConfig.LINGER_MS_CONFIG, 2);

    @Test
    void hundredsOfSegmentsGoToObjectStorageAndReadBackFromOffsetZero() throws Exception {
        try (StrataNode node = StrataNode.builder("tiered").start()) {
            String topic = "tiered-read";
            TopicPartition tp = new TopicPartition(topic, 0);
            createTopic(node, topic, SMALL_SEGMENTS);
            TestRecords records = new TestRecords(topic, System.currentTimeMillis() - 60_000);
            int count = 28_000; // ~4.5 MB: ~300 segments of 16 KB
            AckLog acks = produce(node, topic, records, 0, count);
            acks.assertAllAcknowledged(count);

            awaitBacklogDrained(node);
            assertThat(metric(node, "strata_tiering_segments_copied_total")).isGreaterThan(250);
            long localBytes = ReplicaLogs.localLogBytes(node.dataDir(), tp);
            assertThat(localBytes).as("bytes of .log files left on local disk").isLessThan(65536 + 3 * 16384);

            List<ConsumerRecord<byte[], byte[]>> read = Clients.readAll(node.bootstrap(), List.of(tp), TIMEOUT);
            RecordChecks.assertExactlyOnce(read, records, acks, count, 1);
            assertThat(metric(node, "strata_tiering_downloaded_bytes_total")).isGreaterThan(4_000_000);

            // The HTTP simple fetch reads tiered offsets too, with the bytes Kafka consumers get.
            StrataNode.HttpResult fetched = node.httpGet("/topics/" + topic + "/partitions/0/records?offset=0&max_bytes=4096");
            assertThat(fetched.status()).as("simple fetch of offset 0: %s", fetched.body()).isEqualTo(200);
            com.fasterxml.jackson.databind.JsonNode first = new com.fasterxml.jackson.databind.ObjectMapper()
                    .readTree(fetched.body()).path("records").path(0);
            assertThat(first.path("offset").asLong()).isZero();
            assertThat(java.util.Base64.getDecoder().decode(first.path("value").asText()))
                    .isEqualTo(read.stream().filter(r -> r.offset() == 0).findFirst().orElseThrow().value());

            // S3Proxy brings Jackson 3 and more Jackson 2 modules: the node's own JSON (OpenAPI) still renders.
            StrataNode.HttpResult openapi = node.httpGet("/q/openapi?format=json");
            assertThat(openapi.status()).isEqualTo(200);
            assertThat(new com.fasterxml.jackson.databind.ObjectMapper().readTree(openapi.body())
                    .path("info").path("title").asText()).isEqualTo("Strata");

            // ListOffsets by timestamp lands in a segment that is only in object storage.
            try (Admin admin = Clients.admin(node.bootstrap())) {
                long offset = Clients.get(admin.listOffsets(Map.of(tp, OffsetSpec.forTimestamp(records.timestamp(1234))))
                        .partitionResult(tp)).offset();
                assertThat(offset).isEqualTo(1234);
                assertThat(Clients.get(admin.listOffsets(Map.of(tp, OffsetSpec.earliest())).partitionResult(tp)).offset())
                        .isZero();
            }
        }
    }

    @Test
    void retentionRemovesExpiredDataFromObjectStorageAndMovesTheLogStart() throws Exception {
        try (StrataNode node = StrataNode.builder("tiered-retention")
                .env("STRATA_TIERING_RETENTION_CHECK_INTERVAL", "1s").start()) {
            String topic = "tiered-retention";
            TopicPartition tp = new TopicPartition(topic, 0);
            createTopic(node, topic, Map.of("segment.bytes", "16384", "local.retention.bytes", "0",
                    "retention.bytes", "200000"));
            TestRecords records = new TestRecords(topic, System.currentTimeMillis() - 60_000);
            int count = 6_000; // ~1.5 MB
            AckLog acks = produce(node, topic, records, 0, count);
            acks.assertAllAcknowledged(count);

            try (Admin admin = Clients.admin(node.bootstrap())) {
                Awaitility.await().atMost(TIMEOUT).until(() -> earliest(admin, tp) > 0
                        && metric(node, "strata_tiering_backlog_bytes") == 0);
                Awaitility.await().atMost(TIMEOUT).until(() -> metric(node, "strata_tiering_segments_deleted_total") > 0);
                long start = earliest(admin, tp);
                // About retention.bytes is kept: most of the 1.5 MB is gone.
                assertThat(start).isGreaterThan(count / 2);

                List<ConsumerRecord<byte[], byte[]>> read = Clients.readAll(node.bootstrap(), List.of(tp), TIMEOUT);
                assertThat(read).isNotEmpty();
                assertThat(read.get(0).offset()).isEqualTo(start);
                for (ConsumerRecord<byte[], byte[]> r : read) {
                    assertThat(r.offset()).isEqualTo(acks.metadata(TestRecords.seq(r)).offset());
                    records.assertMatches(r, TestRecords.seq(r));
                }
                assertThat(read).hasSize((int) (count - start));

                // retention.ms: every uploaded segment is older than a second; the log start moves to what is local.
                Clients.get(admin.incrementalAlterConfigs(Map.of(new ConfigResource(ConfigResource.Type.TOPIC, topic),
                        List.of(new AlterConfigOp(new ConfigEntry("retention.ms", "1000"), AlterConfigOp.OpType.SET))))
                        .all());
                long end = Clients.get(admin.listOffsets(Map.of(tp, OffsetSpec.latest())).partitionResult(tp)).offset();
                Awaitility.await().atMost(TIMEOUT).until(() -> earliest(admin, tp) > start
                        && earliest(admin, tp) >= end - 200);
            }
        }
    }

    @Test
    void producersKeepSucceedingThroughAnObjectStoreOutageAndTieringCatchesUp() throws Exception {
        Path objects = Files.createTempDirectory(Paths.get("target"), "s3proxy-outage");
        try (ObjectStoreProcess s3 = new ObjectStoreProcess(objects).start()) {
            StrataNode.Builder builder = StrataNode.builder("tiered-outage")
                    // The data path through an outage: cluster metadata stays on local disk (with an external store
                    // it would default to the bucket, and metadata writes would wait for the store too).
                    .env("STRATA_CLUSTER_METADATA_STORE", "directory")
                    .env("STRATA_S3_MAX_ATTEMPTS", "3")
                    .env("STRATA_S3_MAX_BACKOFF", "500ms")
                    .env("STRATA_S3_CALL_TIMEOUT", "10s")
                    .env("STRATA_S3_BREAKER_OPEN_FOR", "2s")
                    .env("STRATA_TIERING_MAX_RETRY_BACKOFF", "2s")
                    .env("STRATA_TIERING_MAX_BACKLOG_BYTES", "1500000");
            s3.nodeEnv().forEach(builder::env);
            try (StrataNode node = builder.start()) {
                String topic = "tiered-outage";
                TopicPartition tp = new TopicPartition(topic, 0);
                createTopic(node, topic, Map.of("segment.bytes", "65536", "local.retention.bytes", "65536"));
                TestRecords records = new TestRecords(topic, System.currentTimeMillis() - 60_000);
                AckLog acks = new AckLog();
                int count = 24_000; // ~6 MB
                try (KafkaProducer<byte[], byte[]> producer = Clients.producer(node.bootstrap(), SMALL_BATCHES)) {
                    int i = 0;
                    for (; i < 4_000; i++) {
                        producer.send(records.record(topic, 0, i), acks.callback(i));
                    }
                    producer.flush();
                    s3.kill();
                    // Steady produce while the store is down: acknowledged from local disk until the backlog
                    // passes its budget, after which the producer's retries wait for tiering to catch up.
                    long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
                    while (i < count && System.nanoTime() < until) {
                        for (int n = 0; n < 500 && i < count; n++, i++) {
                            producer.send(records.record(topic, 0, i), acks.callback(i));
                        }
                        Thread.sleep(100);
                    }
                    Awaitility.await().atMost(TIMEOUT).until(() -> metric(node, "strata_tiering_backlog_bytes") > 1_500_000);
                    assertThat(metric(node, "strata_tiering_errors_total")).isPositive();
                    assertThat(metric(node, "strata_tiering_object_store_available")).isZero();
                    // Past the disk budget, a produce fails with a clear, retriable storage error.
                    try (KafkaProducer<byte[], byte[]> probe = Clients.producer(node.bootstrap(), Map.of(
                            ProducerConfig.RETRIES_CONFIG, 0, ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, false,
                            ProducerConfig.ACKS_CONFIG, "1"))) {
                        assertThatThrownBy(() -> probe.send(new org.apache.kafka.clients.producer.ProducerRecord<>(
                                topic, 0, null, "probe".getBytes())).get(30, TimeUnit.SECONDS))
                                .isInstanceOf(ExecutionException.class).hasCauseInstanceOf(KafkaStorageException.class);
                    }
                    s3.start();
                    for (; i < count; i++) {
                        producer.send(records.record(topic, 0, i), acks.callback(i));
                    }
                    producer.flush();
                }
                acks.assertAllAcknowledged(count);
                awaitBacklogDrained(node);
                assertThat(ReplicaLogs.localLogBytes(node.dataDir(), tp)).isLessThan(65536 * 4);
                List<ConsumerRecord<byte[], byte[]>> read = Clients.readAll(node.bootstrap(), List.of(tp), TIMEOUT);
                RecordChecks.assertExactlyOnce(read, records, acks, count, 1);
            }
        }
    }

    @Test
    void aNodeWithAnEmptyDataDirectoryServesEverythingTiered() throws Exception {
        Path objects = Files.createTempDirectory(Paths.get("target"), "s3proxy-restart");
        Path data = Files.createTempDirectory(Paths.get("target"), "data-restart").toAbsolutePath();
        try (ObjectStoreProcess s3 = new ObjectStoreProcess(objects).start()) {
            // Cluster metadata (the topic and its id) lives in the object store too: the data directory holds
            // nothing the node cannot rebuild.
            StrataNode.Builder builder = StrataNode.builder("tiered-restart").dataDir(data)
                    .env("STRATA_CLUSTER_METADATA_STORE", "object-store");
            s3.nodeEnv().forEach(builder::env);
            try (StrataNode node = builder.start()) {
                String topic = "tiered-restart";
                TopicPartition tp = new TopicPartition(topic, 0);
                createTopic(node, topic, SMALL_SEGMENTS);
                TestRecords records = new TestRecords(topic, System.currentTimeMillis() - 60_000);
                int first = 8_000;
                AckLog acks = produce(node, topic, records, 0, first);
                acks.assertAllAcknowledged(first);
                awaitBacklogDrained(node);
                node.stop();
                deleteRecursively(data);
                Files.createDirectories(data);

                node.startProcess();
                // Everything sealed was tiered; only the active segment (never uploaded) went with the disk.
                long remoteEnd;
                try (Admin admin = Clients.admin(node.bootstrap())) {
                    remoteEnd = Clients.get(admin.listOffsets(Map.of(tp, OffsetSpec.latest())).partitionResult(tp)).offset();
                    assertThat(earliest(admin, tp)).isZero();
                }
                assertThat(remoteEnd).isBetween((long) first - 200, (long) first);
                int more = 2_000;
                AckLog after = new AckLog();
                try (KafkaProducer<byte[], byte[]> producer = Clients.producer(node.bootstrap(), SMALL_BATCHES)) {
                    for (int i = first; i < first + more; i++) {
                        producer.send(records.record(topic, 0, i), after.callback(i));
                    }
                    producer.flush();
                }
                after.assertAllAcknowledged(more);
                assertThat(after.metadata(first).offset()).as("offsets continue at the remote end").isEqualTo(remoteEnd);

                List<ConsumerRecord<byte[], byte[]>> read = Clients.readAll(node.bootstrap(), List.of(tp), TIMEOUT);
                assertThat(read).hasSize((int) remoteEnd + more);
                RecordChecks.assertContiguousOffsets(read);
                for (ConsumerRecord<byte[], byte[]> r : read) {
                    int seq = TestRecords.seq(r);
                    int expected = r.offset() < remoteEnd ? (int) r.offset() : first + (int) (r.offset() - remoteEnd);
                    assertThat(seq).as("seq at offset %d", r.offset()).isEqualTo(expected);
                    records.assertMatches(r, seq);
                }
            }
        }
    }

    private static void createTopic(StrataNode node, String topic, Map<String, String> configs) {
        try (Admin admin = Clients.admin(node.bootstrap())) {
            Clients.get(admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1).configs(configs))).all());
        }
    }

    private static AckLog produce(StrataNode node, String topic, TestRecords records, int from, int to) {
        AckLog acks = new AckLog();
        try (KafkaProducer<byte[], byte[]> producer = Clients.producer(node.bootstrap(), SMALL_BATCHES)) {
            for (int i = from; i < to; i++) {
                producer.send(records.record(topic, 0, i), acks.callback(i));
            }
            producer.flush();
        }
        return acks;
    }

    private static long earliest(Admin admin, TopicPartition tp) {
        return Clients.get(admin.listOffsets(Map.of(tp, OffsetSpec.earliest())).partitionResult(tp)).offset();
    }

    private static void awaitBacklogDrained(StrataNode node) {
        // Wait for the segments to be sealed and tiered: the backlog metric reads zero and stays so.
        Awaitility.await().atMost(TIMEOUT).pollInterval(Duration.ofMillis(500))
                .until(() -> metric(node, "strata_tiering_backlog_bytes") == 0
                        && metric(node, "strata_tiering_segments_copied_total") > 0);
    }

    /** A value from the node's Prometheus endpoint (the sum over all series of that name). */
    static double metric(StrataNode node, String name) {
        double sum = PrometheusText.parse(node.httpGet("/q/metrics").body()).sum(name, Map.of());
        if (Double.isNaN(sum)) {
            throw new AssertionError("metric " + name + " not exported");
        }
        return sum;
    }

    private static void deleteRecursively(Path dir) throws IOException {
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
    }
}
