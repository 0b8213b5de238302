package io.strata.ingest.group;

import io.strata.membership.group.CommittedOffset;
import io.strata.membership.group.GroupOffsetStore;
import io.strata.membership.partition.PartitionId;

import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/** An in-memory {@link GroupOffsetStore} for tests. */
public final class MemoryOffsetStore implements GroupOffsetStore {

    private final Map<String, Map<PartitionId, CommittedOffset>> groups = new ConcurrentHashMap<>();

    @Override
    public synchronized void commit(String groupId, Map<PartitionId, CommittedOffset> offsets) {
        if (!offsets.isEmpty()) {
            groups.computeIfAbsent(groupId, k -> new LinkedHashMap<>()).putAll(offsets);
        }
    }

    @Override
    public synchronized Optional<CommittedOffset> fetch(String groupId, PartitionId partition) {
        return Optional.ofNullable(groups.getOrDefault(groupId, Map.of()).get(partition));
    }

    @Override
    public synchronized Map<PartitionId, CommittedOffset> fetchAll(String groupId) {
        return new LinkedHashMap<>(groups.getOrDefault(groupId, Map.of()));
    }

    @Override
    public synchronized void delete(String groupId, Collection<PartitionId> partitions) {
        Map<PartitionId, CommittedOffset> offsets = groups.get(groupId);
        if (offsets != null) {
            offsets.keySet().removeAll(partitions);
            if (offsets.isEmpty()) {
                groups.remove(groupId);
            }
        }
    }

    @Override
    public synchronized Set<String> groups() {
        return Set.copyOf(groups.keySet());
    }

    @Override
    public synchronized boolean deleteGroup(String groupId) {
        return groups.remove(groupId) != null;
    }
}
