package io.strata.membership.partition;

import com.hazelcast.core.EntryEvent;
import com.hazelcast.map.IMap;
import com.hazelcast.map.listener.EntryAddedListener;
import com.hazelcast.map.listener.EntryLoadedListener;
import com.hazelcast.map.listener.EntryRemovedListener;
import com.hazelcast.map.listener.EntryUpdatedListener;
import io.strata.membership.cluster.WriteQuorum;
import io.strata.membership.durable.MetadataStore;

import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

/**
 * Partition leadership on a durable, quorum-guarded Hazelcast map: key
 * {@link PartitionId#key()}, value {@link PartitionState#toBytes()}. States change only through
 * {@link PartitionStateCas} on the entry's owner, compare-and-set on the expected leader epoch, and
 * every applied change carries a higher epoch. Writes go through to the metadata store before they
 * are visible, so epochs never regress, also across a full-cluster restart.
 */
public final class PartitionStateStore {

    private final IMap<String, byte[]> map;
    private final WriteQuorum quorum;
    private final MetadataStore store;
    private final String storePrefix;

    public PartitionStateStore(IMap<String, byte[]> map, WriteQuorum quorum, MetadataStore store, String namespace) {
        this.map = map;
        this.quorum = quorum;
        this.store = store;
        this.storePrefix = namespace + "/";
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

    /** Creates a partition's first state, unless it has one. */
    public CasResult createIfAbsent(PartitionId partition, PartitionState initial) {
        return cas(partition, PartitionStateCas.ABSENT, initial.toBytes());
    }

    /**
     * Replaces a partition's state when its current leader epoch is {@code expectedEpoch} and
     * {@code next} has a higher epoch; otherwise changes nothing and returns the current state.
     */
    public CasResult compareAndSet(PartitionId partition, int expectedEpoch, PartitionState next) {
        if (expectedEpoch < 0) {
            throw new IllegalArgumentException("expectedEpoch must be >= 0");
        }
        return cas(partition, expectedEpoch, next.toBytes());
    }

    /** Removes a partition's state when its current leader epoch is {@code expectedEpoch}. */
    public CasResult remove(PartitionId partition, int expectedEpoch) {
        return cas(partition, expectedEpoch, null);
    }

    private CasResult cas(PartitionId partition, int expectedEpoch, byte[] next) {
        quorum.check();
        byte[] result = map.executeOnKey(partition.key(), new PartitionStateCas(expectedEpoch, next));
        PartitionState current = result.length > 1 ? PartitionState.fromBytes(Arrays.copyOfRange(result, 1, result.length)) : null;
        return new CasResult(result[0] == 1, current);
    }

    /** Listens for every partition state change; returns the registration id. */
    public UUID addListener(PartitionStateListener listener) {
        return map.addEntryListener(new Adapter(listener), true);
    }

    /**
     * Listens for leadership changes of one node. Register it before reading {@link #ledBy} at
     * start-up so that no change falls between the snapshot and the events.
     */
    public UUID addLeadershipListener(int nodeId, LeadershipListener listener) {
        return addListener((partition, previous, current) -> {
            boolean leads = current != null && current.leaderNodeId() == nodeId;
            boolean led = previous != null && previous.leaderNodeId() == nodeId;
            boolean sameTerm = led && leads && previous.leaderEpoch() == current.leaderEpoch()
                    && previous.topicId().equals(current.topicId());
            if (led && (!leads || !previous.topicId().equals(current.topicId()))) {
                listener.stoppedLeading(partition, current);
            }
            if (leads && !sameTerm) {
                listener.becameLeader(partition, current);
            }
        });
    }

    public boolean removeListener(UUID registration) {
        return map.removeEntryListener(registration);
    }

    private record Adapter(PartitionStateListener listener) implements EntryAddedListener<String, byte[]>,
            EntryUpdatedListener<String, byte[]>, EntryRemovedListener<String, byte[]>, EntryLoadedListener<String, byte[]> {

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

        @Override
        public void entryRemoved(EntryEvent<String, byte[]> event) {
            listener.partitionChanged(PartitionId.fromKey(event.getKey()), decode(event.getOldValue()), null);
        }

        private static PartitionState decode(byte[] v) {
            return v == null ? null : PartitionState.fromBytes(v);
        }
    }
}
