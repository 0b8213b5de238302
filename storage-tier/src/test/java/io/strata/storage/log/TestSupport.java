package io.strata.storage.log;

import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.Record;
import org.apache.kafka.common.record.internal.RecordBatch;
import org.apache.kafka.common.record.internal.Records;
import org.apache.kafka.common.record.internal.SimpleRecord;
import org.apache.kafka.common.utils.Time;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Helpers shared by the log tests: a hand-driven clock and batch builders. */
final class TestSupport {

    static final long T0 = 1_700_000_000_000L;
    static final TopicPartition TP = new TopicPartition("events", 0);
    static final Uuid TOPIC_ID = Uuid.fromString("AAAAAAAAAAAAAAAAAAAAAQ");

    private TestSupport() {
    }

    /** A clock that only moves when told to. */
    static final class ManualTime implements Time {
        private volatile long ms;

        ManualTime(long startMs) {
            this.ms = startMs;
        }

        @Override
        public long milliseconds() {
            return ms;
        }

        @Override
        public long nanoseconds() {
            return ms * 1_000_000L;
        }

        @Override
        public void sleep(long millis) {
            ms += millis;
        }
    }

    static LogConfig config(Map<String, String> overrides) {
        return LogConfig.create(Map.of(), overrides);
    }

    static PartitionLog open(Path dir, LogConfig config, Time time) throws IOException {
        return PartitionLog.open(dir.resolve("events-0"), TP, TOPIC_ID, config, 0L, true, time);
    }

    static PartitionLog reopen(Path dir, LogConfig config, Time time, long recoveryPoint, boolean clean) throws IOException {
        return PartitionLog.open(dir.resolve("events-0"), TP, TOPIC_ID, config, recoveryPoint, clean, time);
    }

    static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    static String string(java.nio.ByteBuffer b) {
        if (b == null) {
            return null;
        }
        byte[] out = new byte[b.remaining()];
        b.duplicate().get(out);
        return new String(out, StandardCharsets.UTF_8);
    }

    /** A batch of {@code count} records "v<i>" with timestamps {@code ts}. */
    static MemoryRecords batch(int count, long ts, String prefix) {
        SimpleRecord[] records = new SimpleRecord[count];
        for (int i = 0; i < count; i++) {
            records[i] = new SimpleRecord(ts, bytes("k" + i), bytes(prefix + i));
        }
        return MemoryRecords.withRecords(Compression.NONE, records);
    }

    /** A batch whose single record has a value of {@code valueBytes} bytes. */
    static MemoryRecords sized(int valueBytes, long ts) {
        return MemoryRecords.withRecords(Compression.NONE, new SimpleRecord(ts, null, new byte[valueBytes]));
    }

    static MemoryRecords idempotent(long producerId, short epoch, int baseSequence, int count, long ts) {
        SimpleRecord[] records = new SimpleRecord[count];
        for (int i = 0; i < count; i++) {
            records[i] = new SimpleRecord(ts, bytes("p" + producerId + "-" + (baseSequence + i)));
        }
        return MemoryRecords.withIdempotentRecords(Compression.NONE, producerId, epoch, baseSequence, records);
    }

    /** Every record from {@code from} to the log end, read in chunks of {@code maxBytes}. */
    static List<Record> readAll(PartitionLog log, long from, int maxBytes) {
        List<Record> out = new ArrayList<>();
        long next = from;
        while (next < log.logEndOffset()) {
            Records records = log.read(next, maxBytes, Long.MAX_VALUE, true).records();
            if (records.sizeInBytes() == 0) {
                throw new AssertionError("Empty read at " + next + " below the log end " + log.logEndOffset());
            }
            for (RecordBatch batch : records.batches()) {
                batch.ensureValid();
                for (Record r : batch) {
                    if (r.offset() >= next) {
                        out.add(r);
                    }
                }
                next = batch.nextOffset();
            }
        }
        return out;
    }

    static List<RecordBatch> batchesOf(Records records) {
        List<RecordBatch> out = new ArrayList<>();
        records.batches().forEach(out::add);
        return out;
    }
}
