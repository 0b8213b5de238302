package io.strata.spark;

import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.connector.read.InputPartition;
import org.apache.spark.sql.connector.read.PartitionReader;
import org.apache.spark.sql.connector.read.PartitionReaderFactory;

/**
 * Creates the executor-side readers of {@link SegmentSlice}s (batch and micro-batch alike). Serializable; holds
 * only settings.
 */
final class SliceReaderFactory implements PartitionReaderFactory {

    private final StoreSettings settings;
    private final RowSchema rows;
    private final int chunkBytes;
    private final boolean failOnDataLoss;
    private final long minTimestamp;

    SliceReaderFactory(StoreSettings settings, RowSchema rows, int chunkBytes, boolean failOnDataLoss, long minTimestamp) {
        this.settings = settings;
        this.rows = rows;
        this.chunkBytes = chunkBytes;
        this.failOnDataLoss = failOnDataLoss;
        this.minTimestamp = minTimestamp;
    }

    @Override
    public PartitionReader<InternalRow> createReader(InputPartition partition) {
        SegmentSlice slice = ((SliceInputPartition) partition).slice();
        SliceReader reader = new SliceReader(slice, settings, chunkBytes, failOnDataLoss, minTimestamp);
        String topic = slice.tp().topic();
        int p = slice.tp().partition();
        return new PartitionReader<>() {
            @Override
            public boolean next() {
                return reader.next();
            }

            @Override
            public InternalRow get() {
                return rows.toRow(topic, p, reader.batch(), reader.record());
            }

            @Override
            public void close() {
                ReadMetrics.recordsRead(reader.returned());
            }
        };
    }
}
