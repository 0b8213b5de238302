package io.strata.membership.partition;

/**
 * Outcome of an administrative leader election ({@link PartitionAssigner#electPreferred},
 * {@link PartitionAssigner#electUnclean}); the statuses mirror Kafka's ElectLeaders error codes.
 *
 * @param partition the partition
 * @param status    what happened
 * @param state     the partition state after the call, null when the partition has none
 * @param message   why, for the operator
 */
public record ElectionResult(PartitionId partition, Status status, PartitionState state, String message) {

    public enum Status {
        /** A new leader was elected; {@code state} has it. */
        ELECTED,
        /** The partition already has the leader the election would pick (Kafka ELECTION_NOT_NEEDED). */
        ELECTION_NOT_NEEDED,
        /** The preferred replica is not live or not in the ISR (Kafka PREFERRED_LEADER_NOT_AVAILABLE). */
        PREFERRED_LEADER_NOT_AVAILABLE,
        /** No replica that may lead is live (Kafka ELIGIBLE_LEADERS_NOT_AVAILABLE). */
        ELIGIBLE_LEADERS_NOT_AVAILABLE,
        /** The partition has no state (Kafka UNKNOWN_TOPIC_OR_PARTITION). */
        UNKNOWN_TOPIC_OR_PARTITION
    }

    public boolean elected() {
        return status == Status.ELECTED;
    }
}
