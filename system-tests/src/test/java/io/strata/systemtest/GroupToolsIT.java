package io.strata.systemtest;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import com.fasterxml.jackson.databind.JsonNode;
import io.strata.systemtest.support.Clients;
import io.strata.systemtest.support.Kafkajs;
import io.strata.systemtest.support.Kcat;
import io.strata.testsupport.NodeLogOnFailure;
import io.strata.testsupport.StrataNode;
import io.strata.systemtest.support.ToolResult;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Consumer groups of kcat (librdkafka's balanced consumer, -G) and kafkajs: they consume and commit. */
@ExtendWith(NodeLogOnFailure.class)
class GroupToolsIT {
    private static final Duration TIMEOUT = Duration.ofSeconds(120);
    private static StrataNode node;

    @BeforeAll
    static void startNode() {
        node = StrataNode.start("group-tools");
    }

    @AfterAll
    static void stopNode() {
        if (node != null) {
            node.close();
        }
    }

    @Test
    void kcatBalancedConsumerConsumesAndCommits() {
        String topic = "kcat-group-topic";
        String group = "kcat-group";
        Clients.createTopic(node.bootstrap(), topic, 3);
        produce(topic, 30, 3);

        ToolResult consumed = Kcat.run(null, TIMEOUT, "-b", node.bootstrap(), "-G", group, "-o", "beginning",
                "-c", "30", "-f", "%p %o %s\n", "-X", "enable.auto.commit=true", "-X", "auto.commit.interval.ms=100",
                topic).assertSuccess();
        Set<String> values = new HashSet<>();
        for (String line : consumed.stdoutLines()) {
            if (line.matches("\\d+ \\d+ value-\\d+")) {
                values.add(line.split(" ")[2]);
            }
        }
        assertThat(values).as("kcat output:\n%s", consumed.stdout()).hasSize(30);
        assertCommitted(group, topic, 3, 30);
    }

    @Test
    void kafkajsConsumerGroupConsumesAndCommits() {
        String topic = "kafkajs-group-topic";
        String group = "kafkajs-group";
        Clients.createTopic(node.bootstrap(), topic, 2);
        produce(topic, 24, 2);

        ToolResult run = Kafkajs.run("consumer-group.js", TIMEOUT, node.bootstrap(), topic, group, "24")
                .assertSuccess();
        JsonNode result = Kafkajs.result(run);
        Set<String> values = new HashSet<>();
        result.get("values").forEach(v -> values.add(v.get("value").asText()));
        assertThat(values).hasSize(24);
        assertThat(result.get("groupDescription").get("state").asText()).isEqualTo("Stable");
        assertThat(result.get("groupDescription").get("protocolType").asText()).isEqualTo("consumer");
        long committed = 0;
        for (JsonNode t : result.get("committed")) {
            for (JsonNode p : t.get("partitions")) {
                committed += Long.parseLong(p.get("offset").asText());
            }
        }
        assertThat(committed).as("offsets kafkajs read back: %s", result.get("committed")).isEqualTo(24);
        List<String> groups = new ArrayList<>();
        result.get("groups").forEach(g -> groups.add(g.get("groupId").asText()));
        assertThat(groups).contains(group);
        assertCommitted(group, topic, 2, 24);
    }

    private static void assertCommitted(String group, String topic, int partitions, long total) {
        try (Admin admin = Clients.admin(node.bootstrap())) {
            Map<TopicPartition, OffsetAndMetadata> committed = Clients.get(
                    admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata());
            assertThat(committed).hasSize(partitions);
            assertThat(committed.keySet()).allMatch(tp -> tp.topic().equals(topic));
            assertThat(committed.values().stream().mapToLong(OffsetAndMetadata::offset).sum()).isEqualTo(total);
        }
    }

    private static void produce(String topic, int count, int partitions) {
        try (KafkaProducer<byte[], byte[]> producer = Clients.producer(node.bootstrap())) {
            for (int i = 0; i < count; i++) {
                producer.send(new ProducerRecord<>(topic, i % partitions, null,
                        ("value-" + i).getBytes(StandardCharsets.UTF_8)));
            }
            producer.flush();
        }
    }
}
