package io.strata.systemtest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;

import io.strata.systemtest.support.Clients;
import io.strata.testsupport.NodeLogOnFailure;
import io.strata.testsupport.StrataNode;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.DescribeClusterResult;
import org.apache.kafka.clients.admin.ListOffsetsResult.ListOffsetsResultInfo;
import org.apache.kafka.clients.admin.NewPartitions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.errors.InvalidConfigurationException;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The Java Admin client against a node: topics, cluster, offsets and topic configs. */
@ExtendWith(NodeLogOnFailure.class)
class AdminIT {
    private static StrataNode node;
    private static Admin admin;

    @BeforeAll
    static void startNode() {
        node = StrataNode.start("admin");
        admin = Clients.admin(node.bootstrap());
    }

    @AfterAll
    static void stopNode() {
        if (admin != null) {
            admin.close(Duration.ofSeconds(10));
        }
        if (node != null) {
            node.close();
        }
    }

    @Test
    void createListDescribeTopics() {
        Clients.get(admin.createTopics(List.of(new NewTopic("admin-three", 3, (short) 1),
                new NewTopic("admin-one", 1, (short) 1))).all());

        Set<String> names = Clients.get(admin.listTopics().names());
        assertThat(names).contains("admin-three", "admin-one");

        Map<String, TopicDescription> described =
                Clients.get(admin.describeTopics(List.of("admin-three", "admin-one")).allTopicNames());
        TopicDescription three = described.get("admin-three");
        assertThat(three.name()).isEqualTo("admin-three");
        assertThat(three.isInternal()).isFalse();
        assertThat(three.topicId()).isNotNull();
        assertThat(three.partitions()).extracting(TopicPartitionInfo::partition).containsExactly(0, 1, 2);
        for (TopicPartitionInfo p : three.partitions()) {
            assertThat(p.leader()).as("leader of partition %d", p.partition()).isNotNull();
            assertThat(p.leader().host()).isEqualTo("127.0.0.1");
            assertThat(p.leader().port()).isEqualTo(node.advertisedPort());
            assertThat(p.replicas()).contains(p.leader());
            assertThat(p.isr()).contains(p.leader());
        }
        assertThat(described.get("admin-one").partitions()).hasSize(1);
    }

    @Test
    void createExistingTopicFailsWithTopicExists() {
        Clients.get(admin.createTopics(List.of(new NewTopic("admin-twice", 1, (short) 1))).all());
        assertThatThrownBy(() -> Clients.get(admin.createTopics(List.of(new NewTopic("admin-twice", 1, (short) 1))).all()))
                .isInstanceOf(TopicExistsException.class);
    }

    @Test
    void describeUnknownTopicFailsWithUnknownTopic() {
        assertThatThrownBy(() -> Clients.get(admin.describeTopics(List.of("admin-no-such-topic")).allTopicNames()))
                .isInstanceOf(UnknownTopicOrPartitionException.class);
    }

    @Test
    void describeCluster() {
        DescribeClusterResult cluster = admin.describeCluster();
        Collection<Node> nodes = Clients.get(cluster.nodes());
        assertThat(nodes).hasSize(1);
        Node only = nodes.iterator().next();
        assertThat(only.host()).isEqualTo("127.0.0.1");
        assertThat(only.port()).isEqualTo(node.advertisedPort());
        if (node.isManaged()) {
            assertThat(only.id()).isEqualTo(node.nodeId());
        }
        assertThat(Clients.get(cluster.clusterId())).isNotBlank();
        Node controller = Clients.get(cluster.controller());
        assertThat(controller).isNotNull();
        assertThat(controller.isEmpty()).isFalse();
    }

    @Test
    void listOffsetsEarliestLatestByTimestampAndMaxTimestamp() throws Exception {
        String topic = "admin-offsets";
        Clients.get(admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1))).all());
        TopicPartition tp = new TopicPartition(topic, 0);

        // empty partition: earliest = latest = 0
        assertThat(offset(tp, OffsetSpec.earliest()).offset()).isZero();
        assertThat(offset(tp, OffsetSpec.latest()).offset()).isZero();

        long base = System.currentTimeMillis() - 3_600_000;
        long[] deltas = {1_000, 3_000, 2_000, 5_000, 4_000};
        try (KafkaProducer<byte[], byte[]> producer = Clients.producer(node.bootstrap())) {
            for (int i = 0; i < deltas.length; i++) {
                // one batch per record, so the lookup has to cross batches
                RecordMetadata meta = producer.send(new ProducerRecord<>(topic, 0, base + deltas[i], null,
                        ("v" + i).getBytes(StandardCharsets.UTF_8))).get();
                assertThat(meta.offset()).isEqualTo(i);
            }
        }

        assertThat(offset(tp, OffsetSpec.earliest()).offset()).isZero();
        assertThat(offset(tp, OffsetSpec.latest()).offset()).isEqualTo(5);
        ListOffsetsResultInfo at2500 = offset(tp, OffsetSpec.forTimestamp(base + 2_500));
        assertThat(at2500.offset()).as("first offset with timestamp >= base+2500").isEqualTo(1);
        assertThat(at2500.timestamp()).isEqualTo(base + 3_000);
        assertThat(offset(tp, OffsetSpec.forTimestamp(base + 1_000)).offset()).isZero();
        assertThat(offset(tp, OffsetSpec.forTimestamp(base)).offset()).isZero();
        assertThat(offset(tp, OffsetSpec.forTimestamp(base + 4_500)).offset()).isEqualTo(3);
        assertThat(offset(tp, OffsetSpec.forTimestamp(base + 6_000)).offset())
                .as("no record at or after the timestamp").isEqualTo(-1);
        ListOffsetsResultInfo max = offset(tp, OffsetSpec.maxTimestamp());
        assertThat(max.offset()).isEqualTo(3);
        assertThat(max.timestamp()).isEqualTo(base + 5_000);
    }

    @Test
    void createPartitionsAddsWritablePartitions() throws Exception {
        String topic = "admin-grow";
        Clients.get(admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1))).all());
        Clients.get(admin.createPartitions(Map.of(topic, NewPartitions.increaseTo(4))).all());
        Awaitility.await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(
                Clients.get(admin.describeTopics(List.of(topic)).allTopicNames()).get(topic).partitions()).hasSize(4));
        try (KafkaProducer<byte[], byte[]> producer = Clients.producer(node.bootstrap())) {
            RecordMetadata meta = producer.send(new ProducerRecord<>(topic, 3, null, "x".getBytes())).get();
            assertThat(meta.partition()).isEqualTo(3);
            assertThat(meta.offset()).isZero();
        }
    }

    @Test
    void deleteTopicRemovesIt() {
        String topic = "admin-doomed";
        Clients.get(admin.createTopics(List.of(new NewTopic(topic, 2, (short) 1))).all());
        assertThat(Clients.get(admin.listTopics().names())).contains(topic);

        Clients.get(admin.deleteTopics(List.of(topic)).all());

        Awaitility.await().atMost(Duration.ofSeconds(30))
                .untilAsserted(() -> assertThat(Clients.get(admin.listTopics().names())).doesNotContain(topic));
        assertThatThrownBy(() -> Clients.get(admin.describeTopics(List.of(topic)).allTopicNames()))
                .isInstanceOf(UnknownTopicOrPartitionException.class);
        assertThatThrownBy(() -> Clients.get(admin.deleteTopics(List.of(topic)).all()))
                .isInstanceOf(UnknownTopicOrPartitionException.class);
    }

    @Test
    void describeAndIncrementallyAlterTopicConfigs() {
        String topic = "admin-configs";
        Clients.get(admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1))).all());
        ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, topic);

        Config before = Clients.get(admin.describeConfigs(List.of(resource)).all()).get(resource);
        ConfigEntry retention = before.get("retention.ms");
        assertThat(retention).as("retention.ms in describeConfigs").isNotNull();
        assertThat(retention.source()).isNotEqualTo(ConfigEntry.ConfigSource.DYNAMIC_TOPIC_CONFIG);
        assertThat(before.get("cleanup.policy")).isNotNull();
        assertThat(before.get("cleanup.policy").value()).isEqualTo("delete");
        assertThat(before.get("segment.bytes")).isNotNull();
        assertThat(before.get("max.message.bytes")).isNotNull();

        Clients.get(admin.incrementalAlterConfigs(Map.of(resource, List.of(
                new AlterConfigOp(new ConfigEntry("retention.ms", "3600000"), AlterConfigOp.OpType.SET),
                new AlterConfigOp(new ConfigEntry("max.message.bytes", "2097152"), AlterConfigOp.OpType.SET))))
                .all());
        Config after = Clients.get(admin.describeConfigs(List.of(resource)).all()).get(resource);
        assertThat(after.get("retention.ms").value()).isEqualTo("3600000");
        assertThat(after.get("retention.ms").source()).isEqualTo(ConfigEntry.ConfigSource.DYNAMIC_TOPIC_CONFIG);
        assertThat(after.get("max.message.bytes").value()).isEqualTo("2097152");

        assertThatThrownBy(() -> Clients.get(admin.incrementalAlterConfigs(Map.of(resource, List.of(
                new AlterConfigOp(new ConfigEntry("retention.ms", "not-a-number"), AlterConfigOp.OpType.SET))))
                .all())).isInstanceOf(InvalidConfigurationException.class);
        assertThat(Clients.get(admin.describeConfigs(List.of(resource)).all()).get(resource).get("retention.ms")
                .value()).as("retention.ms after a rejected change").isEqualTo("3600000");

        Clients.get(admin.incrementalAlterConfigs(Map.of(resource, List.of(
                new AlterConfigOp(new ConfigEntry("retention.ms", ""), AlterConfigOp.OpType.DELETE)))).all());
        ConfigEntry reverted = Clients.get(admin.describeConfigs(List.of(resource)).all()).get(resource)
                .get("retention.ms");
        assertThat(reverted.source()).isNotEqualTo(ConfigEntry.ConfigSource.DYNAMIC_TOPIC_CONFIG);
        assertThat(reverted.value()).isEqualTo(retention.value());
    }

    @Test
    void producingToAnUnknownTopicCreatesIt() throws Exception {
        String topic = "admin-auto-created";
        try (KafkaProducer<byte[], byte[]> producer = Clients.producer(node.bootstrap())) {
            RecordMetadata meta = producer.send(new ProducerRecord<>(topic, "k".getBytes(), "v".getBytes())).get();
            assertThat(meta.offset()).isZero();
        }
        assertThat(Clients.get(admin.listTopics().names())).contains(topic);
        assertThat(Clients.get(admin.describeTopics(List.of(topic)).allTopicNames()).get(topic).partitions())
                .as("partitions of an auto-created topic (default 1)").hasSize(1);
    }

    private static ListOffsetsResultInfo offset(TopicPartition tp, OffsetSpec spec) {
        return Clients.get(admin.listOffsets(Map.of(tp, spec)).partitionResult(tp));
    }
}
