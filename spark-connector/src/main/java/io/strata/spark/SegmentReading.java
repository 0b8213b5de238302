package io.strata.spark;

import org.apache.kafka.common.record.internal.Record;
import org.apache.kafka.common.record.internal.RecordBatch;

import java.util.List;

/**
 * The planning and reading of the Spark source for readers in other packages (the Hadoop input format), with
 * Spark-free types only. Stateless.
 */
public final class SegmentReading {

    private SegmentReading() {
    }

    /** Slices of the selected partitions' uploaded segments within {@code range} (no filters). */
    public static List<SegmentSlice> plan(StoreSettings store, TopicSelection selection, ReadRange range,
                                          long maxBytesPerSlice, int minSlices, boolean failOnDataLoss) {
        return plan(store, selection, java.util.Optional.empty(), range, maxBytesPerSlice, minSlices, failOnDataLoss);
    }

    /**
     * As {@link #plan(StoreSettings, TopicSelection, ReadRange, long, int, boolean)}; with {@code topicIds} the
     * partitions are found from manifests alone, without listing the bucket.
     */
    public static List<SegmentSlice> plan(StoreSettings store, TopicSelection selection,
                                          java.util.Optional<TopicIds> topicIds, ReadRange range,
                                          long maxBytesPerSlice, int minSlices, boolean failOnDataLoss) {
        List<PartitionCatalog.PartitionSource> sources = PartitionCatalog.resolve(store, selection, topicIds);
        SegmentPlanner planner = new SegmentPlanner(store);
        return planner.plan(sources, planner.startOffsets(sources, range, "earliest"), planner.endOffsets(sources, range),
                ScanFilters.NONE, maxBytesPerSlice, minSlices, failOnDataLoss).slices();
    }

    /** Iterates the records of {@code slice}; see {@link SliceReader}. */
    public static Cursor open(SegmentSlice slice, StoreSettings store, int chunkBytes, boolean failOnDataLoss) {
        return new Cursor(new SliceReader(slice, store, chunkBytes, failOnDataLoss, Long.MIN_VALUE));
    }

    /** A position in a slice. Not thread-safe. */
    public static final class Cursor {
        private final SliceReader reader;

        private Cursor(SliceReader reader) {
            this.reader = reader;
        }

        public boolean next() {
            return reader.next();
        }

        public Record record() {
            return reader.record();
        }

        public RecordBatch batch() {
            return reader.batch();
        }

        public String topic() {
            return reader.slice().tp().topic();
        }

        public int partition() {
            return reader.slice().tp().partition();
        }

        public long returned() {
            return reader.returned();
        }
    }
}
