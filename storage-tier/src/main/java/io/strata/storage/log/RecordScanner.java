package io.strata.storage.log;

import org.apache.kafka.common.InvalidRecordException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.InvalidTimestampException;
import org.apache.kafka.common.record.internal.RecordBatch;

import java.nio.ByteBuffer;

/**
 * Checks the records of one batch as a leader must before appending it, and finds the largest timestamp: each
 * record's offset delta is its index, its timestamp is within the topic's bounds (CreateTime topics), and its
 * framing holds exactly as Kafka's {@code DefaultRecord.readFrom} requires (size, key, value and header lengths,
 * header count, no bytes left after the declared count of records).
 *
 * <p>Uncompressed batches are walked in place ({@link #scanUncompressed}) with absolute reads of the request's
 * buffer: no record objects, key or value slices, or header arrays are created, which is what a produce request of
 * small records otherwise spends most of its validation on. Compressed batches are decompressed by kafka-clients and
 * only their records' offsets and timestamps pass through {@link #record}.
 *
 * <p>One instance serves one request's batches, one at a time ({@link #begin} resets it): not thread-safe.
 */
final class RecordScanner {

    /** Where a v2 batch's base timestamp, record count and first record start (Kafka's DefaultRecordBatch layout). */
    private static final int BASE_TIMESTAMP_OFFSET = 27;
    private static final int RECORDS_OFFSET = 61;

    private final TopicPartition topicPartition;
    private final boolean checkTimestamps;
    private final long now;
    private final long before;
    private final long after;

    private long maxTimestamp;
    private int maxTimestampDelta;
    private int seen;

    /**
     * @param checkTimestamps false for LogAppendTime topics, whose records take the append time
     * @param before          message.timestamp.before.max.ms
     * @param after           message.timestamp.after.max.ms
     */
    RecordScanner(TopicPartition topicPartition, boolean checkTimestamps, long now, long before, long after) {
        this.topicPartition = topicPartition;
        this.checkTimestamps = checkTimestamps;
        this.now = now;
        this.before = before;
        this.after = after;
    }

    /** Starts a batch. */
    void begin() {
        maxTimestamp = RecordBatch.NO_TIMESTAMP;
        maxTimestampDelta = 0;
        seen = 0;
    }

    /** The largest record timestamp of the batch, NO_TIMESTAMP if none. */
    long maxTimestamp() {
        return maxTimestamp;
    }

    /** The offset delta of the first record with the largest timestamp (0 if none). */
    int maxTimestampDelta() {
        return maxTimestampDelta;
    }

    /** Records seen in the batch so far. */
    int seen() {
        return seen;
    }

    /** Checks the next record of the batch by its offset delta and timestamp. */
    void record(long offsetDelta, long timestamp) {
        if (offsetDelta != seen) {
            throw new InvalidRecordException("Record " + seen + " of a batch for " + topicPartition
                    + " has offset delta " + offsetDelta);
        }
        if (checkTimestamps && timestamp != RecordBatch.NO_TIMESTAMP && outOfRange(timestamp)) {
            throw new InvalidTimestampException("Timestamp " + timestamp + " of record " + seen + " for " + topicPartition
                    + " is outside [now - " + before + ", now + " + after + "] (now = " + now + ")");
        }
        if (timestamp > maxTimestamp) {
            maxTimestamp = timestamp;
            maxTimestampDelta = seen;
        }
        seen++;
    }

    /**
     * Walks the {@code count} records of the uncompressed v2 batch at {@code [start, start + size)} of
     * {@code buffer} (whose header was already checked: magic, CRC, sizes), checking each with {@link #record}.
     *
     * @throws InvalidRecordException when a record's framing is broken or bytes follow the last record
     */
    void scanUncompressed(ByteBuffer buffer, int start, int size, int count) {
        begin();
        int end = start + size;
        long baseTimestamp = buffer.getLong(start + BASE_TIMESTAMP_OFFSET);
        int pos = start + RECORDS_OFFSET;
        for (int i = 0; i < count; i++) {
            long v = readVarint(buffer, pos, end);
            int bodySize = (int) v;
            pos = (int) (v >>> 32);
            if (bodySize < 0 || end - pos < bodySize) {
                throw new InvalidRecordException("Invalid record size: expected " + bodySize + " bytes in record "
                        + i + " of a batch for " + topicPartition + ", but the batch has " + (end - pos) + " left");
            }
            int bodyStart = pos;
            int bodyEnd = pos + bodySize;
            pos++; // attributes: unused in v2 records
            long timestampDelta = readVarlong(buffer, pos, bodyEnd);
            pos = varlongEnd;
            v = readVarint(buffer, pos, bodyEnd);
            int offsetDelta = (int) v;
            pos = (int) (v >>> 32);
            v = readVarint(buffer, pos, bodyEnd); // key length, negative for a null key
            pos = skip(pos, v, bodyEnd);
            v = readVarint(buffer, pos, bodyEnd); // value length, negative for a null value
            pos = skip(pos, v, bodyEnd);
            v = readVarint(buffer, pos, bodyEnd);
            int headers = (int) v;
            pos = (int) (v >>> 32);
            if (headers < 0 || headers > bodyEnd - pos) {
                throw new InvalidRecordException("Found invalid number of record headers " + headers + " in a batch for "
                        + topicPartition);
            }
            for (int h = 0; h < headers; h++) {
                v = readVarint(buffer, pos, bodyEnd);
                if ((int) v < 0) {
                    throw new InvalidRecordException("Invalid negative header key size " + (int) v + " in a batch for "
                            + topicPartition);
                }
                pos = skip(pos, v, bodyEnd);
                v = readVarint(buffer, pos, bodyEnd);
                pos = skip(pos, v, bodyEnd);
            }
            if (pos != bodyEnd) {
                throw new InvalidRecordException("Invalid record size: expected to read " + bodySize
                        + " bytes in record payload, but instead read " + (pos - bodyStart));
            }
            record(offsetDelta, baseTimestamp + timestampDelta);
        }
        if (pos != end) {
            throw new InvalidRecordException("Incorrect declared batch size, records still remaining in a batch for "
                    + topicPartition);
        }
    }

    /** The position after a length-prefixed field whose varint was read as {@code v}; negative lengths are null. */
    private int skip(int pos, long v, int limit) {
        int length = (int) v;
        int from = (int) (v >>> 32);
        if (length < 0) {
            return from;
        }
        if (length > limit - from) {
            throw underflow();
        }
        return from + length;
    }

    /**
     * A zig-zag varint at {@code pos}, read without passing {@code limit}: the value in the low 32 bits, the
     * position after it in the high 32 bits (one long, so the walk allocates nothing).
     */
    private long readVarint(ByteBuffer buffer, int pos, int limit) {
        int value = 0;
        int shift = 0;
        int b;
        do {
            if (pos >= limit) {
                throw underflow();
            }
            b = buffer.get(pos++);
            value |= (b & 0x7f) << shift;
            shift += 7;
            if (shift > 35 || (shift == 35 && (b & 0x80) != 0)) {
                throw new InvalidRecordException("Found invalid record structure: varint is too long in a batch for "
                        + topicPartition);
            }
        } while ((b & 0x80) != 0);
        int decoded = (value >>> 1) ^ -(value & 1);
        return ((long) pos << 32) | (decoded & 0xFFFFFFFFL);
    }

    /** Where the last {@link #readVarlong} ended. */
    private int varlongEnd;

    /** A zig-zag varlong at {@code pos}, read without passing {@code limit}; sets {@link #varlongEnd}. */
    private long readVarlong(ByteBuffer buffer, int pos, int limit) {
        long value = 0;
        int shift = 0;
        int b;
        do {
            if (pos >= limit) {
                throw underflow();
            }
            b = buffer.get(pos++);
            value |= (long) (b & 0x7f) << shift;
            shift += 7;
            if (shift > 70 || (shift == 70 && (b & 0x80) != 0)) {
                throw new InvalidRecordException("Found invalid record structure: varlong is too long in a batch for "
                        + topicPartition);
            }
        } while ((b & 0x80) != 0);
        varlongEnd = pos;
        return (value >>> 1) ^ -(value & 1);
    }

    private InvalidRecordException underflow() {
        return new InvalidRecordException("Found invalid record structure: a record of a batch for " + topicPartition
                + " runs past its end");
    }

    /** True when {@code ts} is more than {@code before} ms in the past or {@code after} ms in the future. */
    private boolean outOfRange(long ts) {
        if (ts < now) {
            long age = now - ts;
            return age < 0 || age > before; // age < 0: overflow, an absurdly old timestamp
        }
        long ahead = ts - now;
        return ahead > after;
    }
}
