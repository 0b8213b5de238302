package io.strata.ingest.group.classic;

/** States of a classic group, as in Kafka's GroupCoordinator. */
public enum ClassicGroupState {
    /** No members (it may still have committed offsets). */
    EMPTY("Empty"),
    /** Waiting for members to (re)join before a new generation. */
    PREPARING_REBALANCE("PreparingRebalance"),
    /** A new generation exists; waiting for the leader's assignment (SyncGroup). */
    COMPLETING_REBALANCE("CompletingRebalance"),
    /** Every member has its assignment. */
    STABLE("Stable"),
    /** Removed; operations that find it look the group up again. */
    DEAD("Dead");

    private final String label;

    ClassicGroupState(String label) {
        this.label = label;
    }

    public String label() {
        return label;
    }
}
