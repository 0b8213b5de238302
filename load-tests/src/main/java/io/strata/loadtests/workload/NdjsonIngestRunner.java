package io.strata.loadtests.workload;

import com.fasterxml.jackson.databind.JsonNode;
import io.strata.loadtests.Benchmark;
import io.strata.loadtests.ChildJvm;
import io.strata.loadtests.CpuMeter;
import io.strata.loadtests.Plan;
import io.strata.loadtests.Plan.Variant;
import io.strata.loadtests.Plan.Workload;
import io.strata.loadtests.gatling.HttpIngestSimulation;
import io.strata.loadtests.node.StrataNode;
import io.strata.loadtests.node.SystemUnderTest;
import io.strata.loadtests.report.Results.MetricDef;
import io.strata.loadtests.tools.DeviceLinesKafkaPerf;
import io.strata.loadtests.tools.ToolResult;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Device JSON ingest: Kafka produce of the lines ({@link DeviceLinesKafkaPerf}) on every system, then, on Strata
 * only (Kafka has no HTTP API), the same lines over HTTP with Gatling ({@link HttpIngestSimulation}): NDJSON
 * uploads after a warm-up, and single records through the REST Proxy v2 endpoint. Every run is checked against the
 * topic's end offsets. The NDJSON / Kafka-produce ratio on the same node in the same run is the figure of merit
 * for the HTTP path. Gatling's data (its simulation log and statistics) is kept next to the benchmark report.
 */
public final class NdjsonIngestRunner implements WorkloadRunner {

    /** Gatling's global 99th percentile of OK requests, from the report's stats.js. */
    private static final Pattern P99 = Pattern.compile("\"percentiles4\":\\s*\\{\\s*\"total\":\\s*\"[^\"]*\",\\s*\"ok\":\\s*\"([\\d.]+)\"");

    @Override
    public String run(Context ctx, SystemUnderTest node, Variant v, Workload w) throws Exception {
        List<MetricDef> m = Plan.metrics(v, w);
        String kafkaTopic = w.topic() + "-kafka";
        double cpu0 = CpuMeter.processCpuSeconds(node.pids());
        ToolRun kafka = check(node, kafkaTopic, w.records() + w.warmupRecords(), "Kafka produce",
                ChildJvm.run(ctx.jvm().command(ctx.toolJvmArgs(), DeviceLinesKafkaPerf.class.getName(),
                        List.of("--bootstrap-server", node.bootstrap(), "--topic", kafkaTopic,
                                "--records", Long.toString(w.records()),
                                "--warmup-records", Long.toString(w.warmupRecords()))),
                        Map.of(), ctx.logDir(), ctx.logDir().resolve(w.id() + "-kafka.log"), timeout(ctx)));
        if (kafka.failure() != null) {
            return kafka.failure();
        }
        double kafkaMib = kafka.result().get("mibPerSec").asDouble();
        ctx.results().add(m.get(1), node.system(), kafkaMib);
        // The broker's CPU covers the warm-up lines too, which are as large on average as the measured ones.
        double kafkaCpuPerGiB = CpuMeter.secondsPerGiB(CpuMeter.processCpuSeconds(node.pids()) - cpu0,
                kafka.result().get("bytes").asDouble() * (w.records() + w.warmupRecords()) / w.records());
        ctx.results().add(m.get(8), node.system(), kafkaCpuPerGiB);
        if (!(node instanceof StrataNode strata)) {
            ctx.say(w, "Kafka produce %.1f MiB/s, broker %.1f CPU s/GiB", kafkaMib, kafkaCpuPerGiB);
            return null;
        }

        String ndjsonTopic = w.topic() + "-http";
        long perRequest = w.linesPerRequest();
        long warmupRequests = w.warmupRecords() / perRequest;
        if (warmupRequests > 0) {
            ChildJvm.Outcome warm = gatling(ctx, strata, w, "ndjson", ndjsonTopic, warmupRequests, 0, false);
            if (warm.exitCode() != 0) {
                return "Gatling NDJSON warm-up exited " + warm.exitCode() + "\n" + warm.tail(20);
            }
        }
        double ndjsonCpu0 = CpuMeter.processCpuSeconds(node.pids());
        ToolRun ndjson = check(node, ndjsonTopic, w.records() + w.warmupRecords(), "Gatling NDJSON",
                gatling(ctx, strata, w, "ndjson", ndjsonTopic, w.records() / perRequest, warmupRequests, true));
        if (ndjson.failure() != null) {
            return ndjson.failure();
        }
        double ndjsonCpuPerGiB = CpuMeter.secondsPerGiB(CpuMeter.processCpuSeconds(node.pids()) - ndjsonCpu0,
                ndjson.result().get("bytes").asDouble());
        ctx.results().add(m.get(7), node.system(), ndjsonCpuPerGiB);
        String singleTopic = w.topic() + "-single";
        ToolRun single = check(node, singleTopic, w.singleRecords(), "Gatling single records",
                gatling(ctx, strata, w, "single", singleTopic, w.singleRecords(), 0, true));
        if (single.failure() != null) {
            return single.failure();
        }

        double ndjsonMib = ndjson.result().get("mibPerSec").asDouble();
        double ratio = ndjsonMib / kafkaMib;
        ctx.results().add(m.get(0), node.system(), ndjsonMib);
        ctx.results().add(m.get(2), node.system(), ratio);
        ctx.results().add(m.get(3), node.system(), ndjson.result().get("recordsPerSec").asDouble());
        double ndjsonP99 = gatlingP99(keptReport(ctx, w, "ndjson"));
        double singleP99 = gatlingP99(keptReport(ctx, w, "single"));
        keepStatisticsOnly(keptReport(ctx, w, "ndjson"));
        keepStatisticsOnly(keptReport(ctx, w, "single"));
        ctx.results().add(m.get(4), node.system(), ndjsonP99);
        ctx.results().add(m.get(5), node.system(), single.result().get("recordsPerSec").asDouble());
        ctx.results().add(m.get(6), node.system(), singleP99);
        ctx.say(w, "HTTP NDJSON %.1f MiB/s (p99 %.0f ms, broker %.1f CPU s/GiB), Kafka produce %.1f MiB/s (broker %.1f "
                        + "CPU s/GiB), ratio %.2f; single records %.0f/s (p99 %.0f ms)", ndjsonMib, ndjsonP99,
                ndjsonCpuPerGiB, kafkaMib, kafkaCpuPerGiB, ratio, single.result().get("recordsPerSec").asDouble(),
                singleP99);
        return null;
    }

    private static Duration timeout(Context ctx) {
        return Duration.ofSeconds(ctx.smoke() ? 120 : 300);
    }

    /** One Gatling run of {@link HttpIngestSimulation}; {@code keep} keeps its report's data. */
    private static ChildJvm.Outcome gatling(Context ctx, StrataNode node, Workload w, String mode, String topic,
                                            long requests, long firstRequest, boolean keep) throws Exception {
        int users = "single".equals(mode) ? w.singleClients() : w.clients();
        List<String> jvmArgs = new ArrayList<>(ctx.toolJvmArgs());
        // Gatling's log writer reads String internals.
        jvmArgs.add("--add-opens=java.base/java.lang=ALL-UNNAMED");
        jvmArgs.addAll(List.of("-Dingest.baseUrl=" + node.httpBase(), "-Dingest.topic=" + topic,
                "-Dingest.mode=" + mode, "-Dingest.users=" + users, "-Dingest.requests=" + requests,
                "-Dingest.lines=" + w.linesPerRequest(), "-Dingest.firstRequest=" + firstRequest));
        Path results = keep ? keptReport(ctx, w, mode) : ctx.logDir().resolve("gatling-warmup");
        // One report per workload and mode is kept: the last repetition's (each is about 1 MB of HTML and scripts).
        Benchmark.deleteTree(results);
        Files.createDirectories(results);
        List<String> args = new ArrayList<>(List.of("--simulation", HttpIngestSimulation.class.getName(),
                "--results-folder", results.toString()));
        if (!keep) {
            args.add("--no-reports");
        }
        return ChildJvm.run(ctx.jvm().command(jvmArgs, "io.gatling.app.Gatling", args), Map.of(), ctx.logDir(),
                ctx.logDir().resolve(w.id() + "-" + mode + (keep ? "" : "-warmup") + ".log"), timeout(ctx));
    }

    /** Where the report of a kept Gatling run of this mode goes. */
    private static Path keptReport(Context ctx, Workload w, String mode) {
        return ctx.keepDir().resolve(w.id() + "-" + mode);
    }

    /** A tool's result, or what failed. */
    private record ToolRun(JsonNode result, String failure) {
    }

    private static ToolRun check(SystemUnderTest node, String topic, long expected, String what, ChildJvm.Outcome out)
            throws Exception {
        if (out.timedOut()) {
            return new ToolRun(null, "timed out: " + what + " did not finish within " + out.elapsedMs() / 1000
                    + " s\n" + out.tail(10));
        }
        JsonNode r = ToolResult.parse(out.output());
        if (out.exitCode() != 0 || r == null) {
            return new ToolRun(null, what + " exited " + out.exitCode() + "\n" + out.tail(20));
        }
        long stored = ProducerPerformanceRunner.endOffsetSum(node, topic);
        if (stored != expected) {
            return new ToolRun(null, what + " finished but the end offsets of " + topic + " add up to " + stored
                    + ", expected " + expected);
        }
        return new ToolRun(r, null);
    }

    /**
     * Reduces a kept Gatling report to its data: {@code simulation.log} (from which Gatling redraws the whole
     * HTML report, see load-tests/README.md) and {@code js/stats.js} (the statistics the benchmark reads). The
     * HTML pages, scripts and styles are the same in every report and would be committed with every run.
     */
    private static void keepStatisticsOnly(Path reportDir) throws IOException {
        if (!Files.isDirectory(reportDir)) {
            return;
        }
        List<Path> assets;
        try (Stream<Path> paths = Files.walk(reportDir)) {
            assets = paths.filter(Files::isRegularFile)
                    .filter(p -> !p.getFileName().toString().equals("simulation.log"))
                    .filter(p -> !p.endsWith(Path.of("js", "stats.js")))
                    .toList();
        }
        for (Path asset : assets) {
            Files.delete(asset);
        }
        try (Stream<Path> paths = Files.walk(reportDir)) {
            for (Path dir : paths.filter(Files::isDirectory).sorted(Comparator.reverseOrder()).toList()) {
                try (Stream<Path> left = Files.list(dir)) {
                    if (left.findAny().isEmpty()) {
                        Files.delete(dir);
                    }
                }
            }
        }
    }

    /** The p99 from the stats of the one report in {@code reportDir} (Gatling names its folder); 0 when none. */
    private static double gatlingP99(Path reportDir) throws IOException {
        Optional<Path> stats;
        try (Stream<Path> paths = Files.walk(reportDir)) {
            stats = paths.filter(p -> p.endsWith(Path.of("js", "stats.js"))).findFirst();
        }
        if (stats.isEmpty()) {
            return 0;
        }
        Matcher p99 = P99.matcher(Files.readString(stats.get()));
        return p99.find() ? Double.parseDouble(p99.group(1)) : 0;
    }
}
