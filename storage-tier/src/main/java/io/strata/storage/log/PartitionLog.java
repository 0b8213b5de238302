package io.strata.storage.log;

import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.record.internal.FileRecords.TimestampAndOffset;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.utils.Time;

import java.io.Closeable;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * API sketch; see the implementation notes in the class that replaces it.
 */
public final class PartitionLog implements Closeable {

    /**
     * Opens (recovering if needed) or creates the log in {@code dir}.
     *
     * @param hadCleanShutdown whether the node's previous run closed its logs cleanly; when false,
     *                         every segment past the recovery point is scanned and its tail verified
     */
    public static PartitionLog open(Path dir, TopicPartition tp, Uuid topicId, LogConfig config,
                                    long recoveryPoint, boolean hadCleanShutdown, Time time) throws IOException {
        throw new UnsupportedOperationException();
    }

    public TopicPartition topicPartition() { throw new UnsupportedOperationException(); }
    public Uuid topicId() { throw new UnsupportedOperationException(); }
    public Path dir() { throw new UnsupportedOperationException(); }
    public LogConfig config() { throw new UnsupportedOperationException(); }
    public void updateConfig(LogConfig config) { throw new UnsupportedOperationException(); }

    public long logStartOffset() { throw new UnsupportedOperationException(); }
    public long logEndOffset() { throw new UnsupportedOperationException(); }
    public long highWatermark() { throw new UnsupportedOperationException(); }
    /** Moves the high watermark, clamped to [logStartOffset, logEndOffset]; never moves it backwards unless truncating. */
    public void updateHighWatermark(long offset) { throw new UnsupportedOperationException(); }
    /** Everything below this offset is fsynced. */
    public long recoveryPoint() { throw new UnsupportedOperationException(); }

    /**
     * Validates and appends producer batches as the leader, assigning offsets and stamping
     * {@code leaderEpoch} on each batch. Idempotent batches are checked against producer state:
     * an exact retry of one of the last five batches returns the original offsets with
     * {@code duplicate = true}.
     *
     * @throws org.apache.kafka.common.errors.ApiException with the Kafka error for the first problem
     *         found (CorruptRecordException, InvalidRecordException, RecordTooLargeException,
     *         RecordBatchTooLargeException, InvalidTimestampException, UnsupportedForMessageFormatException,
     *         OutOfOrderSequenceException, InvalidProducerEpochException, KafkaStorageException);
     *         nothing of a rejected request reaches disk.
     */
    public LogAppendInfo appendAsLeader(MemoryRecords records, int leaderEpoch) {
        throw new UnsupportedOperationException();
    }

    /**
     * Reads whole batches starting with the one that contains {@code startOffset}.
     *
     * @param maxBytes     size limit for the returned records
     * @param maxOffset    exclusive upper bound (the high watermark for consumers)
     * @param minOneBatch  return the first batch even if it is larger than {@code maxBytes}
     * @throws org.apache.kafka.common.errors.OffsetOutOfRangeException when startOffset is below the
     *         log start offset or above the log end offset
     */
    public LogReadResult read(long startOffset, int maxBytes, long maxOffset, boolean minOneBatch) {
        throw new UnsupportedOperationException();
    }

    /**
     * ListOffsets: {@code timestamp} is a real timestamp (first offset whose timestamp is at least it),
     * or one of ListOffsetsRequest.EARLIEST_TIMESTAMP (-2), LATEST_TIMESTAMP (-1), MAX_TIMESTAMP (-3),
     * EARLIEST_LOCAL_TIMESTAMP (-4). Empty when no record qualifies.
     */
    public Optional<TimestampAndOffset> offsetForTimestamp(long timestamp) {
        throw new UnsupportedOperationException();
    }

    /** OffsetForLeaderEpoch. */
    public EpochEndOffset endOffsetForEpoch(int leaderEpoch) { throw new UnsupportedOperationException(); }
    public OptionalInt latestEpoch() { throw new UnsupportedOperationException(); }

    /** Fsyncs everything up to at least {@code offset}; concurrent callers share one fsync. */
    public void flush(long offset) { throw new UnsupportedOperationException(); }
    /** Fsyncs everything appended so far. */
    public void flush() { throw new UnsupportedOperationException(); }
    /** Applies flush.ms: fsyncs when unflushed data is older than it. */
    public void flushIfDue(long nowMs) { throw new UnsupportedOperationException(); }

    /** Rolls the active segment if segment.ms has elapsed. */
    public void maybeRoll(long nowMs) { throw new UnsupportedOperationException(); }

    /** Deletes segments past retention.ms / retention.bytes; returns how many. */
    public int deleteExpiredSegments(long nowMs) { throw new UnsupportedOperationException(); }

    public long sizeInBytes() { throw new UnsupportedOperationException(); }
    public int numberOfSegments() { throw new UnsupportedOperationException(); }

    @Override
    public void close() throws IOException { throw new UnsupportedOperationException(); }

    /** Closes and removes the partition's directory. */
    public void delete() throws IOException { throw new UnsupportedOperationException(); }
}
