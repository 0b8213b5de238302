package io.strata.loadtests.workload;

import com.fasterxml.jackson.databind.JsonNode;
import io.strata.loadtests.ChildJvm;
import io.strata.loadtests.Plan;
import io.strata.loadtests.Plan.Variant;
import io.strata.loadtests.Plan.Workload;
import io.strata.loadtests.node.Node;
import io.strata.loadtests.node.StrataNode;
import io.strata.loadtests.report.Results.MetricDef;
import io.strata.loadtests.tools.NdjsonIngestPerf;
import io.strata.loadtests.tools.ToolResult;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Device JSON ingest with {@link NdjsonIngestPerf}: Kafka produce of the lines on every system, then (Strata only,
 * Kafka has no HTTP API) the same lines as NDJSON uploads, each checked against the topic's end offsets. The ratio
 * of the two on the same node in the same run is the figure of merit for the HTTP path.
 */
public final class NdjsonIngestRunner implements WorkloadRunner {

    @Override
    public String run(Context ctx, Node node, Variant v, Workload w) throws Exception {
        List<MetricDef> m = Plan.metrics(v, w);
        ToolRun kafkaRun = runTool(ctx, node, w, "kafka", List.of("--bootstrap-server", node.bootstrap()));
        if (kafkaRun.failure() != null) {
            return kafkaRun.failure();
        }
        JsonNode kafka = kafkaRun.result();
        ctx.results().add(m.get(1), node.system(), kafka.get("mibPerSec").asDouble());
        if (!(node instanceof StrataNode strata)) {
            ctx.say(w, "Kafka produce %.1f MiB/s", kafka.get("mibPerSec").asDouble());
            return null;
        }
        ToolRun httpRun = runTool(ctx, node, w, "http", List.of("--http-base", strata.httpBase(),
                "--clients", Integer.toString(w.clients())));
        if (httpRun.failure() != null) {
            return httpRun.failure();
        }
        JsonNode http = httpRun.result();
        double ratio = http.get("mibPerSec").asDouble() / kafka.get("mibPerSec").asDouble();
        ctx.results().add(m.get(0), node.system(), http.get("mibPerSec").asDouble());
        ctx.results().add(m.get(2), node.system(), ratio);
        ctx.results().add(m.get(3), node.system(), http.get("recordsPerSec").asDouble());
        ctx.say(w, "HTTP NDJSON %.1f MiB/s, Kafka produce %.1f MiB/s, ratio %.2f (avg line %.0f B)",
                http.get("mibPerSec").asDouble(), kafka.get("mibPerSec").asDouble(), ratio,
                http.get("avgRecordBytes").asDouble());
        return null;
    }

    /** The tool's result, or what failed. */
    private record ToolRun(JsonNode result, String failure) {
        static ToolRun failed(String failure) {
            return new ToolRun(null, failure);
        }
    }

    private static ToolRun runTool(Context ctx, Node node, Workload w, String target, List<String> targetArgs)
            throws Exception {
        String topic = w.topic() + "-" + target;
        List<String> args = new ArrayList<>(List.of("--target", target, "--topic", topic,
                "--records", Long.toString(w.records()), "--warmup-records", Long.toString(w.warmupRecords()),
                "--lines-per-request", Integer.toString(w.linesPerRequest())));
        args.addAll(targetArgs);
        Path log = ctx.logDir().resolve(w.id() + "-" + target + ".log");
        ChildJvm.Outcome out = ChildJvm.run(ctx.jvm().command(ctx.toolJvmArgs(), NdjsonIngestPerf.class.getName(), args),
                Map.of(), ctx.logDir(), log, Duration.ofSeconds(ctx.smoke() ? 90 : 300));
        if (out.timedOut()) {
            return ToolRun.failed("timed out: NdjsonIngestPerf --target " + target + " did not finish within "
                    + out.elapsedMs() / 1000 + " s\n" + out.tail(10));
        }
        JsonNode r = ToolResult.parse(out.output());
        if (out.exitCode() != 0 || r == null) {
            return ToolRun.failed("NdjsonIngestPerf --target " + target + " exited " + out.exitCode() + "\n"
                    + out.tail(15));
        }
        long expected = w.records() + w.warmupRecords();
        long stored = ProducerPerformanceRunner.endOffsetSum(node, topic);
        if (stored != expected) {
            return ToolRun.failed("NdjsonIngestPerf --target " + target + " finished but the end offsets of " + topic
                    + " add up to " + stored + ", expected " + expected);
        }
        return new ToolRun(r, null);
    }
}
