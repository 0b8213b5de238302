package io.strata.loadtests.workload;

import io.strata.loadtests.ChildJvm;
import io.strata.loadtests.CpuMeter;
import io.strata.loadtests.Plan;
import io.strata.loadtests.Plan.Variant;
import io.strata.loadtests.Plan.Workload;
import io.strata.loadtests.node.SystemUnderTest;
import io.strata.loadtests.report.Results.MetricDef;

import io.strata.loadtests.tools.WarmConsumerPerformance;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Consumer throughput with kafka-tools' ConsumerPerformance over the topic a produce workload filled: a
 * consumer in a fresh group reads every record from the beginning. Throughput is ConsumerPerformance's
 * fetch rate, which leaves out the group join, so the join's fixed cost does not dilute short runs.
 * ConsumerPerformance runs in passes in one client JVM ({@link WarmConsumerPerformance}): the warm-up pass
 * lets the client's JIT compile its fetch path, and the reported rate is the median of the measured passes.
 */
public final class ConsumerPerformanceRunner implements WorkloadRunner {

    /** The start of a measured pass's output after {@link WarmConsumerPerformance}'s "# pass " marker. */
    public static final Pattern MEASURED = Pattern.compile("\\d+ measured\\b");
    static final int WARMUP_PASSES = 3;
    static final int MEASURED_PASSES = 3;

    /** The data line: start, end, MB, MB/s, records, records/s, rebalance ms, fetch ms, fetch MB/s, fetch records/s. */
    /** WarmConsumerPerformance's line after a pass: the broker processes' CPU seconds during it. */
    public static final Pattern BROKER_CPU = Pattern.compile("^# broker-cpu-seconds ([\\d.]+)", Pattern.MULTILINE);

    public static final Pattern RESULT = Pattern.compile(
            "^[^,\\n]+, [^,\\n]+, ([\\d.]+), ([\\d.]+), (\\d+), ([\\d.]+), (-?\\d+), (-?\\d+), ([\\d.]+), ([\\d.]+)\\s*$",
            Pattern.MULTILINE);

    @Override
    public String run(Context ctx, SystemUnderTest node, Variant v, Workload w) throws Exception {
        Long expected = ctx.producedRecords().get(w.source());
        if (expected == null) {
            return "no data to read: " + w.source() + " did not complete on this node";
        }
        int warmups = ctx.smoke() ? 0 : WARMUP_PASSES;
        int passes = ctx.smoke() ? 1 : MEASURED_PASSES;
        List<String> args = List.of("--group", "bench-" + w.id() + "-" + System.nanoTime(),
                "--warmup-passes", Integer.toString(warmups), "--passes", Integer.toString(passes),
                "--bootstrap-server", node.bootstrap(), "--topic", w.topic(),
                "--num-records", Long.toString(expected),
                "--timeout", ctx.smoke() ? "60000" : "180000", "--hide-header",
                "--broker-pids", node.pids().stream().map(String::valueOf).collect(Collectors.joining(",")));
        ChildJvm.Outcome out = ChildJvm.run(ctx.jvm().command(ctx.toolJvmArgs(),
                        WarmConsumerPerformance.class.getName(), args), Map.of(), ctx.logDir(), ctx.log(w),
                Duration.ofSeconds(ctx.smoke() ? 90 : 120L * (warmups + passes)));
        if (out.timedOut()) {
            return "timed out: ConsumerPerformance did not finish within " + out.elapsedMs() / 1000 + " s\n"
                    + out.tail(10);
        }
        if (out.exitCode() != 0) {
            return "ConsumerPerformance exited " + out.exitCode() + "\n" + out.tail(15);
        }
        List<Double> rates = new ArrayList<>();
        List<Double> cpuPerGiB = new ArrayList<>();
        for (String pass : out.output().split("(?m)^# pass ")) {
            if (!MEASURED.matcher(pass).lookingAt()) {
                continue;
            }
            Matcher r = RESULT.matcher(pass);
            if (!r.find()) {
                return "ConsumerPerformance printed no result for measured pass " + pass.lines().findFirst()
                        .orElse("") + "\n" + out.tail(15);
            }
            long records = Long.parseLong(r.group(3));
            if (records != expected) {
                return "ConsumerPerformance read " + records + " records, expected " + expected + "\n" + r.group();
            }
            rates.add(Double.parseDouble(r.group(8)));
            Matcher cpu = BROKER_CPU.matcher(pass);
            if (cpu.find()) {
                cpuPerGiB.add(CpuMeter.secondsPerGiB(Double.parseDouble(cpu.group(1)), (double) records * w.recordSize()));
            }
        }
        if (rates.size() != passes) {
            return "ConsumerPerformance printed " + rates.size() + " measured passes, expected " + passes + "\n"
                    + out.tail(15);
        }
        Collections.sort(rates);
        double recordsPerSec = rates.get(rates.size() / 2);
        double mib = recordsPerSec * w.recordSize() / (1024.0 * 1024.0);
        List<MetricDef> m = Plan.metrics(v, w);
        ctx.results().add(m.get(0), node.system(), mib);
        ctx.results().add(m.get(1), node.system(), recordsPerSec);
        if (cpuPerGiB.size() != passes) {
            return "WarmConsumerPerformance reported the broker's CPU for " + cpuPerGiB.size() + " of " + passes
                    + " measured passes\n" + out.tail(15);
        }
        Collections.sort(cpuPerGiB);
        double brokerCpuPerGiB = cpuPerGiB.get(cpuPerGiB.size() / 2);
        ctx.results().add(m.get(2), node.system(), brokerCpuPerGiB);
        ctx.say(w, "%.1f MiB/s, %.0f records/s, broker %.1f CPU s/GiB", mib, recordsPerSec, brokerCpuPerGiB);
        return null;
    }
}
