package io.strata.ingest.group;

import io.strata.membership.partition.PartitionId;

import java.util.Map;

/** Outcome of an OffsetDelete: a group-level error, else one error per partition. */
public record OffsetDeleteResult(GroupError error, Map<PartitionId, GroupError> partitions) {
}
