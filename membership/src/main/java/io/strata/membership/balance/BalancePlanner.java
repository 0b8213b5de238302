package io.strata.membership.balance;

import io.strata.membership.partition.PartitionId;
import io.strata.membership.partition.PartitionState;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * What the balancer should do next, as a pure function of the partition states, the live nodes and the
 * draining nodes. The nodes that may hold replicas ("eligible") are the live ones that are not draining.
 * <ol>
 * <li><b>Drain</b>: every replica on a draining node is replaced, in the same position of the replica
 *     list, by the eligible node not yet among the partition's replicas that holds the fewest replicas
 *     (then leaders, then the lowest id), so the replication factor is kept. A partition with no such
 *     node (fewer eligible nodes than its replication factor) is reported as blocked, never shrunk.</li>
 * <li><b>Replica balance</b>: while the most and the least loaded eligible nodes differ by more than
 *     one replica, one replica moves from the most to the least loaded, preferring a partition the
 *     most loaded node does not lead (no leadership change) and only fully in-sync partitions.</li>
 * <li><b>Leader balance</b>, only when no move runs or is planned: while leader counts differ by more
 *     than one, a partition led by the node with the most leaders gets an in-sync replica on the node
 *     with the fewest as its first (preferred) replica, and is then elected there.</li>
 * </ol>
 * Moves in progress (any reassignment, the balancer's or an operator's) count against
 * {@code maxConcurrentMoves}, and partitions being reassigned are counted where they are going and
 * otherwise left alone. Partitions without a live leader are not moved (nothing could copy them).
 * Stateless and thread-safe.
 */
public final class BalancePlanner {

    private BalancePlanner() {
    }

    /** A reassignment to start: the partition's replicas become {@code to}. */
    public record Move(PartitionId partition, List<Integer> from, List<Integer> to, String reason) {
    }

    /** A leadership to move: {@code to} becomes the first replica and is elected. */
    public record LeaderMove(PartitionId partition, int from, int to, List<Integer> reordered) {
    }

    /**
     * @param moves       reassignments to start now (within the concurrency budget)
     * @param leaderMoves leaderships to move now
     * @param blocked     why partitions on draining nodes cannot move (too few nodes for their factor)
     * @param inProgress  reassignments running now
     */
    public record Plan(List<Move> moves, List<LeaderMove> leaderMoves, List<String> blocked, int inProgress) {
        public boolean isEmpty() {
            return moves.isEmpty() && leaderMoves.isEmpty();
        }
    }

    /**
     * @param balance false: only drains (the automatic balancing is switched off)
     */
    public static Plan plan(Map<PartitionId, PartitionState> states, Set<Integer> live, Set<Integer> draining,
                            int maxConcurrentMoves, boolean balance) {
        Map<PartitionId, PartitionState> sorted = new TreeMap<>(Comparator.comparing(PartitionId::topic)
                .thenComparingInt(PartitionId::partition));
        sorted.putAll(states);
        List<Integer> eligible = live.stream().filter(n -> !draining.contains(n)).sorted().toList();
        int inProgress = (int) sorted.values().stream().filter(PartitionState::isReassigning).count();
        List<Move> moves = new ArrayList<>();
        List<LeaderMove> leaderMoves = new ArrayList<>();
        List<String> blocked = new ArrayList<>();
        if (eligible.isEmpty()) {
            if (!draining.isEmpty()) {
                blocked.add("no live node is left that is not draining");
            }
            return new Plan(moves, leaderMoves, blocked, inProgress);
        }
        Map<Integer, Integer> replicaCount = new TreeMap<>();
        Map<Integer, Integer> leaderCount = new TreeMap<>();
        eligible.forEach(n -> {
            replicaCount.put(n, 0);
            leaderCount.put(n, 0);
        });
        for (PartitionState st : sorted.values()) {
            for (int r : destination(st)) {
                replicaCount.computeIfPresent(r, (k, v) -> v + 1);
            }
            if (st.hasLeader()) {
                leaderCount.computeIfPresent(st.leaderNodeId(), (k, v) -> v + 1);
            }
        }
        int budget = maxConcurrentMoves - inProgress;
        Set<PartitionId> touched = new HashSet<>();

        for (Map.Entry<PartitionId, PartitionState> e : sorted.entrySet()) {
            PartitionState st = e.getValue();
            List<Integer> leaving = destination(st).stream().filter(draining::contains).toList();
            if (leaving.isEmpty() || st.isReassigning()) {
                continue;
            }
            if (!st.hasLeader() || !live.contains(st.leaderNodeId())) {
                blocked.add(e.getKey() + " has no live leader to copy from");
                continue;
            }
            List<Integer> to = new ArrayList<>(st.replicas());
            boolean possible = true;
            for (int node : leaving) {
                Integer target = eligible.stream().filter(n -> !to.contains(n))
                        .min(Comparator.comparingInt((Integer n) -> replicaCount.get(n))
                                .thenComparingInt(leaderCount::get).thenComparingInt(n -> n))
                        .orElse(null);
                if (target == null) {
                    blocked.add(e.getKey() + " (replicas " + st.replicas() + ") needs " + st.replicas().size()
                            + " nodes that are not draining, only " + eligible + " are live");
                    possible = false;
                    break;
                }
                to.set(to.indexOf(node), target);
            }
            if (!possible || budget <= 0) {
                continue;
            }
            to.stream().filter(n -> !st.replicas().contains(n)).forEach(n -> replicaCount.merge(n, 1, Integer::sum));
            moves.add(new Move(e.getKey(), st.replicas(), List.copyOf(to), "drain of node(s) " + leaving));
            touched.add(e.getKey());
            budget--;
        }
        if (!balance) {
            return new Plan(moves, leaderMoves, blocked, inProgress);
        }

        while (budget > 0) {
            int most = argMax(replicaCount);
            int least = argMin(replicaCount);
            if (replicaCount.get(most) - replicaCount.get(least) <= 1) {
                break;
            }
            Map.Entry<PartitionId, PartitionState> pick = null;
            for (Map.Entry<PartitionId, PartitionState> e : sorted.entrySet()) {
                PartitionState st = e.getValue();
                if (touched.contains(e.getKey()) || st.isReassigning() || !st.replicas().contains(most)
                        || st.replicas().contains(least) || !st.hasLeader() || !live.contains(st.leaderNodeId())
                        || st.isr().size() < st.replicas().size()) {
                    continue;
                }
                if (pick == null || (pick.getValue().leaderNodeId() == most && st.leaderNodeId() != most)) {
                    pick = e;
                }
                if (st.leaderNodeId() != most) {
                    break;
                }
            }
            if (pick == null) {
                break;
            }
            PartitionState st = pick.getValue();
            List<Integer> to = new ArrayList<>(st.replicas());
            to.set(to.indexOf(most), least);
            moves.add(new Move(pick.getKey(), st.replicas(), List.copyOf(to),
                    "balance: node " + most + " holds " + replicaCount.get(most) + " replicas, node " + least + " "
                            + replicaCount.get(least)));
            replicaCount.merge(most, -1, Integer::sum);
            replicaCount.merge(least, 1, Integer::sum);
            touched.add(pick.getKey());
            budget--;
        }

        if (inProgress > 0 || !moves.isEmpty()) {
            return new Plan(moves, leaderMoves, blocked, inProgress);
        }
        for (int i = 0; i < maxConcurrentMoves; i++) {
            int most = argMax(leaderCount);
            int least = argMin(leaderCount);
            if (leaderCount.get(most) - leaderCount.get(least) <= 1) {
                break;
            }
            LeaderMove pick = null;
            for (Map.Entry<PartitionId, PartitionState> e : sorted.entrySet()) {
                PartitionState st = e.getValue();
                if (!touched.contains(e.getKey()) && st.leaderNodeId() == most && st.isInSync(least)
                        && st.isReplica(least)) {
                    List<Integer> reordered = new ArrayList<>();
                    reordered.add(least);
                    st.replicas().stream().filter(r -> r != least).forEach(reordered::add);
                    pick = new LeaderMove(e.getKey(), most, least, List.copyOf(reordered));
                    break;
                }
            }
            if (pick == null) {
                break;
            }
            leaderMoves.add(pick);
            touched.add(pick.partition());
            leaderCount.merge(most, -1, Integer::sum);
            leaderCount.merge(least, 1, Integer::sum);
        }
        return new Plan(moves, leaderMoves, blocked, inProgress);
    }

    /**
     * Why draining {@code nodeId} (on top of the nodes already draining) could not keep every replication
     * factor: one line per partition that would be left with too few nodes; empty when it can.
     */
    public static List<String> drainBlockers(Map<PartitionId, PartitionState> states, Set<Integer> live,
                                             Set<Integer> draining, int nodeId) {
        Set<Integer> drainingToo = new HashSet<>(draining);
        drainingToo.add(nodeId);
        long eligible = live.stream().filter(n -> !drainingToo.contains(n)).count();
        List<String> blockers = new ArrayList<>();
        states.entrySet().stream()
                .sorted(Comparator.comparing((Map.Entry<PartitionId, PartitionState> e) -> e.getKey().topic())
                        .thenComparingInt(e -> e.getKey().partition()))
                .forEach(e -> {
                    List<Integer> replicas = destination(e.getValue());
                    if (replicas.contains(nodeId) && replicas.size() > eligible) {
                        blockers.add(e.getKey() + " has replication factor " + replicas.size() + " but only "
                                + eligible + " node(s) would remain");
                    }
                });
        return blockers;
    }

    /** Replicas a partition has, or will have once its reassignment completes. */
    static List<Integer> destination(PartitionState st) {
        return st.isReassigning() ? st.reassignment().target() : st.replicas();
    }

    private static int argMax(Map<Integer, Integer> counts) {
        return counts.entrySet().stream().max(Comparator.comparingInt((Map.Entry<Integer, Integer> e) -> e.getValue())
                .thenComparingInt(e -> -e.getKey())).orElseThrow().getKey();
    }

    private static int argMin(Map<Integer, Integer> counts) {
        return counts.entrySet().stream().min(Comparator.comparingInt((Map.Entry<Integer, Integer> e) -> e.getValue())
                .thenComparingInt(Map.Entry::getKey)).orElseThrow().getKey();
    }
}
