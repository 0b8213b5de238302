package io.strata.loadtests.workload;

import io.strata.loadtests.ChildJvm;
import io.strata.loadtests.CpuMeter;
import io.strata.loadtests.Plan;
import io.strata.loadtests.Plan.Variant;
import io.strata.loadtests.Plan.Workload;
import io.strata.loadtests.node.Node;
import io.strata.loadtests.node.SystemUnderTest;
import io.strata.loadtests.report.Results.MetricDef;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.common.TopicPartition;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Producer throughput with kafka-tools' ProducerPerformance, checked against the topic's end offsets. */
public final class ProducerPerformanceRunner implements WorkloadRunner {

    /** e.g. "50000 records sent, 41234.5 records/sec (40.27 MB/sec), 12.30 ms avg latency, 456.00 ms max latency,
     *  10 ms 50th, 30 ms 95th, 40 ms 99th, 50 ms 99.9th." */
    public static final Pattern SUMMARY = Pattern.compile(
            "(\\d+) records sent, ([\\d.]+) records/sec \\(([\\d.]+) MB/sec\\), ([\\d.]+) ms avg latency, "
                    + "([\\d.]+) ms max latency, (\\d+) ms 50th, (\\d+) ms 95th, (\\d+) ms 99th, (\\d+) ms 99.9th\\.?");

    private static final Pattern CLIENT_ERROR = Pattern.compile("org\\.apache\\.kafka\\.common\\.errors\\.\\S+.*");

    @Override
    public String run(Context ctx, SystemUnderTest node, Variant v, Workload w) throws Exception {
        List<String> args = List.of("--topic", w.topic(), "--num-records", Long.toString(w.records()),
                "--record-size", Integer.toString(w.recordSize()), "--throughput", "-1",
                "--producer-props", "bootstrap.servers=" + node.bootstrap(), "acks=" + w.acks(),
                "client.id=producer-performance");
        double cpuBefore = CpuMeter.processCpuSeconds(node.pids());
        ChildJvm.Outcome out = ChildJvm.run(ctx.jvm().command(ctx.toolJvmArgs(),
                        "org.apache.kafka.tools.ProducerPerformance", args), Map.of(), ctx.logDir(), ctx.log(w),
                Duration.ofSeconds(ctx.smoke() ? 90 : 300));
        double brokerCpu = CpuMeter.processCpuSeconds(node.pids()) - cpuBefore;
        if (out.timedOut()) {
            return "timed out: ProducerPerformance did not finish within " + out.elapsedMs() / 1000 + " s\n"
                    + out.tail(10);
        }
        String summary = lastSummary(out.output());
        if (out.exitCode() != 0 || summary == null) {
            return "ProducerPerformance exited " + out.exitCode() + "\n" + out.tail(15);
        }
        String clientError = firstClientError(out.output());
        if (clientError != null) {
            return "ProducerPerformance reported send errors: " + clientError + "\n" + summary;
        }
        long acked = endOffsetSum(node, w.topic());
        if (acked != w.records()) {
            return "ProducerPerformance finished but the topic's end offsets add up to " + acked + ", expected "
                    + w.records() + "\n" + summary;
        }
        ctx.producedRecords().put(w.id(), acked);
        Matcher s = SUMMARY.matcher(summary);
        s.matches();
        double recPerSec = Double.parseDouble(s.group(2));
        double mib = recPerSec * w.recordSize() / (1024.0 * 1024.0);
        List<MetricDef> m = Plan.metrics(v, w);
        ctx.results().add(m.get(0), node.system(), mib);
        ctx.results().add(m.get(1), node.system(), recPerSec);
        ctx.results().add(m.get(2), node.system(), Double.parseDouble(s.group(8)));
        double cpuPerGiB = CpuMeter.secondsPerGiB(brokerCpu, (double) w.records() * w.recordSize());
        ctx.results().add(m.get(3), node.system(), cpuPerGiB);
        ctx.say(w, "%.1f MiB/s, %.0f records/s, p99 %s ms, broker %.1f CPU s/GiB", mib, recPerSec, s.group(8),
                cpuPerGiB);
        return null;
    }

    public static String lastSummary(String output) {
        Matcher m = SUMMARY.matcher(output);
        String last = null;
        while (m.find()) {
            last = m.group();
        }
        return last;
    }

    public static String firstClientError(String output) {
        Matcher m = CLIENT_ERROR.matcher(output);
        return m.find() ? m.group() : null;
    }

    public static long endOffsetSum(SystemUnderTest node, String topic) throws Exception {
        try (Admin admin = Node.admin(node.bootstrap(), 15000)) {
            int partitions = admin.describeTopics(List.of(topic)).allTopicNames().get(30, TimeUnit.SECONDS)
                    .get(topic).partitions().size();
            Map<TopicPartition, OffsetSpec> req = new HashMap<>();
            for (int p = 0; p < partitions; p++) {
                req.put(new TopicPartition(topic, p), OffsetSpec.latest());
            }
            return admin.listOffsets(req).all().get(30, TimeUnit.SECONDS).values().stream()
                    .mapToLong(i -> i.offset()).sum();
        }
    }
}
