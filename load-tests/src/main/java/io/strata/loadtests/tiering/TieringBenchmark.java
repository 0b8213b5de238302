package io.strata.loadtests.tiering;

import io.strata.loadtests.ChildJvm;
import io.strata.loadtests.node.Node;
import io.strata.loadtests.node.StrataNode;
import io.strata.loadtests.tools.PartitionFill;
import io.strata.storage.remote.EmbeddedS3Proxy;
import io.strata.testsupport.Ports;
import io.strata.storage.remote.ObjectStore;
import io.strata.storage.remote.ObjectStoreConfig;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Tiered-storage throughput of one Strata node against its embedded S3Proxy, in four numbers:
 * <ol>
 *   <li>raw PUT: the node's object-store client uploading segment-sized objects one after another (the
 *       ceiling for sequential tiering);</li>
 *   <li>tiering: MiB/s of segments that reach the manifest while a producer fills a topic with
 *       {@code local.retention.bytes=0} (from the first upload until the backlog is empty);</li>
 *   <li>cold read: a consumer from offset 0 of that topic, every batch from object storage, read cache empty;</li>
 *   <li>warm read: the same again with the chunks in the node's read cache; plus a local read for reference.</li>
 * </ol>
 * Usage: {@code TieringBenchmark --repo-root DIR [--mib 64] [--segment-mib 1]}; writes a Markdown table to
 * stdout and {@code load-tests/results/raw/tiering-<timestamp>.md}.
 */
public final class TieringBenchmark {


    public static void main(String[] args) throws Exception {
        Path repo = Paths.get(".");
        int mib = 64;
        int segmentMib = 1;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--repo-root" -> repo = Paths.get(args[++i]);
                case "--mib" -> mib = Integer.parseInt(args[++i]);
                case "--segment-mib" -> segmentMib = Integer.parseInt(args[++i]);
                default -> throw new IllegalArgumentException("unknown argument " + args[i]);
            }
        }
        String stamp = Instant.now().toString().replace(":", "").replace(".", "");
        Path work = Files.createDirectories(repo.resolve("load-tests/results/raw/tiering-" + stamp)).toAbsolutePath();
        int s3Port = Ports.free();
        int kafkaPort = Ports.free();
        int httpPort = Ports.free();
        Node.Spec spec = new Node.Spec(new ChildJvm(Paths.get(System.getProperty("java.home"), "bin", "java"),
                System.getProperty("java.class.path")), List.of("-Xms1g", "-Xmx1g"), work.resolve("data"),
                work.resolve("node.log"), Node.Durability.PAGE_CACHE, 1, Duration.ofSeconds(120));
        Map<String, String> env = Map.of(
                "STRATA_S3_EMBEDDED_PORT", Integer.toString(s3Port),
                "STRATA_TIERING_CACHE_BYTES", Long.toString(4L * mib << 20),
                "STRATA_TIERING_SCAN_INTERVAL", "200ms");
        List<String[]> rows = new ArrayList<>();
        try (StrataNode node = new StrataNode(spec, repo.resolve("ingest/target/quarkus-app/quarkus-run.jar")
                .toAbsolutePath(), kafkaPort, httpPort, env)) {
            node.start();
            long segmentBytes = (long) segmentMib << 20;

            double raw = rawPut(URI.create("http://127.0.0.1:" + s3Port), segmentBytes, mib / segmentMib, work);
            rows.add(row("raw PUT of " + segmentMib + " MiB objects (sequential)", raw, raw));

            String tiered = "bench-tiered";
            createTopic(node.bootstrap(), tiered, Map.of("segment.bytes", Long.toString(segmentBytes),
                    "local.retention.bytes", "0"));
            double tiering = produceAndTier(node, tiered, mib);
            rows.add(row("tiering (upload + manifest commit, " + segmentMib + " MiB segments)", tiering, raw));

            double cold = consume(node.bootstrap(), tiered);
            double warm = consume(node.bootstrap(), tiered);
            String local = "bench-local";
            createTopic(node.bootstrap(), local, Map.of("segment.bytes", Long.toString(segmentBytes),
                    "remote.storage.enable", "false"));
            PartitionFill.fill(node.bootstrap(), local, mib);
            double localRead = consume(node.bootstrap(), local);
            rows.add(row("cold remote read (consumer from offset 0)", cold, warm));
            rows.add(row("warm remote read (chunks cached)", warm, warm));
            rows.add(row("local read (reference)", localRead, warm));
        }
        StringBuilder md = new StringBuilder();
        md.append(String.format(Locale.ROOT, "# Tiering benchmark %s%n%n%d MiB of 1 KiB records, %d MiB segments, "
                + "embedded S3Proxy (filesystem), %d cores%n%n| measurement | MiB/s | ratio |%n|---|---:|---|%n",
                stamp, mib, segmentMib, Runtime.getRuntime().availableProcessors()));
        for (String[] r : rows) {
            md.append("| ").append(String.join(" | ", r)).append(" |\n");
        }
        System.out.print(md);
        Files.writeString(work.resolve("..").resolve("tiering-" + stamp + ".md"), md);
    }

    private static String[] row(String what, double mibPerS, double reference) {
        return new String[]{what, String.format(Locale.ROOT, "%.1f", mibPerS),
                String.format(Locale.ROOT, "%.2f of the row's reference", mibPerS / reference)};
    }

    /** Sequential PUTs of segment-sized objects with the node's client settings. */
    private static double rawPut(URI endpoint, long bytes, int count, Path work) throws IOException {
        Path file = work.resolve("segment.bin");
        byte[] data = new byte[(int) bytes];
        new Random(1).nextBytes(data);
        Files.write(file, data);
        try (ObjectStore store = new ObjectStore(ObjectStoreConfig.forEndpoint(endpoint, "strata",
                EmbeddedS3Proxy.IDENTITY, EmbeddedS3Proxy.CREDENTIAL).withPrefix("bench-raw-put"))) {
            store.putFile("warm-up", file);
            long t0 = System.nanoTime();
            for (int i = 0; i < count; i++) {
                store.putFile("object-" + i, file);
            }
            return mibPerSecond((long) count * bytes, System.nanoTime() - t0);
        }
    }

    private static double produceAndTier(StrataNode node, String topic, int mib) throws Exception {
        double startCopied = metric(node, "strata_tiering_segments_copied_total");
        Thread producer = new Thread(() -> PartitionFill.fill(node.bootstrap(), topic, mib));
        producer.start();
        long first = 0;
        long last = 0;
        double previous = startCopied;
        long deadline = System.nanoTime() + Duration.ofMinutes(10).toNanos();
        while (System.nanoTime() < deadline) {
            double copied = metric(node, "strata_tiering_segments_copied_total");
            long now = System.nanoTime();
            if (copied > previous) {
                if (first == 0) {
                    first = now;
                }
                last = now;
                previous = copied;
            }
            if (!producer.isAlive() && copied > startCopied && metric(node, "strata_tiering_backlog_bytes") == 0) {
                break;
            }
            Thread.sleep(20);
        }
        producer.join();
        double segments = previous - startCopied;
        // The first poll that saw an upload stands for the end of that upload: count the segments after it.
        return mibPerSecond((long) ((segments - 1) / segments * ((long) mib << 20)), last - first);
    }


    /** Reads the partition from its beginning to its end offset; MiB/s of record values. */
    private static double consume(String bootstrap, String topic) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        TopicPartition tp = new TopicPartition(topic, 0);
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(p, new ByteArrayDeserializer(),
                new ByteArrayDeserializer())) {
            consumer.assign(List.of(tp));
            consumer.seekToBeginning(List.of(tp));
            long end = consumer.endOffsets(List.of(tp)).get(tp);
            long bytes = 0;
            long t0 = System.nanoTime();
            while (consumer.position(tp) < end) {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(500))) {
                    bytes += r.serializedValueSize();
                }
                if (System.nanoTime() - t0 > Duration.ofMinutes(5).toNanos()) {
                    throw new IllegalStateException("read of " + topic + " stuck at " + consumer.position(tp));
                }
            }
            return mibPerSecond(bytes, System.nanoTime() - t0);
        }
    }

    private static void createTopic(String bootstrap, String topic, Map<String, String> configs) throws Exception {
        try (Admin admin = Node.admin(bootstrap, 30_000)) {
            admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1).configs(configs))).all().get();
        }
    }

    private static final HttpClient HTTP = HttpClient.newHttpClient();

    private static double metric(StrataNode node, String name) throws Exception {
        String body = HTTP.send(HttpRequest.newBuilder(URI.create(node.httpBase() + "/q/metrics")).build(),
                HttpResponse.BodyHandlers.ofString()).body();
        Matcher m = Pattern.compile("(?m)^" + Pattern.quote(name) + "(?:\\{[^}]*})? ([0-9.eE+-]+)$").matcher(body);
        if (!m.find()) {
            throw new IllegalStateException("metric " + name + " not exported");
        }
        return Double.parseDouble(m.group(1));
    }

    private static double mibPerSecond(long bytes, long nanos) {
        return bytes / 1048576.0 / (nanos / 1e9);
    }
}
