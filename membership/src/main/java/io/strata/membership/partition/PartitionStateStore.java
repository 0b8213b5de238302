package io.strata.membership.partition;

import com.hazelcast.core.EntryEvent;
import com.hazelcast.map.IMap;
import com.hazelcast.map.listener.EntryAddedListener;
import com.hazelcast.map.EntryProcessor;
import com.hazelcast.map.listener.EntryLoadedListener;
import com.hazelcast.map.listener.EntryMergedListener;
import com.hazelcast.map.listener.EntryRemovedListener;
import com.hazelcast.map.listener.EntryUpdatedListener;
import io.strata.membership.cluster.WriteQuorum;
import io.strata.membership.durable.MetadataStore;

import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * Partition leadership and ISR on a durable, quorum-guarded Hazelcast map: key
 * {@link PartitionId#key()}, value {@link PartitionState#toBytes()}. States change only through
 * entry processors on the entry's owner ({@link PartitionStateCas}: compare-and-set on both expected
 * epochs; {@link AlterIsr}: a leader's ISR change fenced by its leader and epochs), and every applied
 * change carries a higher partition epoch (and a higher leader epoch when the leader changes). Writes
 * go through to the metadata store before they are visible, so epochs never regress, also across a
 * full-cluster restart. Writes need the split-brain quorum.
 *
 * <p>Thread-safe. Listeners are called on Hazelcast event threads, in order per partition.
 */
public final class PartitionStateStore {

    private final IMap<String, byte[]> map;
    private final WriteQuorum quorum;
    private final MetadataStore store;
    private final String storePrefix;
    private final LocalPartitionStates local;

    public PartitionStateStore(IMap<String, byte[]> map, WriteQuorum quorum, MetadataStore store, String namespace) {
        this.map = map;
        this.quorum = quorum;
        this.store = store;
        this.storePrefix = namespace + "/";
        this.local = new LocalPartitionStates(map);
    }

    /**
     * This node's copy of the states, for reads on every client request: never older than this store's own
     * writes, and current with other members' writes once their events arrive. Decisions that write (the
     * compare-and-sets of the controller) read the map instead.
     */
    public LocalPartitionStates local() {
        return local;
    }

    public Optional<PartitionState> get(PartitionId partition) {
        byte[] v = map.get(partition.key());
        return v == null ? Optional.empty() : Optional.of(PartitionState.fromBytes(v));
    }

    /** States of partitions {@code 0..partitionCount-1} of a topic (missing ones are absent). */
    public Map<PartitionId, PartitionState> forTopic(String topic, int partitionCount) {
        Set<String> keys = new HashSet<>();
        for (int p = 0; p < partitionCount; p++) {
            keys.add(new PartitionId(topic, p).key());
        }
        Map<PartitionId, PartitionState> result = new HashMap<>();
        map.getAll(keys).forEach((k, v) -> result.put(PartitionId.fromKey(k), PartitionState.fromBytes(v)));
        return result;
    }

    /**
     * The state as last written to the metadata store, bypassing memory. It can be ahead of the map
     * in one case: a change written through by an owner that died before its backup had it. The
     * controller bases new epochs on the higher of both, so an epoch is never handed out twice.
     */
    public Optional<PartitionState> durableState(PartitionId partition) {
        return store.get(storePrefix + partition.key()).map(PartitionState::fromBytes);
    }

    /** Every partition state of the cluster. */
    public Map<PartitionId, PartitionState> all() {
        Map<PartitionId, PartitionState> result = new HashMap<>();
        map.entrySet().forEach(e -> result.put(PartitionId.fromKey(e.getKey()), PartitionState.fromBytes(e.getValue())));
        return result;
    }

    /** The partitions a node leads. */
    public Map<PartitionId, PartitionState> ledBy(int nodeId) {
        Map<PartitionId, PartitionState> result = all();
        result.values().removeIf(s -> s.leaderNodeId() != nodeId);
        return result;
    }

    /**
     * The partitions a node is a replica of (leading or following). Read after registering
     * {@link #addLeadershipListener} at start-up.
     */
    public Map<PartitionId, PartitionState> replicatedBy(int nodeId) {
        Map<PartitionId, PartitionState> result = all();
        result.values().removeIf(s -> !s.isReplica(nodeId));
        return result;
    }

    /** Creates a partition's first state, unless it has one. */
    public CasResult createIfAbsent(PartitionId partition, PartitionState initial) {
        return cas(partition, new PartitionStateCas(PartitionStateCas.ABSENT, PartitionStateCas.ABSENT, initial.toBytes()));
    }

    /**
     * Replaces a partition's state iff its current leader epoch and partition epoch are the expected
     * ones and {@code next} moves forward: {@code next.partitionEpoch() > current.partitionEpoch()},
     * {@code next.leaderEpoch() >= current.leaderEpoch()}, and a higher leader epoch when the leader
     * changes. Otherwise changes nothing and returns the current state.
     *
     * @throws com.hazelcast.splitbrainprotection.SplitBrainProtectionException on a minority side
     */
    public CasResult compareAndSet(PartitionId partition, int expectedLeaderEpoch, int expectedPartitionEpoch,
                                   PartitionState next) {
        if (expectedLeaderEpoch < 0 || expectedPartitionEpoch < 0) {
            throw new IllegalArgumentException("expected epochs must be >= 0");
        }
        return cas(partition, new PartitionStateCas(expectedLeaderEpoch, expectedPartitionEpoch, next.toBytes()));
    }

    /**
     * A leader's ISR change (Kafka's AlterPartition): applies only while the state still has
     * {@code leaderNodeId}, {@code leaderEpoch} and {@code partitionEpoch}, and then writes
     * {@link PartitionState#withIsr} (partition epoch + 1; an unchanged ISR is accepted as is). Not
     * applied means fenced: the leader, leader epoch or partition epoch moved on; the result carries
     * the current state, whose epochs a retry must name (if the node still leads).
     *
     * @throws IllegalArgumentException when {@code newIsr} is empty, has duplicates, lacks the leader
     *                                  or is not a subset of the partition's replicas
     */
    public CasResult alterIsr(PartitionId partition, int leaderNodeId, int leaderEpoch, int partitionEpoch,
                              List<Integer> newIsr) {
        if (!newIsr.contains(leaderNodeId)) {
            throw new IllegalArgumentException("The new ISR " + newIsr + " of " + partition
                    + " does not contain the leader " + leaderNodeId);
        }
        if (new HashSet<>(newIsr).size() != newIsr.size()) {
            throw new IllegalArgumentException("The new ISR " + newIsr + " of " + partition + " has duplicates");
        }
        CasResult r = cas(partition, new AlterIsr(leaderNodeId, leaderEpoch, partitionEpoch, newIsr));
        if (r == null) {
            throw new IllegalArgumentException("The new ISR " + newIsr + " of " + partition
                    + " is not a subset of its replicas");
        }
        return r;
    }

    /** Removes a partition's state when its current epochs are the expected ones. */
    public CasResult remove(PartitionId partition, int expectedLeaderEpoch, int expectedPartitionEpoch) {
        return cas(partition, new PartitionStateCas(expectedLeaderEpoch, expectedPartitionEpoch, null));
    }

    /**
     * Creates the first states of several partitions, each unless it has a state (as {@link #createIfAbsent}
     * for each), with all compare-and-sets in flight at once rather than one after the other: the owners run
     * them (and write them through to the metadata store) in parallel. Returns when all are done, with the
     * outcome per partition; a failure of any is thrown after all have finished (the others may be applied,
     * and a retry leaves applied ones as they are).
     *
     * @throws com.hazelcast.splitbrainprotection.SplitBrainProtectionException on a minority side
     */
    public Map<PartitionId, CasResult> createAllIfAbsent(Map<PartitionId, PartitionState> initial) {
        if (initial.isEmpty()) {
            return Map.of();
        }
        quorum.check();
        Map<PartitionId, CompletableFuture<byte[]>> pending = new HashMap<>();
        initial.forEach((id, st) -> pending.put(id, map.submitToKey(id.key(),
                new PartitionStateCas(PartitionStateCas.ABSENT, PartitionStateCas.ABSENT, st.toBytes()))
                .toCompletableFuture()));
        Set<String> keys = new HashSet<>();
        initial.keySet().forEach(id -> keys.add(id.key()));
        Map<PartitionId, CasResult> out = new HashMap<>();
        RuntimeException failure = null;
        for (Map.Entry<PartitionId, CompletableFuture<byte[]>> e : pending.entrySet()) {
            try {
                out.put(e.getKey(), decodeResult(e.getValue().join()));
            } catch (CompletionException | CancellationException ex) {
                RuntimeException cause = ex.getCause() instanceof RuntimeException r ? r : ex;
                if (failure == null) {
                    failure = cause;
                } else if (failure != cause) {
                    failure.addSuppressed(cause);
                }
            }
        }
        if (failure != null) {
            refreshAfterFailure(() -> local.refresh(keys), failure);
            throw failure;
        }
        local.refresh(keys); // this node's next read sees its own writes
        return out;
    }

    /** Runs a processor on the key's owner; null when it reported an invalid request. */
    private CasResult cas(PartitionId partition, EntryProcessor<String, byte[], byte[]> processor) {
        quorum.check();
        byte[] result;
        try {
            result = map.executeOnKey(partition.key(), processor);
        } catch (RuntimeException e) {
            refreshAfterFailure(() -> local.refresh(partition.key()), e);
            throw e;
        }
        local.refresh(partition.key()); // this node's next read sees its own write
        return decodeResult(result);
    }

    /** A failed write may still have been applied; read it back if the cluster answers, else keep the failure. */
    private static void refreshAfterFailure(Runnable refresh, RuntimeException failure) {
        try {
            refresh.run();
        } catch (RuntimeException e) {
            failure.addSuppressed(e);
        }
    }

    private static CasResult decodeResult(byte[] result) {
        if (result[0] == AlterIsr.INVALID) {
            return null;
        }
        PartitionState current = result.length > 1 ? PartitionState.fromBytes(Arrays.copyOfRange(result, 1, result.length)) : null;
        return new CasResult(result[0] == PartitionStateCas.APPLIED, current);
    }

    /** Listens for every partition state change; returns the registration id. */
    public UUID addListener(PartitionStateListener listener) {
        return map.addEntryListener(new Adapter(listener), true);
    }

    /**
     * Listens for one node's roles: leadership, following, and ISR changes of the partitions it
     * leads (see {@link LeadershipListener} for the order and threading). Register it before reading
     * {@link #ledBy} / {@link #replicatedBy} at start-up so that no change falls between the snapshot
     * and the events.
     */
    public UUID addLeadershipListener(int nodeId, LeadershipListener listener) {
        return addListener((partition, previous, current) -> dispatch(nodeId, listener, partition, previous, current));
    }

    /** Turns one state change into the role callbacks of one node. */
    static void dispatch(int nodeId, LeadershipListener listener, PartitionId partition,
                         PartitionState previous, PartitionState current) {
        boolean sameTopic = previous != null && current != null && previous.topicId().equals(current.topicId());
        boolean led = previous != null && previous.leaderNodeId() == nodeId;
        boolean leads = current != null && current.leaderNodeId() == nodeId;
        boolean followed = previous != null && !led && previous.isReplica(nodeId);
        boolean follows = current != null && !leads && current.isReplica(nodeId);
        boolean sameLeaderEpoch = sameTopic && previous.leaderEpoch() == current.leaderEpoch();

        if (led && !(leads && sameTopic)) {
            listener.stoppedLeading(partition, current);
        }
        if (followed && !(follows && sameTopic)) {
            listener.stoppedFollowing(partition, current);
        }
        if (leads) {
            if (!(led && sameLeaderEpoch)) {
                listener.becameLeader(partition, current);
            } else if (previous.partitionEpoch() != current.partitionEpoch()) {
                listener.isrChanged(partition, current);
            }
        }
        if (follows && !(followed && sameLeaderEpoch)) {
            listener.becameFollower(partition, current);
        }
    }

    public boolean removeListener(UUID registration) {
        return map.removeEntryListener(registration);
    }

    private record Adapter(PartitionStateListener listener) implements EntryAddedListener<String, byte[]>,
            EntryUpdatedListener<String, byte[]>, EntryRemovedListener<String, byte[]>, EntryLoadedListener<String, byte[]>,
            EntryMergedListener<String, byte[]> {

        @Override
        public void entryAdded(EntryEvent<String, byte[]> event) {
            listener.partitionChanged(PartitionId.fromKey(event.getKey()), null, decode(event.getValue()));
        }

        @Override
        public void entryLoaded(EntryEvent<String, byte[]> event) {
            listener.partitionChanged(PartitionId.fromKey(event.getKey()), null, decode(event.getValue()));
        }

        @Override
        public void entryUpdated(EntryEvent<String, byte[]> event) {
            listener.partitionChanged(PartitionId.fromKey(event.getKey()), decode(event.getOldValue()),
                    decode(event.getValue()));
        }

        /** A value put back by a split-brain merge (see {@code MetadataMergePolicies}). */
        @Override
        public void entryMerged(EntryEvent<String, byte[]> event) {
            PartitionState before = decode(event.getOldValue());
            PartitionState after = decode(event.getValue());
            if (after != null && !after.equals(before)) {
                listener.partitionChanged(PartitionId.fromKey(event.getKey()), before, after);
            }
        }

        @Override
        public void entryRemoved(EntryEvent<String, byte[]> event) {
            listener.partitionChanged(PartitionId.fromKey(event.getKey()), decode(event.getOldValue()), null);
        }

        private static PartitionState decode(byte[] v) {
            return v == null ? null : PartitionState.fromBytes(v);
        }
    }
}
