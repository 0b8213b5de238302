package io.strata.storage.log;

import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.record.internal.DefaultRecordBatch;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.MemoryRecordsBuilder;
import org.apache.kafka.common.record.internal.Record;
import org.apache.kafka.common.record.internal.RecordBatch;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.common.header.Header;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.util.zip.CRC32C;

import static io.strata.storage.log.TestSupport.T0;
import static io.strata.storage.log.TestSupport.TP;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The in-place record walk of uncompressed batches accepts exactly what kafka-clients' own record reader accepts
 * (with offset deltas in order), and finds the same largest timestamp: compared on every single-byte change of the
 * records of a batch with keys, null keys, values and headers, its CRC recomputed so that the change reaches the
 * records.
 */
class RecordScannerTest {

    private static final long NOW = T0;
    private static final long BOUND = 365L * 24 * 3600 * 1000;

    @Test
    void acceptsWhatKafkasRecordReaderAcceptsOnEverySingleByteChange() {
        ByteBuffer original = sample();
        int recordsStart = original.position() + DefaultRecordBatch.RECORD_BATCH_OVERHEAD;
        int accepted = 0;
        int rejected = 0;
        byte[] values = {0, 1, 2, 0x7f, (byte) 0x80, (byte) 0xff, (byte) 0xfe, 0x40};
        for (int pos = recordsStart; pos < original.limit(); pos++) {
            for (byte value : values) {
                ByteBuffer mutated = copy(original);
                if (mutated.get(pos) == value) {
                    continue;
                }
                mutated.put(pos, value);
                fixCrc(mutated);
                Outcome kafka = kafka(mutated);
                Outcome ours = scanner(mutated);
                assertThat(ours).as("byte %d set to %d", pos - recordsStart, value).isEqualTo(kafka);
                if (kafka.accepted) {
                    accepted++;
                } else {
                    rejected++;
                }
            }
        }
        // Both kinds of change occur, so the comparison is not vacuous.
        assertThat(accepted).isPositive();
        assertThat(rejected).isPositive();
    }

    @Test
    void walksAnUnchangedBatchAndFindsTheFirstLargestTimestamp() {
        Outcome ours = scanner(sample());
        assertThat(ours.accepted).isTrue();
        assertThat(ours.maxTimestamp).isEqualTo(NOW + 7);
        assertThat(ours.maxTimestampDelta).isEqualTo(1);
    }

    /** A batch placed after some other bytes, so that the walk must honour the batch's start. */
    private static ByteBuffer sample() {
        ByteBuffer out = ByteBuffer.allocate(1024);
        MemoryRecordsBuilder b = MemoryRecords.builder(ByteBuffer.allocate(1024), Compression.NONE, TimestampType.CREATE_TIME, 0L);
        b.append(NOW, "k1".getBytes(), "value-one".getBytes());
        b.append(NOW + 7, null, "v".getBytes(), new Header[]{new RecordHeader("h", "x".getBytes()),
                new RecordHeader("hh", null)});
        b.append(NOW + 7, "k3".getBytes(), null);
        b.append(NOW + 3, new byte[0], new byte[300]);
        ByteBuffer batch = b.build().buffer();
        out.put(new byte[13]);
        int start = out.position();
        out.put(batch);
        out.flip();
        out.position(start);
        return out;
    }

    /** A copy with the same layout: the batch at the same position after the same leading bytes. */
    private static ByteBuffer copy(ByteBuffer b) {
        ByteBuffer c = ByteBuffer.allocate(b.limit());
        ByteBuffer all = b.duplicate();
        all.position(0);
        c.put(all);
        c.flip();
        c.position(b.position());
        return c;
    }

    private static void fixCrc(ByteBuffer batch) {
        int start = batch.position();
        CRC32C crc = new CRC32C();
        ByteBuffer covered = batch.duplicate();
        covered.position(start + DefaultRecordBatch.CRC_OFFSET + Integer.BYTES);
        crc.update(covered);
        batch.putInt(start + DefaultRecordBatch.CRC_OFFSET, (int) crc.getValue());
    }

    private record Outcome(boolean accepted, long maxTimestamp, int maxTimestampDelta) {
        static final Outcome REJECTED = new Outcome(false, 0, 0);
    }

    /** Kafka's reader: every declared record read in full, offset deltas in order, timestamps within bounds. */
    private static Outcome kafka(ByteBuffer batchBytes) {
        try {
            RecordBatch batch = MemoryRecords.readableRecords(batchBytes.duplicate()).batches().iterator().next();
            if (batch.compressionType() != org.apache.kafka.common.record.internal.CompressionType.NONE
                    || batch.countOrNull() == null || batch.countOrNull() <= 0) {
                return Outcome.REJECTED;
            }
            long max = RecordBatch.NO_TIMESTAMP;
            int maxDelta = 0;
            int i = 0;
            for (Record r : batch) {
                long ts = r.timestamp();
                if (r.offset() - batch.baseOffset() != i
                        || (ts != RecordBatch.NO_TIMESTAMP && (ts < NOW - BOUND || ts > NOW + BOUND))) {
                    return Outcome.REJECTED;
                }
                if (ts > max) {
                    max = ts;
                    maxDelta = i;
                }
                i++;
            }
            return new Outcome(true, max, maxDelta);
        } catch (RuntimeException e) {
            return Outcome.REJECTED;
        }
    }

    private static Outcome scanner(ByteBuffer batchBytes) {
        RecordBatch batch = MemoryRecords.readableRecords(batchBytes.duplicate()).batches().iterator().next();
        if (batch.compressionType() != org.apache.kafka.common.record.internal.CompressionType.NONE
                || batch.countOrNull() == null || batch.countOrNull() <= 0) {
            return Outcome.REJECTED;
        }
        RecordScanner scanner = new RecordScanner(TP, true, NOW, BOUND, BOUND);
        try {
            scanner.scanUncompressed(batchBytes, batchBytes.position(), batch.sizeInBytes(), batch.countOrNull());
            return new Outcome(true, scanner.maxTimestamp(), scanner.maxTimestampDelta());
        } catch (org.apache.kafka.common.errors.ApiException e) {
            return Outcome.REJECTED;
        }
    }
}
