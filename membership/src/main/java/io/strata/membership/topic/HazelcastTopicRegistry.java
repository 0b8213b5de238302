package io.strata.membership.topic;

import com.hazelcast.core.EntryEvent;
import com.hazelcast.map.IMap;
import com.hazelcast.map.listener.EntryAddedListener;
import com.hazelcast.map.listener.EntryMergedListener;
import com.hazelcast.map.listener.EntryRemovedListener;
import com.hazelcast.map.listener.EntryUpdatedListener;
import io.strata.membership.cluster.WriteQuorum;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The cluster's topic catalogue on a durable Hazelcast map (name to {@link TopicDescriptorCodec}
 * bytes), written through to the metadata store and backed up synchronously.
 *
 * <p>{@link #create} is a {@code putIfAbsent} on the name's owner: when several nodes create the
 * same topic at once exactly one wins and all others get {@link TopicAlreadyExistsException}, so the
 * topic has exactly one id. {@link #update} is a compare-and-set on the stored bytes.
 */
public final class HazelcastTopicRegistry implements TopicRegistry {

    private final IMap<String, byte[]> map;
    private final WriteQuorum quorum;
    /** topic id to name, kept from map events; only a hint, always verified against the map. */
    private final Map<UUID, String> idIndex = new ConcurrentHashMap<>();
    private final UUID indexListener;

    public HazelcastTopicRegistry(IMap<String, byte[]> map, WriteQuorum quorum) {
        this.map = map;
        this.quorum = quorum;
        this.indexListener = addListener(new TopicListener() {
            @Override
            public void topicCreated(TopicDescriptor topic) {
                idIndex.put(topic.topicId(), topic.name());
            }

            @Override
            public void topicDeleted(TopicDescriptor topic) {
                idIndex.remove(topic.topicId(), topic.name());
            }
        });
    }

    @Override
    public Optional<TopicDescriptor> get(String name) {
        return Optional.ofNullable(TopicDescriptorCodec.decode(map.get(name)));
    }

    @Override
    public Optional<TopicDescriptor> get(UUID topicId) {
        String hint = idIndex.get(topicId);
        if (hint != null) {
            Optional<TopicDescriptor> t = get(hint);
            if (t.isPresent() && t.get().topicId().equals(topicId)) {
                return t;
            }
        }
        for (TopicDescriptor t : all()) {
            if (t.topicId().equals(topicId)) {
                idIndex.put(topicId, t.name());
                return Optional.of(t);
            }
        }
        return Optional.empty();
    }

    @Override
    public Collection<TopicDescriptor> all() {
        List<TopicDescriptor> all = new ArrayList<>();
        for (byte[] v : map.values()) {
            all.add(TopicDescriptorCodec.decode(v));
        }
        return all;
    }

    /** Every topic with the replication factor and replica assignment it was created with. */
    public Collection<TopicRecord> records() {
        List<TopicRecord> all = new ArrayList<>();
        for (byte[] v : map.values()) {
            all.add(TopicDescriptorCodec.decodeRecord(v));
        }
        return all;
    }

    public Optional<TopicRecord> record(String name) {
        return Optional.ofNullable(TopicDescriptorCodec.decodeRecord(map.get(name)));
    }

    /** Creates a topic whose partitions get the cluster's default replication factor and computed assignments. */
    @Override
    public TopicDescriptor create(String name, int partitions, Map<String, String> configs) {
        return create(name, partitions, configs, TopicRecord.DEFAULT_REPLICATION, Map.of());
    }

    /**
     * Creates a topic. The replication factor and the manual assignment are stored with the topic
     * ({@link TopicRecord}), and the partitions' first states are derived from that record alone, by
     * whichever of the creating node ({@code PartitionAssigner.assign}) and the controller writes first.
     * With a computed assignment the controller creates a partition's state only once enough nodes are
     * live for the replication factor; the creating node should check that before calling.
     *
     * @param replicationFactor replicas per partition, {@link TopicRecord#DEFAULT_REPLICATION} for the
     *                          cluster default (or the size of the manual assignment's lists)
     * @param replicaAssignment partition to replicas, preferred leader first, for partitions
     *                          {@code 0..n-1}; empty for a computed assignment
     * @throws IllegalArgumentException    when the assignment is malformed (see {@link TopicRecord})
     * @throws TopicAlreadyExistsException when a topic of that name exists (also when another node
     *                                     created it at the same moment: exactly one creator wins)
     */
    public TopicDescriptor create(String name, int partitions, Map<String, String> configs, int replicationFactor,
                                  Map<Integer, List<Integer>> replicaAssignment) {
        TopicDescriptor topic = new TopicDescriptor(name, UUID.randomUUID(), partitions, configs);
        byte[] record = TopicDescriptorCodec.encode(new TopicRecord(topic, replicationFactor, replicaAssignment));
        quorum.check();
        if (map.putIfAbsent(name, record) != null) {
            throw new TopicAlreadyExistsException(name);
        }
        idIndex.put(topic.topicId(), name);
        return topic;
    }

    @Override
    public Optional<TopicDescriptor> delete(String name) {
        quorum.check();
        TopicDescriptor removed = TopicDescriptorCodec.decode(map.remove(name));
        if (removed != null) {
            idIndex.remove(removed.topicId(), name);
        }
        return Optional.ofNullable(removed);
    }

    @Override
    public TopicDescriptor update(TopicDescriptor updated) {
        while (true) {
            byte[] current = map.get(updated.name());
            TopicRecord cur = TopicDescriptorCodec.decodeRecord(current);
            if (cur == null || !cur.descriptor().topicId().equals(updated.topicId())) {
                throw new UnknownTopicException(updated.name());
            }
            byte[] next = TopicDescriptorCodec.encode(cur.withDescriptor(updated));
            quorum.check();
            if (Arrays.equals(current, next) || map.replace(updated.name(), current, next)) {
                return updated;
            }
        }
    }

    /** Registers a listener for topic changes made by any node; returns its registration id. */
    public UUID addListener(TopicListener listener) {
        return map.addEntryListener(new Adapter(listener), true);
    }

    public boolean removeListener(UUID registration) {
        return map.removeEntryListener(registration);
    }

    /** Stops the registry's own bookkeeping; the map itself belongs to the cluster member. */
    public void close() {
        try {
            map.removeEntryListener(indexListener);
        } catch (RuntimeException ignored) {
            // the member is shutting down
        }
    }

    private record Adapter(TopicListener listener) implements EntryAddedListener<String, byte[]>,
            EntryUpdatedListener<String, byte[]>, EntryRemovedListener<String, byte[]>, EntryMergedListener<String, byte[]> {

        @Override
        public void entryAdded(EntryEvent<String, byte[]> event) {
            listener.topicCreated(TopicDescriptorCodec.decode(event.getValue()));
        }

        @Override
        public void entryUpdated(EntryEvent<String, byte[]> event) {
            listener.topicUpdated(TopicDescriptorCodec.decode(event.getOldValue()),
                    TopicDescriptorCodec.decode(event.getValue()));
        }

        /** A topic put back by a split-brain merge (created on the merging side only). */
        @Override
        public void entryMerged(EntryEvent<String, byte[]> event) {
            TopicDescriptor before = TopicDescriptorCodec.decode(event.getOldValue());
            TopicDescriptor after = TopicDescriptorCodec.decode(event.getValue());
            if (before == null && after != null) {
                listener.topicCreated(after);
            } else if (after != null && !after.equals(before)) {
                listener.topicUpdated(before, after);
            }
        }

        @Override
        public void entryRemoved(EntryEvent<String, byte[]> event) {
            listener.topicDeleted(TopicDescriptorCodec.decode(event.getOldValue()));
        }
    }
}
