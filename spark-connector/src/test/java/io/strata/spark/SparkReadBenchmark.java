package io.strata.spark;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import java.util.TreeMap;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.crc32;
import static org.apache.spark.sql.functions.length;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.sum;

/**
 * Spark reading the same sealed segments two ways in one run, on one machine, with one {@code local[2]} session:
 * {@code format("strata")} straight from the object store, and Spark's own Kafka source
 * ({@code spark-sql-kafka-0-10}, the same Spark version) through the node. Both read exactly the same offsets
 * (every partition from its start to the end of its last uploaded segment) and aggregate the same way (record
 * count, value bytes and a sum of the values' CRC-32, which must agree between the two), so the values are
 * materialised by both.
 *
 * <p>For every read it measures wall time, MiB/s of record values, records/s, the CPU seconds (user + system, from
 * {@code /proc/<pid>/stat}) of the node, of the S3Proxy process and of this JVM (Spark's driver and executors), the
 * bytes Spark's object-store client fetched (GET requests and bytes, {@link ReadMetrics}) and the bytes the node
 * fetched from the store ({@code strata_tiering_downloaded_bytes}). After one warm-up read of each source, the
 * measured reads alternate (direct, Kafka, Kafka, direct, ...), so that drift of a shared machine hits both.
 *
 * <p>Usage: {@code SparkReadBenchmark [--mib 1024] [--partitions 4] [--segment-mib 64] [--repetitions 3]
 * [--record-bytes 1024] [--node-local-retention-bytes N] [--out DIR] [--work DIR]}; writes {@code spark-read.md}
 * and {@code spark-read.json} to {@code --out}, the object store's files to {@code --work}.
 * {@code load-tests/run-spark-benchmark} builds and runs it; {@code StrataSourceIT} runs it at its smallest on its own
 * node. Not thread-safe; one run at a time per cluster.
 */
public final class SparkReadBenchmark {

    static final String TOPIC = "bench-readings";
    private static final long TICKS_PER_SECOND = 100; // USER_HZ on Linux

    /** What one run is asked to do. */
    record Settings(int mib, int partitions, int segmentMib, int repetitions, int recordBytes, boolean warmUp,
                    Long nodeLocalRetentionBytes, Path out, Path work) {
        static Settings smoke(Path out) {
            return new Settings(8, 2, 1, 1, 1024, false, null, out, out);
        }
    }

    /** One measured read. */
    record Read(String source, int repetition, long records, long valueBytes, long valueCrcSum, double seconds,
                double nodeCpuSeconds, double storeCpuSeconds, double sparkCpuSeconds, long sparkGetRequests,
                long sparkGetBytes, long nodeStoreBytes) {
        double mibPerSecond() {
            return valueBytes / 1048576.0 / seconds;
        }

        double recordsPerSecond() {
            return records / seconds;
        }
    }

    /** Every read of a run and the conditions it ran in. */
    record Result(Settings settings, long tieredRecords, long tieredLogBytes, int segments, List<Read> reads,
                  double loadBefore, double loadAfter, double otherCores, double nodeIdleCpuPerSecond) {
        List<Read> of(String source) {
            return reads.stream().filter(r -> r.source().equals(source)).toList();
        }
    }

    static final String DIRECT = "strata-direct";
    static final String KAFKA = "spark-kafka-source";

    private SparkReadBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        int mib = 1024;
        int partitions = 4;
        int segmentMib = 64;
        int repetitions = 3;
        int recordBytes = 1024;
        Long localRetention = null;
        Path out = Paths.get("load-tests/results/raw/spark-" + Instant.now().toString().replace(":", "")
                .replace(".", ""));
        Path work = null;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--mib" -> mib = Integer.parseInt(args[++i]);
                case "--partitions" -> partitions = Integer.parseInt(args[++i]);
                case "--segment-mib" -> segmentMib = Integer.parseInt(args[++i]);
                case "--repetitions" -> repetitions = Integer.parseInt(args[++i]);
                case "--record-bytes" -> recordBytes = Integer.parseInt(args[++i]);
                case "--node-local-retention-bytes" -> localRetention = Long.parseLong(args[++i]);
                case "--out" -> out = Paths.get(args[++i]);
                case "--work" -> work = Paths.get(args[++i]);
                default -> throw new IllegalArgumentException("unknown argument " + args[i]);
            }
        }
        Result result = run(new Settings(mib, partitions, segmentMib, repetitions, recordBytes, true, localRetention,
                out.toAbsolutePath(), (work == null ? out : work).toAbsolutePath()));
        System.out.print(markdown(result));
        System.out.println("Written to " + out.toAbsolutePath());
        System.exit(0); // Spark's non-daemon threads
    }

    /**
     * S3Proxy stands in for S3 here, so it runs with the full JIT and room to buffer, not with the tests' quick-start
     * options; its CPU is reported on its own, not as the node's.
     */
    static final List<String> S3PROXY_JVM_OPTIONS = List.of("-Xmx1g");

    /** Starts a node, S3Proxy and Spark, then runs {@link #run(Settings, StrataClusterFixture)}. */
    static Result run(Settings settings) throws Exception {
        Files.createDirectories(settings.work());
        try (StrataClusterFixture cluster = new StrataClusterFixture("spark-bench", settings.work(),
                Map.of("STRATA_TIERING_SCAN_INTERVAL", "200ms"), S3PROXY_JVM_OPTIONS)) {
            cluster.spark.sparkContext().setLogLevel("WARN");
            return run(settings, cluster);
        }
    }

    /**
     * Produces to {@link #TOPIC} of a running cluster, waits for the upload, reads with both sources; writes the
     * report files to {@code settings.out()}.
     */
    static Result run(Settings settings, StrataClusterFixture cluster) throws Exception {
        Files.createDirectories(settings.out());
        double loadBefore = loadAverage();
        createTopic(cluster, settings);
        produce(cluster, settings);
        cluster.awaitTiered();
        Map<TopicPartition, PartitionCatalog.PartitionSource> tiered = cluster.tiered(TOPIC);
        long tieredRecords = tiered.values().stream().mapToLong(s -> s.endOffset() - s.logStartOffset()).sum();
        long tieredBytes = tiered.values().stream().flatMap(s -> s.manifest().segments().stream())
                .mapToLong(s -> s.sizeInBytes()).sum();
        int segments = tiered.values().stream().mapToInt(s -> s.manifest().segments().size()).sum();
        String ends = endingOffsets(tiered);
        // What the node burns doing nothing for the reads (tiering scans, metrics, GC): subtracted in the report.
        long idle0 = ticks(cluster.node.pid());
        long idleT0 = System.nanoTime();
        Thread.sleep(settings.warmUp() ? 10_000 : 3_000);
        double nodeIdle = (ticks(cluster.node.pid()) - idle0) / (double) TICKS_PER_SECOND
                / ((System.nanoTime() - idleT0) / 1e9);

        long busyBefore = machineBusyTicks();
        long ownBefore = ownTicks(cluster);
        long t0 = System.nanoTime();
        if (settings.warmUp()) {
            read(cluster, DIRECT, 0, ends);
            read(cluster, KAFKA, 0, ends);
        }
        List<Read> reads = new ArrayList<>();
        for (int rep = 1; rep <= settings.repetitions(); rep++) {
            List<String> order = rep % 2 == 1 ? List.of(DIRECT, KAFKA) : List.of(KAFKA, DIRECT);
            for (String source : order) {
                Read r = read(cluster, source, rep, ends);
                reads.add(r);
                System.out.printf(Locale.ROOT, "%s #%d: %.2f s, %.1f MiB/s, %.0f records/s, node CPU %.2f s%n",
                        source, rep, r.seconds(), r.mibPerSecond(), r.recordsPerSecond(), r.nodeCpuSeconds());
            }
        }
        double elapsed = (System.nanoTime() - t0) / 1e9;
        long foreign = (machineBusyTicks() - busyBefore) - (ownTicks(cluster) - ownBefore);
        double otherCores = busyBefore < 0 ? Double.NaN : Math.max(0, foreign) / (double) TICKS_PER_SECOND / elapsed;
        for (Read r : reads) {
            if (r.records() != tieredRecords || r.valueCrcSum() != reads.get(0).valueCrcSum()
                    || r.valueBytes() != reads.get(0).valueBytes()) {
                throw new IllegalStateException("the reads disagree: " + r + " vs " + reads.get(0)
                        + " (tiered records: " + tieredRecords + ")");
            }
        }
        Result result = new Result(settings, tieredRecords, tieredBytes, segments, reads, loadBefore,
                loadAverage(), otherCores, nodeIdle);
        Files.writeString(settings.out().resolve("spark-read.md"), markdown(result));
        new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT)
                .writeValue(settings.out().resolve("spark-read.json").toFile(), json(result));
        return result;
    }

    private static void createTopic(StrataClusterFixture cluster, Settings settings) throws Exception {
        Map<String, String> configs = new HashMap<>();
        configs.put("segment.bytes", Long.toString((long) settings.segmentMib() << 20));
        if (settings.nodeLocalRetentionBytes() != null) {
            configs.put("local.retention.bytes", Long.toString(settings.nodeLocalRetentionBytes()));
        }
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.node.bootstrap()))) {
            admin.createTopics(List.of(new NewTopic(TOPIC, settings.partitions(), (short) 1).configs(configs)))
                    .all().get();
        }
    }

    /** {@code mib} MiB of values, round robin over the partitions, no compression: bytes read are bytes stored. */
    private static void produce(StrataClusterFixture cluster, Settings settings) {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.node.bootstrap());
        p.put(ProducerConfig.ACKS_CONFIG, "1");
        p.put(ProducerConfig.LINGER_MS_CONFIG, 10);
        p.put(ProducerConfig.BATCH_SIZE_CONFIG, Math.min(256 * 1024, (settings.segmentMib() << 20) / 4));
        p.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "none");
        // Distinct random values from a pool: cheap to send, and every record's CRC differs from its neighbours'.
        Random random = new Random(7);
        byte[][] pool = new byte[1024][];
        for (int i = 0; i < pool.length; i++) {
            pool[i] = new byte[settings.recordBytes()];
            random.nextBytes(pool[i]);
        }
        long records = ((long) settings.mib() << 20) / settings.recordBytes();
        long t0 = System.nanoTime();
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p, new ByteArraySerializer(),
                new ByteArraySerializer())) {
            for (long i = 0; i < records; i++) {
                producer.send(new ProducerRecord<>(TOPIC, (int) (i % settings.partitions()), null,
                        pool[(int) (i % pool.length)]));
            }
            producer.flush();
        }
        System.out.printf(Locale.ROOT, "Produced %d records (%d MiB) in %.1f s%n", records, settings.mib(),
                (System.nanoTime() - t0) / 1e9);
    }

    /** Spark's Kafka-source JSON of the end of what the bucket holds of each partition. */
    private static String endingOffsets(Map<TopicPartition, PartitionCatalog.PartitionSource> tiered) {
        Map<TopicPartition, Long> ends = new TreeMap<>(Comparator.comparingInt(TopicPartition::partition));
        tiered.forEach((tp, s) -> ends.put(tp, s.endOffset()));
        return new PartitionOffsets(ends).json();
    }

    private static Read read(StrataClusterFixture cluster, String source, int repetition, String ends) {
        Dataset<Row> df = source.equals(DIRECT)
                ? cluster.read().option("subscribe", TOPIC).option("endingOffsets", ends).load()
                : cluster.spark.read().format("kafka").option("kafka.bootstrap.servers", cluster.node.bootstrap())
                        .option("subscribe", TOPIC).option("startingOffsets", "earliest")
                        .option("endingOffsets", ends).load();
        Dataset<Row> totals = df.agg(count(lit(1)), sum(length(col("value"))), sum(crc32(col("value"))));
        long node = ticks(cluster.node.pid());
        long store = ticks(cluster.s3.pid());
        long spark = ticks(ProcessHandle.current().pid());
        double nodeStore = cluster.metric("strata_tiering_downloaded_bytes_total");
        ReadMetrics.Snapshot before = ReadMetrics.snapshot();
        long t0 = System.nanoTime();
        Row row = totals.collectAsList().get(0);
        double seconds = (System.nanoTime() - t0) / 1e9;
        ReadMetrics.Snapshot used = ReadMetrics.snapshot().minus(before);
        return new Read(source, repetition, row.getLong(0), row.isNullAt(1) ? 0 : row.getLong(1),
                row.isNullAt(2) ? 0 : row.getLong(2), seconds,
                (ticks(cluster.node.pid()) - node) / (double) TICKS_PER_SECOND,
                (ticks(cluster.s3.pid()) - store) / (double) TICKS_PER_SECOND,
                (ticks(ProcessHandle.current().pid()) - spark) / (double) TICKS_PER_SECOND,
                used.getRequests(), used.bytesDownloaded(),
                (long) (cluster.metric("strata_tiering_downloaded_bytes_total") - nodeStore));
    }

    // ------------------------------------------------------------------ report

    static String markdown(Result r) {
        Settings s = r.settings();
        StringBuilder md = new StringBuilder();
        md.append("# Spark: direct read of tiered segments vs Spark's Kafka source through the node\n\n");
        md.append(String.format(Locale.ROOT, "%d records of %d B values (%.0f MiB of sealed segments, %d segments of "
                        + "%d MiB, %d partitions, no compression), read %d time(s) by each source after %s, "
                        + "alternating; Spark %s `local[2]` in one JVM; node and S3Proxy (filesystem back end, JVM "
                        + "options `%s`) as separate processes on the same machine (%d cores). Node keeps %s.%n%n",
                r.tieredRecords(), s.recordBytes(), r.tieredLogBytes() / 1048576.0, r.segments(), s.segmentMib(),
                s.partitions(), s.repetitions(), s.warmUp() ? "one warm-up read each" : "no warm-up",
                org.apache.spark.package$.MODULE$.SPARK_VERSION(), String.join(" ", S3PROXY_JVM_OPTIONS),
                Runtime.getRuntime().availableProcessors(),
                s.nodeLocalRetentionBytes() == null ? "its local copy (default local retention): the Kafka source "
                        + "is served from the node's disk/page cache"
                        : "local.retention.bytes=" + s.nodeLocalRetentionBytes()));
        md.append(String.format(Locale.ROOT, "Load average %.2f before, %.2f after; other processes kept %.2f cores "
                + "busy on average during the reads (the machine is shared). The idle node used %.3f CPU s per "
                + "second before the reads (tiering scans, metrics); `node CPU above idle` subtracts that rate times the "
                + "wall time.%n%n", r.loadBefore(), r.loadAfter(), r.otherCores(), r.nodeIdleCpuPerSecond()));
        md.append("| source | wall s | MiB/s | records/s | node CPU s | node CPU above idle s | S3Proxy CPU s | "
                + "Spark JVM CPU s | Spark GETs | Spark GET MiB | node GET MiB |\n"
                + "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
        for (String source : List.of(DIRECT, KAFKA)) {
            List<Read> reads = r.of(source);
            md.append(String.format(Locale.ROOT, "| %s (median of %d) | %.2f | %.1f | %.0f | %.2f | %.2f | %.2f | %.2f "
                            + "| %d | %.1f | %.1f |%n", source, reads.size(),
                    median(reads, Read::seconds), median(reads, Read::mibPerSecond),
                    median(reads, Read::recordsPerSecond), median(reads, Read::nodeCpuSeconds),
                    median(reads, x -> Math.max(0, x.nodeCpuSeconds() - r.nodeIdleCpuPerSecond() * x.seconds())),
                    median(reads, Read::storeCpuSeconds), median(reads, Read::sparkCpuSeconds),
                    (long) median(reads, Read::sparkGetRequests), median(reads, Read::sparkGetBytes) / 1048576.0,
                    median(reads, Read::nodeStoreBytes) / 1048576.0));
        }
        md.append(String.format(Locale.ROOT, "%nRatios direct / Kafka source (medians): throughput %.2f, wall time "
                        + "%.2f, node CPU %.3f (above idle %.3f), Spark JVM CPU %.2f.%n%n",
                median(r.of(DIRECT), Read::mibPerSecond) / median(r.of(KAFKA), Read::mibPerSecond),
                median(r.of(DIRECT), Read::seconds) / median(r.of(KAFKA), Read::seconds),
                median(r.of(DIRECT), Read::nodeCpuSeconds) / Math.max(0.01, median(r.of(KAFKA), Read::nodeCpuSeconds)),
                median(r.of(DIRECT), x -> Math.max(0, x.nodeCpuSeconds() - r.nodeIdleCpuPerSecond() * x.seconds()))
                        / Math.max(0.01, median(r.of(KAFKA), x -> Math.max(0, x.nodeCpuSeconds()
                        - r.nodeIdleCpuPerSecond() * x.seconds()))),
                median(r.of(DIRECT), Read::sparkCpuSeconds) / median(r.of(KAFKA), Read::sparkCpuSeconds)));
        md.append("Every read: `count`, `sum(length(value))` and `sum(crc32(value))` over the same offsets; all reads "
                + "returned the same three numbers.\n\n| source | # | wall s | MiB/s | records/s | node CPU s | "
                + "S3Proxy CPU s | Spark JVM CPU s | Spark GET MiB |\n|---|---:|---:|---:|---:|---:|---:|---:|---:|\n");
        for (Read x : r.reads()) {
            md.append(String.format(Locale.ROOT, "| %s | %d | %.2f | %.1f | %.0f | %.2f | %.2f | %.2f | %.1f |%n",
                    x.source(), x.repetition(), x.seconds(), x.mibPerSecond(), x.recordsPerSecond(),
                    x.nodeCpuSeconds(), x.storeCpuSeconds(), x.sparkCpuSeconds(), x.sparkGetBytes() / 1048576.0));
        }
        return md.toString();
    }

    private static Map<String, Object> json(Result r) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("settings", r.settings().toString());
        out.put("tieredRecords", r.tieredRecords());
        out.put("tieredLogBytes", r.tieredLogBytes());
        out.put("segments", r.segments());
        out.put("loadBefore", r.loadBefore());
        out.put("loadAfter", r.loadAfter());
        out.put("otherCores", r.otherCores());
        out.put("nodeIdleCpuPerSecond", r.nodeIdleCpuPerSecond());
        List<Map<String, Object>> reads = new ArrayList<>();
        for (Read x : r.reads()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("source", x.source());
            m.put("repetition", x.repetition());
            m.put("records", x.records());
            m.put("valueBytes", x.valueBytes());
            m.put("seconds", x.seconds());
            m.put("mibPerSecond", x.mibPerSecond());
            m.put("recordsPerSecond", x.recordsPerSecond());
            m.put("nodeCpuSeconds", x.nodeCpuSeconds());
            m.put("storeCpuSeconds", x.storeCpuSeconds());
            m.put("sparkCpuSeconds", x.sparkCpuSeconds());
            m.put("sparkGetRequests", x.sparkGetRequests());
            m.put("sparkGetBytes", x.sparkGetBytes());
            m.put("nodeStoreBytes", x.nodeStoreBytes());
            reads.add(m);
        }
        out.put("reads", reads);
        return out;
    }

    static double median(List<Read> reads, java.util.function.ToDoubleFunction<Read> f) {
        double[] v = reads.stream().mapToDouble(f).sorted().toArray();
        if (v.length == 0) {
            return Double.NaN;
        }
        return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
    }

    // ------------------------------------------------------------------ /proc

    /** utime + stime of a process in USER_HZ ticks, 0 if it cannot be read. */
    static long ticks(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split("\\s+");
            return Long.parseLong(f[11]) + Long.parseLong(f[12]); // fields 14 and 15
        } catch (IOException | RuntimeException e) {
            return 0;
        }
    }

    private static long ownTicks(StrataClusterFixture cluster) {
        return ticks(ProcessHandle.current().pid()) + ticks(cluster.node.pid()) + ticks(cluster.s3.pid());
    }

    private static long machineBusyTicks() {
        try {
            String[] f = Files.readAllLines(Path.of("/proc/stat")).get(0).trim().split("\\s+");
            return Long.parseLong(f[1]) + Long.parseLong(f[2]) + Long.parseLong(f[3]) + Long.parseLong(f[6])
                    + Long.parseLong(f[7]) + Long.parseLong(f[8]);
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    private static double loadAverage() {
        try {
            return Double.parseDouble(Files.readString(Path.of("/proc/loadavg")).split("\\s+")[0]);
        } catch (IOException | RuntimeException e) {
            return Double.NaN;
        }
    }
}
