package io.strata.loadtests;

import io.strata.loadtests.node.Node.Durability;
import io.strata.loadtests.report.Results.MetricDef;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Workloads and their sizes for one mode (full or smoke). */
public record Plan(String mode, int repetitions, Map<String, Variant> variants, Limits limits, int partitions) {

    public enum Kind { PRODUCE, CONSUME, LATENCY, INGEST, NODE }

    /**
     * One workload; {@code source} is the produce workload whose topic a consume workload reads. An ingest
     * workload sends {@code records} device JSON lines of about {@code recordSize} bytes, after {@code warmupRecords}
     * unmeasured ones, as NDJSON uploads of {@code linesPerRequest} lines from {@code clients} concurrent HTTP
     * clients, and the same lines with Kafka produce; then {@code singleRecords} of them one per request from
     * {@code singleClients} clients.
     */
    public record Workload(String id, String title, Kind kind, int recordSize, String acks, long records,
                           String source, int rate, double durationS, double warmupS, long warmupRecords,
                           int linesPerRequest, int clients, long singleRecords, int singleClients) {

        public Workload(String id, String title, Kind kind, int recordSize, String acks, long records,
                        String source, int rate, double durationS, double warmupS) {
            this(id, title, kind, recordSize, acks, records, source, rate, durationS, warmupS, 0, 0, 0, 0, 0);
        }

        public String topic() {
            return "bench-" + (kind == Kind.CONSUME ? source : id);
        }

        /** The topics the workload writes, created before it runs. */
        public List<String> topics() {
            return switch (kind) {
                case PRODUCE, LATENCY -> List.of(topic());
                case INGEST -> List.of(topic() + "-http", topic() + "-single", topic() + "-kafka");
                case CONSUME, NODE -> List.of();
            };
        }

        public String describe() {
            return switch (kind) {
                case PRODUCE -> String.format("`%s`: ProducerPerformance (kafka-tools), %,d records of %d B, acks=%s, "
                        + "unthrottled, producer defaults otherwise", id, records, recordSize, acks);
                case CONSUME -> String.format("`%s`: ConsumerPerformance (kafka-tools) in a fresh group reads every "
                        + "record of `%s`'s topic", id, source);
                case LATENCY -> String.format("`%s`: fixed rate %d records/s of %d B, acks=%s, linger.ms=0, "
                        + "%.0f s measured after %.0f s warm-up; consumer assign() in the same JVM", id, rate,
                        recordSize, acks, durationS, warmupS);
                case INGEST -> String.format("`%s`: %,d device JSON lines of ~%d B (after %,d warm-up lines), keyed by "
                        + "device: on Strata with Gatling as NDJSON `POST /ingest/{topic}` uploads of %,d lines from %d "
                        + "concurrent users, then %,d of them one per request (REST Proxy v2 `POST /topics/{topic}`) "
                        + "from %d users; on both systems as Kafka produce of the same lines and keys (kafka-clients "
                        + "defaults, acks=all); MiB/s counts the lines' bytes; Gatling's data (simulation.log, stats) is in `gatling/`",
                        id, records, recordSize, warmupRecords, linesPerRequest, clients, singleRecords, singleClients);
                case NODE -> "`node`: startup time to ready and resident memory of the node process";
            };
        }
    }

    /**
     * A durability setting and the workloads run under it, on {@code replication.nodes()} nodes of each system with
     * topics of that replication.
     */
    public record Variant(String id, Durability durability, String description, List<Workload> workloads,
                          Replication replication) {

        public Variant(String id, Durability durability, String description, List<Workload> workloads) {
            this(id, durability, description, workloads, Replication.SINGLE_NODE);
        }

        public boolean cluster() {
            return replication.nodes() > 1;
        }
    }

    /** Nodes per system, and the replication factor and min.insync.replicas of the topics created. */
    public record Replication(int nodes, int factor, int minInsyncReplicas) {
        public static final Replication SINGLE_NODE = new Replication(1, 1, 1);

        /** Topic configs beyond the broker defaults. */
        public Map<String, String> topicConfigs() {
            return minInsyncReplicas > 1 ? Map.of("min.insync.replicas", Integer.toString(minInsyncReplicas))
                    : Map.of();
        }
    }

    /** Sizes of the physical limit measurements. */
    public record Limits(int repetitions, long seqWriteBytes, int syncChunkBytes, double syncSeconds,
                         double loopbackSeconds) {
    }

    public static final String DEFAULT = "default";
    /**
     * Start-up as the README starts each system: Strata through its launcher ({@code bin/strata}: its JDK choice
     * and AOT cache), Kafka as {@code kafka-server-start.sh} runs it ({@code kafka.Kafka} on the harness's JVM).
     */
    public static final String LAUNCHER_STARTUP = "startup to ready, as the README starts it (Strata: bin/strata)";
    public static final String FLUSH = "flush-every-batch";
    public static final String CLUSTER = "cluster";

    public static Plan full() {
        return build("full", 3, 1_000_000, 4_000_000, 1000, 15, 2, 30_000, 10, 400_000, 32_000, CLUSTER_RECORDS_FULL,
                new Limits(3, 1L << 30, 16 * 1024, 4, 3));
    }

    public static Plan smoke() {
        return build("smoke", 1, 5_000, 20_000, 200, 2, 1, 2_000, 2, 20_000, 800, 5_000,
                new Limits(1, 64L << 20, 16 * 1024, 0.5, 0.5));
    }

    private static Plan build(String mode, int reps, long records1k, long records100, int rate, double latS,
                              double warmS, long flushRecords, double flushLatS, long ingestLines, long singleRecords,
                              long clusterRecords, Limits limits) {
        List<Workload> def = new ArrayList<>();
        def.add(node());
        def.add(produce("produce-1k-acks1", "produce 1 KiB acks=1", 1024, "1", records1k));
        def.add(produce("produce-1k-acksall", "produce 1 KiB acks=all", 1024, "all", records1k));
        def.add(produce("produce-100b-acks1", "produce 100 B acks=1", 100, "1", records100));
        def.add(produce("produce-100b-acksall", "produce 100 B acks=all", 100, "all", records100));
        def.add(new Workload("consume-1k", "consume 1 KiB", Kind.CONSUME, 1024, null, records1k,
                "produce-1k-acks1", 0, 0, 0));
        def.add(new Workload("consume-100b", "consume 100 B", Kind.CONSUME, 100, null, records100,
                "produce-100b-acks1", 0, 0, 0));
        def.add(new Workload("latency-1k", "latency 1 KiB @" + rate + "/s", Kind.LATENCY, 1024, "all", 0, null,
                rate, latS, warmS));
        def.add(new Workload("ingest-ndjson", "device JSON ~200 B", Kind.INGEST, 200, "all", ingestLines, null, 0, 0,
                0, ingestLines / 4, 1000, 4, singleRecords, 16));

        List<Workload> flush = new ArrayList<>();
        flush.add(node());
        flush.add(produce("produce-1k-acksall", "produce 1 KiB acks=all", 1024, "all", flushRecords));
        flush.add(new Workload("latency-1k", "latency 1 KiB @" + rate + "/s", Kind.LATENCY, 1024, "all", 0, null,
                rate, flushLatS, warmS));

        List<Workload> cluster = new ArrayList<>();
        cluster.add(new Workload("node", CLUSTER_NODES + " nodes", Kind.NODE, 0, null, 0, null, 0, 0, 0));
        cluster.add(produce("produce-1k-acksall-rf3", "produce 1 KiB acks=all RF " + CLUSTER_NODES, 1024, "all",
                clusterRecords));

        Map<String, Variant> variants = new LinkedHashMap<>();
        variants.put(DEFAULT, new Variant(DEFAULT, Durability.PAGE_CACHE,
                "appends go to the page cache and the OS writes them back (both systems' default; "
                        + "Kafka: no log.flush.* settings; Strata: no STRATA_LOG_FLUSH_* settings)", def));
        variants.put(FLUSH, new Variant(FLUSH, Durability.FLUSH_EVERY_BATCH,
                "fsync after every appended batch (Kafka: log.flush.interval.messages=1; "
                        + "Strata: STRATA_LOG_FLUSH_MESSAGES=1)", flush));
        variants.put(CLUSTER, new Variant(CLUSTER, Durability.PAGE_CACHE, String.format(
                "%d nodes of each system on this machine, topics with replication factor %d and min.insync.replicas=%d, "
                        + "page cache as in `default` (Kafka: %d combined broker+controller processes forming a "
                        + "%d-voter KRaft quorum; Strata: %d members of one cluster sharing one S3Proxy object store, "
                        + "started by the harness)", CLUSTER_NODES, CLUSTER_NODES, CLUSTER_MIN_ISR, CLUSTER_NODES,
                CLUSTER_NODES, CLUSTER_NODES), cluster, new Replication(CLUSTER_NODES, CLUSTER_NODES, CLUSTER_MIN_ISR)));
        return new Plan(mode, reps, variants, limits, 3);
    }

    static final int CLUSTER_NODES = 3;
    static final int CLUSTER_MIN_ISR = 2;
    /** Every record is written three times to the one disk, so fewer records than the single-node produce. */
    static final long CLUSTER_RECORDS_FULL = 500_000;

    private static Workload node() {
        return new Workload("node", "node", Kind.NODE, 0, null, 0, null, 0, 0, 0);
    }

    private static Workload produce(String id, String title, int size, String acks, long records) {
        return new Workload(id, title, Kind.PRODUCE, size, acks, records, null, 0, 0, 0);
    }

    /** The metrics a workload reports. */
    /**
     * CPU seconds of the broker processes (user + system, from /proc) per GiB of record payload produced or
     * consumed: the broker's cost per byte, whatever the clients take. For a cluster, the sum of its nodes and the
     * object store.
     */
    public static final String BROKER_CPU_PER_GIB = "broker CPU per GiB";

    public static List<MetricDef> metrics(Variant v, Workload w) {
        String id = v.id();
        // A cluster's memory is the sum over its nodes; its records are written once per replica to the one disk,
        // so the single-stream disk limit is no ceiling to compare with.
        String sum = v.cluster() ? ", sum of nodes" : "";
        String diskLimit = v.cluster() ? null
                : v.durability() == Durability.PAGE_CACHE ? "disk-write-then-sync" : "disk-sync-every-write";
        return switch (w.kind()) {
            case NODE -> {
                List<MetricDef> node = new ArrayList<>(List.of(
                        new MetricDef(id, w.id(), w.title(), v.cluster() ? "startup to ready, all nodes" : "startup to ready",
                                "ms", false, null),
                        new MetricDef(id, w.id(), w.title(), "RSS after startup" + sum, "MiB", false, null),
                        new MetricDef(id, w.id(), w.title(), "peak RSS" + sum, "MiB", false, null),
                        new MetricDef(id, w.id(), w.title(), "CPU used by other processes", "cores", false, null, true)));
                if (id.equals(DEFAULT)) {
                    node.add(new MetricDef(id, w.id(), w.title(), LAUNCHER_STARTUP, "ms", false, null));
                }
                yield node;
            }
            case PRODUCE -> List.of(
                    new MetricDef(id, w.id(), w.title(), "throughput", "MiB/s", true, diskLimit),
                    new MetricDef(id, w.id(), w.title(), "records/s", "records/s", true, null),
                    new MetricDef(id, w.id(), w.title(), "send latency p99", "ms", false, null),
                    new MetricDef(id, w.id(), w.title(), BROKER_CPU_PER_GIB + sum, "CPU s/GiB", false, null));
            case CONSUME -> List.of(
                    new MetricDef(id, w.id(), w.title(), "throughput", "MiB/s", true, "loopback-tcp"),
                    new MetricDef(id, w.id(), w.title(), "records/s", "records/s", true, null),
                    new MetricDef(id, w.id(), w.title(), BROKER_CPU_PER_GIB + sum, "CPU s/GiB", false, null));
            case INGEST -> List.of(
                    MetricDef.strataOnly(id, w.id(), w.title(), "HTTP NDJSON ingest", "MiB/s", true, null),
                    new MetricDef(id, w.id(), w.title(), "Kafka produce, same lines", "MiB/s", true, null),
                    MetricDef.strataOnly(id, w.id(), w.title(), "HTTP NDJSON / Kafka produce", "ratio", true, null),
                    MetricDef.strataOnly(id, w.id(), w.title(), "HTTP NDJSON records/s", "records/s", true, null),
                    MetricDef.strataOnly(id, w.id(), w.title(), "HTTP NDJSON request p99", "ms", false, null),
                    MetricDef.strataOnly(id, w.id(), w.title(), "HTTP single-record records/s", "records/s", true,
                            null),
                    MetricDef.strataOnly(id, w.id(), w.title(), "HTTP single-record request p99", "ms", false,
                            null),
                    MetricDef.strataOnly(id, w.id(), w.title(), BROKER_CPU_PER_GIB + ", HTTP NDJSON", "CPU s/GiB",
                            false, null),
                    new MetricDef(id, w.id(), w.title(), BROKER_CPU_PER_GIB + ", Kafka produce", "CPU s/GiB", false,
                            null));
            case LATENCY -> List.of(
                    new MetricDef(id, w.id(), w.title(), "p50", "ms", false, null),
                    new MetricDef(id, w.id(), w.title(), "p99", "ms", false, null),
                    new MetricDef(id, w.id(), w.title(), "p99.9", "ms", false, null));
        };
    }
}
