package io.strata.loadtests.workload;

import com.fasterxml.jackson.databind.JsonNode;
import io.strata.loadtests.ChildJvm;
import io.strata.loadtests.Plan;
import io.strata.loadtests.Plan.Variant;
import io.strata.loadtests.Plan.Workload;
import io.strata.loadtests.node.SystemUnderTest;
import io.strata.loadtests.report.Results.MetricDef;
import io.strata.loadtests.tools.FixedRateLatency;
import io.strata.loadtests.tools.ToolResult;

import java.time.Duration;
import java.util.List;
import java.util.Map;

/** End-to-end latency at a fixed rate with {@link FixedRateLatency}. */
public final class FixedRateLatencyRunner implements WorkloadRunner {

    @Override
    public String run(Context ctx, SystemUnderTest node, Variant v, Workload w) throws Exception {
        ChildJvm.Outcome out = ChildJvm.run(ctx.jvm().command(ctx.toolJvmArgs(), FixedRateLatency.class.getName(),
                        List.of("--bootstrap-server", node.bootstrap(), "--topic", w.topic(),
                                "--rate", Integer.toString(w.rate()), "--duration-s", Double.toString(w.durationS()),
                                "--warmup-s", Double.toString(w.warmupS()),
                                "--record-size", Integer.toString(w.recordSize()), "--acks", w.acks())),
                Map.of(), ctx.logDir(), ctx.log(w), Duration.ofSeconds((long) (w.durationS() + w.warmupS()) + 90));
        if (out.timedOut()) {
            return "timed out: FixedRateLatency did not finish within " + out.elapsedMs() / 1000 + " s\n"
                    + out.tail(10);
        }
        JsonNode r = ToolResult.parse(out.output());
        if (out.exitCode() != 0 || r == null || !r.has("p50Ms")) {
            return "FixedRateLatency exited " + out.exitCode() + (r == null ? "" : " " + r) + "\n" + out.tail(15);
        }
        List<MetricDef> m = Plan.metrics(v, w);
        ctx.results().add(m.get(0), node.system(), r.get("p50Ms").asDouble());
        ctx.results().add(m.get(1), node.system(), r.get("p99Ms").asDouble());
        ctx.results().add(m.get(2), node.system(), r.get("p999Ms").asDouble());
        ctx.say(w, "p50 %.2f ms, p99 %.2f ms, p99.9 %.2f ms (%.0f/s achieved)", r.get("p50Ms").asDouble(),
                r.get("p99Ms").asDouble(), r.get("p999Ms").asDouble(), r.get("achievedRate").asDouble());
        return null;
    }
}
