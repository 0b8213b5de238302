package io.strata.storage.log;

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
 */
public record LogReadResult(long fetchOffset,
                            Records records,
                            long highWatermark,
                            long logStartOffset,
                            long logEndOffset) {
}
