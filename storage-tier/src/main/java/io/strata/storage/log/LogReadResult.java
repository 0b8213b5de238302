package io.strata.storage.log;

import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.Records;

/**
 * The result of a read: a slice of a segment file (zero-copy capable) or an empty record set.
 *
 * @param fetchOffset       the offset the read started from
 * @param records           whole batches starting at or before {@code fetchOffset}; never a partial
 *                          batch unless the first batch alone exceeds the size limit and
 *                          {@code minOneBatch} was false
 * @param highWatermark     the high watermark when the read happened
 * @param logStartOffset    the log start offset when the read happened
 * @param logEndOffset      the log end offset when the read happened
 * @param nextOffset        the offset after the last whole batch in {@code records}, known without reading
 *                          every batch header; {@code fetchOffset} when {@code records} holds no whole batch,
 *                          so {@code nextOffset - fetchOffset} is the number of records a consumer gets
 */
public record LogReadResult(long fetchOffset,
                            Records records,
                            long highWatermark,
                            long logStartOffset,
                            long logEndOffset,
                            long nextOffset) {

    /** No records at {@code fetchOffset}. */
    static LogReadResult empty(long fetchOffset, long highWatermark, long logStartOffset, long logEndOffset) {
        return new LogReadResult(fetchOffset, MemoryRecords.EMPTY, highWatermark, logStartOffset, logEndOffset,
                fetchOffset);
    }

    /** Records a consumer fetching at {@code fetchOffset} receives from this read. */
    public long recordCount() {
        return Math.max(0, nextOffset - fetchOffset);
    }
}
