package io.strata.loadtests.workload;

import io.strata.loadtests.ChildJvm;
import io.strata.loadtests.Plan;
import io.strata.loadtests.Plan.Variant;
import io.strata.loadtests.Plan.Workload;
import io.strata.loadtests.node.Node;
import io.strata.loadtests.report.Results.MetricDef;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Consumer throughput with kafka-tools' ConsumerPerformance over the topic a produce workload filled: a
 * consumer in a fresh group reads every record from the beginning. Throughput is ConsumerPerformance's
 * fetch rate, which leaves out the group join, so the join's fixed cost does not dilute short runs.
 */
public final class ConsumerPerformanceRunner implements WorkloadRunner {

    /** The data line: start, end, MB, MB/s, records, records/s, rebalance ms, fetch ms, fetch MB/s, fetch records/s. */
    static final Pattern RESULT = Pattern.compile(
            "^[^,\\n]+, [^,\\n]+, ([\\d.]+), ([\\d.]+), (\\d+), ([\\d.]+), (-?\\d+), (-?\\d+), ([\\d.]+), ([\\d.]+)\\s*$",
            Pattern.MULTILINE);

    @Override
    public String run(Context ctx, Node node, Variant v, Workload w) throws Exception {
        Long expected = ctx.producedRecords().get(w.source());
        if (expected == null) {
            return "no data to read: " + w.source() + " did not complete on this node";
        }
        List<String> args = List.of("--bootstrap-server", node.bootstrap(), "--topic", w.topic(),
                "--num-records", Long.toString(expected), "--group", "bench-" + w.id() + "-" + System.nanoTime(),
                "--timeout", ctx.smoke() ? "60000" : "180000", "--hide-header");
        ChildJvm.Outcome out = ChildJvm.run(ctx.jvm().command(ctx.toolJvmArgs(),
                        "org.apache.kafka.tools.ConsumerPerformance", args), Map.of(), ctx.logDir(), ctx.log(w),
                Duration.ofSeconds(ctx.smoke() ? 90 : 240));
        if (out.timedOut()) {
            return "timed out: ConsumerPerformance did not finish within " + out.elapsedMs() / 1000 + " s\n"
                    + out.tail(10);
        }
        Matcher r = RESULT.matcher(out.output());
        String last = null;
        long records = -1;
        double recordsPerSec = 0;
        while (r.find()) {
            last = r.group();
            records = Long.parseLong(r.group(3));
            recordsPerSec = Double.parseDouble(r.group(8));
        }
        if (out.exitCode() != 0 || last == null) {
            return "ConsumerPerformance exited " + out.exitCode() + "\n" + out.tail(15);
        }
        if (records != expected) {
            return "ConsumerPerformance read " + records + " records, expected " + expected + "\n" + last;
        }
        double mib = recordsPerSec * w.recordSize() / (1024.0 * 1024.0);
        List<MetricDef> m = Plan.metrics(v, w);
        ctx.results().add(m.get(0), node.system(), mib);
        ctx.results().add(m.get(1), node.system(), recordsPerSec);
        ctx.say(w, "%.1f MiB/s, %.0f records/s", mib, recordsPerSec);
        return null;
    }
}
