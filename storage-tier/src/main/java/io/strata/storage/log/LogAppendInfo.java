package io.strata.storage.log;

/**
 * What an append did: the offsets it assigned and the timestamps it recorded.
 *
 * <p>For a batch recognised as a retry of an already-appended idempotent batch, {@code duplicate} is
 * true and the offsets are those of the original append; nothing was written.
 *
 * @param firstOffset       offset of the first record appended
 * @param lastOffset        offset of the last record appended
 * @param maxTimestamp      largest record timestamp (or the log-append time when the topic uses it)
 * @param offsetOfMaxTimestamp offset of the record carrying {@code maxTimestamp}
 * @param logAppendTimeMs   broker time stamped on the batches, or -1 when the topic uses CreateTime
 * @param logStartOffset    the log start offset after the append
 * @param recordCount       number of records appended
 * @param validBytes        bytes appended
 * @param duplicate         true when the batch was a retry and nothing was written
 */
public record LogAppendInfo(long firstOffset,
                            long lastOffset,
                            long maxTimestamp,
                            long offsetOfMaxTimestamp,
                            long logAppendTimeMs,
                            long logStartOffset,
                            int recordCount,
                            int validBytes,
                            boolean duplicate) {
}
