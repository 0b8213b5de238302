package io.strata.membership.partition;

import io.strata.membership.cluster.ControllerElection;
import io.strata.membership.cluster.ControllerListener;
import io.strata.membership.cluster.NodeInfo;
import io.strata.membership.cluster.NodeListener;
import io.strata.membership.cluster.NodeRegistry;
import io.strata.membership.topic.TopicDescriptor;
import io.strata.membership.topic.TopicListener;
import io.strata.membership.topic.TopicRecord;
import io.strata.membership.topic.HazelcastTopicRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Assigns partitions to nodes. Runs on every node, acts only on the controller:
 * <ul>
 * <li>a new topic (or new partitions of a grown topic) gets its states: replicas round-robin over
 *     the live nodes (sorted by id) from a start position derived from the topic name, the first
 *     replica leading, epoch 0;</li>
 * <li>a partition whose leader is not live (it left, or the cluster restarted without it) moves to
 *     its first live replica, else to a live node chosen round-robin (which then replaces the dead
 *     leader among the replicas), under epoch + 1; when the new leader is not live either it stays
 *     offline until a node joins;</li>
 * <li>states of deleted topics (or of partitions beyond a topic's count) are removed.</li>
 * </ul>
 * Every change is a compare-and-set on the epoch the controller read; a lost race just triggers
 * another pass. The controller runs a full pass when it takes over, when nodes join or leave and
 * when topics change; passes are serialised on one thread and retried after a second on failure
 * (for example while the cluster lacks its split-brain quorum).
 */
public final class PartitionAssigner implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(PartitionAssigner.class);
    private static final long RETRY_MILLIS = 1000;

    private final NodeRegistry nodes;
    private final ControllerElection controller;
    private final HazelcastTopicRegistry topics;
    private final PartitionStateStore states;
    private final int defaultReplicationFactor;
    private final ScheduledExecutorService executor;
    private final AtomicReference<CompletableFuture<Void>> pending = new AtomicReference<>();
    private UUID nodeRegistration;
    private UUID topicRegistration;
    private final ControllerListener controllerListener;
    private volatile boolean closed;
    private int failedPasses; // only touched on the executor thread

    public PartitionAssigner(NodeRegistry nodes, ControllerElection controller, HazelcastTopicRegistry topics,
                             PartitionStateStore states, int defaultReplicationFactor) {
        this.nodes = nodes;
        this.controller = controller;
        this.topics = topics;
        this.states = states;
        this.defaultReplicationFactor = defaultReplicationFactor;
        this.executor = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "strata-partition-assigner-" + nodes.localNode().nodeId());
            t.setDaemon(true);
            return t;
        });
        this.controllerListener = (nodeId, local) -> {
            if (local) {
                reconcile();
            }
        };
    }

    /** Starts following membership and topic changes; runs a pass when this node is the controller. */
    public void start() {
        controller.addListener(controllerListener);
        nodeRegistration = nodes.addListener(new NodeListener() {
            @Override
            public void nodeJoined(NodeInfo node) {
                reconcileIfController();
            }

            @Override
            public void nodeLeft(NodeInfo node) {
                reconcileIfController();
            }
        });
        topicRegistration = topics.addListener(new TopicListener() {
            @Override
            public void topicCreated(TopicDescriptor topic) {
                reconcileIfController();
            }

            @Override
            public void topicUpdated(TopicDescriptor previous, TopicDescriptor current) {
                reconcileIfController();
            }

            @Override
            public void topicDeleted(TopicDescriptor topic) {
                reconcileIfController();
            }
        });
        reconcileIfController();
    }

    private void reconcileIfController() {
        if (controller.isController()) {
            reconcile();
        }
    }

    /**
     * Gives a topic's partitions their first states (with the replication factor the topic was
     * created with), unless they have states already, and returns the topic's states. The controller
     * does this when it sees a new topic; a node that created a topic may call it to have the states
     * at once (whichever writes first wins, atomically per partition).
     */
    public Map<PartitionId, PartitionState> assign(TopicDescriptor topic) {
        int rf = topics.record(topic.name()).map(TopicRecord::replicationFactor).orElse(TopicRecord.DEFAULT_REPLICATION);
        return assign(topic, rf);
    }

    /** As {@link #assign(TopicDescriptor)} with an explicit replication factor (0: the default). */
    public Map<PartitionId, PartitionState> assign(TopicDescriptor topic, int replicationFactor) {
        int rf = replicationFactor == TopicRecord.DEFAULT_REPLICATION ? defaultReplicationFactor : replicationFactor;
        List<Integer> live = new ArrayList<>(nodes.liveNodeIds());
        Map<PartitionId, PartitionState> current = states.forTopic(topic.name(), topic.partitions());
        Map<PartitionId, PartitionState> result = new HashMap<>();
        for (int p = 0; p < topic.partitions(); p++) {
            PartitionId id = new PartitionId(topic.name(), p);
            PartitionState st = current.get(id);
            if (st == null) {
                st = states.createIfAbsent(id, initialState(topic, p, live, rf)).current();
            }
            result.put(id, st);
        }
        return result;
    }

    /** Schedules a full pass on the controller thread (coalesced); completes when it has run. */
    public CompletableFuture<Void> reconcile() {
        while (true) {
            CompletableFuture<Void> existing = pending.get();
            if (existing != null) {
                return existing;
            }
            CompletableFuture<Void> next = new CompletableFuture<>();
            if (pending.compareAndSet(null, next)) {
                schedule(next, 0);
                return next;
            }
        }
    }

    private void schedule(CompletableFuture<Void> done, long delayMillis) {
        if (closed) {
            done.cancel(false);
            return;
        }
        try {
            executor.schedule(() -> runPass(done), delayMillis, TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException e) {
            done.cancel(false); // closed meanwhile
        }
    }

    private void runPass(CompletableFuture<Void> done) {
        pending.compareAndSet(done, null); // requests from now on need a new pass
        try {
            if (!controller.isController()) {
                done.complete(null);
                return;
            }
            controller.claimEpoch();
            boolean clean = reconcileOnce();
            if (failedPasses > 0) {
                LOG.info("Partition assignment works again after {} failed passes", failedPasses);
                failedPasses = 0;
            }
            if (clean) {
                done.complete(null);
            } else {
                schedule(done, 0); // lost a race; read again
            }
        } catch (RuntimeException e) {
            if (closed) {
                done.completeExceptionally(e);
                return;
            }
            if (failedPasses++ % 30 == 0) {
                LOG.warn("Partition assignment pass failed ({} in a row), retrying every {} ms: {}",
                        failedPasses, RETRY_MILLIS, e.toString());
            }
            schedule(done, RETRY_MILLIS);
        }
    }

    /** One pass; returns false when a compare-and-set lost a race. */
    private boolean reconcileOnce() {
        List<Integer> live = new ArrayList<>(nodes.liveNodeIds());
        if (live.isEmpty()) {
            return true;
        }
        boolean clean = true;
        Map<String, TopicDescriptor> byName = new HashMap<>();
        for (TopicRecord record : topics.records()) {
            TopicDescriptor topic = record.descriptor();
            int rf = record.replicationFactor() == TopicRecord.DEFAULT_REPLICATION
                    ? defaultReplicationFactor : record.replicationFactor();
            byName.put(topic.name(), topic);
            Map<PartitionId, PartitionState> current = states.forTopic(topic.name(), topic.partitions());
            for (int p = 0; p < topic.partitions(); p++) {
                PartitionId id = new PartitionId(topic.name(), p);
                PartitionState st = current.get(id);
                CasResult r = null;
                if (st == null) {
                    r = states.createIfAbsent(id, initialState(topic, p, live, rf));
                } else if (!st.topicId().equals(topic.topicId())) {
                    // left over from a deleted topic of the same name: start the new topic's state
                    PartitionState fresh = initialState(topic, p, live, rf);
                    r = states.compareAndSet(id, st.leaderEpoch(), new PartitionState(topic.topicId(),
                            fresh.leaderNodeId(), st.leaderEpoch() + 1, fresh.replicas()));
                } else if (!live.contains(st.leaderNodeId())) {
                    int durableEpoch = states.durableState(id).map(PartitionState::leaderEpoch).orElse(0);
                    PartitionState moved = failover(topic, p, st, live, Math.max(st.leaderEpoch(), durableEpoch) + 1);
                    if (moved != null) {
                        r = states.compareAndSet(id, st.leaderEpoch(), moved);
                        if (r.applied()) {
                            LOG.info("Partition {} leader {} -> {} (epoch {})", id, st.leaderNodeId(),
                                    moved.leaderNodeId(), moved.leaderEpoch());
                        }
                    }
                }
                if (r != null && !r.applied()) {
                    clean = false;
                }
            }
        }
        for (Map.Entry<PartitionId, PartitionState> e : states.all().entrySet()) {
            PartitionId id = e.getKey();
            TopicDescriptor topic = byName.get(id.topic());
            if (topic == null || id.partition() >= topic.partitions()) {
                // re-read: the topic may have been created (or grown) since the snapshot above
                Optional<TopicDescriptor> fresh = topics.get(id.topic());
                if (fresh.isEmpty() || id.partition() >= fresh.get().partitions()) {
                    states.remove(id, e.getValue().leaderEpoch());
                }
            }
        }
        return clean;
    }

    private static PartitionState failover(TopicDescriptor topic, int p, PartitionState st, List<Integer> live,
                                           int newEpoch) {
        for (int replica : st.replicas()) {
            if (live.contains(replica)) {
                return new PartitionState(st.topicId(), replica, newEpoch, st.replicas());
            }
        }
        // no replica is live: a live node takes the dead leader's place among the replicas
        int chosen = live.get(Math.floorMod(start(topic, live.size()) + p, live.size()));
        List<Integer> replicas = new ArrayList<>(st.replicas());
        int slot = replicas.indexOf(st.leaderNodeId());
        replicas.set(Math.max(slot, 0), chosen);
        return new PartitionState(st.topicId(), chosen, newEpoch, replicas);
    }

    static PartitionState initialState(TopicDescriptor topic, int p, List<Integer> liveSorted, int replicationFactor) {
        int n = liveSorted.size();
        int rf = Math.max(1, Math.min(replicationFactor, n));
        int first = start(topic, n) + p;
        List<Integer> replicas = new ArrayList<>(rf);
        for (int i = 0; i < rf; i++) {
            replicas.add(liveSorted.get(Math.floorMod(first + i, n)));
        }
        return new PartitionState(topic.topicId(), replicas.get(0), 0, replicas);
    }

    private static int start(TopicDescriptor topic, int n) {
        return Math.floorMod(topic.name().hashCode(), n);
    }

    @Override
    public void close() {
        closed = true;
        controller.removeListener(controllerListener);
        try {
            if (nodeRegistration != null) {
                nodes.removeListener(nodeRegistration);
            }
            if (topicRegistration != null) {
                topics.removeListener(topicRegistration);
            }
        } catch (RuntimeException ignored) {
            // the member is shutting down
        }
        executor.shutdownNow();
    }
}
