package io.strata.reliability.run;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;

import io.strata.reliability.cluster.Safety;
import io.strata.reliability.nemesis.Fault;
import io.strata.reliability.net.NetworkLab;
import org.junit.jupiter.api.Assumptions;

/** Runs a short fault run from a test, with its results under the module's target folder. */
final class FaultRuns {
    static final long DEFAULT_SEED = 20261206L;

    private FaultRuns() {
    }

    static FaultRun.Outcome run(String name, String system, Safety safety, int rounds, List<Fault> faults,
                                double combine) throws Exception {
        Assumptions.assumeTrue(NetworkLab.available(), "network namespaces need root, ip and nft");
        Path target = Paths.get(System.getProperty("strata.test.target.dir", "target")).toAbsolutePath();
        Path repo = Paths.get(System.getProperty("strata.repo.root", "..")).toAbsolutePath().normalize();
        // A fixed default seed: the same faults in the same order on every build; -Dreliability.seed tries others.
        long seed = Long.getLong("reliability.seed", DEFAULT_SEED);
        Path out = target.resolve("fault-runs").resolve(name + "-" + seed);
        FaultRun.Options options = new FaultRun.Options(safety, rounds, seed, faults, combine, 40, out);
        System.out.println(name + ": seed " + seed + " (rerun with -Dreliability.seed=" + seed + "), results in "
                + out);
        FaultRun.Outcome outcome = new FaultRun(
                LabClusters.create(system, safety, Files.createDirectories(target.resolve("lab")), repo), options)
                .run();
        System.out.println(Files.readString(out.resolve("summary.md")));
        return outcome;
    }
}
