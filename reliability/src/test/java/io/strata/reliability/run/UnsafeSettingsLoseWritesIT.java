package io.strata.reliability.run;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

import io.strata.reliability.cluster.Safety;
import io.strata.reliability.nemesis.Fault;
import org.junit.jupiter.api.Test;

/**
 * The checkers can fail: with min.insync.replicas=1 and unclean leader election, a leader whose followers cannot
 * fetch acknowledges alone, then dies; a follower that missed those records becomes leader, and the same offsets
 * are given to other records. The run must report lost writes and inconsistent offsets.
 */
class UnsafeSettingsLoseWritesIT {

    @Test
    void uncleanElectionAfterALaggingIsrIsReportedAsLoss() throws Exception {
        FaultRun.Outcome outcome = FaultRuns.run("unsafe-lagging-isr", "strata", Safety.UNSAFE, 1,
                List.of(Fault.LAGGING_ISR), 0);
        assertThat(outcome.result().operations().acks()).isGreaterThan(100);
        assertThat(outcome.result().lost().count()).as("lost acknowledged records").isPositive();
        assertThat(outcome.result().inconsistentOffsets().count()).as("offsets that named two records").isPositive();
        assertThat(outcome.result().valid()).isFalse();
    }
}
