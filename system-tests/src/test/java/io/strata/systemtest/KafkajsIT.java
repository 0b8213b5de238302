package io.strata.systemtest;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import com.fasterxml.jackson.databind.JsonNode;
import io.strata.systemtest.support.Clients;
import io.strata.systemtest.support.Kafkajs;
import io.strata.testsupport.NodeLogOnFailure;
import io.strata.testsupport.StrataNode;
import io.strata.systemtest.support.ToolResult;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** kafkajs 2.2.4 (node.js): admin and producer (its consumer groups: {@link GroupToolsIT}). */
@ExtendWith(NodeLogOnFailure.class)
class KafkajsIT {
    private static StrataNode node;

    @BeforeAll
    static void startNode() {
        node = StrataNode.start("kafkajs");
    }

    @AfterAll
    static void stopNode() {
        if (node != null) {
            node.close();
        }
    }

    @Test
    void producerSendsAndAdminSeesTheTopic() {
        String topic = "kafkajs-topic";
        int count = 40;
        ToolResult run = Kafkajs.run("produce-and-admin.js", Duration.ofSeconds(90), node.bootstrap(), topic,
                Integer.toString(count)).assertSuccess();
        JsonNode result = Kafkajs.result(run);

        assertThat(result.get("created").asBoolean()).as("createTopics result in %s", result).isTrue();
        for (JsonNode r : result.get("produced")) {
            assertThat(r.get("errorCode").asInt()).as("produce error code in %s", result).isZero();
        }
        assertThat(result.get("autoProduced").get(0).get("errorCode").asInt()).isZero();
        List<String> topics = new ArrayList<>();
        result.get("topics").forEach(t -> topics.add(t.asText()));
        assertThat(topics).contains(topic, topic + "-auto");

        JsonNode metadata = result.get("metadata").get(0);
        assertThat(metadata.get("name").asText()).isEqualTo(topic);
        assertThat(metadata.get("partitions")).hasSize(2);
        for (JsonNode p : metadata.get("partitions")) {
            assertThat(p.get("partitionErrorCode").asInt()).isZero();
            if (node.isManaged()) {
                assertThat(p.get("leader").asInt()).isEqualTo(node.nodeId());
            }
        }

        long total = 0;
        for (JsonNode o : result.get("offsets")) {
            assertThat(o.get("low").asLong()).isZero();
            total += Long.parseLong(o.get("high").asText());
        }
        assertThat(total).as("sum of high watermarks reported to kafkajs").isEqualTo(count);

        // What kafkajs wrote, as the Java consumer reads it.
        List<ConsumerRecord<byte[], byte[]>> read = Clients.readAll(node.bootstrap(),
                List.of(new TopicPartition(topic, 0), new TopicPartition(topic, 1)), Duration.ofMinutes(1));
        assertThat(read).hasSize(count);
        Set<Integer> seqs = new HashSet<>();
        for (ConsumerRecord<byte[], byte[]> r : read) {
            int seq = Integer.parseInt(new String(r.headers().lastHeader("seq").value(), StandardCharsets.UTF_8));
            assertThat(seqs.add(seq)).as("seq %d once", seq).isTrue();
            assertThat(new String(r.key(), StandardCharsets.UTF_8)).isEqualTo("key-" + seq);
            String tag = seq < count / 2 ? "plain" : "gzip";
            assertThat(new String(r.value(), StandardCharsets.UTF_8)).isEqualTo(tag + " value " + seq);
            assertThat(new String(r.headers().lastHeader("source").value(), StandardCharsets.UTF_8))
                    .isEqualTo("kafkajs");
        }
        List<ConsumerRecord<byte[], byte[]>> auto = Clients.readAll(node.bootstrap(),
                List.of(new TopicPartition(topic + "-auto", 0)), Duration.ofMinutes(1));
        assertThat(auto).extracting(r -> new String(r.value(), StandardCharsets.UTF_8)).containsExactly("auto-created");
    }
}
