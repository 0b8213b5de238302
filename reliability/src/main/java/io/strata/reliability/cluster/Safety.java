package io.strata.reliability.cluster;

/**
 * How much a run's broker settings promise about acknowledged records. Both presets replicate every partition
 * three times; they differ in what a leader may do when replicas are missing.
 */
public enum Safety {
    /**
     * min.insync.replicas=2 and unclean leader election off: an acks=all write is on at least two replicas before it
     * is acknowledged, and only an in-sync replica becomes leader. Acknowledged records must never be lost.
     */
    SAFE,
    /**
     * min.insync.replicas=1 and unclean leader election on: a lone leader acknowledges, and a replica that missed
     * writes may become leader. Losing acknowledged records is expected; a run shows how the checkers see it.
     */
    UNSAFE
}
