package io.strata.membership.group;

import com.hazelcast.map.IMap;
import io.strata.membership.cluster.WriteQuorum;
import io.strata.membership.partition.PartitionId;

import java.util.Collection;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * {@link GroupOffsetStore} on a durable, quorum-guarded Hazelcast map: one entry per group
 * (see {@link GroupOffsetsCodec} for the format), changed by entry processors on the entry's owner,
 * written through to the metadata store and synchronously backed up before a commit returns.
 * A change returns normally only if the quorum was present before and after it ({@link WriteQuorum}):
 * it is then on a majority and survives a split. Reads are guarded the same way ({@link ReadOffsetsProcessor}):
 * a read returns only offsets that are on a majority, never a commit whose outcome is still open.
 */
public final class HazelcastGroupOffsetStore implements GroupOffsetStore {

    private final IMap<String, byte[]> map;
    private final WriteQuorum quorum;

    public HazelcastGroupOffsetStore(IMap<String, byte[]> map, WriteQuorum quorum) {
        this.map = map;
        this.quorum = quorum;
    }

    @Override
    public void commit(String groupId, Map<PartitionId, CommittedOffset> offsets) {
        if (offsets.isEmpty()) {
            return;
        }
        quorum.check();
        map.executeOnKey(groupId, new CommitOffsetsProcessor(GroupOffsetsCodec.encode(offsets)));
        quorum.confirmWritten();
    }

    @Override
    public Optional<CommittedOffset> fetch(String groupId, PartitionId partition) {
        return Optional.ofNullable(fetchAll(groupId).get(partition));
    }

    @Override
    public Map<PartitionId, CommittedOffset> fetchAll(String groupId) {
        quorum.check();
        byte[] value = map.executeOnKey(groupId, ReadOffsetsProcessor.onOwner());
        quorum.confirmRead();
        return GroupOffsetsCodec.decode(value);
    }

    @Override
    public void delete(String groupId, Collection<PartitionId> partitions) {
        if (!partitions.isEmpty()) {
            quorum.check();
            map.executeOnKey(groupId, new DeleteOffsetsProcessor(GroupOffsetsCodec.encodePartitions(partitions)));
            quorum.confirmWritten();
        }
    }

    @Override
    public Set<String> groups() {
        return Set.copyOf(map.keySet());
    }

    @Override
    public boolean deleteGroup(String groupId) {
        quorum.check();
        boolean removed = map.remove(groupId) != null;
        quorum.confirmWritten();
        return removed;
    }
}
