package io.strata.spark;

import java.io.Serializable;

/**
 * The Kafka-style bounds of a read, as given: {@code startingOffsets} / {@code endingOffsets} ("earliest",
 * "latest", JSON or null), {@code startingOffsetsByTimestamp} / {@code endingOffsetsByTimestamp} (JSON of a
 * timestamp in ms per partition, {@code {"topic":{"0":1764547200000}}}, or null) and {@code startingTimestamp} /
 * {@code endingTimestamp} (ms or null). As in Spark's Kafka source, when several are given for one side the most
 * specific wins: the global timestamp, then the per-partition timestamps, then the offsets. Immutable,
 * serializable; free of Spark classes.
 */
public record ReadRange(String startingOffsets, String endingOffsets, Long startingTimestamp, Long endingTimestamp,
                        String startingOffsetsByTimestamp, String endingOffsetsByTimestamp) implements Serializable {

    public ReadRange {
        for (String json : new String[]{startingOffsetsByTimestamp, endingOffsetsByTimestamp}) {
            if (json != null) {
                PartitionOffsets.parse(json).asMap().forEach((tp, ts) -> {
                    if (ts < 0) {
                        throw new IllegalArgumentException("timestamp " + ts + " of " + tp + " is negative in " + json);
                    }
                });
            }
        }
    }

    /** Offsets and global timestamps only. */
    public ReadRange(String startingOffsets, String endingOffsets, Long startingTimestamp, Long endingTimestamp) {
        this(startingOffsets, endingOffsets, startingTimestamp, endingTimestamp, null, null);
    }
}
