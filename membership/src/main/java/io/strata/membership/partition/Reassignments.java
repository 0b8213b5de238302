package io.strata.membership.partition;

import io.strata.membership.partition.PartitionState.Reassignment;

import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The state transitions of a partition reassignment (KIP-455), as pure functions of a state and the
 * live nodes; {@link PartitionAssigner} applies them by compare-and-set.
 * <ol>
 * <li>{@link #start}: replicas become original ∪ target (the new replicas start following; the leader
 *     adds each to the ISR once it caught up), partition epoch + 1.</li>
 * <li>{@link #complete}, once every target replica is in the ISR: replicas = target,
 *     ISR = ISR ∩ target; when the leader is not a target, the first target in the ISR that is live
 *     leads (leader epoch + 1), else only the partition epoch grows.</li>
 * <li>{@link #cancel}: back to the original replicas, ISR ∩ original.</li>
 * </ol>
 * Stateless and thread-safe.
 */
final class Reassignments {

    private Reassignments() {
    }

    /**
     * The state that starts (or, while one runs, redirects) a move of {@code st} to {@code target};
     * null when there is nothing to do (the target is the current assignment).
     *
     * @throws IllegalStateException when no in-sync replica would remain
     */
    static PartitionState start(PartitionState st, List<Integer> target, Set<Integer> live, long nowMs) {
        List<Integer> original = st.isReassigning() ? st.reassignment().original() : st.replicas();
        if (target.equals(original)) {
            return st.isReassigning() ? cancel(st, live) : null;
        }
        if (new HashSet<>(target).equals(new HashSet<>(original))) {
            // Only the order changes (for example the preferred leader): nothing to copy.
            return withReplicas(st, null, target, live);
        }
        long started = st.isReassigning() ? st.reassignment().startedAtMs() : nowMs;
        Reassignment r = new Reassignment(original, target, started);
        return withReplicas(st, r, r.merged(), live);
    }

    /**
     * Back to the original replicas; null when no move is in progress.
     *
     * @throws IllegalStateException when no original replica is in the ISR
     */
    static PartitionState cancel(PartitionState st, Set<Integer> live) {
        if (!st.isReassigning()) {
            return null;
        }
        return withReplicas(st, null, st.reassignment().original(), live);
    }

    /**
     * The completed move once every target replica is in the ISR and one of them that is live may lead;
     * null while not (or when no move is in progress).
     */
    static PartitionState complete(PartitionState st, Set<Integer> live) {
        if (!st.isReassigning() || !st.isr().containsAll(st.reassignment().target())) {
            return null;
        }
        List<Integer> target = st.reassignment().target();
        List<Integer> isr = PartitionState.retain(st.isr(), target);
        int leader = st.hasLeader() && target.contains(st.leaderNodeId()) ? st.leaderNodeId() : firstLive(target, isr, live);
        if (leader == PartitionState.NO_LEADER) {
            return null; // wait for a target replica to come back
        }
        return st.withReassignment(null, target, leader, isr);
    }

    /** {@code st} with other replicas: ISR restricted to them, a new leader when the current one is not among them. */
    private static PartitionState withReplicas(PartitionState st, Reassignment r, List<Integer> replicas, Set<Integer> live) {
        List<Integer> isr = PartitionState.retain(st.isr(), replicas);
        if (isr.isEmpty()) {
            throw new IllegalStateException("none of the replicas " + replicas + " is in the ISR " + st.isr());
        }
        int leader = st.leaderNodeId();
        if (!st.hasLeader() || !replicas.contains(leader)) {
            leader = firstLive(replicas, isr, live);
        }
        if (leader == PartitionState.NO_LEADER) {
            isr = List.of(isr.get(0)); // offline, as the controller leaves it: the last ISR member waits to lead
        }
        return st.withReassignment(r, replicas, leader, isr);
    }

    private static int firstLive(List<Integer> order, List<Integer> isr, Set<Integer> live) {
        for (int id : order) {
            if (isr.contains(id) && live.contains(id)) {
                return id;
            }
        }
        return PartitionState.NO_LEADER;
    }
}
