package io.strata.membership.balance;

import io.strata.membership.cluster.ControllerElection;
import io.strata.membership.cluster.NodeInfo;
import io.strata.membership.cluster.NodeListener;
import io.strata.membership.cluster.NodeRegistry;
import io.strata.membership.partition.ElectionResult;
import io.strata.membership.partition.PartitionAssigner;
import io.strata.membership.partition.PartitionId;
import io.strata.membership.partition.PartitionState;
import io.strata.membership.partition.PartitionStateStore;
import io.strata.membership.partition.ReassignmentResult;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The controller's balancer: partitions follow the nodes. Runs on every node, acts only on the controller.
 * A pass reads all partition states, asks {@link BalancePlanner} what to do and applies it through the
 * existing mechanisms only: replica moves are KIP-455 reassignments ({@link PartitionAssigner#alterReassignment},
 * so a new replica starts at the object store manifest's end and copies only the untiered tail, and the
 * controller completes the move once the new replica is in sync), leadership moves are a reordering of the
 * replicas (the new leader becomes the preferred replica, so the periodic preferred-leader rebalance keeps it)
 * followed by a preferred election (leader epoch + 1: the old leader stops being leader, the new one takes the
 * next epoch). At most {@code maxConcurrentMoves} reassignments run at a time.
 *
 * <p>The balancer works in episodes, so that it never fights an operator or a failover: an episode starts when a
 * node joins that holds no replica (a new node; a node coming back after a restart or a failure still holds its
 * replicas and gets its leaderships back through the preferred-leader rules instead) and lasts until replicas and
 * leaders are balanced and no move runs; a drain works until the draining nodes hold nothing. During those, a pass
 * runs every {@code intervalMillis} and soon after a node joins or leaves, a drain starts or ends, or a reassignment
 * completes. With {@code balance} off only drains move replicas. Passes run on one thread; every write
 * is a compare-and-set on the partition state, so a pass racing another writer just loses and retries later.
 * Thread-safe.
 */
public final class ClusterBalancer implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(ClusterBalancer.class);

    private final NodeRegistry nodes;
    private final ControllerElection controller;
    private final PartitionStateStore states;
    private final PartitionAssigner assigner;
    private final DrainRegistry drains;
    private final boolean balance;
    private final int maxConcurrentMoves;
    private final long intervalMillis;
    private final ScheduledExecutorService executor;
    private final AtomicBoolean passQueued = new AtomicBoolean();
    private final AtomicLong movesStarted = new AtomicLong();
    private final AtomicLong movesCompleted = new AtomicLong();
    private final AtomicLong leadersMoved = new AtomicLong();
    private volatile List<String> lastBlocked = List.of();
    /** A new node joined and the cluster is not balanced yet (see the class comment). */
    private volatile boolean active;
    private UUID nodeRegistration;
    private UUID drainRegistration;
    private UUID stateRegistration;
    private volatile boolean closed;

    /**
     * @param balance            move replicas and leaders onto new or underloaded nodes (drains run regardless)
     * @param maxConcurrentMoves reassignments in progress at most (the balancer's and operators')
     * @param intervalMillis     time between periodic passes
     */
    public ClusterBalancer(NodeRegistry nodes, ControllerElection controller, PartitionStateStore states,
                           PartitionAssigner assigner, DrainRegistry drains, boolean balance, int maxConcurrentMoves,
                           long intervalMillis) {
        if (maxConcurrentMoves < 1 || intervalMillis <= 0) {
            throw new IllegalArgumentException("maxConcurrentMoves must be >= 1 and intervalMillis > 0");
        }
        this.nodes = nodes;
        this.controller = controller;
        this.states = states;
        this.assigner = assigner;
        this.drains = drains;
        this.balance = balance;
        this.maxConcurrentMoves = maxConcurrentMoves;
        this.intervalMillis = intervalMillis;
        this.executor = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "strata-balancer-" + nodes.localNode().nodeId());
            t.setDaemon(true);
            return t;
        });
    }

    public void start() {
        nodeRegistration = nodes.addListener(new NodeListener() {
            @Override
            public void nodeJoined(NodeInfo node) {
                if (balance && load(node.nodeId()).replicas() == 0) {
                    LOG.info("Balancer: node {} joined without replicas; moving replicas and leaders onto it",
                            node.nodeId());
                    active = true;
                }
                runSoon(1000);
            }

            @Override
            public void nodeLeft(NodeInfo node) {
                runSoon(1000);
            }
        });
        drainRegistration = drains.addListener(() -> runSoon(0));
        stateRegistration = states.addListener((partition, previous, current) -> {
            if (previous != null && previous.isReassigning() && current != null && !current.isReassigning()
                    && current.replicas().equals(previous.reassignment().target())) {
                movesCompleted.incrementAndGet();
                runSoon(0);
            }
        });
        executor.scheduleWithFixedDelay(this::pass, intervalMillis, intervalMillis, TimeUnit.MILLISECONDS);
    }

    private void runSoon(long delayMillis) {
        if (closed || !passQueued.compareAndSet(false, true)) {
            return;
        }
        try {
            executor.schedule(() -> {
                passQueued.set(false);
                pass();
            }, delayMillis, TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException e) {
            // closed meanwhile
        }
    }

    /** One pass on the balancer thread; does nothing unless this node is the controller. */
    void pass() {
        if (closed || !controller.isController()) {
            return;
        }
        try {
            Set<Integer> draining = drains.draining().keySet();
            if (!active && draining.isEmpty()) {
                return;
            }
            Set<Integer> live = nodes.liveNodeIds();
            Map<PartitionId, PartitionState> all = states.all();
            Map<Integer, String> racks = new HashMap<>();
            nodes.liveNodes().stream().filter(n -> n.rack() != null).forEach(n -> racks.put(n.nodeId(), n.rack()));
            BalancePlanner.Plan plan = BalancePlanner.plan(all, live, draining, racks, maxConcurrentMoves,
                    balance && active);
            if (active && plan.isEmpty() && plan.inProgress() == 0) {
                active = false;
                LOG.info("Balancer: balanced; replicas and leaders per node: {}", loads().values());
            }
            if (!plan.blocked().equals(lastBlocked) && !plan.blocked().isEmpty()) {
                LOG.warn("Balancer: draining nodes keep replicas that cannot move (the replication factor is kept): {}",
                        plan.blocked());
            }
            lastBlocked = plan.blocked();
            for (BalancePlanner.Move move : plan.moves()) {
                ReassignmentResult r = assigner.alterReassignment(move.partition(), move.to());
                if (r.accepted()) {
                    movesStarted.incrementAndGet();
                    LOG.info("Balancer: moving partition {} replicas {} -> {} ({})", move.partition(), move.from(),
                            move.to(), move.reason());
                } else {
                    LOG.info("Balancer: move of {} to {} not started: {}", move.partition(), move.to(), r.message());
                }
            }
            for (BalancePlanner.LeaderMove move : plan.leaderMoves()) {
                ReassignmentResult reorder = assigner.alterReassignment(move.partition(), move.reordered());
                if (!reorder.accepted()) {
                    continue;
                }
                ElectionResult elected = assigner.electPreferred(move.partition());
                if (elected.elected()) {
                    leadersMoved.incrementAndGet();
                    LOG.info("Balancer: moved the leadership of {} from node {} to node {} (leader epoch {})",
                            move.partition(), move.from(), move.to(), elected.state().leaderEpoch());
                }
            }
        } catch (RuntimeException e) {
            LOG.warn("Balancer pass failed (retried in {} ms): {}", intervalMillis, e.toString());
        }
    }

    /**
     * Why draining {@code nodeId} now would leave partitions with fewer replicas than their factor; empty when it
     * can drain.
     */
    public List<String> drainBlockers(int nodeId) {
        return BalancePlanner.drainBlockers(states.all(), nodes.liveNodeIds(), drains.draining().keySet(), nodeId);
    }

    /** Partitions with a replica (or a replica they are moving to) on {@code nodeId}, and those it leads. */
    public NodeLoad load(int nodeId) {
        int replicas = 0;
        int leaders = 0;
        for (PartitionState st : states.all().values()) {
            if (st.isReplica(nodeId) || BalancePlanner.destination(st).contains(nodeId)) {
                replicas++;
            }
            if (st.leaderNodeId() == nodeId) {
                leaders++;
            }
        }
        return new NodeLoad(nodeId, replicas, leaders);
    }

    /** Replica and leader counts of every node that holds any, and of every live node. */
    public Map<Integer, NodeLoad> loads() {
        Map<Integer, int[]> counts = new HashMap<>();
        nodes.liveNodeIds().forEach(n -> counts.put(n, new int[2]));
        for (PartitionState st : states.all().values()) {
            for (int r : st.replicas()) {
                counts.computeIfAbsent(r, k -> new int[2])[0]++;
            }
            if (st.hasLeader()) {
                counts.computeIfAbsent(st.leaderNodeId(), k -> new int[2])[1]++;
            }
        }
        Map<Integer, NodeLoad> loads = new HashMap<>();
        counts.forEach((n, c) -> loads.put(n, new NodeLoad(n, c[0], c[1])));
        return loads;
    }

    /** Reassignments in progress in the cluster (the balancer's and operators'). */
    public long movesInProgress() {
        return states.all().values().stream().filter(PartitionState::isReassigning).count();
    }

    /** Moves this node started as controller. */
    public long movesStarted() {
        return movesStarted.get();
    }

    /** Reassignments this node saw complete (any node's). */
    public long movesCompleted() {
        return movesCompleted.get();
    }

    /** Leaderships this node moved as controller. */
    public long leadersMoved() {
        return leadersMoved.get();
    }

    /** Whether a balancing episode runs (a new node joined and the cluster is not balanced yet). */
    public boolean isActive() {
        return active;
    }

    /** The partitions the last pass could not move off draining nodes. */
    public List<String> blocked() {
        return lastBlocked;
    }

    public DrainRegistry drains() {
        return drains;
    }

    /** One node's share: partitions it holds a replica of (or is receiving) and partitions it leads. */
    public record NodeLoad(int nodeId, int replicas, int leaders) {
        public boolean isEmpty() {
            return replicas == 0 && leaders == 0;
        }
    }

    @Override
    public void close() {
        closed = true;
        try {
            if (nodeRegistration != null) {
                nodes.removeListener(nodeRegistration);
            }
            if (drainRegistration != null) {
                drains.removeListener(drainRegistration);
            }
            if (stateRegistration != null) {
                states.removeListener(stateRegistration);
            }
        } catch (RuntimeException ignored) {
            // the member is shutting down
        }
        executor.shutdownNow();
    }
}
