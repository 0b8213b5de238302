package io.strata.storage.log;

import io.strata.storage.log.TestSupport.ManualTime;
import org.apache.kafka.common.InvalidRecordException;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.errors.CorruptRecordException;
import org.apache.kafka.common.errors.OffsetOutOfRangeException;
import org.apache.kafka.common.errors.OutOfOrderSequenceException;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.Record;
import org.apache.kafka.common.record.internal.RecordBatch;
import org.apache.kafka.common.record.internal.SimpleRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;

import static io.strata.storage.log.TestSupport.T0;
import static io.strata.storage.log.TestSupport.batchesOf;
import static io.strata.storage.log.TestSupport.bytes;
import static io.strata.storage.log.TestSupport.idempotent;
import static io.strata.storage.log.TestSupport.readAll;
import static io.strata.storage.log.TestSupport.string;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class FollowerAppendTest {

    @TempDir
    Path tmp;

    private final ManualTime time = new ManualTime(T0);

    /** A batch as a leader wrote it: {@code count} records from {@code baseOffset}, stamped with {@code epoch}. */
    static MemoryRecords replicated(long baseOffset, int epoch, int count, String prefix) {
        SimpleRecord[] records = new SimpleRecord[count];
        for (int i = 0; i < count; i++) {
            records[i] = new SimpleRecord(T0 + i, bytes("k" + i), bytes(prefix + (baseOffset + i)));
        }
        return MemoryRecords.withRecords(baseOffset, Compression.NONE, epoch, records);
    }

    static MemoryRecords replicatedIdempotent(long baseOffset, int epoch, long producerId, short producerEpoch,
                                              int baseSequence, int count) {
        SimpleRecord[] records = new SimpleRecord[count];
        for (int i = 0; i < count; i++) {
            records[i] = new SimpleRecord(T0, bytes("p" + producerId + "-" + (baseSequence + i)));
        }
        return MemoryRecords.withIdempotentRecords(baseOffset, Compression.NONE, producerId, producerEpoch, baseSequence,
                epoch, records);
    }

    /** One fetch response's worth of batches. */
    static MemoryRecords concat(MemoryRecords... parts) {
        int size = 0;
        for (MemoryRecords p : parts) {
            size += p.sizeInBytes();
        }
        ByteBuffer buf = ByteBuffer.allocate(size);
        for (MemoryRecords p : parts) {
            buf.put(p.buffer().duplicate());
        }
        buf.flip();
        return MemoryRecords.readableRecords(buf);
    }

    @Test
    void keepsTheLeadersOffsetsAndEpochsAndRecordsNewEpochs() throws Exception {
        try (PartitionLog log = TestSupport.open(tmp, LogConfig.defaults(), time)) {
            LogAppendInfo info = log.appendAsFollower(concat(replicated(0, 1, 3, "a"), replicated(3, 1, 2, "a"),
                    replicated(5, 3, 4, "a")));
            assertThat(info.firstOffset()).isZero();
            assertThat(info.lastOffset()).isEqualTo(8);
            assertThat(info.recordCount()).isEqualTo(9);
            assertThat(info.duplicate()).isFalse();
            assertThat(log.logEndOffset()).isEqualTo(9);
            assertThat(log.highWatermark()).as("a follower append does not commit").isZero();

            assertThat(log.latestEpoch()).isEqualTo(OptionalInt.of(3));
            assertThat(log.endOffsetForEpoch(1)).isEqualTo(new EpochEndOffset(1, 5));
            assertThat(log.endOffsetForEpoch(3)).isEqualTo(new EpochEndOffset(3, 9));
            assertThat(Files.readAllLines(log.dir().resolve("leader-epoch-checkpoint")))
                    .containsExactly("0", "2", "1 0", "3 5");

            List<RecordBatch> stored = batchesOf(log.read(0, 1 << 20, Long.MAX_VALUE, false).records());
            assertThat(stored).extracting(RecordBatch::baseOffset).containsExactly(0L, 3L, 5L);
            assertThat(stored).extracting(RecordBatch::partitionLeaderEpoch).containsExactly(1, 1, 3);
            List<Record> records = readAll(log, 0, 1 << 20);
            assertThat(records).hasSize(9);
            assertThat(string(records.get(7).value())).isEqualTo("a7");

            // The next fetch continues at the end; an older epoch in it is not recorded again.
            log.appendAsFollower(replicated(9, 3, 1, "b"));
            assertThat(log.logEndOffset()).isEqualTo(10);
            assertThat(Files.readAllLines(log.dir().resolve("leader-epoch-checkpoint")))
                    .containsExactly("0", "2", "1 0", "3 5");
        }
    }

    @Test
    void rejectsBatchesThatDoNotContinueTheLogAndLeavesItUntouched() throws Exception {
        try (PartitionLog log = TestSupport.open(tmp, LogConfig.defaults(), time)) {
            log.appendAsFollower(replicated(0, 0, 3, "a"));
            long size = log.sizeInBytes();

            assertThatThrownBy(() -> log.appendAsFollower(replicated(5, 0, 1, "gap")))
                    .isInstanceOf(OffsetOutOfRangeException.class)
                    .hasMessageContaining("start at offset 5")
                    .hasMessageContaining("ends at 3");
            assertThatThrownBy(() -> log.appendAsFollower(replicated(1, 0, 1, "overlap")))
                    .isInstanceOf(OffsetOutOfRangeException.class);
            assertThatThrownBy(() -> log.appendAsFollower(concat(replicated(3, 0, 2, "a"), replicated(6, 0, 1, "a"))))
                    .isInstanceOf(InvalidRecordException.class)
                    .hasMessageContaining("not contiguous");

            MemoryRecords corrupt = replicated(3, 0, 2, "a");
            corrupt.buffer().put(corrupt.sizeInBytes() - 1, (byte) 0x55);
            assertThatThrownBy(() -> log.appendAsFollower(corrupt)).isInstanceOf(CorruptRecordException.class);

            LogAppendInfo empty = log.appendAsFollower(MemoryRecords.EMPTY);
            assertThat(empty.firstOffset()).isEqualTo(-1);
            assertThat(empty.recordCount()).isZero();

            assertThat(log.logEndOffset()).isEqualTo(3);
            assertThat(log.sizeInBytes()).isEqualTo(size);
            assertThat(log.appendAsFollower(replicated(3, 0, 1, "a")).firstOffset()).isEqualTo(3);
        }
    }

    @Test
    void producerStateFollowsSoARetryAfterFailoverIsADuplicate() throws Exception {
        try (PartitionLog log = TestSupport.open(tmp, LogConfig.defaults(), time)) {
            // Replicated from the old leader (epoch 2): producer 7 wrote sequences 0-1 and 2-4.
            log.appendAsFollower(concat(replicatedIdempotent(0, 2, 7L, (short) 0, 0, 2),
                    replicatedIdempotent(2, 2, 7L, (short) 0, 2, 3)));
            assertThat(log.producerCount()).isEqualTo(1);

            // This replica becomes leader (epoch 3); the producer retries its last batch.
            log.maybeAssignEpochStartOffset(3);
            LogAppendInfo retry = log.appendAsLeader(idempotent(7L, (short) 0, 2, 3, T0), 3);
            assertThat(retry.duplicate()).isTrue();
            assertThat(retry.firstOffset()).isEqualTo(2);
            assertThat(retry.lastOffset()).isEqualTo(4);
            assertThat(log.logEndOffset()).isEqualTo(5);

            // Sequences continue where the replicated batches left them.
            assertThatThrownBy(() -> log.appendAsLeader(idempotent(7L, (short) 0, 9, 1, T0), 3))
                    .isInstanceOf(OutOfOrderSequenceException.class);
            assertThat(log.appendAsLeader(idempotent(7L, (short) 0, 5, 1, T0), 3).firstOffset()).isEqualTo(5);
        }
    }

    @Test
    void rollsSegmentsWithinOneAppendAndAcrossAppends() throws Exception {
        LogConfig config = TestSupport.config(Map.of("segment.bytes", "600", "index.interval.bytes", "100"));
        try (PartitionLog log = TestSupport.open(tmp, config, time)) {
            MemoryRecords[] parts = new MemoryRecords[30];
            for (int i = 0; i < parts.length; i++) {
                parts[i] = replicated(i * 2L, 1, 2, "r");
            }
            MemoryRecords fetched = concat(parts);
            assertThat(fetched.sizeInBytes()).isGreaterThan(3 * 600);
            log.appendAsFollower(fetched);
            log.appendAsFollower(concat(replicated(60, 2, 2, "r"), replicated(62, 2, 2, "r")));

            assertThat(log.logEndOffset()).isEqualTo(64);
            assertThat(log.numberOfSegments()).isGreaterThan(3);
            for (long base : log.segmentBaseOffsets()) {
                assertThat(base % 2).as("segments start at batch boundaries").isZero();
                assertThat(Files.size(log.dir().resolve(LogSegment.fileName(base, ".log")))).isLessThanOrEqualTo(600);
            }
            List<Record> records = readAll(log, 0, 250);
            assertThat(records).hasSize(64);
            for (int i = 0; i < 64; i++) {
                assertThat(records.get(i).offset()).isEqualTo(i);
                assertThat(string(records.get(i).value())).isEqualTo("r" + i);
            }
            // Every offset is found through the rebuilt-per-segment indexes.
            for (long offset = 0; offset < 64; offset++) {
                assertThat(batchesOf(log.read(offset, 1, Long.MAX_VALUE, true).records()).get(0).baseOffset())
                        .isEqualTo(offset - offset % 2);
            }
            assertThat(log.endOffsetForEpoch(1)).isEqualTo(new EpochEndOffset(1, 60));
        }
        // The rolled segments were sealed properly: a clean reopen needs no rebuild and sees everything.
        try (PartitionLog log = TestSupport.reopen(tmp, config, time, 64, true)) {
            assertThat(log.logEndOffset()).isEqualTo(64);
            assertThat(readAll(log, 0, 1 << 20)).hasSize(64);
        }
    }
}
