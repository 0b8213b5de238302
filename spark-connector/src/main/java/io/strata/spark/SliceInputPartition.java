package io.strata.spark;

import org.apache.spark.sql.connector.read.InputPartition;

/** A {@link SegmentSlice} as Spark's input partition. Immutable, serializable. */
record SliceInputPartition(SegmentSlice slice) implements InputPartition {
}
