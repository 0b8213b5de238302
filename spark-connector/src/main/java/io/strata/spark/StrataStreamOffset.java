package io.strata.spark;

import org.apache.spark.sql.connector.read.streaming.Offset;

/**
 * A micro-batch position: the next offset to read of every partition, as {@link PartitionOffsets} JSON (sorted,
 * so equal positions are equal strings). Immutable.
 */
final class StrataStreamOffset extends Offset {

    private final PartitionOffsets offsets;

    StrataStreamOffset(PartitionOffsets offsets) {
        this.offsets = offsets;
    }

    PartitionOffsets offsets() {
        return offsets;
    }

    @Override
    public String json() {
        return offsets.json();
    }
}
