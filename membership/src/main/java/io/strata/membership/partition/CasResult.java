package io.strata.membership.partition;

/**
 * Outcome of a compare-and-set on a partition state.
 *
 * @param applied whether the change was made
 * @param current the state after the call (the new one when applied, else the one that prevented
 *                it); null when there is no state
 */
public record CasResult(boolean applied, PartitionState current) {
}
