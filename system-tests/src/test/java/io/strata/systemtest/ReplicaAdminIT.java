package io.strata.systemtest;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.strata.systemtest.support.Clients;
import io.strata.systemtest.support.KafkaCli;
import io.strata.systemtest.support.PrometheusText;
import io.strata.systemtest.support.ReplicaLogs;
import io.strata.systemtest.support.StrataCluster;
import io.strata.systemtest.support.ToolResult;
import io.strata.testsupport.NodeLogOnFailure;
import io.strata.testsupport.StrataNode;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.TopicPartitionInfo;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The replica admin tools of Apache Kafka against a three-node cluster, run as the real CLI tools:
 * {@code kafka-reassign-partitions} (a tiered partition moves to another node copying only its untiered tail),
 * {@code kafka-leader-election} (the preferred leader returns after a failover), {@code kafka-log-dirs} and
 * {@code kafka-delete-records}. One cluster serves all tests; each test uses its own topic.
 */
@ExtendWith(NodeLogOnFailure.class)
class ReplicaAdminIT {
    private static final Duration TIMEOUT = Duration.ofSeconds(90);
    private static final Duration TOOL_TIMEOUT = Duration.ofSeconds(60);
    private static final String REASSIGN = "org.apache.kafka.tools.reassign.ReassignPartitionsCommand";
    private static final String LEADER_ELECTION = "org.apache.kafka.tools.LeaderElectionCommand";
    private static final String LOG_DIRS = "org.apache.kafka.tools.LogDirsCommand";
    private static final String DELETE_RECORDS = "org.apache.kafka.tools.DeleteRecordsCommand";
    private static final Map<String, Object> SMALL_BATCHES = Map.of(
            ProducerConfig.BATCH_SIZE_CONFIG, 8192, ProducerConfig.LINGER_MS_CONFIG, 2);

    private static StrataCluster cluster;

    @TempDir
    Path tmp;

    @BeforeAll
    static void startCluster() {
        cluster = StrataCluster.start("replica-admin", 3, Map.of(
                // A restarted replica rejoins the ISR quickly; the automatic rebalance must not do the tool's job.
                "STRATA_REPLICATION_REPLICA_LAG_TIME_MAX", "5s",
                "STRATA_REPLICATION_AUTO_LEADER_REBALANCE", "false"));
    }

    @AfterAll
    static void stopCluster() {
        if (cluster != null) {
            cluster.close();
        }
    }

    /**
     * A partition with hundreds of tiered segments moves from nodes [1, 2] to [3, 2]: node 3 starts its log at the
     * object store's end and copies only the local tail from the leader; node 3 then leads, node 1 deletes its copy,
     * and offset 0 onwards still reads back complete and in order.
     */
    @Test
    void reassignmentMovesATieredPartitionCopyingOnlyTheUntieredTail() throws Exception {
        String topic = "moved";
        TopicPartition tp = new TopicPartition(topic, 0);
        createTopic(topic, List.of(1, 2), Map.of("segment.bytes", "16384", "local.retention.bytes", "65536"));
        int count = 8_000;
        long produced = produce(topic, count, 200);
        // Wait until the leader has tiered and dropped all but the hot tail.
        Awaitility.await("leader keeps only the untiered tail").atMost(TIMEOUT).pollInterval(Duration.ofMillis(500))
                .until(() -> ReplicaLogs.localLogBytes(cluster.node(1).dataDir(), tp) < 65536 + 3 * 16384);
        double before = fetchedBytes(cluster.node(3));

        Path plan = write("reassign.json",
                "{\"version\":1,\"partitions\":[{\"topic\":\"moved\",\"partition\":0,\"replicas\":[3,2]}]}");
        ToolResult execute = KafkaCli.run(REASSIGN, null, TOOL_TIMEOUT, "--bootstrap-server", cluster.liveBootstrap(),
                "--reassignment-json-file", plan.toString(), "--execute").assertSuccess();
        assertThat(execute.stdout()).contains("Successfully started partition reassignment");

        Awaitility.await("kafka-reassign-partitions --verify reports completion").atMost(TIMEOUT)
                .pollInterval(Duration.ofSeconds(1)).untilAsserted(() -> {
                    ToolResult verify = KafkaCli.run(REASSIGN, null, TOOL_TIMEOUT, "--bootstrap-server",
                            cluster.liveBootstrap(), "--reassignment-json-file", plan.toString(), "--verify")
                            .assertSuccess();
                    assertThat(verify.stdout()).contains("Reassignment of partition moved-0 is completed");
                });
        TopicPartitionInfo info = cluster.describe(topic, 0);
        assertThat(info.replicas().stream().map(Node::id).toList()).containsExactly(3, 2);
        assertThat(info.isr().stream().map(Node::id).toList()).containsExactlyInAnyOrder(3, 2);
        assertThat(info.leader().id()).as("the leader 1 left the replicas: a target leads").isIn(2, 3);

        double copied = fetchedBytes(cluster.node(3)) - before;
        System.out.printf("Partition of %d bytes moved; node 3 fetched %.0f bytes%n", produced, copied);
        assertThat(copied).as("bytes the new replica fetched").isGreaterThan(0)
                .isLessThan(produced / 5.0);
        Path oldCopy = cluster.node(1).dataDir().resolve("logs").resolve("moved-0");
        Awaitility.await("node 1 deletes its copy").atMost(TIMEOUT).until(() -> !Files.exists(oldCopy));

        List<ConsumerRecord<byte[], byte[]>> read = Clients.readAll(cluster.liveBootstrap(), List.of(tp), TIMEOUT);
        assertThat(read).hasSize(count);
        for (int i = 0; i < count; i++) {
            assertThat(read.get(i).offset()).isEqualTo(i);
            assertThat(new String(read.get(i).value(), StandardCharsets.UTF_8)).startsWith("v-" + i + "-");
        }
    }

    /** After a failover the preferred replica is back in the ISR but follows; the tool makes it lead again. */
    @Test
    void preferredLeaderElectionRestoresThePreferredLeaderAfterAFailover() throws Exception {
        String topic = "preferred";
        createTopic(topic, List.of(1, 2), Map.of());
        produce(topic, 200, 100);
        cluster.awaitIsr(topic, 0, 2, TIMEOUT);
        assertThat(cluster.leaderOf(topic, 0)).contains(1);

        cluster.kill9(1);
        cluster.awaitLeader(topic, 0, id -> id == 2, TIMEOUT);
        cluster.restart(1);
        cluster.awaitIsr(topic, 0, 2, TIMEOUT);
        assertThat(cluster.leaderOf(topic, 0)).as("nothing moves leadership back by itself here").contains(2);

        ToolResult elect = KafkaCli.run(LEADER_ELECTION, null, TOOL_TIMEOUT, "--bootstrap-server",
                cluster.liveBootstrap(), "--election-type", "PREFERRED", "--topic", topic, "--partition", "0")
                .assertSuccess();
        assertThat(elect.stdout()).contains("Successfully completed leader election (PREFERRED) for partitions preferred-0");
        assertThat(cluster.leaderOf(topic, 0)).contains(1);

        // Nothing left to elect: the tool says so rather than failing.
        ToolResult again = KafkaCli.run(LEADER_ELECTION, null, TOOL_TIMEOUT, "--bootstrap-server",
                cluster.liveBootstrap(), "--election-type", "PREFERRED", "--all-topic-partitions").assertSuccess();
        assertThat(again.stdout() + again.stderr()).doesNotContain("Error");
    }

    @Test
    void logDirsListsTheNodesLogDirectoryAndPartitionSizes() throws Exception {
        String topic = "logdirs";
        createTopic(topic, List.of(1), Map.of());
        produce(topic, 500, 100);
        ToolResult describe = KafkaCli.run(LOG_DIRS, null, TOOL_TIMEOUT, "--bootstrap-server", cluster.liveBootstrap(),
                "--describe", "--broker-list", "1", "--topic-list", topic).assertSuccess();
        String json = describe.stdoutLines().stream().filter(l -> l.startsWith("{")).findFirst()
                .orElseThrow(() -> new AssertionError("no JSON in " + describe));
        JsonNode broker = new ObjectMapper().readTree(json).path("brokers").path(0);
        assertThat(broker.path("broker").asInt()).isEqualTo(1);
        JsonNode dir = broker.path("logDirs").path(0);
        assertThat(Path.of(dir.path("logDir").asText()).toRealPath())
                .isEqualTo(cluster.node(1).dataDir().resolve("logs").toRealPath());
        JsonNode partition = dir.path("partitions").path(0);
        assertThat(partition.path("partition").asText()).isEqualTo("logdirs-0");
        assertThat(partition.path("size").asLong()).isEqualTo(ReplicaLogs.localLogBytes(cluster.node(1).dataDir(), new TopicPartition(topic, 0)));
        assertThat(partition.path("size").asLong()).isGreaterThan(500 * 100);
    }

    @Test
    void deleteRecordsMovesTheLowWatermarkAndConsumersStartThere() throws Exception {
        String topic = "trimmed";
        TopicPartition tp = new TopicPartition(topic, 0);
        createTopic(topic, List.of(1, 2), Map.of());
        produce(topic, 100, 50);
        Path offsets = write("delete.json",
                "{\"version\":1,\"partitions\":[{\"topic\":\"trimmed\",\"partition\":0,\"offset\":40}]}");
        ToolResult delete = KafkaCli.run(DELETE_RECORDS, null, TOOL_TIMEOUT, "--bootstrap-server",
                cluster.liveBootstrap(), "--offset-json-file", offsets.toString()).assertSuccess();
        assertThat(delete.stdout()).contains("partition: trimmed-0").contains("low_watermark: 40");

        try (Admin admin = cluster.admin()) {
            assertThat(Clients.get(admin.listOffsets(Map.of(tp, OffsetSpec.earliest())).partitionResult(tp)).offset())
                    .isEqualTo(40);
        }
        try (KafkaConsumer<byte[], byte[]> consumer = Clients.consumer(cluster.liveBootstrap())) {
            List<ConsumerRecord<byte[], byte[]>> read = Clients.readAll(consumer, List.of(tp), TIMEOUT);
            assertThat(read).hasSize(60);
            assertThat(read.get(0).offset()).isEqualTo(40);
            assertThat(new String(read.get(0).value(), StandardCharsets.UTF_8)).startsWith("v-40-");
        }
    }

    // ------------------------------------------------------------------ helpers

    private static void createTopic(String topic, List<Integer> replicas, Map<String, String> configs) {
        try (Admin admin = cluster.admin()) {
            Clients.get(admin.createTopics(List.of(new NewTopic(topic, Map.of(0, replicas)).configs(configs))).all());
        }
        cluster.awaitIsr(topic, 0, replicas.size(), TIMEOUT);
    }

    /** Produces {@code count} records "v-i-..." of about {@code size} bytes, acks=all; returns the value bytes. */
    private static long produce(String topic, int count, int size) throws Exception {
        long bytes = 0;
        try (KafkaProducer<byte[], byte[]> producer = Clients.producer(cluster.liveBootstrap(), SMALL_BATCHES)) {
            for (int i = 0; i < count; i++) {
                StringBuilder v = new StringBuilder("v-").append(i).append('-');
                while (v.length() < size) {
                    v.append((char) ('a' + (i + v.length()) % 26));
                }
                byte[] value = v.toString().getBytes(StandardCharsets.UTF_8);
                bytes += value.length;
                producer.send(new ProducerRecord<>(topic, 0, null, value));
            }
            producer.flush();
        }
        return bytes;
    }

    private static double fetchedBytes(StrataNode node) {
        StrataNode.HttpResult metrics = node.httpGet("/q/metrics");
        assertThat(metrics.status()).as("GET /q/metrics").isEqualTo(200);
        double v = PrometheusText.parse(metrics.body()).sum("strata_replication_fetched_bytes_total", Map.of());
        assertThat(v).as("strata_replication_fetched_bytes_total").isNotNaN();
        return v;
    }

    private Path write(String name, String content) throws IOException {
        return Files.writeString(tmp.resolve(name), content);
    }
}
