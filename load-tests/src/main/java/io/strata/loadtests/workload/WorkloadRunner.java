package io.strata.loadtests.workload;

import io.strata.loadtests.ChildJvm;
import io.strata.loadtests.Plan.Variant;
import io.strata.loadtests.Plan.Workload;
import io.strata.loadtests.node.SystemUnderTest;
import io.strata.loadtests.report.Results;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * Runs one kind of workload against a started node and records its metrics. One implementation per
 * {@link io.strata.loadtests.Plan.Kind}.
 */
public interface WorkloadRunner {

    /**
     * What a runner gets besides the node and the workload. {@code logDir} holds raw tool output (not kept in the
     * repository); {@code keepDir} is the place in the report folder for artifacts worth keeping (Gatling's HTML
     * reports).
     */
    record Context(ChildJvm jvm, List<String> toolJvmArgs, Path logDir, Path keepDir, boolean smoke, Results results,
                   Map<String, Long> producedRecords, String prefix) {

        public Path log(Workload w) {
            return logDir.resolve(w.id() + ".log");
        }

        public void say(Workload w, String fmt, Object... args) {
            System.out.printf(java.util.Locale.ROOT, "%s %-20s %s%n", prefix, w.id(),
                    String.format(java.util.Locale.ROOT, fmt, args));
            System.out.flush();
        }
    }

    /**
     * Runs the workload. Metrics go to {@code ctx.results()}; a failure is returned as a description of what
     * failed and how (tool, exit code, error); null means success. A description starting with "timed out"
     * counts towards skipping the rest of a node run.
     */
    String run(Context ctx, SystemUnderTest node, Variant variant, Workload workload) throws Exception;
}
