package io.strata.storage.log;

import org.apache.kafka.common.InvalidRecordException;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.ApiException;
import org.apache.kafka.common.errors.CorruptRecordException;
import org.apache.kafka.common.errors.InvalidTimestampException;
import org.apache.kafka.common.errors.RecordBatchTooLargeException;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.errors.UnsupportedForMessageFormatException;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.common.record.internal.CompressionType;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.MutableRecordBatch;
import org.apache.kafka.common.record.internal.Record;
import org.apache.kafka.common.record.internal.RecordBatch;
import org.apache.kafka.common.utils.internals.BufferSupplier;
import org.apache.kafka.common.utils.internals.CloseableIterator;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

/**
 * The checks a request's record batches pass before {@link PartitionLog} appends them; they need no
 * log state, so they run before the log lock is taken.
 *
 * <p>Leader appends (Kafka's rules): every batch must be magic v2 (else
 * {@link UnsupportedForMessageFormatException}), pass its CRC ({@link CorruptRecordException}), fit
 * {@code max.message.bytes} ({@link RecordTooLargeException}), have consistent record count and
 * offset deltas and not be a control or transactional batch ({@link InvalidRecordException}:
 * transactions are not supported), and for CreateTime topics carry timestamps within
 * {@code message.timestamp.before/after.max.ms} ({@link InvalidTimestampException}). A request larger
 * than {@code segment.bytes} fails with {@link RecordBatchTooLargeException}; bytes after the last
 * complete batch with {@link CorruptRecordException}.
 *
 * <p>Follower appends keep the leader's offsets and epochs and are only checked for integrity
 * ({@link #validateForFollower}).
 *
 * <p>Thread-safety: stateless; decompression buffers are per thread.
 */
final class BatchValidator {

    /** Decompression buffers are reused per appending thread. */
    private static final ThreadLocal<BufferSupplier> BUFFERS = ThreadLocal.withInitial(BufferSupplier::create);

    /**
     * The batches of a request that passed validation, and what the append reports about them.
     *
     * @param offsetOfMaxTimestampDelta offset of the record with the largest timestamp, relative to the first offset
     * @param idempotent                true when some batch carries a producer id
     */
    record Validated(List<MutableRecordBatch> batches, int validBytes, int recordCount, long maxTimestamp,
                     int offsetOfMaxTimestampDelta, boolean idempotent) {
    }

    private BatchValidator() {
    }

    /**
     * Validates producer batches for an append as leader. Rewrites each batch's max timestamp
     * (LogAppendTime, or a wrong CreateTime maximum); offsets and epochs are assigned later.
     */
    static Validated validateForLeader(TopicPartition topicPartition, MemoryRecords records, LogConfig cfg, long now) {
        int requestSize = records.sizeInBytes();
        List<MutableRecordBatch> batches = new ArrayList<>(1);
        int validBytes = 0;
        int recordCount = 0;
        long maxTimestamp = RecordBatch.NO_TIMESTAMP;
        int maxTimestampRelative = 0;
        boolean idempotent = false;
        boolean logAppendTime = cfg.messageTimestampType() == TimestampType.LOG_APPEND_TIME;
        ByteBuffer buffer = records.buffer();
        int batchStart = buffer.position(); // batches are read in order, back to back
        RecordScanner scanner = new RecordScanner(topicPartition, !logAppendTime, now, cfg.timestampBeforeMaxMs(),
                cfg.timestampAfterMaxMs());
        Iterator<MutableRecordBatch> it = records.batches().iterator();
        for (MutableRecordBatch batch; (batch = nextBatch(it, topicPartition)) != null; ) {
            long checked = validateBatch(topicPartition, batch, buffer, batchStart, cfg, logAppendTime, now, scanner);
            batchStart += batch.sizeInBytes();
            int count = (int) checked;
            long batchMax = batch.maxTimestamp();
            if (batchMax > maxTimestamp) {
                maxTimestamp = batchMax;
                maxTimestampRelative = recordCount + (int) (checked >>> 32);
            }
            idempotent |= batch.hasProducerId();
            validBytes += batch.sizeInBytes();
            recordCount += count;
            batches.add(batch);
        }
        if (validBytes != requestSize) {
            throw new CorruptRecordException("Request for " + topicPartition + " has " + (requestSize - validBytes)
                    + " bytes after its last complete batch");
        }
        if (validBytes > cfg.segmentBytes()) {
            throw new RecordBatchTooLargeException("Request of " + validBytes + " bytes exceeds segment.bytes "
                    + cfg.segmentBytes() + " of " + topicPartition);
        }
        return new Validated(batches, validBytes, recordCount, maxTimestamp, maxTimestampRelative, idempotent);
    }

    /**
     * Validates batches replicated from the leader, which keep the leader's offsets and epochs:
     * magic v2 ({@link UnsupportedForMessageFormatException}), CRC and complete batches
     * ({@link CorruptRecordException}), sane and contiguous offsets ({@link InvalidRecordException}).
     * Nothing the leader already enforced (timestamps, sizes, producer sequences) is checked again.
     */
    static Validated validateForFollower(TopicPartition topicPartition, MemoryRecords records) {
        List<MutableRecordBatch> batches = new ArrayList<>(1);
        int validBytes = 0;
        int recordCount = 0;
        long maxTimestamp = RecordBatch.NO_TIMESTAMP;
        int maxTimestampDelta = 0;
        boolean idempotent = false;
        long firstOffset = -1L;
        long expected = -1L;
        Iterator<MutableRecordBatch> it = records.batches().iterator();
        for (MutableRecordBatch batch; (batch = nextBatch(it, topicPartition)) != null; ) {
            if (batch.magic() != RecordBatch.MAGIC_VALUE_V2) {
                throw new UnsupportedForMessageFormatException("Replicated batch with magic " + batch.magic() + " for "
                        + topicPartition + ": only magic v2 record batches are accepted");
            }
            batch.ensureValid();
            if (batch.baseOffset() < 0 || batch.lastOffset() < batch.baseOffset()) {
                throw new InvalidRecordException("Replicated batch for " + topicPartition + " has offsets "
                        + batch.baseOffset() + ".." + batch.lastOffset());
            }
            if (firstOffset < 0) {
                firstOffset = batch.baseOffset();
            } else if (batch.baseOffset() != expected) {
                throw new InvalidRecordException("Replicated batches for " + topicPartition + " are not contiguous: "
                        + batch.baseOffset() + " follows " + (expected - 1));
            }
            if (batch.maxTimestamp() > maxTimestamp) {
                maxTimestamp = batch.maxTimestamp();
                maxTimestampDelta = (int) (batch.lastOffset() - firstOffset); // per batch, as Kafka's followers
            }
            Integer count = batch.countOrNull();
            recordCount += count != null ? count : (int) (batch.lastOffset() - batch.baseOffset() + 1);
            idempotent |= batch.hasProducerId();
            validBytes += batch.sizeInBytes();
            expected = batch.nextOffset();
            batches.add(batch);
        }
        if (validBytes != records.sizeInBytes()) {
            throw new CorruptRecordException("Replicated records for " + topicPartition + " have "
                    + (records.sizeInBytes() - validBytes) + " bytes after their last complete batch");
        }
        return new Validated(batches, validBytes, recordCount, maxTimestamp, maxTimestampDelta, idempotent);
    }

    /**
     * The next batch of a request, or null after the last complete one. kafka-clients' framing fails
     * with an IllegalArgumentException (not its CorruptRecordException) when a size field is so large
     * that size plus the log overhead overflows an int: that is a corrupt request too.
     */
    private static MutableRecordBatch nextBatch(Iterator<MutableRecordBatch> it, TopicPartition topicPartition) {
        try {
            return it.hasNext() ? it.next() : null;
        } catch (IllegalArgumentException | IndexOutOfBoundsException | java.nio.BufferUnderflowException e) {
            throw new CorruptRecordException("Malformed batch framing in the records for " + topicPartition + ": "
                    + e.getMessage());
        }
    }

    /**
     * Stateless checks of one batch, Kafka's rules; rewrites the batch's max timestamp (LogAppendTime,
     * or a wrong CreateTime maximum).
     *
     * @return the record count in the low 32 bits and the offset delta of the record with the largest
     *         timestamp in the high 32 bits (packed to keep the append path free of allocations)
     */
    private static long validateBatch(TopicPartition topicPartition, MutableRecordBatch batch, ByteBuffer buffer,
                                      int batchStart, LogConfig cfg, boolean logAppendTime, long now,
                                      RecordScanner scanner) {
        if (batch.magic() != RecordBatch.MAGIC_VALUE_V2) {
            throw new UnsupportedForMessageFormatException("Batch with magic " + batch.magic() + " for " + topicPartition
                    + ": only magic v2 record batches are accepted");
        }
        int size = batch.sizeInBytes();
        if (size > cfg.maxMessageBytes()) {
            throw new RecordTooLargeException("Batch of " + size + " bytes exceeds max.message.bytes "
                    + cfg.maxMessageBytes() + " of " + topicPartition);
        }
        batch.ensureValid(); // CorruptRecordException on a size or CRC mismatch
        if (batch.isControlBatch()) {
            throw new InvalidRecordException("Clients may not write control batches (" + topicPartition + ")");
        }
        if (batch.isTransactional()) {
            throw new InvalidRecordException("Transactional batches are not supported (" + topicPartition + ")");
        }
        long countFromOffsets = batch.lastOffset() - batch.baseOffset() + 1;
        Integer counted = batch.countOrNull();
        int declared = counted == null ? -1 : counted;
        if (countFromOffsets <= 0 || declared <= 0 || declared != countFromOffsets) {
            throw new InvalidRecordException("Batch for " + topicPartition + " declares " + declared
                    + " records but an offset range of " + countFromOffsets);
        }
        if (batch.hasProducerId() && (batch.baseSequence() < 0 || batch.producerEpoch() < 0)) {
            throw new InvalidRecordException("Idempotent batch for " + topicPartition + " has sequence "
                    + batch.baseSequence() + " and producer epoch " + batch.producerEpoch());
        }
        if (batch.timestampType() == TimestampType.LOG_APPEND_TIME) {
            throw new InvalidTimestampException("Producers may not send LogAppendTime batches (" + topicPartition + ")");
        }

        if (batch.compressionType() == CompressionType.NONE) {
            scanner.scanUncompressed(buffer, batchStart, size, declared);
        } else {
            scanCompressed(topicPartition, batch, declared, scanner);
        }
        int maxDelta = scanner.maxTimestampDelta();
        if (logAppendTime) {
            batch.setMaxTimestamp(TimestampType.LOG_APPEND_TIME, now);
            maxDelta = 0; // every record carries the append time: the first one is the answer
        } else {
            batch.setMaxTimestamp(TimestampType.CREATE_TIME, scanner.maxTimestamp()); // no-op when the header is right
        }
        return ((long) maxDelta << 32) | declared;
    }

    /**
     * Decompresses a batch and checks its records. A compressed batch is read in full: the reader that skips keys and
     * values does not notice a record cut short at the end of the decompressed data, and consumers could not read
     * such a batch back.
     */
    private static void scanCompressed(TopicPartition topicPartition, MutableRecordBatch batch, int declared,
                                       RecordScanner scanner) {
        scanner.begin();
        try (CloseableIterator<Record> it = batch.streamingIterator(BUFFERS.get())) {
            while (it.hasNext()) {
                Record record = it.next();
                scanner.record(record.offset() - batch.baseOffset(), record.timestamp());
            }
        } catch (ApiException e) {
            throw e;
        } catch (KafkaException | IllegalArgumentException | IllegalStateException | IndexOutOfBoundsException
                 | java.nio.BufferUnderflowException e) {
            throw new InvalidRecordException("Malformed records in a batch for " + topicPartition + ": " + e.getMessage(), e);
        }
        if (scanner.seen() != declared) {
            throw new InvalidRecordException("Batch for " + topicPartition + " declares " + declared
                    + " records but holds " + scanner.seen());
        }
    }
}
