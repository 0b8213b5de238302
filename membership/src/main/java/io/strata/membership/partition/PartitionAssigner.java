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
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The controller's partition logic, Kafka's rules with ISR replication. Runs on every node, acts
 * only on the controller:
 * <ul>
 * <li><b>New partitions</b> (a new topic, or a grown one) get their first state from the topic's
 *     {@link TopicRecord} only: its manual replica assignment, else a rack-aware assignment over the
 *     live nodes (Kafka's: nodes ordered by alternating racks, leaders spread evenly, a partition's
 *     replicas on distinct racks when possible); the first replica leads, ISR = replicas, epochs 0.
 *     When fewer nodes are live than the replication factor, no state is created (a warning is logged
 *     and the next pass, for example when a node joins, tries again): the factor is never lowered.</li>
 * <li><b>Leader not live</b>: the first replica (in replica order) that is live and in the ISR leads,
 *     the ISR loses the nodes that are not live, leader epoch + 1. With no live ISR member the
 *     partition goes offline ({@link PartitionState#NO_LEADER}, ISR = the last leader, leader epoch
 *     + 1) and stays so until an ISR member returns, which is then elected. A node outside the ISR
 *     never leads, unless unclean election is enabled ({@value #UNCLEAN_LEADER_ELECTION_ENABLE} in the
 *     topic's configs, else the cluster default): then the first live replica leads with ISR = itself,
 *     with a warning that acknowledged records may be lost, counted by {@link #uncleanElections()}.</li>
 * <li><b>Follower in the ISR not live</b> (leader live): the follower leaves the ISR, partition epoch
 *     + 1, same leader epoch, as Kafka's controller does when a broker is fenced. Re-adding a caught-up
 *     follower is the leader's job ({@link PartitionStateStore#alterIsr}).</li>
 * <li>States of deleted topics (or of partitions beyond a topic's count) are removed; a state left by
 *     a deleted topic of the same name is replaced by the new topic's first state.</li>
 * </ul>
 * Every change is a compare-and-set on the epochs the controller read, and new epochs are based on
 * the higher of the map and the durable store, so an epoch is never handed out twice; a lost race
 * just triggers another pass. The controller runs a full pass when it takes over, when nodes join or
 * leave and when topics change; passes are serialised on one thread and retried after a second on
 * failure (for example while the cluster lacks its split-brain quorum). The administrative elections
 * ({@link #electPreferred}, {@link #electUnclean}) run on the caller's thread on any node, fenced by
 * the same compare-and-set.
 *
 * <p><b>Reassignment</b> (KIP-455, see {@link Reassignments}): {@link #alterReassignment} writes
 * replicas = original ∪ target (or, on cancel, the original replicas back) on the caller's thread.
 * The controller listens to partition state changes, so every ISR change of a partition under
 * reassignment triggers a pass; a pass completes a move once all its targets are in the ISR, and logs
 * one line per completed move.
 *
 * <p><b>Leader rebalance</b> ({@code auto.leader.rebalance.enable}): when enabled, the controller
 * checks every {@code leader.imbalance.check.interval} for partitions whose preferred replica is live
 * and in the ISR but does not lead, and runs a preferred election for each (partitions being
 * reassigned are left alone). Thread-safe.
 */
public final class PartitionAssigner implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(PartitionAssigner.class);
    private static final long RETRY_MILLIS = 1000;
    private static final int MAX_ELECTION_ATTEMPTS = 16;

    /** The topic config (Kafka's name) that allows electing a replica outside the ISR. */
    public static final String UNCLEAN_LEADER_ELECTION_ENABLE = "unclean.leader.election.enable";

    private final NodeRegistry nodes;
    private final ControllerElection controller;
    private final HazelcastTopicRegistry topics;
    private final PartitionStateStore states;
    private final int defaultReplicationFactor;
    private final boolean uncleanElectionDefault;
    private final AtomicLong uncleanElections = new AtomicLong();
    private final boolean autoLeaderRebalance;
    private final long leaderImbalanceCheckMillis;
    private final ScheduledExecutorService executor;
    private final AtomicReference<CompletableFuture<Void>> pending = new AtomicReference<>();
    private UUID nodeRegistration;
    private UUID topicRegistration;
    private UUID stateRegistration;
    private final ControllerListener controllerListener;
    private volatile boolean closed;
    private int failedPasses; // only touched on the executor thread

    /** An assigner with unclean leader election disabled by default (topics may enable it). */
    public PartitionAssigner(NodeRegistry nodes, ControllerElection controller, HazelcastTopicRegistry topics,
                             PartitionStateStore states, int defaultReplicationFactor) {
        this(nodes, controller, topics, states, defaultReplicationFactor, false);
    }

    /**
     * @param defaultReplicationFactor replicas of topics created without an explicit factor
     * @param uncleanElectionDefault   {@value #UNCLEAN_LEADER_ELECTION_ENABLE} for topics that do not set it
     */
    public PartitionAssigner(NodeRegistry nodes, ControllerElection controller, HazelcastTopicRegistry topics,
                             PartitionStateStore states, int defaultReplicationFactor, boolean uncleanElectionDefault) {
        this(nodes, controller, topics, states, defaultReplicationFactor, uncleanElectionDefault, false, 300_000);
    }

    /**
     * @param defaultReplicationFactor   replicas of topics created without an explicit factor
     * @param uncleanElectionDefault     {@value #UNCLEAN_LEADER_ELECTION_ENABLE} for topics that do not set it
     * @param autoLeaderRebalance        Kafka's auto.leader.rebalance.enable
     * @param leaderImbalanceCheckMillis Kafka's leader.imbalance.check.interval (milliseconds)
     */
    public PartitionAssigner(NodeRegistry nodes, ControllerElection controller, HazelcastTopicRegistry topics,
                             PartitionStateStore states, int defaultReplicationFactor, boolean uncleanElectionDefault,
                             boolean autoLeaderRebalance, long leaderImbalanceCheckMillis) {
        if (leaderImbalanceCheckMillis <= 0) {
            throw new IllegalArgumentException("leaderImbalanceCheckMillis must be > 0");
        }
        this.autoLeaderRebalance = autoLeaderRebalance;
        this.leaderImbalanceCheckMillis = leaderImbalanceCheckMillis;
        this.uncleanElectionDefault = uncleanElectionDefault;
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
        // An ISR change of a partition under reassignment may complete the move.
        stateRegistration = states.addListener((partition, previous, current) -> {
            if (current != null && current.isReassigning()) {
                reconcileIfController();
            }
        });
        if (autoLeaderRebalance) {
            executor.scheduleWithFixedDelay(this::rebalanceLeaders, leaderImbalanceCheckMillis,
                    leaderImbalanceCheckMillis, TimeUnit.MILLISECONDS);
        }
        reconcileIfController();
    }

    private void reconcileIfController() {
        if (controller.isController()) {
            reconcile();
        }
    }

    /**
     * Gives a topic's partitions their first states, unless they have states already, and returns the
     * topic's states. The states are derived from the stored {@link TopicRecord} only (and the live
     * nodes for a computed assignment), exactly as the controller derives them, so whichever writes
     * first (atomically per partition) writes the same assignment rules. Partitions whose replication
     * factor exceeds the live nodes get no state (they are missing from the result). The controller
     * does this when it sees a new topic; a node that created a topic may call it to have the states
     * at once.
     */
    public Map<PartitionId, PartitionState> assign(TopicDescriptor topic) {
        Optional<TopicRecord> stored = topics.record(topic.name())
                .filter(r -> r.descriptor().topicId().equals(topic.topicId()));
        TopicDescriptor current = stored.map(TopicRecord::descriptor).orElse(topic);
        Map<PartitionId, PartitionState> states0 = states.forTopic(current.name(), current.partitions());
        Map<PartitionId, PartitionState> result = new HashMap<>();
        List<NodeInfo> live = nodes.liveNodes();
        Map<PartitionId, PartitionState> missing = new HashMap<>();
        for (int p = 0; p < current.partitions(); p++) {
            PartitionId id = new PartitionId(current.name(), p);
            PartitionState st = states0.get(id);
            if (st == null && stored.isPresent()) {
                PartitionState initial = initialState(stored.get(), p, live);
                if (initial != null) {
                    missing.put(id, initial);
                }
            } else if (st != null && st.topicId().equals(current.topicId())) {
                result.put(id, st);
            }
        }
        // all in flight at once: a topic of thousands of partitions is not created one round trip at a time
        states.createAllIfAbsent(missing).forEach((id, r) -> {
            PartitionState st = r.current();
            if (st != null && st.topicId().equals(current.topicId())) {
                result.put(id, st);
            }
        });
        return result;
    }

    /** Unclean leader elections this node's assigner made (as controller or by {@link #electUnclean}). */
    public long uncleanElections() {
        return uncleanElections.get();
    }

    /**
     * Kafka's preferred leader election: makes the first replica leader (leader epoch + 1) when it is
     * live and in the ISR. Runs on the caller's thread; needs the split-brain quorum.
     */
    public ElectionResult electPreferred(PartitionId id) {
        for (int attempt = 0; attempt < MAX_ELECTION_ATTEMPTS; attempt++) {
            PartitionState st = states.get(id).orElse(null);
            if (st == null) {
                return new ElectionResult(id, ElectionResult.Status.UNKNOWN_TOPIC_OR_PARTITION, null,
                        "Partition " + id + " has no state");
            }
            int preferred = st.preferredLeader();
            if (st.leaderNodeId() == preferred) {
                return new ElectionResult(id, ElectionResult.Status.ELECTION_NOT_NEEDED, st,
                        "The preferred replica " + preferred + " already leads " + id);
            }
            Set<Integer> live = nodes.liveNodeIds();
            if (!live.contains(preferred) || !st.isInSync(preferred)) {
                return new ElectionResult(id, ElectionResult.Status.PREFERRED_LEADER_NOT_AVAILABLE, st,
                        "The preferred replica " + preferred + " of " + id + " is "
                                + (live.contains(preferred) ? "not in the ISR " + st.isr() : "not live"));
            }
            PartitionState next = rebase(id, st).withLeader(preferred, PartitionState.retain(st.isr(), live));
            CasResult r = states.compareAndSet(id, st.leaderEpoch(), st.partitionEpoch(), next);
            if (r.applied()) {
                LOG.info("Partition {} preferred leader {} elected (was {}), leader epoch {}", id, preferred,
                        st.leaderNodeId(), next.leaderEpoch());
                return new ElectionResult(id, ElectionResult.Status.ELECTED, r.current(), "Elected " + preferred);
            }
        }
        throw new IllegalStateException("The state of " + id + " kept changing during the election");
    }

    /**
     * Kafka's unclean election for an admin call: when the partition has no live leader, elects a live
     * ISR member if there is one (a clean election), else the first live replica with ISR = itself,
     * which may lose acknowledged records. Runs on the caller's thread; needs the split-brain quorum.
     */
    public ElectionResult electUnclean(PartitionId id) {
        for (int attempt = 0; attempt < MAX_ELECTION_ATTEMPTS; attempt++) {
            PartitionState st = states.get(id).orElse(null);
            if (st == null) {
                return new ElectionResult(id, ElectionResult.Status.UNKNOWN_TOPIC_OR_PARTITION, null,
                        "Partition " + id + " has no state");
            }
            Set<Integer> live = nodes.liveNodeIds();
            if (st.hasLeader() && live.contains(st.leaderNodeId())) {
                return new ElectionResult(id, ElectionResult.Status.ELECTION_NOT_NEEDED, st,
                        "Partition " + id + " has a live leader " + st.leaderNodeId());
            }
            Transition t = transition(st, live, true);
            if (t == null || t.kind() == Transition.Kind.OFFLINE) {
                return new ElectionResult(id, ElectionResult.Status.ELIGIBLE_LEADERS_NOT_AVAILABLE, st,
                        "No replica of " + id + " " + st.replicas() + " is live");
            }
            t = transition(rebase(id, st), live, true);
            CasResult r = states.compareAndSet(id, st.leaderEpoch(), st.partitionEpoch(), t.next());
            if (r.applied()) {
                report(id, st, t);
                return new ElectionResult(id, ElectionResult.Status.ELECTED, r.current(),
                        "Elected " + t.next().leaderNodeId() + (t.kind() == Transition.Kind.UNCLEAN_ELECTION
                                ? " from outside the ISR " + st.isr() + "; acknowledged records may be lost" : ""));
            }
        }
        throw new IllegalStateException("The state of " + id + " kept changing during the election");
    }

    /**
     * Starts, redirects ({@code target} while a move runs) or cancels ({@code target} null) the
     * reassignment of a partition (Kafka's AlterPartitionReassignments): writes replicas = original ∪
     * target, or the original replicas back; the controller completes the move once every target is
     * in the ISR. Runs on the caller's thread; needs the split-brain quorum.
     */
    public ReassignmentResult alterReassignment(PartitionId id, List<Integer> target) {
        if (target != null) {
            Set<Integer> live = nodes.liveNodeIds();
            String invalid = target.isEmpty() ? "the target replica list is empty"
                    : new HashSet<>(target).size() != target.size() ? "the target replicas " + target + " repeat a node"
                    : !live.containsAll(target) ? "the target replicas " + target + " name nodes that are not live " + live
                    : null;
            if (invalid != null) {
                return new ReassignmentResult(id, ReassignmentResult.Status.INVALID_REPLICA_ASSIGNMENT,
                        states.get(id).orElse(null), "Cannot reassign " + id + ": " + invalid);
            }
        }
        for (int attempt = 0; attempt < MAX_ELECTION_ATTEMPTS; attempt++) {
            PartitionState st = states.get(id).orElse(null);
            if (st == null) {
                return new ReassignmentResult(id, ReassignmentResult.Status.UNKNOWN_TOPIC_OR_PARTITION, null,
                        "Partition " + id + " has no state");
            }
            if (target == null && !st.isReassigning()) {
                return new ReassignmentResult(id, ReassignmentResult.Status.NO_REASSIGNMENT_IN_PROGRESS, st,
                        "No reassignment of " + id + " is in progress");
            }
            Set<Integer> live = nodes.liveNodeIds();
            PartitionState next;
            try {
                PartitionState base = rebase(id, st);
                next = target == null ? Reassignments.cancel(base, live)
                        : Reassignments.start(base, target, live, System.currentTimeMillis());
            } catch (IllegalStateException e) {
                return new ReassignmentResult(id, ReassignmentResult.Status.REJECTED, st,
                        "Cannot reassign " + id + ": " + e.getMessage());
            }
            if (next == null) {
                return new ReassignmentResult(id, ReassignmentResult.Status.ACCEPTED, st,
                        id + " already has the replicas " + target);
            }
            CasResult r = states.compareAndSet(id, st.leaderEpoch(), st.partitionEpoch(), next);
            if (r.applied()) {
                if (target == null) {
                    LOG.info("Partition {} reassignment to {} cancelled: replicas {} again, ISR {}, leader {}", id,
                            st.reassignment().target(), next.replicas(), next.isr(), next.leaderNodeId());
                } else {
                    LOG.info("Partition {} reassignment {} -> {} started: replicas {}, ISR {}, leader {}", id,
                            next.isReassigning() ? next.reassignment().original() : st.replicas(), target,
                            next.replicas(), next.isr(), next.leaderNodeId());
                }
                return new ReassignmentResult(id, ReassignmentResult.Status.ACCEPTED, r.current(), "Accepted");
            }
        }
        throw new IllegalStateException("The state of " + id + " kept changing during the reassignment");
    }

    /** Partitions with a reassignment in progress (Kafka's ListPartitionReassignments over all partitions). */
    public Map<PartitionId, PartitionState> reassignments() {
        Map<PartitionId, PartitionState> all = states.all();
        all.values().removeIf(st -> !st.isReassigning());
        return all;
    }

    /**
     * The periodic preferred-leader check (controller only): a preferred election for every partition
     * whose preferred replica is live and in the ISR but does not lead, and is not being reassigned.
     * Runs on the controller thread; returns the number of leaders moved.
     */
    int rebalanceLeaders() {
        if (closed || !controller.isController()) {
            return 0;
        }
        int moved = 0;
        try {
            Set<Integer> live = nodes.liveNodeIds();
            for (Map.Entry<PartitionId, PartitionState> e : states.all().entrySet()) {
                PartitionState st = e.getValue();
                if (!st.isReassigning() && st.hasLeader() && st.leaderNodeId() != st.preferredLeader()
                        && live.contains(st.preferredLeader()) && st.isInSync(st.preferredLeader())
                        && electPreferred(e.getKey()).elected()) {
                    moved++;
                }
            }
            if (moved > 0) {
                LOG.info("Leader rebalance moved {} partitions back to their preferred replica", moved);
            }
        } catch (RuntimeException e) {
            LOG.warn("Leader rebalance check failed (retried in {} ms): {}", leaderImbalanceCheckMillis, e.toString());
        }
        return moved;
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
        List<NodeInfo> liveNodes = nodes.liveNodes();
        Set<Integer> live = new HashSet<>();
        liveNodes.forEach(n -> live.add(n.nodeId()));
        if (live.isEmpty()) {
            return true;
        }
        boolean clean = true;
        Map<String, TopicDescriptor> byName = new HashMap<>();
        for (TopicRecord record : topics.records()) {
            TopicDescriptor topic = record.descriptor();
            byName.put(topic.name(), topic);
            boolean unclean = uncleanElectionEnabled(topic);
            Map<PartitionId, PartitionState> current = states.forTopic(topic.name(), topic.partitions());
            int waiting = 0;
            Map<PartitionId, PartitionState> missing = new HashMap<>();
            for (int p = 0; p < topic.partitions(); p++) {
                PartitionId id = new PartitionId(topic.name(), p);
                PartitionState st = current.get(id);
                CasResult r = null;
                if (st == null) {
                    PartitionState initial = initialState(record, p, liveNodes);
                    if (initial == null) {
                        waiting++;
                    } else {
                        missing.put(id, initial);
                    }
                } else if (!st.topicId().equals(topic.topicId())) {
                    r = replaceStale(record, id, st, liveNodes);
                } else {
                    Transition t = transition(st, live, unclean);
                    if (t != null) {
                        t = transition(rebase(id, st), live, unclean);
                        r = states.compareAndSet(id, st.leaderEpoch(), st.partitionEpoch(), t.next());
                        if (r.applied()) {
                            report(id, st, t);
                        }
                    } else if (st.isReassigning()) {
                        r = completeReassignment(id, st, live);
                    }
                }
                if (r != null && !r.applied()) {
                    clean = false;
                }
            }
            for (CasResult r : states.createAllIfAbsent(missing).values()) {
                if (!r.applied()) {
                    clean = false;
                }
            }
            if (waiting > 0) {
                LOG.warn("Topic {}: {} partitions wait for {} live nodes (replication factor), {} are live",
                        topic.name(), waiting, replicationFactor(record), live.size());
            }
        }
        for (Map.Entry<PartitionId, PartitionState> e : states.all().entrySet()) {
            PartitionId id = e.getKey();
            TopicDescriptor topic = byName.get(id.topic());
            if (topic == null || id.partition() >= topic.partitions()) {
                // re-read: the topic may have been created (or grown) since the snapshot above
                Optional<TopicDescriptor> fresh = topics.get(id.topic());
                if (fresh.isEmpty() || id.partition() >= fresh.get().partitions()) {
                    states.remove(id, e.getValue().leaderEpoch(), e.getValue().partitionEpoch());
                }
            }
        }
        return clean;
    }

    /** Completes the move of a partition whose target replicas are all in the ISR; null when it must wait. */
    private CasResult completeReassignment(PartitionId id, PartitionState st, Set<Integer> live) {
        PartitionState next = Reassignments.complete(rebase(id, st), live);
        if (next == null) {
            return null;
        }
        CasResult r = states.compareAndSet(id, st.leaderEpoch(), st.partitionEpoch(), next);
        if (r.applied()) {
            long seconds = Math.max(0, System.currentTimeMillis() - st.reassignment().startedAtMs()) / 1000;
            LOG.info("Partition {} reassignment completed: replicas {} -> {} in {} s (leader {}, ISR {}, leader epoch {})",
                    id, st.reassignment().original(), next.replicas(), seconds, next.leaderNodeId(), next.isr(),
                    next.leaderEpoch());
        }
        return r;
    }

    /** A state left by a deleted topic of the same name: the new topic's first state, under higher epochs. */
    private CasResult replaceStale(TopicRecord record, PartitionId id, PartitionState stale, List<NodeInfo> liveNodes) {
        PartitionState initial = initialState(record, id.partition(), liveNodes);
        if (initial == null) {
            return states.remove(id, stale.leaderEpoch(), stale.partitionEpoch());
        }
        PartitionState base = rebase(id, stale);
        return states.compareAndSet(id, stale.leaderEpoch(), stale.partitionEpoch(),
                new PartitionState(initial.topicId(), initial.leaderNodeId(), base.leaderEpoch() + 1,
                        base.partitionEpoch() + 1, initial.replicas(), initial.isr()));
    }

    /**
     * The state with its epochs raised to the durable ones: the store can be ahead of the map when an
     * owner wrote through and died before its backup had the change.
     */
    private PartitionState rebase(PartitionId id, PartitionState st) {
        return st.withEpochsAtLeast(states.durableState(id).orElse(null));
    }

    private void report(PartitionId id, PartitionState before, Transition t) {
        PartitionState next = t.next();
        switch (t.kind()) {
            case SHRINK_ISR -> LOG.info("Partition {} ISR {} -> {}: members not live (partition epoch {})", id,
                    before.isr(), next.isr(), next.partitionEpoch());
            case ELECT -> LOG.info("Partition {} leader {} -> {}, ISR {} -> {} (leader epoch {})", id,
                    before.leaderNodeId(), next.leaderNodeId(), before.isr(), next.isr(), next.leaderEpoch());
            case OFFLINE -> LOG.warn("Partition {} is offline: leader {} is not live and no other ISR member of {} is;"
                            + " it waits for {} (leader epoch {})", id, before.leaderNodeId(), before.isr(),
                    next.isr(), next.leaderEpoch());
            case UNCLEAN_ELECTION -> {
                uncleanElections.incrementAndGet();
                LOG.warn("Partition {}: UNCLEAN leader election: no member of the ISR {} is live; replica {} (outside"
                                + " the ISR) now leads under leader epoch {}. Acknowledged records may be lost.", id,
                        before.isr(), next.leaderNodeId(), next.leaderEpoch());
            }
        }
    }

    private boolean uncleanElectionEnabled(TopicDescriptor topic) {
        String v = topic.configs().get(UNCLEAN_LEADER_ELECTION_ENABLE);
        return v == null ? uncleanElectionDefault : Boolean.parseBoolean(v.trim());
    }

    private int replicationFactor(TopicRecord record) {
        return record.replicationFactor() == TopicRecord.DEFAULT_REPLICATION
                ? defaultReplicationFactor : record.replicationFactor();
    }

    /** A change the controller makes to a partition. */
    record Transition(PartitionState next, Kind kind) {
        enum Kind { SHRINK_ISR, ELECT, OFFLINE, UNCLEAN_ELECTION }
    }

    /**
     * What the controller does with a partition of an existing topic, given the live nodes; null when
     * nothing. Pure: the epochs of the result are based on {@code st}'s.
     */
    static Transition transition(PartitionState st, Set<Integer> live, boolean uncleanElection) {
        List<Integer> liveIsr = PartitionState.retain(st.isr(), live);
        if (st.hasLeader() && live.contains(st.leaderNodeId())) {
            return liveIsr.size() == st.isr().size() ? null
                    : new Transition(st.withIsr(liveIsr), Transition.Kind.SHRINK_ISR);
        }
        for (int replica : st.replicas()) {
            if (liveIsr.contains(replica)) {
                return new Transition(st.withLeader(replica, liveIsr), Transition.Kind.ELECT);
            }
        }
        if (uncleanElection) {
            for (int replica : st.replicas()) {
                if (live.contains(replica)) {
                    return new Transition(st.withLeader(replica, List.of(replica)), Transition.Kind.UNCLEAN_ELECTION);
                }
            }
        }
        if (st.hasLeader()) {
            // Kafka keeps the last ISR member, so that it is the one elected when it returns
            return new Transition(st.withLeader(PartitionState.NO_LEADER, List.of(st.leaderNodeId())),
                    Transition.Kind.OFFLINE);
        }
        return null;
    }

    /**
     * A partition's first state from its topic record alone: the manual assignment, else the
     * rack-aware assignment over the live nodes; null when fewer nodes are live than the replication
     * factor.
     */
    private PartitionState initialState(TopicRecord record, int p, List<NodeInfo> liveNodes) {
        return initialState(record, p, liveNodes, defaultReplicationFactor);
    }

    static PartitionState initialState(TopicRecord record, int p, List<NodeInfo> liveNodes, int defaultReplicationFactor) {
        List<Integer> manual = record.manualReplicas(p);
        if (manual != null) {
            return PartitionState.initial(record.descriptor().topicId(), manual);
        }
        int rf = record.replicationFactor() == TopicRecord.DEFAULT_REPLICATION
                ? defaultReplicationFactor : record.replicationFactor();
        if (liveNodes.size() < rf) {
            return null;
        }
        return PartitionState.initial(record.descriptor().topicId(),
                rackAwareReplicas(record.descriptor().name(), p, liveNodes, rf));
    }

    /**
     * Kafka's rack-aware replica assignment ({@code AdminUtils.assignReplicasToBrokersRackAware}) for
     * one partition, with a start position derived from the topic name instead of a random one, so
     * that every node computes the same: nodes ordered by alternating racks (racks sorted, nodes by id
     * within a rack); the leader walks that order, so leaders spread evenly; the other replicas follow
     * with a shift that grows every full round, skipping a node whose rack already holds a replica
     * while some rack holds none. Nodes without a rack count as one rack. Requires
     * {@code 1 <= rf <= liveNodes.size()}.
     */
    static List<Integer> rackAwareReplicas(String topic, int partition, List<NodeInfo> liveNodes, int rf) {
        Map<String, List<Integer>> byRack = new TreeMap<>();
        liveNodes.stream().sorted(Comparator.comparingInt(NodeInfo::nodeId)).forEach(n ->
                byRack.computeIfAbsent(n.rack() == null ? "" : n.rack(), r -> new ArrayList<>()).add(n.nodeId()));
        Map<Integer, String> rackOf = new HashMap<>();
        byRack.forEach((rack, ids) -> ids.forEach(id -> rackOf.put(id, rack)));
        List<Integer> arranged = new ArrayList<>(liveNodes.size());
        List<Iterator<Integer>> iterators = new ArrayList<>();
        byRack.values().forEach(ids -> iterators.add(ids.iterator()));
        for (int i = 0; arranged.size() < rackOf.size(); i = (i + 1) % iterators.size()) {
            if (iterators.get(i).hasNext()) {
                arranged.add(iterators.get(i).next());
            }
        }
        int n = arranged.size();
        int numRacks = byRack.size();
        int start = Math.floorMod(topic.hashCode(), n);
        int shift = start + partition / n;
        int first = (partition + start) % n;
        List<Integer> replicas = new ArrayList<>(rf);
        Set<String> racksUsed = new HashSet<>();
        replicas.add(arranged.get(first));
        racksUsed.add(rackOf.get(arranged.get(first)));
        for (int k = 0; replicas.size() < rf; k++) {
            int candidate = arranged.get(replicaIndex(first, shift * numRacks, k, n));
            String rack = rackOf.get(candidate);
            if ((!racksUsed.contains(rack) || racksUsed.size() == numRacks) && !replicas.contains(candidate)) {
                replicas.add(candidate);
                racksUsed.add(rack);
            }
        }
        return replicas;
    }

    private static int replicaIndex(int first, int secondShift, int k, int n) {
        int shift = 1 + Math.floorMod(secondShift + k, n - 1);
        return (first + shift) % n;
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
            if (stateRegistration != null) {
                states.removeListener(stateRegistration);
            }
        } catch (RuntimeException ignored) {
            // the member is shutting down
        }
        executor.shutdownNow();
    }
}
