package io.strata.loadtests.workload;

import com.fasterxml.jackson.databind.JsonNode;
import io.strata.loadtests.ChildJvm;
import io.strata.loadtests.Plan;
import io.strata.loadtests.Plan.Variant;
import io.strata.loadtests.Plan.Workload;
import io.strata.loadtests.node.Node;
import io.strata.loadtests.report.Results.MetricDef;
import io.strata.loadtests.tools.AssignConsumerPerf;
import io.strata.loadtests.tools.ToolResult;

import java.time.Duration;
import java.util.List;
import java.util.Map;

/** Consumer throughput with {@link AssignConsumerPerf} over the topic a produce workload filled. */
public final class AssignConsumerRunner implements WorkloadRunner {

    @Override
    public String run(Context ctx, Node node, Variant v, Workload w) throws Exception {
        Long expected = ctx.producedRecords().get(w.source());
        if (expected == null) {
            return "no data to read: " + w.source() + " did not complete on this node";
        }
        ChildJvm.Outcome out = ChildJvm.run(ctx.jvm().command(ctx.toolJvmArgs(), AssignConsumerPerf.class.getName(),
                        List.of("--bootstrap-server", node.bootstrap(), "--topic", w.topic(), "--timeout-ms",
                                ctx.smoke() ? "60000" : "180000")), Map.of(), ctx.logDir(), ctx.log(w),
                Duration.ofSeconds(ctx.smoke() ? 90 : 240));
        if (out.timedOut()) {
            return "timed out: AssignConsumerPerf did not finish within " + out.elapsedMs() / 1000 + " s\n"
                    + out.tail(10);
        }
        JsonNode r = ToolResult.parse(out.output());
        if (out.exitCode() != 0 || r == null) {
            return "AssignConsumerPerf exited " + out.exitCode() + "\n" + out.tail(15);
        }
        if (r.get("records").asLong() != expected) {
            return "AssignConsumerPerf read " + r.get("records").asLong() + " records, expected " + expected;
        }
        List<MetricDef> m = Plan.metrics(v, w);
        ctx.results().add(m.get(0), node.system(), r.get("mibPerSec").asDouble());
        ctx.results().add(m.get(1), node.system(), r.get("recordsPerSec").asDouble());
        ctx.say(w, "%.1f MiB/s, %.0f records/s", r.get("mibPerSec").asDouble(), r.get("recordsPerSec").asDouble());
        return null;
    }
}
