package io.strata.reliability.run;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.List;

import io.strata.reliability.checker.CheckResult;
import io.strata.reliability.cluster.Safety;
import io.strata.reliability.nemesis.Fault;
import org.junit.jupiter.api.Test;

/**
 * Short fault runs against three Strata nodes with safe settings: no acknowledged record may be lost, duplicated,
 * reordered or seen at two offsets, committed offsets may not go back, and every partition must be fully
 * replicated again after each heal. The long run ({@code reliability/run --rounds 20}) does the same at length.
 */
class FaultSuiteIT {

    @Test
    void fourRoundsOfMixedFaultsLoseNothing() throws Exception {
        FaultRun.Outcome outcome = FaultRuns.run("mixed", "strata", Safety.SAFE, 4, Arrays.asList(Fault.values()),
                0.25);
        assertClean(outcome);
    }

    /**
     * A leader cut off from the other nodes while clients still reach it: it must stop taking writes, and after the
     * heal it must follow the new leader again, so the partition gets its full ISR back.
     */
    @Test
    void anIsolatedLeaderRejoinsAndLosesNothing() throws Exception {
        FaultRun.Outcome outcome = FaultRuns.run("isolate-leader", "strata", Safety.SAFE, 1,
                List.of(Fault.ISOLATE_LEADER), 0);
        assertClean(outcome);
    }

    static void assertClean(FaultRun.Outcome outcome) {
        CheckResult r = outcome.result();
        assertThat(outcome.runErrors()).as("run errors (see %s)", outcome.out()).isEmpty();
        assertThat(r.operations().acks()).as("acknowledged records").isGreaterThan(100);
        assertThat(r.operations().drainReads()).as("records read by the drain").isGreaterThan(100);
        assertThat(r.anomalies()).as("anomalies (see %s)", outcome.out())
                .allSatisfy(a -> assertThat(a.count()).as(a.title()).isZero());
        assertThat(r.valid()).isTrue();
    }
}
