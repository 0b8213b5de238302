package io.strata.ingest.scaling;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.Quarkus;
import io.strata.ingest.broker.Partition;
import io.strata.ingest.broker.ReplicaManager;
import io.strata.membership.balance.ClusterBalancer;
import io.strata.membership.balance.DrainRegistry;
import io.strata.membership.hazelcast.ClusterMember;
import io.strata.membership.partition.PartitionId;
import io.strata.membership.partition.PartitionState;
import io.strata.storage.log.PartitionLog;
import org.apache.kafka.common.TopicPartition;
import org.jboss.logging.Logger;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * This node's part in elastic scaling: runs the controller's {@link ClusterBalancer} (active on the controller
 * only), starts and reports drains ({@link #requestDrain}, used by the HTTP admin endpoint and by a draining
 * SIGTERM), stops this node once a drain that asked for it has moved everything away, logs one line per move that
 * ends on this node (partition, from, to, bytes copied, seconds) and publishes the balancer's metrics.
 *
 * <p>Bytes copied by a move are the size of the new replica's local log when the move completes: a new replica
 * starts empty at the object store manifest's end, so everything it holds locally was fetched from the leader.
 * Thread-safe.
 */
public final class ElasticScaling implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(ElasticScaling.class);

    private final int nodeId;
    private final ClusterMember member;
    private final ReplicaManager replicas;
    private final ClusterBalancer balancer;
    private final DrainRegistry drains;
    private final ScheduledExecutorService watcher;
    private final AtomicLong bytesCopied = new AtomicLong();
    private final AtomicLong movesReceived = new AtomicLong();
    private final AtomicBoolean exiting = new AtomicBoolean();
    private final Map<Integer, ClusterBalancer.NodeLoad> loads = new ConcurrentHashMap<>();
    private final Set<Integer> gaugedNodes = ConcurrentHashMap.newKeySet();
    private final MeterRegistry registry;
    private UUID stateRegistration;

    public ElasticScaling(int nodeId, ClusterMember member, ReplicaManager replicas, boolean balance,
                          int maxConcurrentMoves, Duration interval, MeterRegistry registry) {
        this.nodeId = nodeId;
        this.member = member;
        this.replicas = replicas;
        this.registry = registry;
        this.drains = new DrainRegistry(member.hazelcast());
        this.balancer = new ClusterBalancer(member.nodes(), member.controller(), member.partitions(), member.assigner(),
                drains, balance, maxConcurrentMoves, interval.toMillis());
        this.watcher = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "strata-drain-watch");
            t.setDaemon(true);
            return t;
        });
    }

    public void start() {
        if (drains.isDraining(nodeId)) {
            // A node that starts is not leaving: a drain left from an earlier life of this id ends here.
            drains.cancel(nodeId);
            LOG.infof("Node %d starts: its earlier drain is over", nodeId);
        }
        stateRegistration = member.partitions().addListener(this::reportMove);
        balancer.start();
        watcher.scheduleWithFixedDelay(this::stopIfDrained, 1, 1, TimeUnit.SECONDS);
        registerMetrics();
    }

    /** Logs a completed move that added this node, with what it copied. */
    private void reportMove(PartitionId id, PartitionState previous, PartitionState current) {
        if (previous == null || current == null || !previous.isReassigning() || current.isReassigning()
                || !current.isReplica(nodeId) || previous.reassignment().original().contains(nodeId)) {
            return;
        }
        Partition partition = replicas.hosted(new TopicPartition(id.topic(), id.partition()));
        PartitionLog log = partition == null ? null : partition.log();
        long bytes = log == null ? -1 : log.sizeInBytes();
        double seconds = Math.max(0, System.currentTimeMillis() - previous.reassignment().startedAtMs()) / 1000.0;
        if (bytes >= 0) {
            bytesCopied.addAndGet(bytes);
        }
        movesReceived.incrementAndGet();
        LOG.infof("Move of partition %s done: replicas %s -> %s, node %d copied %d bytes (local log offsets %d-%d; "
                        + "log start %d, the rest is in the object store) in %.1f s", id,
                previous.reassignment().original(), current.replicas(), nodeId, bytes,
                log == null ? -1 : log.localLogStartOffset(), log == null ? -1 : log.logEndOffset(),
                log == null ? -1 : log.logStartOffset(), seconds);
    }

    /** Outcome of a drain request. */
    public record DrainAnswer(boolean accepted, int nodeId, String message, List<String> blockers) {
    }

    /**
     * Starts draining {@code target}: its replicas move to the other nodes (keeping every replication factor), its
     * leaderships go with them; with {@code stopWhenDrained} the node then stops by itself. Refused (nothing
     * changes) when the node is not live or when the other nodes are too few for some partition's factor.
     */
    public DrainAnswer requestDrain(int target, boolean stopWhenDrained) {
        if (!member.nodes().isLive(target)) {
            return new DrainAnswer(false, target, "Node " + target + " is not a live member of the cluster "
                    + member.nodes().liveNodeIds(), List.of());
        }
        List<String> blockers = balancer.drainBlockers(target);
        if (!blockers.isEmpty()) {
            String message = "Node " + target + " cannot be drained: " + blockers.size() + " partition(s) would have"
                    + " fewer replicas than their replication factor on the remaining nodes";
            LOG.warnf("%s: %s", message, blockers);
            return new DrainAnswer(false, target, message, blockers);
        }
        drains.drain(target, stopWhenDrained);
        member.assigner().reconcile();
        LOG.infof("Node %d is draining: %s%s", target, balancer.load(target),
                stopWhenDrained ? "; it stops once it holds no replica" : "");
        return new DrainAnswer(true, target, "Node " + target + " is draining", List.of());
    }

    /** Ends a drain: the node keeps what it still holds (and may receive replicas again). */
    public boolean cancelDrain(int target) {
        boolean was = drains.isDraining(target);
        drains.cancel(target);
        if (was) {
            LOG.infof("Drain of node %d cancelled", target);
        }
        return was;
    }

    public boolean isDraining(int target) {
        return drains.isDraining(target);
    }

    public boolean stopsWhenDrained(int target) {
        return drains.stopsWhenDrained(target);
    }

    public ClusterBalancer.NodeLoad load(int target) {
        return balancer.load(target);
    }

    public Map<Integer, ClusterBalancer.NodeLoad> loads() {
        return balancer.loads();
    }

    public long movesInProgress() {
        return balancer.movesInProgress();
    }

    public List<String> blocked() {
        return balancer.blocked();
    }

    public boolean isLive(int target) {
        return member.nodes().isLive(target);
    }

    /**
     * A draining SIGTERM: drains this node and waits (up to {@code timeout}) until it holds no replica. When the
     * other nodes are too few for some replication factor, logs the partitions that stay here and returns at once:
     * the caller's controlled shutdown then hands the leaderships over and the node stops (as Kafka does), leaving
     * those partitions under-replicated until it returns.
     */
    public void drainBeforeStop(Duration timeout) {
        if (!member.hasQuorum()) {
            LOG.warnf("Shutting down without draining: node %d is cut off from the cluster majority", nodeId);
            return;
        }
        DrainAnswer answer = requestDrain(nodeId, false);
        if (!answer.accepted()) {
            LOG.errorf("Shutting down WITHOUT draining: %s. These partitions stay under-replicated until node %d "
                    + "returns or more nodes join: %s", answer.message(), nodeId, answer.blockers());
            return;
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        long started = System.nanoTime();
        ClusterBalancer.NodeLoad load = balancer.load(nodeId);
        while (!load.isEmpty() && System.nanoTime() < deadline) {
            List<String> blockers = balancer.drainBlockers(nodeId);
            if (!blockers.isEmpty()) {
                // e.g. the whole cluster is stopping at once: every node drains, none is left to take the replicas
                LOG.errorf("Shutting down before the drain finished: the live nodes %s less the draining ones are too few "
                        + "now; these partitions stay here: %s", member.nodes().liveNodeIds(), blockers);
                return;
            }
            try {
                Thread.sleep(250);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
            load = balancer.load(nodeId);
        }
        if (load.isEmpty()) {
            LOG.infof("Shutting down: node %d drained in %.1f s; no replica is left here", nodeId,
                    (System.nanoTime() - started) / 1e9);
        } else {
            LOG.errorf("Shutting down before the drain finished (strata.shutdown.drain-timeout %s): node %d still holds "
                    + "%d replicas and %d leaderships", timeout, nodeId, load.replicas(), load.leaders());
        }
    }

    private void stopIfDrained() {
        try {
            if (drains.stopsWhenDrained(nodeId) && balancer.load(nodeId).isEmpty() && exiting.compareAndSet(false, true)) {
                LOG.infof("Node %d drained: it holds no replica and leads no partition; stopping", nodeId);
                Quarkus.asyncExit(0);
            }
        } catch (RuntimeException e) {
            LOG.debugf("Drain check failed: %s", e);
        }
    }

    private void registerMetrics() {
        Gauge.builder("strata.balancer.moves.in.progress", this, s -> s.balancer.movesInProgress())
                .description("Partition reassignments in progress in the cluster").register(registry);
        FunctionCounter.builder("strata.balancer.moves.started", this, s -> s.balancer.movesStarted())
                .description("Replica moves this node started as controller (scale out and drains)").register(registry);
        FunctionCounter.builder("strata.balancer.moves.completed", this, s -> s.balancer.movesCompleted())
                .description("Partition reassignments this node saw complete").register(registry);
        FunctionCounter.builder("strata.balancer.leaders.moved", this, s -> s.balancer.leadersMoved())
                .description("Leaderships this node moved as controller to balance leaders").register(registry);
        FunctionCounter.builder("strata.balancer.moves.received", this, s -> s.movesReceived.get())
                .description("Completed moves that added a replica on this node").register(registry);
        FunctionCounter.builder("strata.balancer.copied.bytes", this, s -> s.bytesCopied.get())
                .description("Bytes the replicas moved to this node copied from their leaders (the untiered tail)")
                .baseUnit("bytes").register(registry);
        Gauge.builder("strata.balancer.draining", this, s -> s.drains.isDraining(s.nodeId) ? 1 : 0)
                .description("1 while this node is draining").register(registry);
        watcher.scheduleWithFixedDelay(this::refreshNodeGauges, 0, 2, TimeUnit.SECONDS);
    }

    /** Per-node replica and leader counts, one gauge pair per node id seen. */
    private void refreshNodeGauges() {
        try {
            Map<Integer, ClusterBalancer.NodeLoad> now = balancer.loads();
            loads.keySet().retainAll(now.keySet());
            loads.putAll(now);
            for (int node : now.keySet()) {
                if (gaugedNodes.add(node)) {
                    String tag = Integer.toString(node);
                    Gauge.builder("strata.balancer.node.replicas", this, s -> s.count(node, true))
                            .tag("node", tag).description("Partition replicas on a node (cluster view)")
                            .register(registry);
                    Gauge.builder("strata.balancer.node.leaders", this, s -> s.count(node, false))
                            .tag("node", tag).description("Partitions a node leads (cluster view)").register(registry);
                }
            }
        } catch (RuntimeException e) {
            LOG.debugf("Balancer gauges not refreshed: %s", e);
        }
    }

    private double count(int node, boolean replicaCount) {
        ClusterBalancer.NodeLoad load = loads.get(node);
        return load == null ? 0 : replicaCount ? load.replicas() : load.leaders();
    }

    @Override
    public void close() {
        watcher.shutdownNow();
        balancer.close();
        if (stateRegistration != null) {
            try {
                member.partitions().removeListener(stateRegistration);
            } catch (RuntimeException ignored) {
                // the member is shutting down
            }
        }
    }
}
