package io.strata.storage.log;

import io.strata.storage.log.TestSupport.ManualTime;
import org.apache.kafka.common.InvalidRecordException;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.errors.CorruptRecordException;
import org.apache.kafka.common.errors.FencedLeaderEpochException;
import org.apache.kafka.common.errors.InvalidTimestampException;
import org.apache.kafka.common.errors.RecordBatchTooLargeException;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.errors.UnsupportedForMessageFormatException;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.MemoryRecordsBuilder;
import org.apache.kafka.common.record.internal.Record;
import org.apache.kafka.common.record.internal.RecordBatch;
import org.apache.kafka.common.record.internal.SimpleRecord;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static io.strata.storage.log.TestSupport.T0;
import static io.strata.storage.log.TestSupport.batch;
import static io.strata.storage.log.TestSupport.batchesOf;
import static io.strata.storage.log.TestSupport.bytes;
import static io.strata.storage.log.TestSupport.readAll;
import static io.strata.storage.log.TestSupport.sized;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class AppendValidationTest {

    @TempDir
    Path tmp;

    private final ManualTime time = new ManualTime(T0);
    private PartitionLog log;

    @BeforeEach
    void seed() throws Exception {
        log = TestSupport.open(tmp, TestSupport.config(Map.of(
                "max.message.bytes", "2000",
                "segment.bytes", "5000",
                "message.timestamp.before.max.ms", "60000",
                "message.timestamp.after.max.ms", "1000")), time);
        log.appendAsLeader(batch(2, T0, "ok"), 0);
    }

    @org.junit.jupiter.api.AfterEach
    void close() throws Exception {
        log.close();
    }

    /** The log must look exactly as after {@link #seed()}. */
    private void assertUntouched() throws Exception {
        assertThat(log.logEndOffset()).isEqualTo(2);
        Path segment = log.dir().resolve(LogSegment.fileName(0, ".log"));
        assertThat(Files.size(segment)).isEqualTo(log.sizeInBytes());
        assertThat(readAll(log, 0, 1 << 20)).hasSize(2);
        // The next valid append still gets the next offset.
        assertThat(log.appendAsLeader(batch(1, T0, "after"), 0).firstOffset()).isEqualTo(2);
    }

    @Test
    void corruptCrcIsRejected() throws Exception {
        MemoryRecords records = batch(3, T0, "c");
        ByteBuffer buf = records.buffer();
        int last = buf.limit() - 1;
        buf.put(last, (byte) (buf.get(last) ^ 0x5a));
        assertThatThrownBy(() -> log.appendAsLeader(MemoryRecords.readableRecords(buf), 0))
                .isInstanceOf(CorruptRecordException.class);
        assertUntouched();
    }

    @Test
    void batchSizeFieldPastTheIntRangeIsCorruptNotAnInternalError() throws Exception {
        // size + the 12-byte log overhead overflows an int inside kafka-clients' framing.
        ByteBuffer buf = ByteBuffer.allocate(64);
        buf.putLong(0L).putInt(Integer.MAX_VALUE).putInt(0).put(RecordBatch.MAGIC_VALUE_V2).rewind();
        assertThatThrownBy(() -> log.appendAsLeader(MemoryRecords.readableRecords(buf.duplicate()), 0))
                .isInstanceOf(CorruptRecordException.class);
        assertThatThrownBy(() -> log.appendAsFollower(MemoryRecords.readableRecords(buf.duplicate())))
                .isInstanceOf(CorruptRecordException.class);
        assertUntouched();
    }

    @Test
    void magicV1IsRejected() throws Exception {
        MemoryRecords v1 = MemoryRecords.withRecords(RecordBatch.MAGIC_VALUE_V1, Compression.NONE,
                new SimpleRecord(T0, bytes("old")));
        assertThatThrownBy(() -> log.appendAsLeader(v1, 0)).isInstanceOf(UnsupportedForMessageFormatException.class);
        assertUntouched();
    }

    @Test
    void batchOverMaxMessageBytesIsRejected() throws Exception {
        assertThatThrownBy(() -> log.appendAsLeader(sized(2100, T0), 0)).isInstanceOf(RecordTooLargeException.class);
        assertUntouched();
    }

    @Test
    void requestOverSegmentBytesIsRejected() throws Exception {
        ByteBuffer buf = ByteBuffer.allocate(8000);
        for (int i = 0; i < 4; i++) {
            buf.put(sized(1500, T0).buffer());
        }
        buf.flip();
        assertThatThrownBy(() -> log.appendAsLeader(MemoryRecords.readableRecords(buf), 0))
                .isInstanceOf(RecordBatchTooLargeException.class);
        assertUntouched();
    }

    @Test
    void timestampsOutOfRangeAreRejectedAndNothingOfTheRequestIsWritten() throws Exception {
        assertThatThrownBy(() -> log.appendAsLeader(batch(1, T0 + 5000, "future"), 0))
                .isInstanceOf(InvalidTimestampException.class);
        assertThatThrownBy(() -> log.appendAsLeader(batch(1, T0 - 120_000, "past"), 0))
                .isInstanceOf(InvalidTimestampException.class);
        // A good batch followed by a bad one in the same request: neither is written.
        ByteBuffer buf = ByteBuffer.allocate(1000);
        buf.put(batch(1, T0, "good").buffer());
        buf.put(batch(1, T0 + 5000, "bad").buffer());
        buf.flip();
        assertThatThrownBy(() -> log.appendAsLeader(MemoryRecords.readableRecords(buf), 0))
                .isInstanceOf(InvalidTimestampException.class);
        assertUntouched();
    }

    @Test
    void trailingPartialBatchIsRejected() throws Exception {
        MemoryRecords full = batch(2, T0, "p");
        ByteBuffer cut = full.buffer().duplicate();
        cut.limit(cut.limit() - 3);
        ByteBuffer buf = ByteBuffer.allocate(1000);
        buf.put(batch(1, T0, "whole").buffer());
        buf.put(cut);
        buf.flip();
        assertThatThrownBy(() -> log.appendAsLeader(MemoryRecords.readableRecords(buf), 0))
                .isInstanceOf(CorruptRecordException.class);
        assertUntouched();
    }

    @Test
    void transactionalBatchesAreRejected() throws Exception {
        MemoryRecords txn = MemoryRecords.withTransactionalRecords(Compression.NONE, 7L, (short) 0, 0,
                new SimpleRecord(T0, bytes("t")));
        assertThatThrownBy(() -> log.appendAsLeader(txn, 0)).isInstanceOf(InvalidRecordException.class);
        assertUntouched();
    }

    @Test
    void olderLeaderEpochIsFenced() throws Exception {
        log.appendAsLeader(batch(1, T0, "e"), 3);
        assertThatThrownBy(() -> log.appendAsLeader(batch(1, T0, "stale"), 2))
                .isInstanceOf(FencedLeaderEpochException.class);
        assertThat(log.logEndOffset()).isEqualTo(3);
    }

    @Test
    void logAppendTimeTopicsStampTheBrokerTime() throws Exception {
        log.updateConfig(TestSupport.config(Map.of("message.timestamp.type", "LogAppendTime")));
        time.sleep(42);
        // Client timestamps far in the past are fine: they are replaced.
        LogAppendInfo info = log.appendAsLeader(batch(3, T0 - 10_000_000, "lat"), 0);
        assertThat(info.logAppendTimeMs()).isEqualTo(T0 + 42);
        assertThat(info.maxTimestamp()).isEqualTo(T0 + 42);
        assertThat(info.offsetOfMaxTimestamp()).isEqualTo(2);

        List<RecordBatch> batches = batchesOf(log.read(2, 1 << 20, Long.MAX_VALUE, false).records());
        assertThat(batches.get(0).timestampType()).isEqualTo(TimestampType.LOG_APPEND_TIME);
        assertThat(batches.get(0).maxTimestamp()).isEqualTo(T0 + 42);
        batches.get(0).ensureValid();
        for (Record r : batches.get(0)) {
            assertThat(r.timestamp()).isEqualTo(T0 + 42);
        }
    }

    @Test
    void producerSuppliedLogAppendTimeIsRejected() throws Exception {
        MemoryRecordsBuilder builder = MemoryRecords.builder(ByteBuffer.allocate(512), Compression.NONE,
                TimestampType.LOG_APPEND_TIME, 0L);
        builder.append(new SimpleRecord(T0, bytes("x")));
        MemoryRecords records = builder.build();
        assertThatThrownBy(() -> log.appendAsLeader(records, 0)).isInstanceOf(InvalidTimestampException.class);
        assertUntouched();
    }
}
