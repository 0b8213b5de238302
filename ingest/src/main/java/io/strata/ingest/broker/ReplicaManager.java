package io.strata.ingest.broker;

import io.strata.ingest.observability.BrokerMetrics;
import io.strata.ingest.replication.ReplicaFetcherManager;
import io.strata.ingest.replication.ReplicationSettings;
import io.strata.ingest.tiering.TieringBackpressure;
import io.strata.membership.partition.CasResult;
import io.strata.membership.partition.PartitionId;
import io.strata.membership.partition.PartitionState;
import io.strata.membership.partition.PartitionStateStore;
import io.strata.membership.topic.TopicDescriptor;
import io.strata.storage.log.LogConfig;
import io.strata.storage.log.LogManager;
import io.strata.storage.log.PartitionLog;
import io.strata.storage.log.RemoteLogBounds;
import io.strata.storage.remote.RemoteLogManager;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.errors.KafkaStorageException;
import org.apache.kafka.common.utils.Time;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * The replicas this node hosts and their roles, kept in step with the cluster's partition states
 * (Kafka's ReplicaManager). For every partition that names this node among its replicas it opens the
 * log and makes it the leader or a follower of the leader the state names; as leader it attaches
 * tiered storage (only the leader uploads) and writes the ISR changes its partitions ask for; as
 * follower it hands the partition to the replica fetchers.
 *
 * <p>Every change of a partition state, from the cluster's listener or from this node's own ISR
 * writes, is applied in arrival order on the one thread of its partition's stripe (a partition always
 * maps to the same of {@link #APPLIER_THREADS} threads, so different partitions open and change roles
 * side by side: opening a log waits mostly on fsyncs and object-store reads, and one thread for all
 * would make a node of thousands of partitions start and create topics partition after partition); a state not newer (by leader and partition
 * epoch) than the one applied is ignored, so duplicates and reordering are harmless. Change events
 * are not enough on their own: a node that merges back into the cluster after a network split
 * receives the states changed without it by migration and merge, which fire no events, and would
 * keep following a deposed leader (or keep leading). So the node also reconciles: every
 * {@link ReplicationSettings#reconcileIntervalMs()} and at every membership change
 * ({@link #reconcileSoon}) it reads all states of the cluster and applies, on the same thread, each
 * one whose epochs differ from (are newer than) what it applied. ISR writes and the reads of
 * reconciliation run on their own threads because they wait for the cluster. Lookups are lock-free.
 */
public final class ReplicaManager implements AutoCloseable, Partition.ReplicaChanges {

    private static final Logger LOG = Logger.getLogger(ReplicaManager.class);

    private static final int APPLIER_THREADS = 8;

    private final int nodeId;
    private final PartitionStateStore states;
    private final LogManager logs;
    private final Function<Map<String, String>, LogConfig> logConfigs;
    private final BrokerMetrics metrics;
    private final RemoteLogManager remote;
    private final TieringBackpressure backpressure;
    private final Consumer<TopicPartition> onSealed;
    private final FetchPurgatory consumerFetches;
    private final ProducePurgatory produces;
    private final ReplicaFetcherManager fetchers;
    private final ReplicationSettings settings;
    private final Time time;
    private final Map<TopicPartition, Partition> hosted = new ConcurrentHashMap<>();
    /** Names of topics by id, for the id-addressed requests of the hot path (no registry round trip). */
    private final Map<Uuid, String> topicNames = new ConcurrentHashMap<>();
    private final ScheduledExecutorService roleChanges = Executors.newSingleThreadScheduledExecutor(r -> daemon(r, "strata-leadership"));
    /** The threads that apply partition states; a partition's changes all run on the same one. */
    private final ExecutorService[] appliers = java.util.stream.IntStream.range(0, APPLIER_THREADS)
            .mapToObj(i -> Executors.newSingleThreadExecutor(r -> daemon(r, "strata-leadership-" + i)))
            .toArray(ExecutorService[]::new);
    private final ScheduledExecutorService isrWrites = Executors.newSingleThreadScheduledExecutor(r -> daemon(r, "strata-isr-writes"));
    private final ScheduledExecutorService reconcileReads = Executors.newSingleThreadScheduledExecutor(
            r -> daemon(r, "strata-state-reconcile"));
    /** A read of the cluster's states is queued and has not started: further requests join it. */
    private final AtomicBoolean reconcileQueued = new AtomicBoolean();
    private volatile Function<String, Optional<TopicDescriptor>> topics = name -> Optional.empty();
    private UUID listenerRegistration;

    /**
     * @param remote          tiered storage of the logs, or null when nothing is tiered
     * @param backpressure    the disk budget of segments waiting for upload (with {@code remote})
     * @param onSealed        told when a roll sealed a segment of a tiered partition; must not block
     * @param consumerFetches consumer fetches, woken when a high watermark moves
     */
    public ReplicaManager(int nodeId, PartitionStateStore states, LogManager logs,
                          Function<Map<String, String>, LogConfig> logConfigs, BrokerMetrics metrics,
                          RemoteLogManager remote, TieringBackpressure backpressure, Consumer<TopicPartition> onSealed,
                          FetchPurgatory consumerFetches, ProducePurgatory produces, ReplicaFetcherManager fetchers,
                          ReplicationSettings settings, Time time) {
        this.nodeId = nodeId;
        this.states = states;
        this.logs = logs;
        this.logConfigs = logConfigs;
        this.metrics = metrics;
        this.remote = remote;
        this.backpressure = backpressure;
        this.onSealed = onSealed;
        this.consumerFetches = consumerFetches;
        this.produces = produces;
        this.fetchers = fetchers;
        this.settings = settings;
        this.time = time;
        fetchers.onBehindLeaderLocalLog(this::rebuildFromRemoteEnd);
    }

    private static Thread daemon(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }

    /**
     * Follows the cluster's partition states (register before the initial states are applied, so no
     * change falls in between) and starts the periodic ISR check.
     *
     * @param topics the topic of a name, to check a state against the current topic id
     */
    public void start(Function<String, Optional<TopicDescriptor>> topics) {
        this.topics = topics;
        listenerRegistration = states.addListener((partition, previous, current) -> {
            if (current != null) {
                long received = System.nanoTime();
                onPartitionThread(partition, () -> apply(partition, current, received));
            }
        });
        long every = Math.max(100, settings.replicaLagTimeMaxMs() / 2);
        roleChanges.scheduleWithFixedDelay(this::checkIsr, every, every, TimeUnit.MILLISECONDS);
        isrWrites.scheduleWithFixedDelay(this::refreshFollowerManifests, 10, 10, TimeUnit.SECONDS);
        reconcileReads.scheduleWithFixedDelay(this::reconcileSoon, settings.reconcileIntervalMs(),
                settings.reconcileIntervalMs(), TimeUnit.MILLISECONDS);
    }

    /**
     * Reconciles the applied partition states with the cluster's soon: reads them all on the reconcile
     * thread, then applies the missed ones on the state-applying thread. Requests made while a read is
     * queued share it. Never blocks; callable from any thread (e.g. a membership listener).
     */
    public void reconcileSoon() {
        if (!reconcileQueued.compareAndSet(false, true)) {
            return;
        }
        try {
            reconcileReads.execute(this::readClusterStates);
        } catch (RejectedExecutionException e) {
            reconcileQueued.set(false); // closed
        }
    }

    /**
     * Applies initial states (start-up, topic creation) now and waits for them, each in order with the other
     * changes of its partition.
     */
    public void applyNow(Map<PartitionId, PartitionState> assignment) {
        try {
            applyBatch(assignment);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** This node's id. */
    public int nodeId() {
        return nodeId;
    }

    /** Any hosted replica (leader or follower), else null. */
    public Partition hosted(TopicPartition tp) {
        return hosted.get(tp);
    }

    /** The partition if this node leads it, else null. */
    public Partition leading(TopicPartition tp) {
        Partition p = hosted.get(tp);
        return p != null && p.isLeader() ? p : null;
    }

    public Collection<Partition> hostedPartitions() {
        return hosted.values();
    }

    public Optional<String> topicName(Uuid topicId) {
        return Optional.ofNullable(topicNames.get(topicId));
    }

    public ReplicaFetcherManager fetchers() {
        return fetchers;
    }

    /** A topic was deleted: its replicas stop and their logs go (the registry no longer has the topic). */
    public void removeTopic(TopicDescriptor topic) {
        Uuid id = TopicManager.kafkaId(topic);
        topicNames.remove(id);
        for (int p = 0; p < topic.partitions(); p++) {
            TopicPartition tp = new TopicPartition(topic.name(), p);
            fetchers.stopFollowing(tp);
            Partition gone = hosted.remove(tp);
            if (gone != null) {
                gone.stopServing("Topic " + topic.name() + " was deleted.");
            }
            if (remote != null) {
                remote.detach(tp);
                roleChanges.execute(() -> {
                    try {
                        remote.deletePartitionData(tp, id);
                    } catch (RuntimeException e) {
                        LOG.warnf("Could not delete the tiered data of deleted partition %s: %s", tp, e.getMessage());
                    }
                });
            }
            try {
                logs.deleteLog(tp);
            } catch (IOException e) {
                // The topic is gone from the registry; the directory is removed at the next start.
                LOG.warnf(e, "Could not delete the log of %s", tp);
            }
        }
    }

    // ------------------------------------------------------------------ reconciliation

    /** On the reconcile thread: the read may wait for the cluster, so it stays off the state-applying thread. */
    private void readClusterStates() {
        reconcileQueued.set(false); // changes from now on need another read
        Map<PartitionId, PartitionState> cluster;
        try {
            cluster = states.all();
        } catch (RuntimeException e) {
            // e.g. while the member merges or is shutting down; the next round reads again
            LOG.debugf("Could not read the cluster's partition states to reconcile: %s", e.toString());
            return;
        }
        try {
            reconcile(cluster);
        } catch (RejectedExecutionException e) {
            // closed
        }
    }

    /**
     * Applies, each on its partition's thread, every state whose epochs differ from those applied. A state
     * the node applied but the cluster no longer has is left alone (removals are the topic's deletion,
     * handled on their own), and so is an older one: epochs never go back, so it is a write whose owner
     * died before its backup had it, which the controller's next write supersedes.
     */
    private void reconcile(Map<PartitionId, PartitionState> cluster) {
        for (Map.Entry<PartitionId, PartitionState> e : cluster.entrySet()) {
            // Checked here first so that a reconciliation with nothing to do queues nothing, and again on the
            // partition's thread, where the answer cannot change under it.
            if (missed(e.getKey(), e.getValue())) {
                onPartitionThread(e.getKey(), () -> reconcile(e.getKey(), e.getValue()));
            }
        }
    }

    private boolean missed(PartitionId id, PartitionState state) {
        Partition hostedNow = hosted.get(new TopicPartition(id.topic(), id.partition()));
        PartitionState applied = hostedNow == null ? null : hostedNow.state();
        boolean differs = applied == null ? state.isReplica(nodeId) : !sameEpochs(applied, state);
        return differs && (applied == null || isNewer(state, applied));
    }

    private void reconcile(PartitionId id, PartitionState state) {
        if (!missed(id, state)) {
            return;
        }
        TopicPartition tp = new TopicPartition(id.topic(), id.partition());
        Partition before = hosted.get(tp);
        PartitionState applied = before == null ? null : before.state();
        apply(id, state);
        Partition after = hosted.get(tp);
        if (after != before || (after != null && after.state() != applied)) {
            LOG.infof("Caught up with a missed state change of %s: leader %s under epoch %d (partition epoch %d), "
                            + "in sync %s; this node had applied %s", tp,
                    state.hasLeader() ? state.leaderNodeId() : "none", state.leaderEpoch(), state.partitionEpoch(),
                    state.isr(), applied == null ? "nothing" : "leader epoch " + applied.leaderEpoch()
                            + ", partition epoch " + applied.partitionEpoch());
        }
    }

    private static boolean sameEpochs(PartitionState a, PartitionState b) {
        return a.leaderEpoch() == b.leaderEpoch() && a.partitionEpoch() == b.partitionEpoch();
    }

    // ------------------------------------------------------------------ role changes (partition threads)

    /** Runs {@code task} on the thread of the partition's stripe, after the changes queued there before it. */
    private void onPartitionThread(PartitionId id, Runnable task) {
        try {
            stripe(id).execute(task);
        } catch (RejectedExecutionException e) {
            // closed
        }
    }

    private ExecutorService stripe(PartitionId id) {
        return appliers[Math.floorMod(31 * id.topic().hashCode() + id.partition(), appliers.length)];
    }

    /** Runs {@code task} on the partition's thread after {@code delayMs}. */
    private void laterOnPartitionThread(PartitionId id, Runnable task, long delayMs) {
        try {
            roleChanges.schedule(() -> onPartitionThread(id, task), delayMs, TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException e) {
            // closed
        }
    }

    /**
     * Applies the states of distinct partitions, each on its partition's thread (so after the changes of that
     * partition queued before), and waits for all of them.
     */
    private void applyBatch(Map<PartitionId, PartitionState> assignment) throws InterruptedException {
        long received = System.nanoTime();
        List<Future<?>> applying = new ArrayList<>(assignment.size());
        for (Map.Entry<PartitionId, PartitionState> e : assignment.entrySet()) {
            applying.add(stripe(e.getKey()).submit(() -> apply(e.getKey(), e.getValue(), received)));
        }
        for (Future<?> f : applying) {
            try {
                f.get();
            } catch (ExecutionException e) {
                throw e.getCause() instanceof RuntimeException r ? r : new KafkaStorageException(e.getCause());
            }
        }
    }

    /** Applies a state just read (a retry, a re-read). */
    private void apply(PartitionId id, PartitionState state) {
        apply(id, state, System.nanoTime());
    }

    /** @param receivedNanos when this node received {@code state} ({@link System#nanoTime()}) */
    private void apply(PartitionId id, PartitionState state, long receivedNanos) {
        try {
            applyState(id, state, receivedNanos);
        } catch (RuntimeException e) {
            LOG.errorf(e, "Could not apply the state of %s (%s); retrying in 5 s", id, state);
            laterOnPartitionThread(id, () -> states.get(id).ifPresent(s -> apply(id, s)), 5000);
        }
    }

    private void applyState(PartitionId id, PartitionState state, long receivedNanos) {
        TopicPartition tp = new TopicPartition(id.topic(), id.partition());
        Optional<TopicDescriptor> topic = topics.apply(id.topic());
        if (topic.isEmpty() || !topic.get().topicId().equals(state.topicId())) {
            return; // a deleted topic's state, or one of a topic recreated under the same name
        }
        Partition partition = hosted.get(tp);
        if (partition != null && !isNewer(state, partition.state())) {
            return;
        }
        if (!state.replicas().contains(nodeId)) {
            if (partition != null) {
                stopHosting(partition, state);
            }
            return;
        }
        boolean opened = partition == null;
        if (opened) {
            partition = open(topic.get(), id.partition(), receivedNanos);
            if (partition == null) {
                return; // retried by open
            }
        }
        PartitionState previous = partition.state();
        boolean newTerm = previous == null || previous.leaderEpoch() != state.leaderEpoch();
        if (state.leaderNodeId() == nodeId) {
            if (newTerm || !partition.isLeader()) {
                fetchers.stopFollowing(tp);
                partition.becomeLeader(state, time.milliseconds());
                attachTiering(partition, !opened);
                LOG.infof("Leading %s under epoch %d; replicas %s, in sync %s", tp, state.leaderEpoch(),
                        state.replicas(), state.isr());
            } else {
                partition.updateState(state);
            }
            return;
        }
        if (newTerm || partition.isLeader() || previous == null) {
            partition.becomeFollower(state);
            followTiering(partition);
            if (state.hasLeader()) {
                if (!fetchers.follow(partition, state.leaderNodeId(), state.leaderEpoch())) {
                    LOG.infof("Leader %d of %s is not reachable yet; following starts when it is", state.leaderNodeId(), tp);
                    laterOnPartitionThread(id, () -> states.get(id).ifPresent(s -> refollow(id, s)), 1000);
                }
            } else {
                fetchers.stopFollowing(tp);
            }
            LOG.infof("Following %s under epoch %d: leader %s, replicas %s, in sync %s", tp, state.leaderEpoch(),
                    state.hasLeader() ? state.leaderNodeId() : "none", state.replicas(), state.isr());
        } else {
            partition.updateState(state);
        }
    }

    private void refollow(PartitionId id, PartitionState state) {
        Partition partition = hosted.get(new TopicPartition(id.topic(), id.partition()));
        if (partition != null && !partition.isLeader() && state.hasLeader() && state.leaderNodeId() != nodeId
                && partition.leaderEpoch() == state.leaderEpoch()
                && !fetchers.follow(partition, state.leaderNodeId(), state.leaderEpoch())) {
            laterOnPartitionThread(id, () -> states.get(id).ifPresent(s -> refollow(id, s)), 1000);
        }
    }

    private static boolean isNewer(PartitionState next, PartitionState applied) {
        if (applied == null) {
            return true;
        }
        if (next.leaderEpoch() != applied.leaderEpoch()) {
            return next.leaderEpoch() > applied.leaderEpoch();
        }
        return next.partitionEpoch() > applied.partitionEpoch();
    }

    /**
     * This node is no longer among the replicas: stop serving and following. Once no reassignment is
     * in progress (the move completed or was cancelled) the local log is deleted, as Kafka's
     * StopReplica with delete does: the data lives on in the new replicas (and in object storage), and
     * a stale copy must not come back if the node is assigned the partition again.
     */
    private void stopHosting(Partition partition, PartitionState state) {
        TopicPartition tp = partition.topicPartition();
        fetchers.stopFollowing(tp);
        if (remote != null) {
            remote.detach(tp);
        }
        partition.stopServing("Node " + nodeId + " is no longer a replica of " + tp + ".");
        hosted.remove(tp);
        metrics.unregisterLog(tp);
        if (state.isReassigning()) {
            LOG.infof("No longer a replica of %s (replicas now %s); the log stays until the move ends", tp,
                    state.replicas());
            return;
        }
        try {
            logs.deleteLog(tp);
            LOG.infof("No longer a replica of %s (replicas now %s): local log deleted", tp, state.replicas());
        } catch (IOException e) {
            LOG.warnf(e, "No longer a replica of %s, but its local log could not be deleted", tp);
        }
    }

    /**
     * A follower fell below what its leader keeps locally: everything it lacks up to the remote end is in
     * object storage, and nothing it holds lies beyond that end. Its local log is dropped and reopened at
     * the remote end (epochs and producer state from the bucket), as a new replica starts.
     */
    private void rebuildFromRemoteEnd(TopicPartition tp) {
        PartitionId id = new PartitionId(tp.topic(), tp.partition());
        onPartitionThread(id, () -> {
            Partition partition = hosted.get(tp);
            if (partition == null || partition.isLeader() || remote == null) {
                return;
            }
            fetchers.stopFollowing(tp);
            partition.stopServing("The replica of " + tp + " restarts at the object store's end.");
            hosted.remove(tp);
            metrics.unregisterLog(tp);
            try {
                logs.deleteLog(tp);
            } catch (IOException e) {
                LOG.warnf(e, "Could not drop the local log of %s to restart it at the remote end", tp);
            }
            LOG.infof("Follower %s restarts at the object store's end: the leader keeps only later offsets locally", tp);
            states.get(id).ifPresent(s -> apply(id, s));
        });
    }

    private Partition open(TopicDescriptor topic, int p, long stateReceivedNanos) {
        TopicPartition tp = new TopicPartition(topic.name(), p);
        Uuid topicId = TopicManager.kafkaId(topic);
        RemoteLogBounds bounds = null;
        if (remote != null) {
            try {
                // The manifest decides where the log starts; without it an empty directory would restart at 0.
                // Whether there is a manifest comes from one listing shared by the topic's partitions opened
                // meanwhile: a new topic's partitions read nothing.
                bounds = remote.open(tp, topicId, stateReceivedNanos);
            } catch (RuntimeException e) {
                LOG.errorf("Cannot read the object-store manifest of %s (%s); the replica stays offline, retrying in 5 s",
                        tp, e.getMessage());
                PartitionId id = new PartitionId(topic.name(), p);
                laterOnPartitionThread(id, () -> states.get(id).ifPresent(s -> apply(id, s)), 5000);
                return null;
            }
        }
        try {
            PartitionLog log = logs.getOrCreateLog(tp, topicId, logConfigs.apply(topic.configs()), bounds);
            Partition partition = new Partition(tp, topicId, log, nodeId, backpressure, this, produces);
            hosted.put(tp, partition);
            topicNames.put(topicId, topic.name());
            metrics.registerLog(log);
            return partition;
        } catch (IOException e) {
            throw new KafkaStorageException("Cannot open the log of " + tp + ": " + e.getMessage(), e);
        }
    }

    /** Only the leader uploads: it reads the latest manifest (the previous leader may have added to it). */
    /** @param readManifest read the manifest again (not needed right after {@link #open} read it) */
    private void attachTiering(Partition partition, boolean readManifest) {
        if (remote == null) {
            return;
        }
        TopicPartition tp = partition.topicPartition();
        try {
            if (readManifest) {
                remote.open(tp, partition.topicId());
            }
            remote.attach(partition.log());
            partition.log().setSealListener(() -> onSealed.accept(tp));
        } catch (RuntimeException e) {
            LOG.errorf("Cannot read the object-store manifest of %s (%s); tiering of it retries in 5 s", tp, e.getMessage());
            laterOnPartitionThread(new PartitionId(tp.topic(), tp.partition()), () -> {
                Partition current = hosted.get(tp);
                if (current == partition && partition.isLeader()) {
                    attachTiering(partition, true);
                }
            }, 5000);
        }
    }

    /** A follower does not upload, but drops local segments the leader uploaded and reads remote offsets. */
    private void followTiering(Partition partition) {
        if (remote == null) {
            return;
        }
        try {
            remote.stopUploading(partition.topicPartition());
            remote.follow(partition.log());
        } catch (RuntimeException e) {
            LOG.warnf("Tiered storage of follower %s not available yet: %s", partition.topicPartition(), e.getMessage());
        }
    }

    /** Followers learn what the leader uploaded (and where remote retention moved the log start). */
    private void refreshFollowerManifests() {
        if (remote == null) {
            return;
        }
        for (Partition partition : hosted.values()) {
            if (!partition.isLeader()) {
                try {
                    remote.refresh(partition.log());
                } catch (RuntimeException e) {
                    LOG.debugf("Manifest refresh of follower %s failed: %s", partition.topicPartition(), e.toString());
                }
            }
        }
    }

    // ------------------------------------------------------------------ ISR (leader side)

    private void checkIsr() {
        long now = time.milliseconds();
        for (Partition partition : hosted.values()) {
            try {
                partition.maybeShrinkIsr(now, settings.replicaLagTimeMaxMs());
            } catch (RuntimeException e) {
                LOG.warnf("ISR check of %s failed: %s", partition.topicPartition(), e.toString());
            }
        }
    }

    @Override
    public void highWatermarkAdvanced(Partition partition, long bytes) {
        consumerFetches.onAppend(partition.topicPartition(), Math.max(1, bytes));
    }

    @Override
    public void isrChangeWanted(Partition partition, PartitionState basedOn, List<Integer> newIsr) {
        TopicPartition tp = partition.topicPartition();
        PartitionId id = new PartitionId(tp.topic(), tp.partition());
        isrWrites.execute(() -> {
            try {
                CasResult result = states.alterIsr(id, nodeId, basedOn.leaderEpoch(), basedOn.partitionEpoch(), newIsr);
                if (result.applied()) {
                    boolean shrink = newIsr.size() < basedOn.isr().size();
                    metrics.isrChanged(shrink);
                    LOG.infof("%s ISR of %s from %s to %s", shrink ? "Shrank" : "Expanded", tp, basedOn.isr(), newIsr);
                    onPartitionThread(id, () -> apply(id, result.current()));
                } else {
                    partition.isrChangeFailed(newIsr);
                    if (result.current() != null) {
                        onPartitionThread(id, () -> apply(id, result.current()));
                    }
                }
            } catch (RuntimeException e) {
                LOG.warnf("Could not change the ISR of %s to %s: %s", tp, newIsr, e.toString());
                partition.isrChangeFailed(newIsr);
            }
        });
    }

    /**
     * Controlled shutdown: hands the leadership of every partition this node leads to another live
     * in-sync replica (leader epoch + 1, this node leaves the ISR), so producers and consumers move
     * over before the listener closes instead of waiting for the node's departure to be noticed.
     * Partitions without another in-sync replica stay here (and go offline when the node leaves).
     *
     * @return partitions handed over
     */
    public int handOverLeadership(java.util.function.IntPredicate isLive) {
        int moved = 0;
        for (Partition partition : hosted.values()) {
            PartitionState st = partition.state();
            if (!partition.isLeader() || st == null) {
                continue;
            }
            List<Integer> rest = st.isr().stream().filter(r -> r != nodeId && isLive.test(r)).toList();
            if (rest.isEmpty()) {
                continue;
            }
            TopicPartition tp = partition.topicPartition();
            PartitionId id = new PartitionId(tp.topic(), tp.partition());
            try {
                PartitionState base = states.durableState(id).map(st::withEpochsAtLeast).orElse(st);
                PartitionState next = base.withLeader(rest.get(0), rest);
                if (states.compareAndSet(id, st.leaderEpoch(), st.partitionEpoch(), next).applied()) {
                    moved++;
                    LOG.infof("Handed leadership of %s to node %d (epoch %d) before shutting down", tp, rest.get(0),
                            next.leaderEpoch());
                }
            } catch (RuntimeException e) {
                LOG.warnf("Could not hand over the leadership of %s: %s", tp, e.toString());
            }
        }
        return moved;
    }

    @Override
    public void close() {
        if (listenerRegistration != null) {
            try {
                states.removeListener(listenerRegistration);
            } catch (RuntimeException ignored) {
                // the member is shutting down
            }
        }
        fetchers.close();
        reconcileReads.shutdownNow();
        roleChanges.shutdownNow();
        for (ExecutorService applier : appliers) {
            applier.shutdownNow();
        }
        isrWrites.shutdownNow();
    }
}
