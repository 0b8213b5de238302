package io.strata.membership.group;

import io.strata.membership.partition.PartitionId;

import java.util.Collection;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Committed offsets of consumer groups, durable: an offset {@link #commit} acknowledged survives
 * the loss of a member and a full-cluster restart. Thread-safe.
 */
public interface GroupOffsetStore {

    /**
     * Commits offsets for several partitions of one group, atomically (all or none). Returns only once
     * the commit is durable; an exception leaves it unknown whether the commit was applied.
     */
    void commit(String groupId, Map<PartitionId, CommittedOffset> offsets);

    Optional<CommittedOffset> fetch(String groupId, PartitionId partition);

    /**
     * All committed offsets of a group; empty for an unknown group. Returns only acknowledged-durable
     * offsets: never a commit still in progress that could yet fail (an exception then, as for a commit).
     */
    Map<PartitionId, CommittedOffset> fetchAll(String groupId);

    /** Deletes the committed offsets of some partitions (a group left without offsets disappears). */
    void delete(String groupId, Collection<PartitionId> partitions);

    /** Groups that have committed offsets. */
    Set<String> groups();

    /** Deletes a group's offsets; returns false when it had none. */
    boolean deleteGroup(String groupId);
}
