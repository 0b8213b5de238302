package io.strata.systemtest;

import static io.strata.systemtest.support.KafkaCli.CONSOLE_CONSUMER;
import static io.strata.systemtest.support.KafkaCli.CONSUMER_GROUP_COMMAND;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import io.strata.systemtest.support.Clients;
import io.strata.systemtest.support.KafkaCli;
import io.strata.testsupport.NodeLogOnFailure;
import io.strata.testsupport.StrataNode;
import io.strata.systemtest.support.ToolResult;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** kafka-console-consumer with a group and kafka-consumer-groups (list, describe, reset offsets, delete). */
@ExtendWith(NodeLogOnFailure.class)
class GroupCliIT {
    private static final Duration TIMEOUT = Duration.ofSeconds(120);
    private static StrataNode node;

    @BeforeAll
    static void startNode() {
        node = StrataNode.start("group-cli");
    }

    @AfterAll
    static void stopNode() {
        if (node != null) {
            node.close();
        }
    }

    @Test
    void consoleConsumerGroupThenDescribeResetAndDelete() {
        String topic = "cli-group-topic";
        String group = "cli-group";
        Clients.createTopic(node.bootstrap(), topic, 2);
        produce(topic, 0, 20);

        ToolResult consumed = KafkaCli.run(CONSOLE_CONSUMER, null, TIMEOUT, "--bootstrap-server", node.bootstrap(),
                "--topic", topic, "--group", group, "--from-beginning", "--max-messages", "20",
                "--timeout-ms", "60000").assertSuccess();
        assertThat(consumed.stdoutLines()).hasSize(20);
        for (int i = 0; i < 20; i++) {
            assertThat(consumed.stdoutLines()).contains("value-" + i);
        }
        produce(topic, 20, 25);

        ToolResult listed = groups("--list");
        assertThat(listed.stdoutLines()).contains(group);

        Map<Integer, long[]> rows = describe(group, topic);
        assertThat(rows).containsOnlyKeys(0, 1);
        // 10 consumed and committed per partition; 5 more produced, all to partition 0.
        assertThat(rows.get(0)).containsExactly(10, 15, 5);
        assertThat(rows.get(1)).containsExactly(10, 10, 0);

        ToolResult reset = groups("--reset-offsets", "--group", group, "--topic", topic, "--to-earliest", "--execute");
        assertThat(reset.stdout()).contains(group);
        rows = describe(group, topic);
        assertThat(rows.get(0)).containsExactly(0, 15, 15);
        assertThat(rows.get(1)).containsExactly(0, 10, 10);

        ToolResult deleted = groups("--delete", "--group", group);
        assertThat(deleted.stdout()).contains("Deletion of requested consumer groups ('" + group + "') was successful.");
        assertThat(groups("--list").stdoutLines()).doesNotContain(group);
        ToolResult again = KafkaCli.run(CONSUMER_GROUP_COMMAND, null, TIMEOUT, "--bootstrap-server", node.bootstrap(),
                "--delete", "--group", group);
        assertThat(again.stdout() + again.stderr()).contains("does not exist");
    }

    private static ToolResult groups(String... args) {
        String[] all = new String[args.length + 2];
        all[0] = "--bootstrap-server";
        all[1] = node.bootstrap();
        System.arraycopy(args, 0, all, 2, args.length);
        return KafkaCli.run(CONSUMER_GROUP_COMMAND, null, TIMEOUT, all).assertSuccess();
    }

    /** partition → {CURRENT-OFFSET, LOG-END-OFFSET, LAG} from kafka-consumer-groups --describe. */
    private static Map<Integer, long[]> describe(String group, String topic) {
        ToolResult described = groups("--describe", "--group", group);
        List<String> header = described.stdoutLines().stream().filter(l -> l.startsWith("GROUP")).toList();
        assertThat(header).as("header in %s", described.stdout()).hasSize(1);
        assertThat(header.get(0).split("\\s+")).startsWith("GROUP", "TOPIC", "PARTITION", "CURRENT-OFFSET",
                "LOG-END-OFFSET", "LAG");
        Map<Integer, long[]> rows = new TreeMap<>();
        for (String line : described.stdoutLines()) {
            String[] cols = line.trim().split("\\s+");
            if (cols.length >= 6 && cols[0].equals(group) && cols[1].equals(topic)) {
                rows.put(Integer.parseInt(cols[2]), new long[] {Long.parseLong(cols[3]), Long.parseLong(cols[4]),
                        Long.parseLong(cols[5])});
            }
        }
        return rows;
    }

    /** value-i to partition i % 2 for i below 20, then to partition 0. */
    private static void produce(String topic, int from, int to) {
        try (KafkaProducer<byte[], byte[]> producer = Clients.producer(node.bootstrap())) {
            for (int i = from; i < to; i++) {
                producer.send(new ProducerRecord<>(topic, i < 20 ? i % 2 : 0, null,
                        ("value-" + i).getBytes(StandardCharsets.UTF_8)));
            }
            producer.flush();
        }
    }
}
