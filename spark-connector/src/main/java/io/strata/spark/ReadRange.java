package io.strata.spark;

import java.io.Serializable;

/**
 * The Kafka-style bounds of a read, as given: {@code startingOffsets} / {@code endingOffsets} ("earliest",
 * "latest", JSON or null) and {@code startingTimestamp} / {@code endingTimestamp} (ms or null), of which at most
 * one per side. Immutable, serializable; free of Spark classes.
 */
public record ReadRange(String startingOffsets, String endingOffsets, Long startingTimestamp, Long endingTimestamp)
        implements Serializable {

    public ReadRange {
        if (startingOffsets != null && startingTimestamp != null) {
            throw new IllegalArgumentException("give only one of startingOffsets and startingTimestamp");
        }
        if (endingOffsets != null && endingTimestamp != null) {
            throw new IllegalArgumentException("give only one of endingOffsets and endingTimestamp");
        }
    }
}
