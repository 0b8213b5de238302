package io.strata.ingest.group;

import io.strata.membership.group.CommittedOffset;
import io.strata.membership.partition.PartitionId;

import java.util.Map;

/** Committed offsets of a group; partitions without a committed offset are absent. */
public record OffsetFetchResult(GroupError error, Map<PartitionId, CommittedOffset> offsets) {
}
