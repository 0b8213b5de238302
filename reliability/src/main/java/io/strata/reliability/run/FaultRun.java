package io.strata.reliability.run;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;

import io.strata.reliability.checker.CheckResult;
import io.strata.reliability.cluster.ClusterUnderTest;
import io.strata.reliability.cluster.Safety;
import io.strata.reliability.history.Event;
import io.strata.reliability.history.History;
import io.strata.reliability.nemesis.Fault;
import io.strata.reliability.nemesis.Nemesis;
import io.strata.reliability.report.RunReport;
import io.strata.reliability.workload.ClientSettings;
import io.strata.reliability.workload.Workloads;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One fault run: start the cluster, create the workload's topics, run the workloads while the nemesis starts and
 * heals faults for a number of rounds, heal everything, stop writing, drain every partition, then check the
 * history. A round waits a random quiet time, starts one fault (sometimes two at once), holds it, heals it and
 * waits until every partition is fully replicated again; a partition that is not within
 * {@link #RECOVERY_TIMEOUT} is reported as a run error, since a cluster that stays under-replicated after a fault
 * is healed is a defect too.
 *
 * <p>Everything the run saw goes to {@code <out>/history.jsonl}; the verdict to {@code <out>/summary.md}.
 */
public final class FaultRun {
    private static final Logger LOG = LoggerFactory.getLogger(FaultRun.class);
    static final Duration RECOVERY_TIMEOUT = Duration.ofSeconds(90);
    private static final Duration DRAIN_DEADLINE = Duration.ofSeconds(180);
    /** How long the lab clusters take to declare a silent node dead (a pause lasts longer). */
    private static final Duration FAILURE_DETECTION = Duration.ofSeconds(4);
    /** Longest wait for followers that cannot fetch to leave the ISR (the lab's replica.lag.time.max and more). */
    private static final Duration ISR_SHRINK_WAIT = Duration.ofSeconds(30);

    /**
     * @param rounds        how many rounds of faults
     * @param faults        the faults to choose from
     * @param combineChance probability that a round runs two faults at once
     * @param rate          records per second of each producer
     */
    public record Options(Safety safety, int rounds, long seed, List<Fault> faults, double combineChance,
                          int rate, Path out) {
    }

    /** What a run found: the history's verdict and what went wrong in the run itself. */
    public record Outcome(CheckResult result, List<String> runErrors, Path out) {
    }

    private final ClusterUnderTest cluster;
    private final Options options;
    private final Random random;
    private final List<String> runErrors = new ArrayList<>();
    private final List<Fault> deck = new ArrayList<>();
    /** Taken while the cluster runs: the report is written after it is closed. */
    private final Map<String, String> clusterDescription = new LinkedHashMap<>();

    public FaultRun(ClusterUnderTest cluster, Options options) {
        this.cluster = cluster;
        this.options = options;
        this.random = new Random(options.seed());
    }

    /** Runs the rounds on {@code cluster} (which it starts and closes) and checks the history. */
    public Outcome run() throws Exception {
        Files.createDirectories(options.out());
        Path historyFile = options.out().resolve("history.jsonl");
        try (cluster; History history = History.create(historyFile)) {
            history.record(Event.phase(history.now(), "start " + cluster.system() + " cluster"));
            cluster.start();
            clusterDescription.putAll(cluster.describe());
            try (Admin admin = Admin.create(ClientSettings.admin(cluster.bootstrap(), "fault-run"));
                 Workloads workloads = new Workloads(cluster.bootstrap(), history, options.rate(), options.seed())) {
                short rf = (short) Math.min(3, cluster.nodeIds().size());
                workloads.createTopics(admin, rf, cluster.topicConfigs(), Duration.ofSeconds(60));
                Nemesis nemesis = new Nemesis(cluster, admin, history, random,
                        List.of(Workloads.QUEUE_TOPIC, Workloads.LOG_TOPIC), FAILURE_DETECTION, ISR_SHRINK_WAIT);
                history.record(Event.phase(history.now(), "workloads"));
                workloads.start();
                sleep(Duration.ofSeconds(5));
                for (int round = 1; round <= options.rounds(); round++) {
                    runRound(round, nemesis, history);
                }
                history.record(Event.phase(history.now(), "heal"));
                nemesis.healEverything();
                awaitRecovery(nemesis, history, "end of faults");
                sleep(Duration.ofSeconds(5));
                history.record(Event.phase(history.now(), "stop writing"));
                workloads.stopWriting();
                sleep(Duration.ofSeconds(3));
                workloads.stopReading();
                runErrors.addAll(workloads.clientFailures());
                history.record(Event.phase(history.now(), "drain"));
                Map<TopicPartition, String> unfinished = workloads.drain(DRAIN_DEADLINE);
                unfinished.forEach((tp, why) -> runErrors.add("drain did not finish " + tp + ": " + why));
                history.record(Event.phase(history.now(), "end"));
            }
        }
        return check(historyFile);
    }

    private void runRound(int round, Nemesis nemesis, History history) {
        List<Fault> faults = chooseFaults(nemesis);
        history.record(Event.phase(history.now(), "round " + round + ": "
                + String.join(" + ", faults.stream().map(Fault::label).toList())));
        sleep(Duration.ofMillis(2000 + random.nextInt(4000)));
        List<Nemesis.ActiveFault> active = new ArrayList<>();
        try {
            Duration hold = Duration.ZERO;
            for (Fault f : faults) {
                active.add(nemesis.start(f));
                Duration h = nemesis.holdTime(f);
                hold = h.compareTo(hold) > 0 ? h : hold;
            }
            sleep(hold);
        } catch (RuntimeException e) {
            LOG.warn("round {}: a fault could not be started", round, e);
            runErrors.add("round " + round + ": " + e.getMessage());
        } finally {
            for (int i = active.size() - 1; i >= 0; i--) {
                try {
                    nemesis.heal(active.get(i));
                } catch (RuntimeException e) {
                    LOG.warn("round {}: healing {} failed", round, active.get(i).description(), e);
                    runErrors.add("round " + round + ": healing " + active.get(i).description() + ": "
                            + e.getMessage());
                    nemesis.healEverything();
                }
            }
            nemesis.endRound();
        }
        nemesis.restartExited();
        awaitRecovery(nemesis, history, "round " + round);
    }

    private void awaitRecovery(Nemesis nemesis, History history, String when) {
        Optional<Duration> took = nemesis.awaitFullIsr(RECOVERY_TIMEOUT);
        if (took.isPresent()) {
            history.record(Event.phase(history.now(), when + ": every replica in sync after "
                    + took.get().toMillis() + " ms"));
        } else {
            String problem = when + ": partitions still under-replicated " + RECOVERY_TIMEOUT.toSeconds()
                    + " s after the heal";
            history.record(Event.phase(history.now(), problem));
            runErrors.add(problem);
        }
    }

    /**
     * The faults of the next round, dealt from a shuffled deck of every applicable fault, so that a run of at
     * least that many rounds injects each of them; a second fault, when the round combines two, is the next card
     * that may run beside the first.
     */
    private List<Fault> chooseFaults(Nemesis nemesis) {
        if (deck.isEmpty()) {
            deck.addAll(options.faults().stream().filter(nemesis::applicable).toList());
            if (deck.isEmpty()) {
                throw new IllegalArgumentException("none of " + options.faults() + " applies to " + cluster.system());
            }
            Collections.shuffle(deck, random);
        }
        Fault first = deck.remove(0);
        List<Fault> chosen = new ArrayList<>(List.of(first));
        if (first.combinable() && random.nextDouble() < options.combineChance()) {
            deck.stream().filter(f -> f.combinable() && !(f.network() && first.network())).findFirst()
                    .ifPresent(partner -> {
                        deck.remove(partner);
                        chosen.add(partner);
                    });
        }
        return chosen;
    }

    private Outcome check(Path historyFile) throws Exception {
        Map<String, String> settings = new LinkedHashMap<>();
        settings.put("title", cluster.system() + ", " + options.safety().name().toLowerCase() + " settings, "
                + options.rounds() + " rounds");
        settings.putAll(clusterDescription);
        settings.put("settings", options.safety().name().toLowerCase());
        settings.put("rounds", Integer.toString(options.rounds()));
        settings.put("seed", Long.toString(options.seed()));
        settings.put("faults", String.join(", ", options.faults().stream().map(Fault::label).toList()));
        settings.put("records per second per producer", Integer.toString(options.rate()));
        settings.put("run errors", runErrors.isEmpty() ? "none" : String.join("; ", runErrors));
        RunReport report = RunReport.analyze(historyFile, settings);
        report.write(options.out());
        return new Outcome(report.result(), List.copyOf(runErrors), options.out());
    }

    private static void sleep(Duration d) {
        try {
            Thread.sleep(d.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
