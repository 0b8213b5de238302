package io.strata.systemtest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.strata.systemtest.support.Clients;
import io.strata.testsupport.NodeLogOnFailure;
import io.strata.testsupport.Ports;
import io.strata.testsupport.StrataNode;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListConsumerGroupOffsetsOptions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.Uuid;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Two Strata processes forming one cluster through their embedded Hazelcast members: partitions are
 * led by both, a consumer group's committed offsets survive the kill -9 of one member, and topics
 * and offsets survive a restart of both. The survivor of the kill is no majority of two, so it
 * coordinates no group (commits it acknowledged could be lost to the majority's when the cluster
 * heals): the offsets are read once both members are back.
 */
@ExtendWith(NodeLogOnFailure.class)
class TwoNodeClusterIT {

    private static final String TOPIC = "orders";
    private static final String GROUP = "billing";
    private static final int PARTITIONS = 4;
    private static final int RECORDS = 400;
    private static final int HTTP_LINES = 40;

    private final List<StrataNode> nodes = new ArrayList<>();

    @AfterEach
    void stopNodes() {
        nodes.forEach(StrataNode::close);
    }

    @Test
    void committedOffsetsSurviveTheLossOfAMemberAndTopicsAndOffsetsSurviveARestartOfBoth() throws Exception {
        Path metadata = Files.createTempDirectory("strata-shared-metadata");
        int portA = Ports.free();
        int portB = Ports.free();
        String members = "127.0.0.1:" + portA + ",127.0.0.1:" + portB;
        StrataNode a = member("node-a", 1, portA, members, metadata);
        StrataNode b = member("node-b", 2, portB, members, metadata);
        startTogether(a, b);

        Uuid topicId;
        try (Admin admin = Clients.admin(a.bootstrap())) {
            Clients.get(admin.createTopics(List.of(new NewTopic(TOPIC, PARTITIONS, (short) 1))).all());
            assertThat(Clients.get(admin.describeCluster().nodes())).hasSize(2);
            TopicDescription description = Clients.get(admin.describeTopics(List.of(TOPIC)).allTopicNames()).get(TOPIC);
            Set<Integer> leaders = description.partitions().stream().map(p -> p.leader().id()).collect(Collectors.toSet());
            assertThat(leaders).as("partition leaders are spread over both nodes").containsExactlyInAnyOrder(1, 2);
            topicId = description.topicId();
        }

        try (KafkaProducer<byte[], byte[]> producer = Clients.producer(a.bootstrap())) {
            for (int i = 0; i < RECORDS; i++) {
                producer.send(new ProducerRecord<>(TOPIC, bytes("key-" + i), bytes("value-" + i)));
            }
            producer.flush();
        }
        // Over HTTP, one node takes lines for every partition: those of partitions the other node leads go there.
        String lines = IntStream.range(0, HTTP_LINES).mapToObj(i -> "{\"device\":\"d" + i + "\"}")
                .collect(Collectors.joining("\n")) + "\n";
        HttpResponse<String> posted = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                        URI.create(b.httpBase() + "/ingest/" + TOPIC))
                .header("Content-Type", "application/x-ndjson").header("X-Strata-Key-Field", "device")
                .timeout(Duration.ofSeconds(60)).POST(HttpRequest.BodyPublishers.ofString(lines)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(posted.statusCode()).as(posted.body()).isEqualTo(200);
        JsonNode ingested = new ObjectMapper().readTree(posted.body());
        assertThat(ingested.get("records").asLong()).as(posted.body()).isEqualTo(HTTP_LINES);
        assertThat(ingested.get("rejected").asLong()).as(posted.body()).isZero();

        int all = RECORDS + HTTP_LINES;
        List<ConsumerRecord<byte[], byte[]>> read = consumeInGroup(a, all);
        assertThat(read).hasSize(all);
        assertThat(read.stream().filter(r -> new String(r.value(), StandardCharsets.UTF_8).startsWith("{\"device\""))
                .map(ConsumerRecord::partition).collect(Collectors.toSet()))
                .as("HTTP lines stored in partitions led by either node").hasSize(PARTITIONS);
        Map<TopicPartition, OffsetAndMetadata> committed = committedOffsets(a);
        assertThat(committed.values().stream().mapToLong(OffsetAndMetadata::offset).sum())
                .as("the group committed every record it read").isEqualTo(all);

        b.kill9();
        try (Admin admin = Clients.admin(a.bootstrap())) {
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (Clients.get(admin.describeCluster().nodes()).size() > 1 && System.nanoTime() < deadline) {
                Thread.sleep(100);
            }
            assertThat(Clients.get(admin.describeCluster().nodes())).as("node 1 noticed the loss of node 2").hasSize(1);
            // FindCoordinator answers COORDINATOR_NOT_AVAILABLE, which the client retries until its timeout.
            KafkaFuture<Map<TopicPartition, OffsetAndMetadata>> alone = admin.listConsumerGroupOffsets(GROUP,
                    new ListConsumerGroupOffsetsOptions().timeoutMs(5_000)).partitionsToOffsetAndMetadata();
            assertThatThrownBy(() -> alone.get(30, TimeUnit.SECONDS)).as("a lone member of two coordinates no group")
                    .hasCauseInstanceOf(org.apache.kafka.common.errors.TimeoutException.class);
        }

        a.stop();
        startTogether(a, b);
        try (Admin admin = Clients.admin(b.bootstrap())) {
            TopicDescription description = Clients.get(admin.describeTopics(List.of(TOPIC)).allTopicNames()).get(TOPIC);
            assertThat(description.topicId()).isEqualTo(topicId);
            assertThat(description.partitions()).extracting(TopicPartitionInfo::partition).hasSize(PARTITIONS);
        }
        assertThat(committedOffsets(b)).as("offsets after a restart of both nodes").isEqualTo(committed);
        assertThat(committedOffsets(a)).as("offsets after a restart of both nodes, read from node 1").isEqualTo(committed);

        try (KafkaProducer<byte[], byte[]> producer = Clients.producer(b.bootstrap())) {
            for (int i = 0; i < 10; i++) {
                producer.send(new ProducerRecord<>(TOPIC, bytes("late-" + i), bytes("late-" + i)));
            }
            producer.flush();
        }
        List<String> resumed = consumeInGroup(b, 10).stream().map(r -> new String(r.value(), StandardCharsets.UTF_8)).toList();
        assertThat(resumed).as("the group resumes from its committed offsets")
                .hasSize(10).allMatch(v -> v.startsWith("late-"));
    }

    private StrataNode member(String name, int nodeId, int clusterPort, String members, Path metadata) {
        StrataNode node = StrataNode.builder(name).nodeId(nodeId)
                .env("STRATA_CLUSTER_PORT", Integer.toString(clusterPort))
                .env("STRATA_CLUSTER_MEMBERS", members)
                .env("STRATA_CLUSTER_METADATA_DIR", metadata.toString())
                // Not about tiering: a cluster that tiers needs one shared object store (strata.s3.endpoint).
                .env("STRATA_TIERING_ENABLED", "false")
                .build();
        nodes.add(node);
        return node;
    }

    /** Members of a cluster start together: each waits for a majority before it serves. */
    private static void startTogether(StrataNode... members) {
        CompletableFuture.allOf(java.util.Arrays.stream(members)
                .map(n -> CompletableFuture.runAsync(n::startProcess, r -> new Thread(r, "start-" + n.name()).start()))
                .toArray(CompletableFuture[]::new)).join();
    }

    private static List<ConsumerRecord<byte[], byte[]>> consumeInGroup(StrataNode node, int expected) {
        List<ConsumerRecord<byte[], byte[]>> seen = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> consumer = Clients.consumer(node.bootstrap(),
                Map.of(ConsumerConfig.GROUP_ID_CONFIG, GROUP))) {
            consumer.subscribe(List.of(TOPIC));
            long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
            while (seen.size() < expected && System.nanoTime() < deadline) {
                consumer.poll(Duration.ofMillis(500)).forEach(seen::add);
            }
            consumer.commitSync();
        }
        return seen;
    }

    private static Map<TopicPartition, OffsetAndMetadata> committedOffsets(StrataNode node) {
        try (Admin admin = Clients.admin(node.bootstrap())) {
            return Clients.get(admin.listConsumerGroupOffsets(GROUP).partitionsToOffsetAndMetadata());
        }
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
