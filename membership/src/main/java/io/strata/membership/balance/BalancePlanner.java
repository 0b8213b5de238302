package io.strata.membership.balance;

import io.strata.membership.partition.PartitionId;
import io.strata.membership.partition.PartitionState;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
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
 *     list, by the eligible node not yet among the partition's replicas whose rack the other replicas do not
 *     use yet (when racks are known), then that holds the fewest replicas (then leaders, then the lowest id),
 *     so the replication factor is kept. A partition with no such
 *     node (fewer eligible nodes than its replication factor) is reported as blocked, never shrunk.</li>
 * <li><b>Replica balance</b>: while the most and the least loaded eligible nodes differ by more than
 *     one replica, one replica moves from the most to the least loaded, preferring a partition the
 *     most loaded node does not lead (no leadership change), only fully in-sync partitions, and never one
 *     whose other replicas already use the least loaded node's rack while some rack is unused by them (the
 *     rack spread of Kafka's assignment is kept).</li>
 * <li><b>Leader balance</b>, only when no move runs or is planned: while some node leads two partitions
 *     fewer than the node with the most, leaderships move along the shortest chain of in-sync replicas from
 *     the one to the other; a moved partition gets its new leader as first (preferred) replica and is then
 *     elected there.</li>
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
        return plan(states, live, draining, Map.of(), maxConcurrentMoves, balance);
    }

    /**
     * @param racks   node id → rack of the nodes that have one (empty: racks unknown)
     * @param balance false: only drains (the automatic balancing is switched off)
     */
    public static Plan plan(Map<PartitionId, PartitionState> states, Set<Integer> live, Set<Integer> draining,
                            Map<Integer, String> racks, int maxConcurrentMoves, boolean balance) {
        Map<PartitionId, PartitionState> sorted = new TreeMap<>(Comparator.comparing(PartitionId::topic)
                .thenComparingInt(PartitionId::partition));
        sorted.putAll(states);
        List<Integer> eligible = live.stream().filter(n -> !draining.contains(n)).sorted().toList();
        Racks rackRule = new Racks(racks, eligible);
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
                List<Integer> others = to.stream().filter(r -> r != node && !draining.contains(r)).toList();
                Integer target = eligible.stream().filter(n -> !to.contains(n))
                        .min(Comparator.comparing((Integer n) -> rackRule.conflicts(n, others))
                                .thenComparingInt(n -> replicaCount.get(n))
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
            Move move = null;
            search:
            for (int most : byCount(replicaCount, false)) {
                for (int least : byCount(replicaCount, true)) {
                    if (replicaCount.get(most) - replicaCount.get(least) <= 1) {
                        break;
                    }
                    move = replicaMove(sorted, touched, live, rackRule, most, least, replicaCount);
                    if (move != null) {
                        break search;
                    }
                }
            }
            if (move == null) {
                break;
            }
            Move chosen = move;
            int from = chosen.from().stream().filter(r -> !chosen.to().contains(r)).findFirst().orElseThrow();
            int to = chosen.to().stream().filter(r -> !chosen.from().contains(r)).findFirst().orElseThrow();
            moves.add(chosen);
            replicaCount.merge(from, -1, Integer::sum);
            replicaCount.merge(to, 1, Integer::sum);
            touched.add(chosen.partition());
            budget--;
        }

        if (inProgress > 0 || !moves.isEmpty()) {
            return new Plan(moves, leaderMoves, blocked, inProgress);
        }
        while (leaderMoves.size() < maxConcurrentMoves) {
            List<LeaderMove> path = null;
            for (int most : byCount(leaderCount, false)) {
                path = leaderPath(sorted, touched, eligible, leaderCount, most);
                if (path != null) {
                    break;
                }
            }
            if (path == null) {
                break;
            }
            for (LeaderMove m : path) {
                leaderMoves.add(m);
                touched.add(m.partition());
            }
            leaderCount.merge(path.get(0).from(), -1, Integer::sum);
            leaderCount.merge(path.get(path.size() - 1).to(), 1, Integer::sum);
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

    /** A replica of a partition on {@code most} moved to {@code least}, or null when no partition may move. */
    private static Move replicaMove(Map<PartitionId, PartitionState> sorted, Set<PartitionId> touched, Set<Integer> live,
                                    Racks rackRule, int most, int least, Map<Integer, Integer> replicaCount) {
        Map.Entry<PartitionId, PartitionState> pick = null;
        for (Map.Entry<PartitionId, PartitionState> e : sorted.entrySet()) {
            PartitionState st = e.getValue();
            if (touched.contains(e.getKey()) || st.isReassigning() || !st.replicas().contains(most)
                    || st.replicas().contains(least) || !st.hasLeader() || !live.contains(st.leaderNodeId())
                    || st.isr().size() < st.replicas().size()
                    || rackRule.conflicts(least, st.replicas().stream().filter(r -> r != most).toList())) {
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
            return null;
        }
        PartitionState st = pick.getValue();
        List<Integer> to = new ArrayList<>(st.replicas());
        to.set(to.indexOf(most), least);
        return new Move(pick.getKey(), st.replicas(), List.copyOf(to), "balance: node " + most + " holds "
                + replicaCount.get(most) + " replicas, node " + least + " " + replicaCount.get(least));
    }

    /**
     * The shortest chain of leadership moves (breadth first) from {@code most} to a node leading at least two
     * partitions fewer: each step hands a partition to one of its in-sync replicas, so the nodes in between keep
     * their count (1 leads 3, 2 leads 2, 3 leads 1 and shares partitions only with 2: 1 gives one to 2, 2 one to 3).
     * Null when there is none.
     */
    private static List<LeaderMove> leaderPath(Map<PartitionId, PartitionState> sorted, Set<PartitionId> touched,
                                               List<Integer> eligible, Map<Integer, Integer> leaderCount, int most) {
        Map<Integer, LeaderMove> reachedBy = new HashMap<>();
        java.util.ArrayDeque<Integer> queue = new java.util.ArrayDeque<>(List.of(most));
        Set<Integer> visited = new HashSet<>(List.of(most));
        while (!queue.isEmpty()) {
            int from = queue.poll();
            for (Map.Entry<PartitionId, PartitionState> e : sorted.entrySet()) {
                PartitionState st = e.getValue();
                if (touched.contains(e.getKey()) || st.isReassigning() || st.leaderNodeId() != from) {
                    continue;
                }
                for (int to : st.isr()) {
                    if (visited.contains(to) || !eligible.contains(to) || !st.isReplica(to)) {
                        continue;
                    }
                    List<Integer> reordered = new ArrayList<>();
                    reordered.add(to);
                    st.replicas().stream().filter(r -> r != to).forEach(reordered::add);
                    reachedBy.put(to, new LeaderMove(e.getKey(), from, to, List.copyOf(reordered)));
                    visited.add(to);
                    if (leaderCount.get(to) <= leaderCount.get(most) - 2) {
                        List<LeaderMove> path = new ArrayList<>();
                        for (int n = to; n != most; n = reachedBy.get(n).from()) {
                            path.add(0, reachedBy.get(n));
                        }
                        return path;
                    }
                    queue.add(to);
                }
            }
        }
        return null;
    }

    /** Node ids by count, ascending or descending; ties by id. */
    private static List<Integer> byCount(Map<Integer, Integer> counts, boolean ascending) {
        Comparator<Map.Entry<Integer, Integer>> c = Comparator.comparingInt(Map.Entry::getValue);
        if (!ascending) {
            c = c.reversed();
        }
        return counts.entrySet().stream().sorted(c.thenComparingInt(Map.Entry::getKey)).map(Map.Entry::getKey).toList();
    }

    /** Kafka's rack rule for one more replica: a partition's replicas on distinct racks while some rack is unused. */
    private record Racks(Map<Integer, String> racks, List<Integer> eligible) {
        boolean conflicts(int node, List<Integer> others) {
            if (racks.isEmpty()) {
                return false;
            }
            Set<String> used = new HashSet<>();
            others.forEach(o -> used.add(rackOf(o)));
            Set<String> all = new HashSet<>();
            eligible.forEach(e -> all.add(rackOf(e)));
            return !used.containsAll(all) && used.contains(rackOf(node));
        }

        private String rackOf(int node) {
            return racks.getOrDefault(node, "");
        }
    }

    /** Replicas a partition has, or will have once its reassignment completes. */
    static List<Integer> destination(PartitionState st) {
        return st.isReassigning() ? st.reassignment().target() : st.replicas();
    }
}
