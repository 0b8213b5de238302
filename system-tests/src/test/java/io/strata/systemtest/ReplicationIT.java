package io.strata.systemtest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.LongStream;

import com.fasterxml.jackson.databind.JsonNode;
import io.strata.systemtest.support.AckedRecordChecker;
import io.strata.systemtest.support.Clients;
import io.strata.systemtest.support.Kafkajs;
import io.strata.systemtest.support.Kcat;
import io.strata.systemtest.support.ReplicaLogs;
import io.strata.systemtest.support.StrataCluster;
import io.strata.systemtest.support.ToolResult;
import io.strata.testsupport.NodeLogOnFailure;
import io.strata.testsupport.StrataNode;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.InvalidReplicationFactorException;
import org.apache.kafka.common.errors.NotEnoughReplicasException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Kafka ISR replication seen from outside: acknowledged records survive the kill -9 or the freeze of a leader,
 * replicas hold the same records at the same offsets, min.insync.replicas is enforced, a partition whose only
 * replica is down goes offline instead of restarting empty, and real clients read on through a leader change.
 * Every test runs its own cluster of packaged nodes sharing one metadata directory and one S3Proxy process.
 */
@ExtendWith(NodeLogOnFailure.class)
class ReplicationIT {
    private static final Duration TIMEOUT = Duration.ofSeconds(90);
    private static final String UNCLEAN = "unclean.leader.election.enable";
    private static final String MIN_ISR = "min.insync.replicas";


    private StrataCluster cluster;

    @AfterEach
    void closeCluster() {
        if (cluster != null) {
            cluster.close();
        }
    }

    /**
     * The checker must see loss where loss is certain, or its clean reports elsewhere prove nothing.
     *
     * <p>With replication the certain loss is an unclean election: RF 2, min.insync.replicas=1, the follower dies,
     * the leader alone acknowledges more records, the leader dies, the stale follower returns and is elected
     * (unclean.leader.election.enable=true), and the old leader, once back, truncates what only it had. RF 1 would
     * not do: Kafka elects only among a partition's replicas, so an RF-1 partition stays offline and loses nothing.
     * A node without replication refuses RF 2; there every failover is unclean, so an RF-1 partition is used and
     * the kill -9 of its leader moves it to an empty log on another node.
     */
    @Test
    void checkerDetectsLossOnAConfigurationThatLosesData() throws Exception {
        cluster = StrataCluster.start("lossy", 3);
        String topic = "lossy";
        boolean replicated = createTopicOrFallBackToRf1(topic);
        AckedRecordChecker checker = new AckedRecordChecker();
        produceAll(topic, 0, "before", 200, checker);

        int leader;
        if (replicated) {
            cluster.awaitIsr(topic, 0, 2, TIMEOUT);
            leader = cluster.leaderOf(topic, 0).orElseThrow();
            int follower = cluster.describe(topic, 0).replicas().stream().mapToInt(n -> n.id())
                    .filter(id -> id != leader).findFirst().orElseThrow();
            cluster.kill9(follower);
            cluster.awaitIsr(topic, 0, 1, TIMEOUT);
            produceAll(topic, 0, "leader-alone", 200, checker);
            cluster.kill9(leader);
            cluster.restart(follower);
            cluster.awaitLeader(topic, 0, id -> id == follower, TIMEOUT);
        } else {
            leader = cluster.leaderOf(topic, 0).orElseThrow();
            cluster.kill9(leader);
            cluster.awaitLeader(topic, 0, id -> id != leader, TIMEOUT);
        }
        // Not idempotent: a node that lost the partition's log may also have lost (or kept the wrong) producer
        // state, and what is measured here is offsets, not sequence checks.
        Map<String, Object> plain = new HashMap<>(Clients.RESILIENT_PRODUCER);
        plain.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, false);
        plain.put(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, 1);
        produceAll(topic, 0, "after", 200, checker, plain);
        cluster.restart(leader);
        cluster.awaitLeader(topic, 0, id -> true, TIMEOUT);

        AckedRecordChecker.Report report = checker.check(drain(topic, 1));
        System.out.println("Loss the checker found (" + (replicated ? "unclean election, RF 2" : "no replication, RF 1")
                + "):\n" + report);
        assertThat(report.acknowledged()).as(report.toString()).isEqualTo(replicated ? 600 : 400);
        assertThat(report.lostAcknowledgedWrites()).as("the checker sees the loss:%n%s", report).isTrue();
        assertThat(report.isClean()).isFalse();
        assertThat(report.missing().size() + report.wrongValue().size()).as(report.toString()).isGreaterThanOrEqualTo(200);

        // On disk: after an unclean election the old leader truncates to the new leader's log, so the replicas
        // agree on what is left. Without replication the old leader keeps its own, different records at the same
        // offsets, and the comparison must say so.
        cluster.stopAll();
        List<ReplicaLogs.Replica> replicas = cluster.nodes().stream()
                .map(n -> ReplicaLogs.read(n.nodeId(), n.dataDir(), topic, 0)).toList();
        List<String> disagreements = ReplicaLogs.disagreements(replicas);
        System.out.println("Replicas: " + replicas + "\n" + disagreements.size() + " disagreements");
        if (replicated) {
            assertThat(disagreements).as("replicas after the unclean election: %s", replicas).isEmpty();
        } else if (replicas.stream().filter(r -> !r.records().isEmpty()).count() > 1) {
            assertThat(disagreements).as("divergent copies on %s", replicas).isNotEmpty();
        }
    }

    @Test
    void leaderKilledMidStreamLosesNoAcknowledgedRecord() throws Exception {
        cluster = StrataCluster.start("kill9", 3);
        String topic = "kill9-stream";
        createReplicatedTopic(topic, 3, 3, 2);
        AckedRecordChecker checker = new AckedRecordChecker();
        TopicPartition tp0 = new TopicPartition(topic, 0);
        try (StreamingProducer stream = new StreamingProducer(topic, checker)) {
            awaitAcks(checker, tp0, 300);
            int leader = cluster.leaderOf(topic, 0).orElseThrow();
            cluster.kill9(leader);
            cluster.awaitLeader(topic, 0, id -> id != leader, TIMEOUT);
            awaitAcks(checker, tp0, checker.acknowledgedIn(tp0) + 300);
            cluster.restart(leader);
            awaitFullIsr(topic, 3, 3);
            awaitAcks(checker, tp0, checker.acknowledgedIn(tp0) + 200);
            stream.finish();
        }
        assertNoAcknowledgedRecordLostAndReplicasAgree(topic, 3, checker, 2);
    }

    @Test
    void leaderPausedLongerThanFailureDetection() throws Exception {
        cluster = StrataCluster.start("pause", 3);
        String topic = "paused-leader";
        createReplicatedTopic(topic, 3, 3, 2);
        AckedRecordChecker checker = new AckedRecordChecker();
        TopicPartition tp0 = new TopicPartition(topic, 0);
        try (StreamingProducer stream = new StreamingProducer(topic, checker)) {
            awaitAcks(checker, tp0, 300);
            int leader = cluster.leaderOf(topic, 0).orElseThrow();
            cluster.pause(leader);
            // A frozen leader keeps its sockets open: only the failure detector can move leadership.
            cluster.awaitLeader(topic, 0, id -> id != leader, StrataCluster.FAILURE_DETECTION.plus(TIMEOUT));
            awaitAcks(checker, tp0, checker.acknowledgedIn(tp0) + 300);
            Thread.sleep(StrataCluster.FAILURE_DETECTION.toMillis());
            // Woken up, it may still believe it leads and hold requests sent before the freeze: it must not
            // acknowledge them, and it must rejoin as a follower, dropping any tail the new leader does not have.
            cluster.resume(leader);
            awaitFullIsr(topic, 3, 3);
            awaitAcks(checker, tp0, checker.acknowledgedIn(tp0) + 200);
            stream.finish();
        }
        assertNoAcknowledgedRecordLostAndReplicasAgree(topic, 3, checker, 2);
    }

    /**
     * Two of a partition's three replicas down. Five members, so that the survivors still hold the metadata
     * majority that shrinking an ISR and electing leaders need: what is tested is min.insync.replicas, not the
     * loss of the cluster's quorum.
     */
    @Test
    void twoOfThreeDown() throws Exception {
        cluster = StrataCluster.start("two-down", 5);
        String topic = "two-down";
        TopicPartition tp = new TopicPartition(topic, 0);
        createReplicatedTopic(topic, 1, 3, 2);
        Set<Integer> isr = cluster.awaitIsr(topic, 0, 3, TIMEOUT);
        int leader = cluster.leaderOf(topic, 0).orElseThrow();
        AckedRecordChecker checker = new AckedRecordChecker();
        produceAll(topic, 0, "all-in-sync", 50, checker);

        List<Integer> followers = isr.stream().filter(id -> id != leader).toList();
        followers.forEach(cluster::kill9);

        Map<String, Object> noRetries = Map.of(ProducerConfig.ACKS_CONFIG, "all",
                ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, false, ProducerConfig.RETRIES_CONFIG, 0,
                ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000, ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 30_000,
                ProducerConfig.MAX_BLOCK_MS_CONFIG, 20_000);
        Throwable refusal = null;
        List<String> attempts = new ArrayList<>();
        try (KafkaProducer<byte[], byte[]> producer = Clients.producer(cluster.liveBootstrap(), noRetries)) {
            long deadline = System.nanoTime() + TIMEOUT.toNanos();
            for (int i = 0; refusal == null && System.nanoTime() < deadline; i++) {
                String value = "refused-" + i;
                try {
                    RecordMetadata meta = producer.send(record(topic, 0, value), checker.callback(value))
                            .get(40, TimeUnit.SECONDS);
                    fail("acks=all acknowledged %s at offset %d with replicas %s down (min.insync.replicas=2)",
                            value, meta.offset(), followers);
                } catch (ExecutionException e) {
                    attempts.add(e.getCause().toString());
                    if (e.getCause() instanceof NotEnoughReplicasException) {
                        refusal = e.getCause();
                    } else {
                        // Before the leader drops the dead followers from the ISR a request waits and times out.
                        Thread.sleep(500);
                    }
                }
            }
        }
        assertThat(refusal).as("acks=all refused with NOT_ENOUGH_REPLICAS; attempts: %s", attempts)
                .isInstanceOf(NotEnoughReplicasException.class);

        try (KafkaProducer<byte[], byte[]> producer = Clients.producer(cluster.liveBootstrap(),
                Map.of(ProducerConfig.ACKS_CONFIG, "1", ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, false,
                        ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 30_000, ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000))) {
            RecordMetadata meta = producer.send(record(topic, 0, "acks-1"), checker.callback("acks-1"))
                    .get(40, TimeUnit.SECONDS);
            assertThat(meta.offset()).as("acks=1 with one replica alive").isGreaterThanOrEqualTo(50);
        }

        cluster.startTogether(followers.stream().mapToInt(Integer::intValue).toArray());
        cluster.awaitIsr(topic, 0, 3, TIMEOUT);
        produceAll(topic, 0, "healed", 50, checker);

        AckedRecordChecker.Report report = checker.check(drain(topic, 1));
        assertThat(report.isClean()).as(report.toString()).isTrue();
        assertThat(report.acknowledged()).isEqualTo(101);
        assertThat(checker.acknowledgedIn(tp)).isEqualTo(101);
    }

    /**
     * Why replication matters even at RF 1: the partition's only copy is on the dead node, so it must be offline
     * (no leader, no offsets handed out) until that node returns with every record, not reborn empty elsewhere.
     */
    @Test
    void rf1PartitionGoesOfflineAndComesBackWhole() throws Exception {
        cluster = StrataCluster.start("rf1", 3);
        String topic = "rf1-offline";
        TopicPartition tp = new TopicPartition(topic, 1);
        try (Admin admin = cluster.admin()) {
            Clients.get(admin.createTopics(List.of(new NewTopic(topic, 3, (short) 1))).all());
        }
        AckedRecordChecker checker = new AckedRecordChecker();
        produceAll(topic, 1, "whole", 1000, checker);
        int leader = cluster.leaderOf(topic, 1).orElseThrow();
        cluster.kill9(leader);

        try (KafkaProducer<byte[], byte[]> producer = Clients.producer(cluster.liveBootstrap(), Map.of(
                ProducerConfig.ACKS_CONFIG, "all", ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 3_000,
                ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 8_000, ProducerConfig.LINGER_MS_CONFIG, 0,
                ProducerConfig.MAX_BLOCK_MS_CONFIG, 8_000))) {
            Future<RecordMetadata> probe = producer.send(record(topic, 1, "while-offline"));
            // Watch well past failure detection: the controller must not hand the partition to another node. Until
            // the death is noticed the dead node may still be named; after that, no leader at all.
            long until = System.nanoTime() + StrataCluster.FAILURE_DETECTION.multipliedBy(2).toNanos();
            Optional<Integer> named = Optional.empty();
            while (System.nanoTime() < until) {
                named = cluster.leaderOf(topic, 1);
                assertThat(named.orElse(leader)).as("partition 1 led by node %s while its only replica (node %d) is down",
                        named.orElse(null), leader).isEqualTo(leader);
                Thread.sleep(500);
            }
            assertThat(named).as("leader of partition 1 %s after node %d died", StrataCluster.FAILURE_DETECTION
                    .multipliedBy(2), leader).isEmpty();
            try {
                RecordMetadata meta = probe.get(30, TimeUnit.SECONDS);
                fail("offset %d of partition 1 handed out while its only replica was down", meta.offset());
            } catch (ExecutionException expected) {
                // a retriable error or the delivery timeout: no offset was given
            }
        }

        cluster.restart(leader);
        cluster.awaitLeader(topic, 1, id -> id == leader, TIMEOUT);
        List<ConsumerRecord<byte[], byte[]>> read = Clients.readAll(cluster.bootstrap(), List.of(tp), TIMEOUT);
        assertThat(read).extracting(ConsumerRecord::offset)
                .containsExactlyElementsOf(LongStream.range(0, 1000).boxed().toList());
        AckedRecordChecker.Report report = checker.check(read);
        assertThat(report.isClean()).as(report.toString()).isTrue();
        try (KafkaProducer<byte[], byte[]> producer = Clients.producer(cluster.bootstrap(), Clients.RESILIENT_PRODUCER)) {
            assertThat(producer.send(record(topic, 1, "next")).get(60, TimeUnit.SECONDS).offset()).isEqualTo(1000);
        }
    }

    /**
     * kcat (librdkafka), kafkajs and the Java consumer are connected to the leader when it is killed; they must
     * find the new leader by themselves and read every record, including those written after the change.
     */
    @Test
    void clientsReadThroughALeaderChange() throws Exception {
        cluster = StrataCluster.start("readers", 3);
        String topic = "read-through";
        createReplicatedTopic(topic, 1, 3, 2);
        int first = 1500;
        int total = 2500;
        AckedRecordChecker checker = new AckedRecordChecker();
        produceAll(topic, 0, "read", first, checker);
        cluster.awaitIsr(topic, 0, 3, TIMEOUT);
        int leader = cluster.leaderOf(topic, 0).orElseThrow();
        String survivor = cluster.nodes().stream().filter(n -> n.nodeId() != leader).findFirst().orElseThrow().bootstrap();

        Duration readTimeout = Duration.ofSeconds(120);
        // -E: kcat would exit on the connection errors librdkafka reports while it looks for the new leader; what
        // it finally reads is checked record by record.
        CompletableFuture<ToolResult> kcat = CompletableFuture.supplyAsync(() -> Kcat.run(null, readTimeout,
                "-b", cluster.bootstrap(), "-C", "-t", topic, "-p", "0", "-o", "beginning", "-c", Integer.toString(total),
                "-f", "%o %s\\n", "-E", "-X", "topic.metadata.refresh.interval.ms=1000"));
        CompletableFuture<ToolResult> kafkajs = CompletableFuture.supplyAsync(() -> Kafkajs.run("read-partitions.js",
                readTimeout.plusSeconds(10), survivor + "," + cluster.bootstrap(), topic, "readers-kafkajs",
                Integer.toString(total), Long.toString(readTimeout.toMillis())));
        CompletableFuture<List<ConsumerRecord<byte[], byte[]>>> java = CompletableFuture.supplyAsync(() ->
                readCount(topic, total, readTimeout));
        // Let every reader reach the end of what is there, connected to the leader, before it dies.
        Thread.sleep(4000);
        cluster.kill9(leader);
        cluster.awaitLeader(topic, 0, id -> id != leader, TIMEOUT);
        produceAll(topic, 0, "read-after", total - first, checker);
        List<String> expected = IntStream.range(0, total)
                .mapToObj(i -> i < first ? "read-" + i : "read-after-" + (i - first)).toList();

        ToolResult kcatRun = kcat.get(150, TimeUnit.SECONDS);
        assertThat(kcatRun.exitCode()).as(kcatRun.describe()).isZero();
        List<String> kcatLines = kcatRun.stdoutLines();
        assertThat(kcatLines).as("kcat offsets and values").containsExactlyElementsOf(
                IntStream.range(0, total).mapToObj(i -> i + " " + expected.get(i)).toList());

        ToolResult jsRun = kafkajs.get(150, TimeUnit.SECONDS);
        JsonNode js = Kafkajs.result(jsRun);
        assertThat(jsRun.exitCode()).as(jsRun.describe()).isZero();
        for (JsonNode error : js.path("errors")) {
            // kafkajs gives up on a dead broker's connection after its retries and restarts the consumer itself
            // (restart=true): recovery it performs on its own, as it does against Apache Kafka. Anything else fails.
            assertThat(error.path("retriable").asBoolean() || error.path("restart").asBoolean())
                    .as("kafkajs error %s", error).isTrue();
        }
        Map<String, String> jsRecords = new HashMap<>();
        js.path("records").fields().forEachRemaining(e -> jsRecords.put(e.getKey(), e.getValue().asText()));
        assertThat(jsRecords).as("kafkajs records by partition@offset").isEqualTo(IntStream.range(0, total).boxed()
                .collect(Collectors.toMap(i -> "0@" + i, expected::get)));

        List<ConsumerRecord<byte[], byte[]>> javaRead = java.get(150, TimeUnit.SECONDS);
        assertThat(javaRead).extracting(r -> r.offset() + " " + new String(r.value(), StandardCharsets.UTF_8))
                .as("Java consumer offsets and values")
                .containsExactlyElementsOf(IntStream.range(0, total).mapToObj(i -> i + " " + expected.get(i)).toList());
        assertThat(checker.check(javaRead).isClean()).isTrue();
    }

    // ---------------------------------------------------------------------------------------------------------

    private void createReplicatedTopic(String topic, int partitions, int rf, int minIsr) {
        try (Admin admin = cluster.admin()) {
            Clients.get(admin.createTopics(List.of(new NewTopic(topic, partitions, (short) rf)
                    .configs(Map.of(MIN_ISR, Integer.toString(minIsr))))).all());
        }
        awaitFullIsr(topic, partitions, rf);
    }

    /** True for the replicated RF-2 topic; false when the node refuses RF 2 and an RF-1 topic was made instead. */
    private boolean createTopicOrFallBackToRf1(String topic) {
        try (Admin admin = cluster.admin()) {
            try {
                Clients.get(admin.createTopics(List.of(new NewTopic(topic, 1, (short) 2)
                        .configs(Map.of(UNCLEAN, "true", MIN_ISR, "1")))).all());
                return true;
            } catch (InvalidReplicationFactorException noReplication) {
                Clients.get(admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1))).all());
                return false;
            }
        }
    }

    private void awaitFullIsr(String topic, int partitions, int rf) {
        for (int p = 0; p < partitions; p++) {
            cluster.awaitIsr(topic, p, rf, TIMEOUT);
        }
    }

    /** Sends {@code count} values "<prefix>-<i>" to one partition with a fresh producer and waits for every answer. */
    private void produceAll(String topic, int partition, String prefix, int count, AckedRecordChecker checker) {
        produceAll(topic, partition, prefix, count, checker, Clients.RESILIENT_PRODUCER);
    }

    private void produceAll(String topic, int partition, String prefix, int count, AckedRecordChecker checker,
                            Map<String, Object> config) {
        int failedBefore = checker.failedSends();
        try (KafkaProducer<byte[], byte[]> producer = Clients.producer(cluster.liveBootstrap(), config)) {
            for (int i = 0; i < count; i++) {
                String value = prefix + "-" + i;
                producer.send(record(topic, partition, value), checker.callback(value));
            }
            producer.flush();
        }
        assertThat(checker.failedSends()).as("failed sends (first %d): %s", checker.firstFailures().size(),
                checker.firstFailures().stream().limit(3).toList()).isEqualTo(failedBefore);
    }

    private static ProducerRecord<byte[], byte[]> record(String topic, int partition, String value) {
        return new ProducerRecord<>(topic, partition, ("key-" + value).getBytes(StandardCharsets.UTF_8),
                value.getBytes(StandardCharsets.UTF_8));
    }

    private List<ConsumerRecord<byte[], byte[]>> drain(String topic, int partitions) {
        List<TopicPartition> tps = IntStream.range(0, partitions).mapToObj(p -> new TopicPartition(topic, p)).toList();
        return Clients.readAll(cluster.bootstrap(), tps, TIMEOUT);
    }

    /** A Java consumer (assign, from the beginning) reading until it has {@code count} records. */
    private List<ConsumerRecord<byte[], byte[]>> readCount(String topic, int count, Duration timeout) {
        List<ConsumerRecord<byte[], byte[]>> read = new ArrayList<>();
        TopicPartition tp = new TopicPartition(topic, 0);
        try (KafkaConsumer<byte[], byte[]> consumer = Clients.consumer(cluster.bootstrap(), Map.of(
                "request.timeout.ms", 5_000, "socket.connection.setup.timeout.ms", 2_000,
                "socket.connection.setup.timeout.max.ms", 4_000))) {
            consumer.assign(List.of(tp));
            consumer.seekToBeginning(List.of(tp));
            long deadline = System.nanoTime() + timeout.toNanos();
            while (read.size() < count && System.nanoTime() < deadline) {
                consumer.poll(Duration.ofMillis(200)).forEach(read::add);
            }
        }
        return read;
    }

    private static void awaitAcks(AckedRecordChecker checker, TopicPartition tp, long atLeast) throws InterruptedException {
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        while (checker.acknowledgedIn(tp) < atLeast) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("only " + checker.acknowledgedIn(tp) + " of " + atLeast
                        + " records acknowledged in " + tp + " within " + TIMEOUT + "; " + checker
                        + ", failures " + checker.firstFailures());
            }
            Thread.sleep(100);
        }
    }

    /**
     * Reads everything back and stops the cluster cleanly; then no acknowledged record may be missing, duplicated,
     * reordered or overwritten, the replicas must agree offset by offset, and every acknowledged record must be on
     * at least min.insync.replicas of them.
     */
    private void assertNoAcknowledgedRecordLostAndReplicasAgree(String topic, int partitions,
                                                                AckedRecordChecker checker, int minIsr) {
        AckedRecordChecker.Report report = checker.check(drain(topic, partitions));
        assertThat(report.isClean()).as(report.toString()).isTrue();
        assertThat(report.acknowledged()).as(report.toString()).isGreaterThan(800);

        cluster.stopAll();
        List<String> problems = new ArrayList<>();
        for (int p = 0; p < partitions; p++) {
            List<ReplicaLogs.Replica> replicas = new ArrayList<>();
            for (StrataNode node : cluster.nodes()) {
                replicas.add(ReplicaLogs.read(node.nodeId(), node.dataDir(), topic, p));
            }
            int partition = p;
            ReplicaLogs.disagreements(replicas).forEach(d -> problems.add(topic + "-" + partition + " " + d));
            for (AckedRecordChecker.Ack ack : checker.acks()) {
                if (ack.partition().partition() != p) {
                    continue;
                }
                long holders = replicas.stream().filter(r -> Optional.ofNullable(r.records().get(ack.offset()))
                        .map(s -> ack.value().equals(new String(s.value(), StandardCharsets.UTF_8))).orElse(false))
                        .count();
                if (holders < minIsr) {
                    problems.add(ack.partition() + "@" + ack.offset() + " \"" + ack.value() + "\" is on " + holders
                            + " replicas only: " + replicas);
                }
            }
        }
        assertThat(problems.stream().limit(20).toList()).as("replica disagreements (first 20 of %d)", problems.size())
                .isEmpty();
    }

    /**
     * Keyed, unique values to every partition of a topic from one idempotent producer in a thread of its own, about
     * 400 a second, until {@link #finish()}: then it flushes, so every send has its answer.
     */
    private final class StreamingProducer implements AutoCloseable {
        private final AtomicBoolean running = new AtomicBoolean(true);
        private final AtomicInteger sendErrors = new AtomicInteger();
        private final Thread thread;
        private volatile Throwable crash;

        StreamingProducer(String topic, AckedRecordChecker checker) {
            KafkaProducer<byte[], byte[]> producer = Clients.producer(cluster.bootstrap(), Clients.RESILIENT_PRODUCER);
            thread = new Thread(() -> {
                try (producer) {
                    for (int i = 0; running.get(); i++) {
                        String value = topic + "-" + i;
                        byte[] key = ("key-" + (i % 97)).getBytes(StandardCharsets.UTF_8);
                        try {
                            producer.send(new ProducerRecord<>(topic, key, value.getBytes(StandardCharsets.UTF_8)),
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
            }, "streaming-producer-" + topic);
            thread.start();
        }

        void finish() throws InterruptedException {
            running.set(false);
            thread.join(TimeUnit.MINUTES.toMillis(3));
            assertThat(thread.isAlive()).as("producer still flushing after 3 minutes").isFalse();
            assertThat(crash).as("producer thread failure").isNull();
            assertThat(sendErrors.get()).as("sends refused by the producer itself").isZero();
        }

        @Override
        public void close() throws InterruptedException {
            running.set(false);
            thread.join(TimeUnit.MINUTES.toMillis(3));
        }
    }
}
