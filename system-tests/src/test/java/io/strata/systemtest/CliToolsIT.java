package io.strata.systemtest;

import static io.strata.systemtest.support.KafkaCli.CONSOLE_CONSUMER;
import static io.strata.systemtest.support.KafkaCli.CONSOLE_PRODUCER;
import static io.strata.systemtest.support.KafkaCli.TOPIC_COMMAND;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import io.strata.systemtest.support.Clients;
import io.strata.systemtest.support.KafkaCli;
import io.strata.testsupport.NodeLogOnFailure;
import io.strata.testsupport.StrataNode;
import io.strata.systemtest.support.ToolResult;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The Apache Kafka 4.4 command-line tools (kafka-topics, kafka-console-producer, kafka-console-consumer). */
@ExtendWith(NodeLogOnFailure.class)
class CliToolsIT {
    private static final Duration TIMEOUT = Duration.ofSeconds(90);
    private static StrataNode node;

    @BeforeAll
    static void startNode() {
        node = StrataNode.start("cli-tools");
    }

    @AfterAll
    static void stopNode() {
        if (node != null) {
            node.close();
        }
    }

    @Test
    void topicCommandCreatesListsAndDescribes() {
        ToolResult created = KafkaCli.run(TOPIC_COMMAND, null, TIMEOUT, "--bootstrap-server", node.bootstrap(),
                "--create", "--topic", "cli-described", "--partitions", "2", "--replication-factor", "1")
                .assertSuccess();
        assertThat(created.stdout()).contains("Created topic cli-described.");

        ToolResult listed = KafkaCli.run(TOPIC_COMMAND, null, TIMEOUT, "--bootstrap-server", node.bootstrap(),
                "--list").assertSuccess();
        assertThat(listed.stdoutLines()).contains("cli-described");

        ToolResult described = KafkaCli.run(TOPIC_COMMAND, null, TIMEOUT, "--bootstrap-server", node.bootstrap(),
                "--describe", "--topic", "cli-described").assertSuccess();
        String out = described.stdout();
        assertThat(out).contains("Topic: cli-described").contains("PartitionCount: 2").contains("ReplicationFactor: 1");
        List<String> partitionLines = described.stdoutLines().stream().filter(l -> l.contains("Partition: ")).toList();
        assertThat(partitionLines).as("one line per partition in\n%s", out).hasSize(2);
        String leader = node.isManaged() ? Integer.toString(node.nodeId()) : "";
        assertThat(partitionLines.get(0)).containsPattern("Partition: 0\\s+Leader: " + leader);
        assertThat(partitionLines.get(1)).containsPattern("Partition: 1\\s+Leader: " + leader);

        ToolResult again = KafkaCli.run(TOPIC_COMMAND, null, TIMEOUT, "--bootstrap-server", node.bootstrap(),
                "--create", "--topic", "cli-described", "--partitions", "2", "--replication-factor", "1");
        assertThat(again.exitCode()).as("creating an existing topic: %s", again).isNotZero();
        assertThat(again.stdout() + again.stderr()).contains("already exists");
    }

    @Test
    void consoleProducerThenConsoleConsumer() {
        String topic = "cli-console";
        KafkaCli.run(TOPIC_COMMAND, null, TIMEOUT, "--bootstrap-server", node.bootstrap(), "--create", "--topic",
                topic, "--partitions", "1", "--replication-factor", "1").assertSuccess();

        int count = 50;
        List<String> lines = IntStream.range(0, count).mapToObj(i -> "key-" + i + ":value " + i + " \u00fcnicode")
                .collect(Collectors.toList());
        KafkaCli.run(CONSOLE_PRODUCER, String.join("\n", lines) + "\n", TIMEOUT,
                "--bootstrap-server", node.bootstrap(), "--topic", topic,
                "--reader-property", "parse.key=true", "--reader-property", "key.separator=:").assertSuccess();

        // What the console producer wrote, as a Java consumer sees it.
        List<ConsumerRecord<byte[], byte[]>> read = Clients.readAll(node.bootstrap(),
                List.of(new TopicPartition(topic, 0)), Duration.ofMinutes(1));
        List<String> asLines = new ArrayList<>();
        for (ConsumerRecord<byte[], byte[]> r : read) {
            asLines.add(new String(r.key(), StandardCharsets.UTF_8) + ":" + new String(r.value(), StandardCharsets.UTF_8));
        }
        assertThat(asLines).containsExactlyElementsOf(lines);

        ToolResult consumed = KafkaCli.run(CONSOLE_CONSUMER, null, TIMEOUT,
                "--bootstrap-server", node.bootstrap(), "--topic", topic, "--partition", "0",
                "--offset", "earliest", "--max-messages", Integer.toString(count), "--timeout-ms", "60000",
                "--formatter-property", "print.key=true", "--formatter-property", "key.separator=:")
                .assertSuccess();
        assertThat(consumed.stdoutLines()).containsExactlyElementsOf(lines);
        assertThat(consumed.stderr()).contains("Processed a total of " + count + " messages");

        ToolResult fromOffset = KafkaCli.run(CONSOLE_CONSUMER, null, TIMEOUT,
                "--bootstrap-server", node.bootstrap(), "--topic", topic, "--partition", "0",
                "--offset", "45", "--max-messages", "5", "--timeout-ms", "60000",
                "--formatter-property", "print.offset=true", "--formatter-property", "print.key=true",
                "--formatter-property", "key.separator=:").assertSuccess();
        assertThat(fromOffset.stdoutLines()).hasSize(5);
        assertThat(fromOffset.stdoutLines().get(0)).startsWith("Offset:45").endsWith(lines.get(45));
        assertThat(fromOffset.stdoutLines().get(4)).startsWith("Offset:49").endsWith(lines.get(49));
    }
}
