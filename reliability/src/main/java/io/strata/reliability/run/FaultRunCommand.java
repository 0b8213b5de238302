package io.strata.reliability.run;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;

import io.strata.reliability.checker.CheckHistory;
import io.strata.reliability.cluster.Safety;
import io.strata.reliability.nemesis.Fault;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code reliability/run}: one fault run against Strata or Apache Kafka, or a check of a recorded history. */
@Command(name = "reliability/run", mixinStandardHelpOptions = true,
        description = {"Runs workloads against a three-node cluster in network namespaces while faults are injected,",
                "then checks the history for lost, duplicated, reordered or inconsistent records.",
                "Exit code: 0 no anomaly, 1 anomalies found, 2 the run itself went wrong (see the summary)."})
public final class FaultRunCommand implements Callable<Integer> {

    @Option(names = "--repo-root", defaultValue = ".", description = "the repository (for the node jar)")
    Path repoRoot;

    @Option(names = "--system", defaultValue = "strata", description = "strata or kafka (default: ${DEFAULT-VALUE})")
    String system;

    @Option(names = "--settings", defaultValue = "safe",
            description = "safe (min.insync.replicas=2, no unclean election) or unsafe (1, unclean election on)")
    String settings;

    @Option(names = "--rounds", defaultValue = "20", description = "rounds of faults (default: ${DEFAULT-VALUE})")
    int rounds;

    @Option(names = "--seed", description = "random seed (default: the time)")
    Long seed;

    @Option(names = "--faults", split = ",", description = "faults to choose from (default: all): "
            + "kill-leader, kill-follower, pause, isolate-leader, split, object-store, restart-cluster, lagging-isr, "
            + "disk-full")
    List<String> faults;

    @Option(names = "--combine", defaultValue = "0.25",
            description = "chance that a round injects two faults at once (default: ${DEFAULT-VALUE})")
    double combine;

    @Option(names = "--rate", defaultValue = "40",
            description = "records per second of each of the six producers (default: ${DEFAULT-VALUE})")
    int rate;

    @Option(names = "--out", description = "result folder (default: reliability/results/<system>-<settings>-<time>)")
    Path out;

    @Option(names = "--check", description = "only check this recorded history (history.jsonl) and print a summary")
    Path check;

    @Override
    public Integer call() throws Exception {
        if (check != null) {
            return new CommandLine(new CheckHistory()).execute(check.toString());
        }
        Safety safety = Safety.valueOf(settings.toUpperCase());
        long s = seed != null ? seed : System.currentTimeMillis();
        List<Fault> chosen = faults == null ? Arrays.asList(Fault.values()) : faults.stream().map(Fault::of).toList();
        Path dir = out != null ? out : repoRoot.resolve("reliability/results").resolve(system + "-"
                + settings + "-" + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")));
        Path work = Files.createDirectories(repoRoot.resolve("reliability/target/lab"));
        FaultRun.Options options = new FaultRun.Options(safety, rounds, s, chosen, combine, rate, dir);
        System.out.println("fault run: " + system + ", " + settings + ", " + rounds + " rounds, seed " + s + " -> "
                + dir);
        FaultRun.Outcome outcome = new FaultRun(LabClusters.create(system, safety, work, repoRoot), options).run();
        System.out.println(Files.readString(dir.resolve("summary.md")).lines().limit(60)
                .reduce("", (a, b) -> a + b + "\n"));
        if (!outcome.runErrors().isEmpty()) {
            System.out.println("run errors: " + outcome.runErrors());
            return 2;
        }
        return outcome.result().valid() ? 0 : 1;
    }

    public static void main(String[] args) {
        System.exit(new CommandLine(new FaultRunCommand()).setCaseInsensitiveEnumValuesAllowed(true).execute(args));
    }
}
