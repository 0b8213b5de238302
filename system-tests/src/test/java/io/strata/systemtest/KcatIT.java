package io.strata.systemtest;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import io.strata.systemtest.support.Clients;
import io.strata.systemtest.support.Kcat;
import io.strata.testsupport.NodeLogOnFailure;
import io.strata.testsupport.StrataNode;
import io.strata.systemtest.support.ToolResult;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** kcat 1.7 (librdkafka 2.0): metadata, produce and consume, and interplay with the Java client. */
@ExtendWith(NodeLogOnFailure.class)
class KcatIT {
    private static final Duration TIMEOUT = Duration.ofSeconds(45);
    private static StrataNode node;

    @BeforeAll
    static void startNode() {
        node = StrataNode.start("kcat");
    }

    @AfterAll
    static void stopNode() {
        if (node != null) {
            node.close();
        }
    }

    @Test
    void metadataListsBrokerAndTopics() {
        Clients.createTopic(node.bootstrap(), "kcat-listed", 3);
        ToolResult listed = Kcat.run(null, TIMEOUT, "-b", node.bootstrap(), "-L").assertSuccess();
        String out = listed.stdout();
        assertThat(out).contains("1 brokers:");
        assertThat(out).containsPattern("broker \\d+ at 127\\.0\\.0\\.1:" + node.advertisedPort());
        assertThat(out).contains("topic \"kcat-listed\" with 3 partitions:");
        for (int p = 0; p < 3; p++) {
            assertThat(out).containsPattern("partition " + p + ", leader \\d+, replicas: \\d+, isrs: \\d+");
        }
        assertThat(out).doesNotContain("Error");
    }

    @Test
    void produceLinesThenConsumeThemFromTheBeginning() {
        String topic = "kcat-lines";
        Clients.createTopic(node.bootstrap(), topic, 1);
        List<String> lines = IntStream.range(0, 25).mapToObj(i -> "k" + i + "\tline number " + i)
                .collect(Collectors.toList());
        Kcat.run(String.join("\n", lines) + "\n", TIMEOUT, "-b", node.bootstrap(), "-P", "-t", topic, "-p", "0",
                "-K", "\t").assertSuccess();

        ToolResult consumed = Kcat.run(null, TIMEOUT, "-b", node.bootstrap(), "-C", "-t", topic, "-p", "0",
                "-o", "beginning", "-e", "-f", "%o %k\t%s\n").assertSuccess();
        List<String> expected = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            expected.add(i + " " + lines.get(i));
        }
        assertThat(consumed.stdoutLines()).containsExactlyElementsOf(expected);

        // The same records through the Java consumer.
        List<ConsumerRecord<byte[], byte[]>> read = Clients.readAll(node.bootstrap(),
                List.of(new TopicPartition(topic, 0)), TIMEOUT);
        assertThat(read).extracting(r -> new String(r.key(), StandardCharsets.UTF_8) + "\t"
                + new String(r.value(), StandardCharsets.UTF_8)).containsExactlyElementsOf(lines);
    }

    @Test
    void compressedProduceByKcat() {
        String topic = "kcat-compressed";
        Clients.createTopic(node.bootstrap(), topic, 1);
        List<String> lines = new ArrayList<>();
        for (String codec : List.of("gzip", "snappy", "lz4", "zstd")) {
            List<String> batch = IntStream.range(0, 20).mapToObj(i -> codec + " record " + i + " " + "x".repeat(200))
                    .toList();
            Kcat.run(String.join("\n", batch) + "\n", TIMEOUT, "-b", node.bootstrap(), "-P", "-t", topic, "-p", "0",
                    "-z", codec).assertSuccess();
            lines.addAll(batch);
        }
        ToolResult consumed = Kcat.run(null, TIMEOUT, "-b", node.bootstrap(), "-C", "-t", topic, "-p", "0",
                "-o", "beginning", "-e").assertSuccess();
        assertThat(consumed.stdoutLines()).containsExactlyElementsOf(lines);
    }

    @Test
    void readsWhatTheJavaProducerWroteWithHeaders() throws Exception {
        String topic = "kcat-from-java";
        Clients.createTopic(node.bootstrap(), topic, 1);
        try (KafkaProducer<byte[], byte[]> producer = Clients.producer(node.bootstrap())) {
            for (int i = 0; i < 10; i++) {
                ProducerRecord<byte[], byte[]> record = new ProducerRecord<>(topic, 0, 1_700_000_000_000L + i,
                        ("k" + i).getBytes(), ("v" + i).getBytes());
                record.headers().add(new RecordHeader("h", ("hv" + i).getBytes()));
                producer.send(record);
            }
            producer.flush();
        }
        ToolResult consumed = Kcat.run(null, TIMEOUT, "-b", node.bootstrap(), "-C", "-t", topic, "-p", "0",
                "-o", "beginning", "-e", "-f", "%o|%k|%s|%h|%T\n").assertSuccess();
        List<String> expected = IntStream.range(0, 10)
                .mapToObj(i -> i + "|k" + i + "|v" + i + "|h=hv" + i + "|" + (1_700_000_000_000L + i)).toList();
        assertThat(consumed.stdoutLines()).containsExactlyElementsOf(expected);
    }

    @Test
    void queriesOffsetsByLogicalPositionAndTimestamp() throws Exception {
        // kcat resolves "beginning", "end" and timestamps with ListOffsets v1/v2 (librdkafka 2.0).
        String topic = "kcat-offsets";
        Clients.createTopic(node.bootstrap(), topic, 1);
        long base = 1_700_000_000_000L;
        try (KafkaProducer<byte[], byte[]> producer = Clients.producer(node.bootstrap())) {
            for (int i = 0; i < 3; i++) {
                producer.send(new ProducerRecord<>(topic, 0, base + 1_000L * i, null, ("v" + i).getBytes())).get();
            }
        }
        assertThat(queryOffset(topic, -1)).as("end").isEqualTo(3);
        assertThat(queryOffset(topic, -2)).as("beginning").isEqualTo(0);
        assertThat(queryOffset(topic, base + 500)).as("first offset at or after base+500").isEqualTo(1);
        assertThat(queryOffset(topic, base + 2_000)).isEqualTo(2);
        assertThat(queryOffset(topic, base + 5_000)).as("past the last timestamp").isEqualTo(-1);
    }

    private static long queryOffset(String topic, long timestamp) {
        ToolResult result = Kcat.run(null, TIMEOUT, "-b", node.bootstrap(), "-Q", "-t", topic + ":0:" + timestamp)
                .assertSuccess();
        String line = result.stdoutLines().stream().filter(l -> l.startsWith(topic + " [0] offset ")).findFirst()
                .orElseThrow(() -> new AssertionError("no offset line in " + result));
        return Long.parseLong(line.substring((topic + " [0] offset ").length()).trim());
    }
}
