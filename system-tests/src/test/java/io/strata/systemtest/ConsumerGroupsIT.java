package io.strata.systemtest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.IntStream;

import io.strata.systemtest.support.Clients;
import io.strata.systemtest.support.GroupConsumer;
import io.strata.testsupport.NodeLogOnFailure;
import io.strata.testsupport.StrataNode;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.GroupState;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Java consumers in groups, with the classic protocol and with {@code group.protocol=consumer} (KIP-848): they split
 * the partitions, take over those of a member that leaves, commit, and the commits survive a node restart.
 */
@ExtendWith(NodeLogOnFailure.class)
class ConsumerGroupsIT {
    private static final int PARTITIONS = 6;
    private static final int BATCH = 300;
    private static final Duration WAIT = Duration.ofSeconds(120);
    private static StrataNode node;

    @BeforeAll
    static void startNode() {
        node = StrataNode.builder("groups")
                .env("STRATA_GROUP_CONSUMER_HEARTBEAT_INTERVAL", "1s")
                .start();
    }

    @AfterAll
    static void stopNode() {
        if (node != null) {
            node.close();
        }
    }

    @Test
    void classicConsumersSplitThePartitionsAndTakeOverFromOneThatLeaves() {
        splitAndTakeOver("classic-topic", "classic-group", Map.of(ConsumerConfig.GROUP_PROTOCOL_CONFIG, "classic"));
    }

    @Test
    void consumerProtocolConsumersSplitThePartitionsAndTakeOverFromOneThatLeaves() {
        splitAndTakeOver("kip848-topic", "kip848-group", Map.of(ConsumerConfig.GROUP_PROTOCOL_CONFIG, "consumer"));
    }

    private void splitAndTakeOver(String topic, String group, Map<String, Object> overrides) {
        Clients.createTopic(node.bootstrap(), topic, PARTITIONS);
        produce(topic, 0, BATCH);
        Set<String> seen = GroupConsumer.sharedSeenSet();
        List<GroupConsumer> consumers = new ArrayList<>();
        try {
            for (int i = 0; i < 3; i++) {
                consumers.add(new GroupConsumer(group + "-" + i, node.bootstrap(), group, topic, overrides, seen));
            }
            await("three members split all " + PARTITIONS + " partitions").atMost(WAIT).untilAsserted(() -> {
                assertNoFailures(consumers);
                assertSplit(consumers, 3);
                assertThat(seen).hasSize(BATCH);
            });

            GroupConsumer leaving = consumers.remove(0);
            Set<TopicPartition> itsPartitions = leaving.assignment();
            leaving.close();
            assertThat(leaving.failures()).isEmpty();

            await("the two remaining members take over " + itsPartitions).atMost(WAIT).untilAsserted(() -> {
                assertNoFailures(consumers);
                assertSplit(consumers, 2);
            });
            produce(topic, BATCH, 2 * BATCH);
            await("every record is consumed").atMost(WAIT).untilAsserted(() -> {
                assertNoFailures(consumers);
                assertThat(seen).hasSize(2 * BATCH);
            });
            Set<String> expected = new HashSet<>();
            IntStream.range(0, 2 * BATCH).forEach(i -> expected.add("value-" + i));
            assertThat(seen).isEqualTo(expected);

            try (Admin admin = Clients.admin(node.bootstrap())) {
                ConsumerGroupDescription description = Clients.get(admin.describeConsumerGroups(List.of(group))
                        .describedGroups().get(group));
                assertThat(description.groupState()).isIn(GroupState.STABLE, GroupState.COMPLETING_REBALANCE,
                        GroupState.RECONCILING);
                assertThat(description.members()).hasSize(2);
                await("offsets committed up to the end").atMost(WAIT).untilAsserted(() -> {
                    Map<TopicPartition, OffsetAndMetadata> committed = Clients.get(
                            admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata());
                    assertThat(committed).hasSize(PARTITIONS);
                    assertThat(committed.values().stream().mapToLong(OffsetAndMetadata::offset).sum())
                            .isEqualTo(2 * BATCH);
                });
            }
        } finally {
            consumers.forEach(GroupConsumer::close);
        }
    }

    @Test
    void committedOffsetsSurviveARestart() {
        node.requireManaged("restart");
        String topic = "restart-topic";
        String group = "restart-group";
        Clients.createTopic(node.bootstrap(), topic, 2);
        produce(topic, 0, 40);
        Map<TopicPartition, OffsetAndMetadata> commit = Map.of(
                new TopicPartition(topic, 0), new OffsetAndMetadata(12, "first"),
                new TopicPartition(topic, 1), new OffsetAndMetadata(15));
        Map<String, Object> config = Map.of(ConsumerConfig.GROUP_ID_CONFIG, group);
        try (KafkaConsumer<byte[], byte[]> consumer = Clients.consumer(node.bootstrap(), config)) {
            consumer.subscribe(List.of(topic));
            await("assignment").atMost(WAIT).until(() -> {
                consumer.poll(Duration.ofMillis(200));
                return consumer.assignment().size() == 2;
            });
            consumer.commitSync(commit);
        }

        node.restart();

        try (Admin admin = Clients.admin(node.bootstrap())) {
            Map<TopicPartition, OffsetAndMetadata> after = Clients.get(
                    admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata());
            assertThat(after).containsOnlyKeys(commit.keySet());
            assertThat(after.get(new TopicPartition(topic, 0)).offset()).isEqualTo(12);
            assertThat(after.get(new TopicPartition(topic, 0)).metadata()).isEqualTo("first");
            assertThat(after.get(new TopicPartition(topic, 1)).offset()).isEqualTo(15);
            assertThat(Clients.get(admin.listGroups().all())).anyMatch(g -> g.groupId().equals(group));
        }
        // A member of the group resumes from the committed positions.
        Set<String> seen = GroupConsumer.sharedSeenSet();
        try (GroupConsumer resumed = new GroupConsumer("resumed", node.bootstrap(), group, topic, Map.of(), seen)) {
            await("the rest of the records").atMost(WAIT).untilAsserted(() -> {
                assertThat(resumed.failures()).isEmpty();
                assertThat(seen).hasSize(40 - 12 - 15);
            });
        }
        Set<String> expected = new HashSet<>();
        for (int i = 0; i < 40; i++) {
            int partition = i % 2;
            int offsetInPartition = i / 2;
            if (offsetInPartition >= (partition == 0 ? 12 : 15)) {
                expected.add("value-" + i);
            }
        }
        assertThat(seen).isEqualTo(expected);
    }

    /** Records value-from .. value-(to-1), record i to partition i % partitions. */
    private static void produce(String topic, int from, int to) {
        int partitions = topic.startsWith("restart") ? 2 : PARTITIONS;
        try (KafkaProducer<byte[], byte[]> producer = Clients.producer(node.bootstrap())) {
            for (int i = from; i < to; i++) {
                producer.send(new ProducerRecord<>(topic, i % partitions, ("key-" + i).getBytes(StandardCharsets.UTF_8),
                        ("value-" + i).getBytes(StandardCharsets.UTF_8)));
            }
            producer.flush();
        }
    }

    private static void assertNoFailures(List<GroupConsumer> consumers) {
        for (GroupConsumer c : consumers) {
            assertThat(c.failures()).as("failures of %s", c.name()).isEmpty();
        }
    }

    /** Each member owns at least one partition, no partition twice, all of them together. */
    private static void assertSplit(List<GroupConsumer> consumers, int members) {
        assertThat(consumers).hasSize(members);
        Map<TopicPartition, String> owners = new HashMap<>();
        for (GroupConsumer c : consumers) {
            assertThat(c.assignment()).as("assignment of %s", c.name()).isNotEmpty();
            for (TopicPartition tp : c.assignment()) {
                String previous = owners.put(tp, c.name());
                assertThat(previous).as("%s owned by %s and %s", tp, previous, c.name()).isNull();
            }
        }
        assertThat(owners).hasSize(PARTITIONS);
    }
}
