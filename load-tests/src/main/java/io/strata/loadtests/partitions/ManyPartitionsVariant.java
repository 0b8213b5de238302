package io.strata.loadtests.partitions;

import io.strata.loadtests.Benchmark;
import io.strata.loadtests.Plan;
import io.strata.loadtests.report.Results;
import io.strata.loadtests.report.Results.MetricDef;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;

/**
 * The {@code partitions} variant of the main benchmark: {@link PartitionsBenchmark}'s two parts, one single node of
 * each system at a time in ABBA order, with their numbers added to the run's {@link Results} so that they appear in
 * its report and JSON beside every other workload, with Strata/Kafka ratios.
 *
 * <ul>
 *   <li>{@code consume-wide}: a consumer group reads a topic of many partitions (group read MiB/s, broker CPU per
 *       GiB), then produce-to-consume latency at 1,000 records/s with a consumer of all of them.</li>
 *   <li>{@code hold-many}: a node holding many partitions (topics of 1,000): time to create them all, describe
 *       all, Metadata of one topic, RSS, and restart to ready on the same data.</li>
 * </ul>
 */
public final class ManyPartitionsVariant {

    public static final String ID = "partitions";

    /** Counts of one run: full (1,000 partitions read, 10,000 held) or smoke (tiny, for the build). */
    public record Sizes(int consumePartitions, int consumeMib, int heldPartitions) {
        public static Sizes full() {
            return new Sizes(1_000, 256, 10_000);
        }

        public static Sizes smoke() {
            return new Sizes(100, 4, 1_000);
        }
    }

    private final Sizes sizes;
    private final String consumeTitle;
    private final String holdTitle;

    public ManyPartitionsVariant(Sizes sizes) {
        this.sizes = sizes;
        this.consumeTitle = String.format(Locale.ROOT, "group read of %,d partitions", sizes.consumePartitions());
        this.holdTitle = String.format(Locale.ROOT, "node holding %,d partitions", sizes.heldPartitions());
    }

    public String description() {
        return String.format(Locale.ROOT, "single nodes, page cache: a consumer in a fresh group reads %d MiB of 1 KiB "
                        + "records from a topic of %,d partitions (MiB/s from its first record, broker CPU per GiB), then "
                        + "latency at 1,000 records/s of 1 KiB, acks=all, with one consumer of all %,d partitions; and a "
                        + "node holding %,d partitions in topics of 1,000 (one CreateTopics each, until every partition "
                        + "has a leader; describe of all topics and Metadata of one topic, median round trip; RSS; restart "
                        + "on the same data to ready). Both systems use fetch sessions (KIP-227)",
                sizes.consumeMib(), sizes.consumePartitions(), sizes.consumePartitions(), sizes.heldPartitions());
    }

    public List<MetricDef> metrics() {
        return List.of(
                new MetricDef(ID, "consume-wide", consumeTitle, "group read throughput", "MiB/s", true, null),
                new MetricDef(ID, "consume-wide", consumeTitle, Plan.BROKER_CPU_PER_GIB, "CPU s/GiB", false, null),
                new MetricDef(ID, "consume-wide", consumeTitle, "latency p50", "ms", false, null),
                new MetricDef(ID, "consume-wide", consumeTitle, "latency p99", "ms", false, null),
                new MetricDef(ID, "hold-many", holdTitle, "create all", "s", false, null),
                new MetricDef(ID, "hold-many", holdTitle, "describe all topics", "ms", false, null),
                new MetricDef(ID, "hold-many", holdTitle, "Metadata of one topic", "ms", false, null),
                new MetricDef(ID, "hold-many", holdTitle, "RSS", "MiB", false, null),
                new MetricDef(ID, "hold-many", holdTitle, "restart to ready", "s", false, null),
                new MetricDef(ID, "hold-many", holdTitle, "RSS after restart", "MiB", false, null));
    }

    /**
     * Runs both parts {@code repetitions} times per system, alternating the systems, and adds every number to
     * {@code results}; a part that fails is recorded as that system's failure and the run goes on.
     */
    public void run(Results results, List<String> systems, int repetitions, Path jar, Path rawDir, Consumer<String> say) {
        List<MetricDef> defs = metrics();
        defs.forEach(results::define);
        for (int rep = 1; rep <= repetitions; rep++) {
            List<String> order = new ArrayList<>(systems);
            if (rep % 2 == 0) {
                Collections.reverse(order);
            }
            for (String system : order) {
                Path dir = rawDir.resolve(ID + "-" + rep + "-" + system);
                try {
                    Map<String, Object> row = PartitionsBenchmark.consume(system, jar, dir.resolve("consume"),
                            sizes.consumePartitions(), sizes.consumeMib());
                    add(results, defs.get(0), system, row, "mibPerSec");
                    add(results, defs.get(1), system, row, "cpuSecondsPerGiB");
                    add(results, defs.get(2), system, row, "p50Ms");
                    add(results, defs.get(3), system, row, "p99Ms");
                    say.accept(String.format(Locale.ROOT, "[%s %d] %-6s consume-wide %s", ID, rep, system, row));
                } catch (Exception e) {
                    results.fail(ID, "consume-wide", system, rep, String.valueOf(e));
                    say.accept(String.format(Locale.ROOT, "[%s %d] %-6s consume-wide FAILED: %s", ID, rep, system, e));
                }
                try {
                    Map<String, Object> row = PartitionsBenchmark.scale(system, jar, dir.resolve("hold"),
                            sizes.heldPartitions());
                    add(results, defs.get(4), system, row, "createSeconds");
                    add(results, defs.get(5), system, row, "describeAllMs");
                    add(results, defs.get(6), system, row, "metadataOneTopicMs");
                    add(results, defs.get(7), system, row, "rssMiB");
                    add(results, defs.get(8), system, row, "restartSeconds");
                    add(results, defs.get(9), system, row, "restartRssMiB");
                    say.accept(String.format(Locale.ROOT, "[%s %d] %-6s hold-many %s", ID, rep, system, row));
                } catch (Exception e) {
                    results.fail(ID, "hold-many", system, rep, String.valueOf(e));
                    say.accept(String.format(Locale.ROOT, "[%s %d] %-6s hold-many FAILED: %s", ID, rep, system, e));
                }
                // Logs stay for reading; the data (10,000 partition directories, the filled topic) goes.
                Benchmark.deleteTree(dir.resolve("consume").resolve("data"));
                Benchmark.deleteTree(dir.resolve("hold").resolve("data"));
            }
        }
    }

    private static void add(Results results, MetricDef def, String system, Map<String, Object> row, String key) {
        results.add(def, system, ((Number) row.get(key)).doubleValue());
    }
}
