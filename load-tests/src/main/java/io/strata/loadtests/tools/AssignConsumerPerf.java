package io.strata.loadtests.tools;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Callable;

/**
 * Consumer throughput without consumer groups: assign() every partition of a topic, read from the beginning
 * to the end offsets taken at start, report MiB/s and records/s. Client settings follow ConsumerPerformance's
 * defaults (2 MiB socket receive buffer, 1 MiB max partition fetch).
 */
@Command(name = "assign-consumer-perf", mixinStandardHelpOptions = true,
        description = "Consumer throughput with assign() (no group coordination).")
public final class AssignConsumerPerf implements Callable<Integer> {

    @Option(names = "--bootstrap-server", required = true)
    String bootstrap;

    @Option(names = "--topic", required = true)
    String topic;

    @Option(names = "--timeout-ms", defaultValue = "120000", description = "Give up after this long.")
    long timeoutMs;

    @Option(names = "--consumer-prop", description = "Extra consumer property key=value.")
    Map<String, String> extra = new LinkedHashMap<>();

    public static void main(String[] args) {
        System.exit(new CommandLine(new AssignConsumerPerf()).execute(args));
    }

    @Override
    public Integer call() {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        p.put(ConsumerConfig.RECEIVE_BUFFER_CONFIG, "2097152");
        p.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, "1048576");
        p.put(ConsumerConfig.CLIENT_ID_CONFIG, "assign-consumer-perf");
        p.putAll(extra);

        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(p)) {
            List<PartitionInfo> infos = consumer.partitionsFor(topic, Duration.ofSeconds(30));
            if (infos == null || infos.isEmpty()) {
                System.err.println("topic " + topic + " has no partitions");
                return 2;
            }
            List<TopicPartition> parts = infos.stream().map(i -> new TopicPartition(i.topic(), i.partition())).toList();
            consumer.assign(parts);
            Map<TopicPartition, Long> end = consumer.endOffsets(parts, Duration.ofSeconds(30));
            consumer.seekToBeginning(parts);
            long expected = 0;
            for (TopicPartition tp : parts) {
                expected += end.get(tp) - consumer.position(tp, Duration.ofSeconds(30));
            }

            long records = 0;
            long bytes = 0;
            long polls = 0;
            long t0 = System.nanoTime();
            long deadline = t0 + timeoutMs * 1_000_000L;
            while (!reachedEnd(consumer, parts, end)) {
                if (System.nanoTime() > deadline) {
                    System.err.println("timed out after " + records + " of " + expected + " records");
                    return 3;
                }
                ConsumerRecords<byte[], byte[]> batch = consumer.poll(Duration.ofMillis(500));
                polls++;
                for (ConsumerRecord<byte[], byte[]> r : batch) {
                    records++;
                    bytes += (r.key() == null ? 0 : r.key().length) + (r.value() == null ? 0 : r.value().length);
                }
            }
            double secs = (System.nanoTime() - t0) / 1e9;
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("records", records);
            out.put("expectedRecords", expected);
            out.put("bytes", bytes);
            out.put("polls", polls);
            out.put("elapsedMs", secs * 1000);
            out.put("mibPerSec", bytes / (1024.0 * 1024.0) / secs);
            out.put("recordsPerSec", records / secs);
            ToolResult.print(out);
            return records == expected ? 0 : 4;
        }
    }

    private static boolean reachedEnd(KafkaConsumer<?, ?> consumer, List<TopicPartition> parts,
                                      Map<TopicPartition, Long> end) {
        for (TopicPartition tp : parts) {
            if (consumer.position(tp) < end.get(tp)) {
                return false;
            }
        }
        return true;
    }
}
