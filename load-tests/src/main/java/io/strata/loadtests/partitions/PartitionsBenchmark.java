package io.strata.loadtests.partitions;

import com.fasterxml.jackson.databind.JsonNode;
import io.strata.loadtests.ChildJvm;
import io.strata.loadtests.CpuMeter;
import io.strata.loadtests.ProcStats;
import io.strata.loadtests.node.KafkaBroker;
import io.strata.loadtests.node.Node;
import io.strata.loadtests.node.StrataNode;
import io.strata.loadtests.tools.FixedRateLatency;
import io.strata.loadtests.tools.ToolResult;
import io.strata.testsupport.Ports;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Random;

/**
 * Many partitions, Strata against Apache Kafka, one single node of each at a time in alternating order.
 *
 * <ul>
 *   <li>{@code consume}: a topic of 1,000 partitions filled with N MiB of 1 KiB records; a consumer in a fresh
 *       group reads all of it (broker CPU seconds per GiB and MiB/s, from its first record to its last), then {@link FixedRateLatency} measures
 *       produce-to-consume latency at a fixed rate with a consumer of all 1,000 partitions (fetch sessions make
 *       its idle fetches small on both systems). The consumer runs in this JVM, so an untimed read of the whole
 *       topic in another group comes first for each system: otherwise the system measured first pays the
 *       consumer's class loading, JIT and per-partition metrics (seconds at 1,000 partitions, more than the
 *       timed read itself).</li>
 *   <li>{@code scale}: for each partition count (e.g. 10,000), topics of 1,000 partitions are created; then the
 *       round trip (median, after warm-up calls) of Admin describeTopics over all of them (a Metadata request naming every topic) and of a
 *       Metadata request for one topic, RSS, and, after a restart on the same data, start-up time to ready
 *       and RSS. Open files and memory maps after the create show what a node needs per partition: each counts
 *       against a per-process limit ({@code ulimit -n}, {@code vm.max_map_count}).</li>
 * </ul>
 *
 * <p>Usage: {@code PartitionsBenchmark --repo-root DIR [--parts consume,scale] [--mode smoke|full]
 * [--consume-mib 256] [--scale 10000,50000] [--repetitions 2] [--systems strata,kafka]}; prints Markdown and writes it and a JSON copy to
 * {@code load-tests/results/raw/partitions-<stamp>.{md,json}}.
 */
public final class PartitionsBenchmark {

    private static final int RECORD_BYTES = 1024;
    private static final int TOPIC_PARTITIONS = 1000;

    private PartitionsBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        Path repo = Paths.get(".");
        List<String> parts = List.of("consume", "scale");
        int consumeMib = 256;
        List<Integer> scale = List.of(10_000);
        int repetitions = 2;
        int consumePartitions = TOPIC_PARTITIONS;
        List<String> systems = List.of("strata", "kafka");
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--repo-root" -> repo = Paths.get(args[++i]);
                case "--parts" -> parts = List.of(args[++i].split(","));
                case "--consume-mib" -> consumeMib = Integer.parseInt(args[++i]);
                case "--consume-partitions" -> consumePartitions = Integer.parseInt(args[++i]);
                case "--scale" -> scale = Arrays.stream(args[++i].split(",")).map(Integer::parseInt).toList();
                case "--repetitions" -> repetitions = Integer.parseInt(args[++i]);
                case "--systems" -> systems = List.of(args[++i].split(","));
                case "--mode" -> {
                    if (args[++i].equals("smoke")) {
                        consumeMib = 4;
                        consumePartitions = 100;
                        scale = List.of(1000);
                        repetitions = 1;
                    }
                }
                default -> throw new IllegalArgumentException("unknown argument " + args[i]);
            }
        }
        String stamp = Instant.now().toString().replace(":", "").replace(".", "");
        Path work = Files.createDirectories(repo.resolve("load-tests/results/raw/partitions-" + stamp)).toAbsolutePath();
        Path jar = repo.resolve("ingest/target/quarkus-app/quarkus-run.jar").toAbsolutePath();
        Map<String, Object> json = new LinkedHashMap<>();
        StringBuilder md = new StringBuilder(String.format(Locale.ROOT,
                "# Many partitions %s%n%n%d cores, shared with other work: compare the Strata/Kafka ratios, not the "
                        + "absolute numbers. Single nodes, -Xms1g -Xmx1g, page cache, alternating order.%n",
                stamp, Runtime.getRuntime().availableProcessors()));
        // Alternating order (ABBA...) so that load from elsewhere on the machine hits both systems alike.
        List<String> order = new ArrayList<>();
        for (int r = 0; r < repetitions; r++) {
            order.addAll(r % 2 == 0 ? List.of("strata", "kafka") : List.of("kafka", "strata"));
        }
        order.retainAll(systems);
        if (parts.contains("consume")) {
            List<Map<String, Object>> rows = new ArrayList<>();
            for (int r = 0; r < order.size(); r++) {
                rows.add(consume(order.get(r), jar, work.resolve("consume-" + r), consumePartitions, consumeMib));
                System.out.println(rows.get(rows.size() - 1));
            }
            json.put("consume", rows);
            md.append(String.format(Locale.ROOT, "%n## A consumer of %d partitions (%d MiB of 1 KiB records)%n%n"
                    + "| system | group read MiB/s | broker CPU s/GiB | latency p50 ms | p99 ms | p99.9 ms |%n"
                    + "|---|---:|---:|---:|---:|---:|%n", consumePartitions, consumeMib));
            for (Map<String, Object> row : rows) {
                md.append(String.format(Locale.ROOT, "| %s | %.1f | %.2f | %.1f | %.1f | %.1f |%n", row.get("system"),
                        row.get("mibPerSec"), row.get("cpuSecondsPerGiB"), row.get("p50Ms"), row.get("p99Ms"),
                        row.get("p999Ms")));
            }
            md.append(ratios(rows, List.of("mibPerSec", "cpuSecondsPerGiB", "p50Ms", "p99Ms")));
        }
        if (parts.contains("scale")) {
            List<Map<String, Object>> rows = new ArrayList<>();
            for (int count : scale) {
                for (int r = 0; r < order.size(); r++) {
                    rows.add(scaleOrFailure(order.get(r), jar, work.resolve("scale-" + count + "-" + r), count));
                    System.out.println(rows.get(rows.size() - 1));
                }
            }
            json.put("scale", rows);
            md.append(String.format(Locale.ROOT, "%n## Nodes holding many partitions (topics of %d partitions)%n%n"
                    + "Open-files limit of the nodes: %d.%n%n"
                    + "| system | partitions | create s | describe all ms | metadata 1 topic ms | RSS MiB | open files | memory maps | restart to ready s | RSS after restart MiB |%n"
                    + "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|%n", TOPIC_PARTITIONS, ProcStats.openFilesLimit()));
            for (Map<String, Object> row : rows) {
                if (row.containsKey("error")) {
                    md.append(String.format(Locale.ROOT, "| %s | %d | %s |||||||%n", row.get("system"),
                            row.get("partitions"), row.get("error")));
                    continue;
                }
                md.append(String.format(Locale.ROOT, "| %s | %d | %.1f | %.0f | %.1f | %d | %d | %d | %.1f | %d |%n",
                        row.get("system"), row.get("partitions"), row.get("createSeconds"), row.get("describeAllMs"),
                        row.get("metadataOneTopicMs"), row.get("rssMiB"), row.get("openFiles"), row.get("memoryMaps"),
                        row.get("restartSeconds"), row.get("restartRssMiB")));
            }
            for (int count : scale) {
                md.append(String.format(Locale.ROOT, "%n%d partitions:", count))
                        .append(ratios(rows.stream().filter(r -> r.get("partitions").equals(count)).toList(),
                                List.of("createSeconds", "describeAllMs", "metadataOneTopicMs", "rssMiB",
                                        "restartSeconds", "restartRssMiB")));
            }
        }
        System.out.print(md);
        Files.writeString(work.resolveSibling("partitions-" + stamp + ".md"), md);
        Files.writeString(work.resolveSibling("partitions-" + stamp + ".json"),
                new com.fasterxml.jackson.databind.ObjectMapper().writerWithDefaultPrettyPrinter().writeValueAsString(json));
    }

    /** Median of Strata/Kafka per metric, over the rows of each system. */
    private static String ratios(List<Map<String, Object>> rows, List<String> keys) {
        StringBuilder sb = new StringBuilder("\n\nStrata/Kafka (medians):");
        for (String key : keys) {
            double s = median(rows, "strata", key);
            double k = median(rows, "kafka", key);
            sb.append(String.format(Locale.ROOT, " %s %.2f;", key, s / k));
        }
        return sb.append("\n").toString();
    }

    private static double median(List<Map<String, Object>> rows, String system, String key) {
        double[] v = rows.stream().filter(r -> r.get("system").equals(system) && r.containsKey(key))
                .mapToDouble(r -> ((Number) r.get(key)).doubleValue()).sorted().toArray();
        if (v.length == 0) {
            return Double.NaN;
        }
        return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
    }

    static Map<String, Object> consume(String system, Path jar, Path dir, int partitions, int mib)
            throws Exception {
        ChildJvm jvm = jvm();
        try (Node node = node(system, jar, dir, jvm, Map.of())) {
            node.start();
            String topic = "wide";
            try (Admin admin = Node.admin(node.bootstrap(), 60_000)) {
                admin.createTopics(List.of(new NewTopic(topic, partitions, (short) 1))).all().get();
            }
            long records = ((long) mib << 20) / RECORD_BYTES;
            fill(node.bootstrap(), topic, records);
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("system", system);
            row.put("partitions", partitions);
            row.put("mib", mib);
            // A consumer in a fresh group reads everything; the broker's CPU from subscribe to the last record.
            Properties p = new Properties();
            p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, node.bootstrap());
            p.put(ConsumerConfig.GROUP_ID_CONFIG, "wide-" + System.nanoTime());
            p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
            p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
            readAll(system, p, topic, records, null);
            p.put(ConsumerConfig.GROUP_ID_CONFIG, "wide-" + System.nanoTime());
            double cpu0 = CpuMeter.processCpuSeconds(node.pids());
            long[] span = new long[2];
            long bytes = readAll(system, p, topic, records, span);
            double seconds = (span[1] - span[0]) / 1e9;
            double cpu = CpuMeter.processCpuSeconds(node.pids()) - cpu0;
            row.put("mibPerSec", bytes / 1048576.0 / seconds);
            row.put("cpuSecondsPerGiB", CpuMeter.secondsPerGiB(cpu, bytes));
            ChildJvm.Outcome out = ChildJvm.run(jvm.command(List.of("-Xmx512m"), FixedRateLatency.class.getName(),
                            List.of("--bootstrap-server", node.bootstrap(), "--topic", topic, "--rate", "1000",
                                    "--duration-s", "20", "--warmup-s", "5", "--record-size", "1024", "--acks", "all")),
                    Map.of(), dir, dir.resolve("latency.log"), Duration.ofSeconds(150));
            JsonNode r = ToolResult.parse(out.output());
            if (out.exitCode() != 0 || r == null || !r.has("p50Ms")) {
                throw new IllegalStateException(system + ": FixedRateLatency failed\n" + out.tail(15));
            }
            row.put("p50Ms", r.get("p50Ms").asDouble());
            row.put("p99Ms", r.get("p99Ms").asDouble());
            row.put("p999Ms", r.get("p999Ms").asDouble());
            return row;
        }
    }

    /**
     * Reads {@code records} records of {@code topic} with a consumer subscribed in the group of {@code props};
     * returns their value bytes. {@code span}, when given, gets the times of the first and of the last record
     * (closing the consumer, which waits for its last fetch and leaves the group, is not part of the read).
     */
    private static long readAll(String system, Properties props, String topic, long records, long[] span) {
        long read = 0;
        long bytes = 0;
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(props, new ByteArrayDeserializer(),
                new ByteArrayDeserializer())) {
            consumer.subscribe(List.of(topic));
            long deadline = System.nanoTime() + Duration.ofMinutes(10).toNanos();
            while (read < records) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException(system + ": read " + read + " of " + records + " in 10 minutes");
                }
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    if (span != null && read == 0) {
                        span[0] = System.nanoTime();
                    }
                    read++;
                    bytes += r.serializedValueSize();
                }
            }
            if (span != null) {
                span[1] = System.nanoTime();
            }
        }
        return bytes;
    }

    /**
     * A node that cannot hold the partitions (out of file descriptors or memory maps, out of heap, too slow) is
     * a result too: the row records why, and the other systems and counts still run.
     */
    private static Map<String, Object> scaleOrFailure(String system, Path jar, Path dir, int partitions) {
        Map<String, Object> failed = new LinkedHashMap<>();
        failed.put("system", system);
        failed.put("partitions", partitions);
        String limits = exceededLimits(partitions);
        if (limits != null) {
            failed.put("error", "not run: " + limits);
            return failed;
        }
        try {
            return scale(system, jar, dir, partitions);
        } catch (Exception e) {
            failed.put("error", "failed: " + String.valueOf(e).replace('|', '/').replace('\n', ' '));
            e.printStackTrace();
            return failed;
        }
    }

    /**
     * Both systems keep one descriptor open per partition (its active segment) and map two indexes, so a node
     * past the process limits fails part-way (after minutes of retries). Null when the counts fit; the
     * margins cover sockets, jars and the JVM's own mappings (about 200 and 1,500 here).
     */
    static String exceededLimits(int partitions) {
        long files = ProcStats.openFilesLimit();
        long maps = -1;
        try {
            maps = Long.parseLong(Files.readAllLines(Path.of("/proc/sys/vm/max_map_count")).get(0).trim());
        } catch (IOException | RuntimeException e) {
            // unknown: not checked
        }
        List<String> over = new ArrayList<>();
        if (files > 0 && partitions + 1_000L > files) {
            over.add(String.format(Locale.ROOT, "needs about %d open files, the limit is %d (ulimit -n)",
                    partitions + 1_000L, files));
        }
        if (maps > 0 && 2L * partitions + 3_000L > maps) {
            over.add(String.format(Locale.ROOT, "needs about %d memory maps, the limit is %d (vm.max_map_count)",
                    2L * partitions + 3_000L, maps));
        }
        return over.isEmpty() ? null : String.join("; ", over);
    }

    static Map<String, Object> scale(String system, Path jar, Path dir, int partitions) throws Exception {
        ChildJvm jvm = jvm();
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("system", system);
        row.put("partitions", partitions);
        // Strata refuses more partitions than its limit in one request; 1,000 per topic stays within both.
        try (Node node = node(system, jar, dir, jvm, Map.of())) {
            node.start();
            List<String> topics = new ArrayList<>();
            long t0 = System.nanoTime();
            try (Admin admin = Node.admin(node.bootstrap(), 300_000)) {
                for (int i = 0; i < partitions / TOPIC_PARTITIONS; i++) {
                    String topic = "scale-" + i;
                    topics.add(topic);
                    admin.createTopics(List.of(new NewTopic(topic, TOPIC_PARTITIONS, (short) 1))).all().get();
                }
                // Created means every partition has a leader as seen by describeTopics.
                awaitLeaders(admin, topics, partitions);
                row.put("createSeconds", (System.nanoTime() - t0) / 1e9);
                // Warmed first: a running node's metadata latency, not its first answers after the create (JIT).
                row.put("describeAllMs", medianMs(10, 21, () -> admin.describeTopics(topics).allTopicNames().get()));
                row.put("metadataOneTopicMs", medianMs(20, 51, () -> admin.describeTopics(List.of(topics.get(0)))
                        .allTopicNames().get()));
            }
            row.put("rssMiB", ProcStats.rssKiB(node.pid()) / 1024);
            row.put("openFiles", ProcStats.openFiles(node.pid()));
            row.put("memoryMaps", ProcStats.memoryMaps(node.pid()));
            node.close();
            // Same data directory: start-up now has to open every partition.
            node.start();
            row.put("restartSeconds", node.startupMs() / 1000.0);
            try (Admin admin = Node.admin(node.bootstrap(), 300_000)) {
                long r0 = System.nanoTime();
                awaitLeaders(admin, topics, partitions);
                row.put("restartLeadersSeconds", node.startupMs() / 1000.0 + (System.nanoTime() - r0) / 1e9);
            }
            row.put("restartRssMiB", ProcStats.rssKiB(node.pid()) / 1024);
        }
        return row;
    }

    private static void awaitLeaders(Admin admin, List<String> topics, int partitions) throws Exception {
        long deadline = System.nanoTime() + Duration.ofMinutes(15).toNanos();
        while (true) {
            long led = -1;
            try {
                led = admin.describeTopics(topics).allTopicNames().get().values().stream()
                        .flatMap(d -> d.partitions().stream()).filter(p -> p.leader() != null && !p.leader().isEmpty())
                        .count();
            } catch (java.util.concurrent.ExecutionException e) {
                // Kafka answers UNKNOWN_TOPIC_OR_PARTITION until its metadata cache has the new topics
            }
            if (led == partitions) {
                return;
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException(led + " of " + partitions + " partitions with a leader after 15 minutes");
            }
            Thread.sleep(200);
        }
    }

    private interface Call {
        void run() throws Exception;
    }

    private static double medianMs(int warmUps, int times, Call call) throws Exception {
        for (int i = 0; i < warmUps; i++) {
            call.run();
        }
        double[] ms = new double[times];
        for (int i = 0; i < times; i++) {
            long t = System.nanoTime();
            call.run();
            ms[i] = (System.nanoTime() - t) / 1e6;
        }
        Arrays.sort(ms);
        return ms[times / 2];
    }

    /** Unkeyed 1 KiB records; the sticky partitioner spreads them over the partitions batch by batch. */
    private static void fill(String bootstrap, String topic, long records) {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ProducerConfig.ACKS_CONFIG, "1");
        p.put(ProducerConfig.LINGER_MS_CONFIG, 5);
        p.put(ProducerConfig.BATCH_SIZE_CONFIG, 64 * 1024);
        byte[] value = new byte[RECORD_BYTES];
        new Random(3).nextBytes(value);
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p, new ByteArraySerializer(),
                new ByteArraySerializer())) {
            for (long i = 0; i < records; i++) {
                producer.send(new ProducerRecord<>(topic, null, null, value));
            }
            producer.flush();
        }
    }

    private static ChildJvm jvm() {
        return new ChildJvm(Paths.get(System.getProperty("java.home"), "bin", "java"),
                System.getProperty("java.class.path"));
    }

    private static Node node(String system, Path jar, Path dir, ChildJvm jvm, Map<String, String> env)
            throws Exception {
        Files.createDirectories(dir);
        Node.Spec spec = new Node.Spec(jvm, List.of("-Xms1g", "-Xmx1g"), dir.resolve("data"), dir.resolve("node.log"),
                Node.Durability.PAGE_CACHE, 1, Duration.ofMinutes(10));
        if (system.equals("kafka")) {
            return new KafkaBroker(spec, Ports.free(), Ports.free());
        }
        return new StrataNode(spec, jar, Ports.free(), Ports.free(), env);
    }
}
