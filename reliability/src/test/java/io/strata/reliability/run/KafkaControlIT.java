package io.strata.reliability.run;

import java.util.List;

import io.strata.reliability.cluster.Safety;
import io.strata.reliability.nemesis.Fault;
import org.junit.jupiter.api.Test;

/**
 * The same workload and faults against three Apache Kafka 4.4 brokers with the same safe settings: the control that
 * shows the harness and its checkers do not report anomalies where a mature system has none.
 */
class KafkaControlIT {

    @Test
    void kafkaLosesNothingUnderTheSameFaults() throws Exception {
        FaultRun.Outcome outcome = FaultRuns.run("kafka-control", "kafka", Safety.SAFE, 2,
                List.of(Fault.KILL_LEADER, Fault.PAUSE, Fault.ISOLATE_LEADER, Fault.KILL_FOLLOWER), 0);
        FaultSuiteIT.assertClean(outcome);
    }
}
