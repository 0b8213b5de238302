package io.strata.systemtest;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import io.strata.systemtest.support.AckedRecordChecker;
import io.strata.systemtest.support.Clients;
import io.strata.systemtest.support.GroupConsumer;
import io.strata.systemtest.support.PrometheusText;
import io.strata.systemtest.support.ReplicaLogs;
import io.strata.systemtest.support.StrataCluster;
import io.strata.testsupport.NodeLogOnFailure;
import io.strata.testsupport.StrataNode;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.TopicPartitionInfo;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Elastic scaling of a real cluster under load: one node, then three (the controller's balancer moves replicas and
 * leaders onto the new nodes), then one again (node 3 leaves through the HTTP drain endpoint, node 2 by a draining
 * SIGTERM), while an idempotent acks=all producer writes and a consumer group reads. Every acknowledged record is
 * read back exactly once, clients see only errors they retry, a moved partition with many tiered segments copies
 * only its untiered tail, and a drain that would leave a partition with fewer replicas than its factor is refused.
 */
@ExtendWith(NodeLogOnFailure.class)
class ElasticScalingIT {
    private static final Duration TIMEOUT = Duration.ofSeconds(90);
    private static final String TOPIC = "elastic";
    private static final int PARTITIONS = 6;
    private static final int SEGMENT_BYTES = 65_536;
    private static final int LOCAL_RETENTION_BYTES = 131_072;


    private StrataCluster cluster;

    @AfterEach
    void closeCluster() {
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    void scalesOneToThreeToOneUnderLoadLosingAndDuplicatingNothing() throws Exception {
        cluster = StrataCluster.create("elastic", 3, Map.of(
                // One node must be able to write metadata alone: the cluster shrinks to one of its three members.
                "STRATA_CLUSTER_SPLIT_BRAIN_QUORUM", "1",
                "STRATA_SHUTDOWN_DRAIN", "true",
                "STRATA_BALANCER_MAX_CONCURRENT_MOVES", "2",
                "STRATA_BALANCER_INTERVAL", "1s",
                "STRATA_REPLICATION_REPLICA_LAG_TIME_MAX", "5s"));
        cluster.startTogether(1);
        try (Admin admin = Clients.admin(cluster.node(1).bootstrap())) {
            Clients.get(admin.createTopics(List.of(new NewTopic(TOPIC, PARTITIONS, (short) 1).configs(Map.of(
                    "segment.bytes", Integer.toString(SEGMENT_BYTES),
                    "local.retention.bytes", Integer.toString(LOCAL_RETENTION_BYTES))))).all());
        }
        AckedRecordChecker checker = new AckedRecordChecker();
        long prefilled = prefill(checker, 9_000, 1_000);
        // The leader keeps only the hot tail locally; the rest is in the object store.
        Awaitility.await("node 1 tiered all but the local tail").atMost(TIMEOUT).pollInterval(Duration.ofMillis(500))
                .until(() -> IntStream.range(0, PARTITIONS).allMatch(p -> ReplicaLogs.localLogBytes(cluster.node(1).dataDir(),
                        new TopicPartition(TOPIC, p)) <= LOCAL_RETENTION_BYTES + 2L * SEGMENT_BYTES));

        Set<String> seen = GroupConsumer.sharedSeenSet();
        try (StreamingProducer producer = new StreamingProducer(checker);
             GroupConsumer consumer = new GroupConsumer("c1", cluster.bootstrap(), "elastic-readers", TOPIC,
                     Map.of(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest"), seen)) {
            Awaitility.await("the producer is acknowledged").atMost(TIMEOUT).until(() -> checker.acknowledged() > 9_100);

            // ---- scale out: 1 -> 3
            long start = System.nanoTime();
            cluster.startTogether(2, 3);
            Map<Integer, long[]> balanced = awaitBalanced(Set.of(1, 2, 3));
            double scaleOutSeconds = (System.nanoTime() - start) / 1e9;
            System.out.printf("Scale out 1 -> 3 balanced in %.1f s: %s%n", scaleOutSeconds, describe(balanced));
            assertThat(balanced.values()).allSatisfy(c -> assertThat(c[0]).as("replicas per node").isEqualTo(2));
            assertThat(balanced.values()).allSatisfy(c -> assertThat(c[1]).as("leaders per node").isEqualTo(2));

            // Four partitions of ~1.5 MB each moved; each new replica starts at the object store's end.
            long movedPartitionBytes = prefilled * 4 / PARTITIONS;
            double copied = metric(cluster.node(2), "strata_replication_fetched_bytes_total")
                    + metric(cluster.node(3), "strata_replication_fetched_bytes_total");
            double reported = metric(cluster.node(2), "strata_balancer_copied_bytes_total")
                    + metric(cluster.node(3), "strata_balancer_copied_bytes_total");
            System.out.printf("Moved partitions hold %d bytes; the new replicas fetched %.0f bytes (reported per move:"
                    + " %.0f)%n", movedPartitionBytes, copied, reported);
            assertThat(copied).as("bytes the new replicas fetched").isGreaterThan(0)
                    .isLessThan(movedPartitionBytes / 3.0);
            assertThat(metric(cluster.node(1), "strata_balancer_moves_started_total")).isGreaterThanOrEqualTo(4);
            assertThat(cluster.node(2).logTail(400)).contains("Move of partition elastic-").contains("bytes");
            StrataNode.HttpResult nodes = cluster.node(3).httpGet("/admin/nodes");
            assertThat(nodes.status()).isEqualTo(200);
            for (int id = 1; id <= 3; id++) {
                assertThat(nodes.body()).contains("{\"node\":" + id + ",\"live\":true,\"draining\":false,"
                        + "\"stop_when_drained\":false,\"replicas\":2,\"leaders\":2,\"moves_in_progress\":0}");
            }

            // a two-replica partition on nodes 1 and 2: node 2 cannot leave while node 1 would be alone
            try (Admin admin = cluster.admin()) {
                Clients.get(admin.createTopics(List.of(new NewTopic("pair", Map.of(0, List.of(1, 2))))).all());
            }
            // ---- scale in: node 3 by the HTTP drain endpoint (sent to another node), which stops it once drained
            start = System.nanoTime();
            HttpResponse<String> drain3 = post(cluster.node(1), "/admin/nodes/3/drain");
            assertThat(drain3.statusCode()).as("node 3 holds no replica of pair-0: %s", drain3.body()).isEqualTo(202);
            assertThat(drain3.body()).contains("\"draining\":true");
            Awaitility.await("node 3 drained and stopped").atMost(TIMEOUT).pollInterval(Duration.ofMillis(500))
                    .until(() -> !cluster.node(3).isRunning());
            assertThat(cluster.node(3).logTail(300)).contains("drained");
            System.out.printf("Node 3 drained and stopped in %.1f s%n", (System.nanoTime() - start) / 1e9);

            // ---- a drain that would break a replication factor is refused
            HttpResponse<String> tooFew = post(cluster.node(1), "/admin/nodes/2/drain");
            assertThat(tooFew.statusCode()).as(tooFew.body()).isEqualTo(409);
            assertThat(tooFew.body()).contains("pair-0").contains("replication factor 2");
            assertThat(cluster.node(2).isRunning()).as("a refused drain leaves the node alone").isTrue();
            assertThat(cluster.node(2).httpGet("/admin/nodes/2/drain").body()).contains("\"draining\":false");

            try (Admin admin = cluster.admin()) {
                Clients.get(admin.deleteTopics(List.of("pair")).all());
            }
            start = System.nanoTime();
            // ---- scale in: node 2 by SIGTERM with strata.shutdown.drain=true: moves everything to node 1, then stops
            cluster.stop(2);
            System.out.printf("Node 2 drained by SIGTERM and stopped in %.1f s%n", (System.nanoTime() - start) / 1e9);
            assertThat(cluster.node(2).logTail(300)).contains("drained in");
            Map<Integer, long[]> alone = counts();
            assertThat(alone.get(1)).as("node 1 holds and leads everything").containsExactly(PARTITIONS, PARTITIONS);

            producer.finish();
            Awaitility.await("the group read every acknowledged record").atMost(TIMEOUT)
                    .pollInterval(Duration.ofMillis(500))
                    .until(() -> checker.acks().stream().allMatch(a -> seen.contains(a.value())));
            assertThat(consumer.failures()).as("consumer errors").isEmpty();
        }
        assertThat(checker.failedSends()).as("failed sends: %s", checker.firstFailures()).isZero();

        List<TopicPartition> partitions = IntStream.range(0, PARTITIONS).mapToObj(p -> new TopicPartition(TOPIC, p))
                .toList();
        List<ConsumerRecord<byte[], byte[]>> read = Clients.readAll(cluster.liveBootstrap(), partitions, TIMEOUT);
        AckedRecordChecker.Report report = checker.check(read);
        System.out.println(report);
        assertThat(report.isClean()).as(report.toString()).isTrue();
        assertThat(report.read()).as("every record in the log was acknowledged once").isEqualTo(report.acknowledged());
        PrometheusText metrics = PrometheusText.parse(cluster.node(1).httpGet("/q/metrics").body());
        assertThat(metrics.sum("strata_balancer_moves_in_progress", Map.of())).isZero();
        assertThat(metrics.sum("strata_balancer_node_replicas", Map.of("node", "1"))).isEqualTo(PARTITIONS);
        assertThat(metrics.sum("strata_balancer_moves_completed_total", Map.of())).isGreaterThanOrEqualTo(8);
    }

    /** Waits until no reassignment runs and every node's replica and leader counts are within one of each other. */
    private Map<Integer, long[]> awaitBalanced(Set<Integer> nodes) {
        AtomicBoolean sawMoves = new AtomicBoolean();
        Map<Integer, long[]> last = new HashMap<>();
        Awaitility.await("replicas and leaders balanced over " + nodes).atMost(TIMEOUT)
                .pollInterval(Duration.ofMillis(500)).untilAsserted(() -> {
                    try (Admin admin = cluster.admin()) {
                        int moving = Clients.get(admin.listPartitionReassignments().reassignments()).size();
                        sawMoves.compareAndSet(false, moving > 0);
                        assertThat(moving).as("reassignments in progress").isZero();
                    }
                    Map<Integer, long[]> c = counts();
                    last.clear();
                    last.putAll(c);
                    assertThat(c.keySet()).containsExactlyInAnyOrderElementsOf(nodes);
                    LongSummary replicas = LongSummary.of(c.values().stream().mapToLong(v -> v[0]));
                    LongSummary leaders = LongSummary.of(c.values().stream().mapToLong(v -> v[1]));
                    assertThat(replicas.max - replicas.min).as("replica spread %s", describe(c)).isLessThanOrEqualTo(1);
                    assertThat(leaders.max - leaders.min).as("leader spread %s", describe(c)).isLessThanOrEqualTo(1);
                });
        System.out.println("ListPartitionReassignments showed moves in progress: " + sawMoves.get());
        return last;
    }

    private record LongSummary(long min, long max) {
        static LongSummary of(java.util.stream.LongStream values) {
            long[] v = values.toArray();
            return new LongSummary(java.util.Arrays.stream(v).min().orElse(0), java.util.Arrays.stream(v).max().orElse(0));
        }
    }

    /** Node id -> {replicas, leaders} of the test topic, as kafka-topics --describe would show them. */
    private Map<Integer, long[]> counts() {
        try (Admin admin = cluster.admin()) {
            TopicDescription d = Clients.get(admin.describeTopics(List.of(TOPIC)).allTopicNames()).get(TOPIC);
            Map<Integer, long[]> c = new HashMap<>();
            for (TopicPartitionInfo p : d.partitions()) {
                for (Node r : p.replicas()) {
                    c.computeIfAbsent(r.id(), k -> new long[2])[0]++;
                }
                if (p.leader() != null && p.leader().id() >= 0) {
                    c.computeIfAbsent(p.leader().id(), k -> new long[2])[1]++;
                }
            }
            return c;
        }
    }

    private static String describe(Map<Integer, long[]> counts) {
        return counts.entrySet().stream().map(e -> "node " + e.getKey() + ": " + e.getValue()[0] + " replicas, "
                + e.getValue()[1] + " leaders").collect(Collectors.joining("; "));
    }

    /** Writes {@code count} records of {@code size} bytes spread over the partitions; returns the bytes written. */
    private long prefill(AckedRecordChecker checker, int count, int size) {
        String pad = "x".repeat(size);
        try (KafkaProducer<byte[], byte[]> producer = Clients.producer(cluster.node(1).bootstrap(),
                Map.of(ProducerConfig.ACKS_CONFIG, "all", ProducerConfig.LINGER_MS_CONFIG, 5))) {
            for (int i = 0; i < count; i++) {
                String value = "pre-" + i + "-" + pad;
                producer.send(new ProducerRecord<>(TOPIC, i % PARTITIONS, null, value.getBytes(StandardCharsets.UTF_8)),
                        checker.callback(value));
            }
            producer.flush();
        }
        assertThat(checker.acknowledged()).isEqualTo(count);
        return (long) count * size;
    }

    private static double metric(StrataNode node, String name) {
        StrataNode.HttpResult metrics = node.httpGet("/q/metrics");
        assertThat(metrics.status()).as("GET /q/metrics").isEqualTo(200);
        double v = PrometheusText.parse(metrics.body()).sum(name, Map.of());
        assertThat(v).as(name).isNotNaN();
        return v;
    }

    private static HttpResponse<String> post(StrataNode node, String path) throws IOException, InterruptedException {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        return http.send(HttpRequest.newBuilder(URI.create(node.httpBase() + path)).timeout(Duration.ofSeconds(30))
                .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
    }

    /** Unique values to every partition from one idempotent acks=all producer on its own thread until finished. */
    private final class StreamingProducer implements AutoCloseable {
        private final AtomicBoolean running = new AtomicBoolean(true);
        private final AtomicInteger sendErrors = new AtomicInteger();
        private final Thread thread;
        private volatile Throwable crash;

        StreamingProducer(AckedRecordChecker checker) {
            KafkaProducer<byte[], byte[]> producer = Clients.producer(cluster.bootstrap(), Clients.RESILIENT_PRODUCER);
            thread = new Thread(() -> {
                try (producer) {
                    for (int i = 0; running.get(); i++) {
                        String value = "w-" + i;
                        byte[] key = ("key-" + (i % 97)).getBytes(StandardCharsets.UTF_8);
                        try {
                            producer.send(new ProducerRecord<>(TOPIC, key, value.getBytes(StandardCharsets.UTF_8)),
                                    checker.callback(value));
                        } catch (RuntimeException e) {
                            sendErrors.incrementAndGet();
                        }
                        Thread.sleep(2);
                    }
                    producer.flush();
                } catch (Throwable t) {
                    crash = t;
                }
            }, "streaming-producer");
            thread.start();
        }

        void finish() throws InterruptedException {
            running.set(false);
            thread.join(120_000);
            assertThat(thread.isAlive()).as("producer still flushing after 2 minutes").isFalse();
            assertThat(crash).as("producer thread failure").isNull();
            assertThat(sendErrors.get()).as("sends refused by the producer itself").isZero();
        }

        @Override
        public void close() throws InterruptedException {
            running.set(false);
            thread.join(120_000);
        }
    }
}
