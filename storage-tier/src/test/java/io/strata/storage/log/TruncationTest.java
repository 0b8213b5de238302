package io.strata.storage.log;

import io.strata.storage.log.TestSupport.ManualTime;
import org.apache.kafka.common.errors.OffsetMovedToTieredStorageException;
import org.apache.kafka.common.record.internal.Record;
import org.apache.kafka.common.record.internal.RecordBatch;
import org.apache.kafka.common.record.internal.Records;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.stream.Stream;

import static io.strata.storage.log.FollowerAppendTest.replicated;
import static io.strata.storage.log.TestSupport.T0;
import static io.strata.storage.log.TestSupport.batch;
import static io.strata.storage.log.TestSupport.batchesOf;
import static io.strata.storage.log.TestSupport.idempotent;
import static io.strata.storage.log.TestSupport.readAll;
import static io.strata.storage.log.TestSupport.string;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class TruncationTest {

    @TempDir
    Path tmp;

    private final ManualTime time = new ManualTime(T0);
    /** Roughly 12 batches of 3 records per segment. */
    private final LogConfig small = TestSupport.config(Map.of("segment.bytes", "1000", "index.interval.bytes", "50",
            "file.delete.delay.ms", "5000"));

    /** {@code batches} batches of 3 records "b<i>-<j>"; batch i at offset 3i, epoch 1 for the first half, 2 after. */
    private static void fill(PartitionLog log, int batches) {
        for (int i = 0; i < batches; i++) {
            log.appendAsLeader(batch(3, T0 + i, "b" + i + "-"), i < batches / 2 ? 1 : 2);
        }
    }

    private static List<String> values(PartitionLog log) {
        return readAll(log, log.logStartOffset(), 1 << 20).stream().map(r -> string(r.value())).toList();
    }

    private static long deletedFiles(Path dir) throws Exception {
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(f -> f.getFileName().toString().endsWith(".deleted")).count();
        }
    }

    @Test
    void midSegmentAndInsideABatch() throws Exception {
        try (PartitionLog log = TestSupport.open(tmp, LogConfig.defaults(), time)) {
            fill(log, 10);
            log.updateHighWatermark(30);
            assertThat(log.truncateTo(12)).isEqualTo(12);
            assertThat(log.logEndOffset()).isEqualTo(12);
            assertThat(log.highWatermark()).isEqualTo(12);
            assertThat(values(log)).hasSize(12).endsWith("b3-2");

            // Offset 10 is the middle record of the batch 9..11: the whole batch goes.
            assertThat(log.truncateTo(10)).isEqualTo(9);
            assertThat(log.logEndOffset()).isEqualTo(9);
            assertThat(values(log)).hasSize(9).endsWith("b2-2");
            assertThat(log.read(9, 1 << 20, Long.MAX_VALUE, true).records().sizeInBytes()).isZero();

            // Appends continue at the new end, as leader and as follower.
            assertThat(log.appendAsLeader(batch(2, T0, "new"), 2).firstOffset()).isEqualTo(9);
            assertThat(log.appendAsFollower(replicated(11, 2, 1, "f")).firstOffset()).isEqualTo(11);
            assertThat(values(log)).hasSize(12).containsSubsequence("b2-2", "new0", "new1", "f11");
        }
    }

    @Test
    void atOrAboveTheEndIsANoOp() throws Exception {
        try (PartitionLog log = TestSupport.open(tmp, LogConfig.defaults(), time)) {
            fill(log, 4);
            long size = log.sizeInBytes();
            assertThat(log.truncateTo(12)).isEqualTo(12);
            assertThat(log.truncateTo(50)).isEqualTo(12);
            assertThat(log.logEndOffset()).isEqualTo(12);
            assertThat(log.sizeInBytes()).isEqualTo(size);
            assertThat(log.latestEpoch()).isEqualTo(OptionalInt.of(2));
        }
    }

    @Test
    void acrossSegmentsDeletesLaterOnesWhileAReadInFlightCompletes() throws Exception {
        try (PartitionLog log = TestSupport.open(tmp, small, time)) {
            fill(log, 40);
            List<Long> bases = log.segmentBaseOffsets();
            assertThat(bases.size()).isGreaterThan(3);
            long secondBase = bases.get(1);
            long target = secondBase + 4; // inside the second batch of the second segment
            long expectedEnd = secondBase + 3;
            // A zero-copy read of the last segment, taken before the truncation and sent after it.
            Records inFlight = log.read(bases.get(bases.size() - 1), 1 << 20, Long.MAX_VALUE, true).records();

            assertThat(log.truncateTo(target)).isEqualTo(expectedEnd);
            assertThat(log.segmentBaseOffsets()).containsExactly(bases.get(0), secondBase);
            assertThat(deletedFiles(log.dir())).isEqualTo(3L * (bases.size() - 2));
            assertThat(batchesOf(inFlight)).isNotEmpty().allSatisfy(RecordBatch::ensureValid);
            assertThat(batchesOf(inFlight).get(0).baseOffset()).isEqualTo(bases.get(bases.size() - 1));

            List<Record> records = readAll(log, 0, 300);
            assertThat(records).hasSize((int) expectedEnd);
            for (long offset = 0; offset < expectedEnd; offset++) {
                assertThat(batchesOf(log.read(offset, 1, Long.MAX_VALUE, true).records()).get(0).baseOffset())
                        .isEqualTo(offset - offset % 3);
            }
            // The cut segment is active again: appends go into it with the right offsets and roll as usual.
            for (int i = 0; i < 20; i++) {
                assertThat(log.appendAsLeader(batch(3, T0, "again" + i + "-"), 3).firstOffset())
                        .isEqualTo(expectedEnd + 3L * i);
            }
            assertThat(log.segmentBaseOffsets()).startsWith(bases.get(0), secondBase).hasSizeGreaterThan(2);

            // The deleted files go once file.delete.delay.ms has passed.
            time.sleep(5_000);
            log.deleteExpiredSegments(time.milliseconds());
            assertThat(deletedFiles(log.dir())).isZero();
        }
        try (PartitionLog log = TestSupport.reopen(tmp, small, time, 0, true)) {
            assertThat(values(log)).hasSize((int) log.logEndOffset()).contains("again19-2");
        }
    }

    @Test
    void epochsAndProducerStateFollowTheTruncation() throws Exception {
        LogConfig tiny = TestSupport.config(Map.of("segment.bytes", "300"));
        try (PartitionLog log = TestSupport.open(tmp, tiny, time)) {
            for (int seq = 0; seq < 30; seq += 3) {
                log.appendAsLeader(idempotent(4L, (short) 0, seq, 3, T0), seq < 15 ? 1 : seq < 24 ? 2 : 3);
            }
            assertThat(log.numberOfSegments()).isGreaterThan(1); // a roll wrote a producer snapshot
            assertThat(log.latestEpoch()).isEqualTo(OptionalInt.of(3));
            long lastSnapshot = log.segmentBaseOffsets().get(log.numberOfSegments() - 1);
            assertThat(lastSnapshot).isGreaterThan(18);

            assertThat(log.truncateTo(18)).isEqualTo(18);
            assertThat(log.latestEpoch()).isEqualTo(OptionalInt.of(2));
            assertThat(log.endOffsetForEpoch(2)).isEqualTo(new EpochEndOffset(2, 18));
            assertThat(log.endOffsetForEpoch(3)).isEqualTo(EpochEndOffset.UNDEFINED);
            assertThat(Files.readAllLines(log.dir().resolve("leader-epoch-checkpoint"))).containsExactly("0", "2", "1 0", "2 15");
            assertThat(Files.exists(log.dir().resolve(LogSegment.fileName(lastSnapshot, ".snapshot")))).isFalse();

            // Sequence 15-17 stayed: its retry is a duplicate. 18-20 went: its retry is new and in sequence.
            assertThat(log.appendAsLeader(idempotent(4L, (short) 0, 15, 3, T0), 4).duplicate()).isTrue();
            LogAppendInfo again = log.appendAsLeader(idempotent(4L, (short) 0, 18, 3, T0), 4);
            assertThat(again.duplicate()).isFalse();
            assertThat(again.firstOffset()).isEqualTo(18);
        }
    }

    @Test
    void belowTheFirstLocalSegmentTruncatesFully() throws Exception {
        RemoteLogBounds remote = new RemoteLogBounds(0, 100, List.of(new EpochStart(1, 0)), Optional.empty());
        Path dir = tmp.resolve("events-0");
        try (PartitionLog log = PartitionLog.open(dir, TestSupport.TP, TestSupport.TOPIC_ID, small, 0, -1, true, time,
                remote)) {
            assertThat(log.localLogStartOffset()).isEqualTo(100);
            log.appendAsLeader(batch(3, T0, "x"), 2);
            assertThatThrownBy(() -> log.truncateTo(-1)).isInstanceOf(IllegalArgumentException.class);

            assertThat(log.truncateTo(50)).isEqualTo(50);
            assertThat(log.logEndOffset()).isEqualTo(50);
            assertThat(log.logStartOffset()).isZero();
            assertThat(log.segmentBaseOffsets()).containsExactly(50L);
            assertThat(log.localLogStartOffset()).isEqualTo(50);
            assertThat(log.latestEpoch()).isEqualTo(OptionalInt.of(1));
            assertThatThrownBy(() -> log.read(10, 100, Long.MAX_VALUE, true))
                    .isInstanceOf(OffsetMovedToTieredStorageException.class);
            assertThat(log.appendAsLeader(batch(1, T0, "y"), 3).firstOffset()).isEqualTo(50);
        }
    }

    @Test
    void belowTheLogStartOffsetIsRefused() throws Exception {
        try (PartitionLog log = TestSupport.open(tmp, small, time)) {
            fill(log, 40);
            log.updateHighWatermark(log.logEndOffset());
            log.advanceLogStartOffset(30, time.milliseconds());
            assertThatThrownBy(() -> log.truncateTo(29)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("log start offset 30");
            assertThat(log.logEndOffset()).isEqualTo(120);
            assertThat(log.truncateTo(30)).isEqualTo(30);
        }
    }

    @Test
    void truncateFullyAndStartAtKeepsTheLogStartUnlessAbove() throws Exception {
        try (PartitionLog log = TestSupport.open(tmp, small, time)) {
            for (int seq = 0; seq < 30; seq += 3) {
                log.appendAsLeader(idempotent(4L, (short) 0, seq, 3, T0), 1);
            }
            log.updateHighWatermark(30);
            log.truncateFullyAndStartAt(100);
            assertThat(log.logEndOffset()).isEqualTo(100);
            assertThat(log.logStartOffset()).isZero();
            assertThat(log.highWatermark()).isEqualTo(30);
            assertThat(log.segmentBaseOffsets()).containsExactly(100L);
            assertThat(log.producerCount()).isZero();
            assertThat(log.recoveryPoint()).isEqualTo(100);
            assertThat(log.appendAsFollower(replicated(100, 5, 2, "r")).firstOffset()).isEqualTo(100);
            assertThat(log.latestEpoch()).isEqualTo(OptionalInt.of(5));

            log.updateHighWatermark(102);
            log.advanceLogStartOffset(101, time.milliseconds());
            log.truncateFullyAndStartAt(20);
            assertThat(log.logStartOffset()).isEqualTo(20);
            assertThat(log.highWatermark()).isEqualTo(20);
            assertThat(log.logEndOffset()).isEqualTo(20);
            // Moving the log start to 101 had already dropped epoch 1; epoch 5 started above 20.
            assertThat(log.latestEpoch()).isEmpty();
            assertThat(log.read(20, 100, Long.MAX_VALUE, true).records().sizeInBytes()).isZero();
        }
        try (PartitionLog log = TestSupport.reopen(tmp, small, time, 20, true)) {
            assertThat(log.logEndOffset()).isEqualTo(20);
            assertThat(log.segmentBaseOffsets()).containsExactly(20L);
        }
    }

    @Test
    void uncleanRestartAfterATruncationSeesTheNewDataOnly() throws Exception {
        PartitionLog crashed = TestSupport.open(tmp, small, time);
        fill(crashed, 40);
        crashed.flush();
        assertThat(crashed.recoveryPoint()).isEqualTo(120);
        long secondBase = crashed.segmentBaseOffsets().get(1);
        long newEnd = crashed.truncateTo(secondBase + 3);
        assertThat(crashed.recoveryPoint()).isEqualTo(newEnd);
        crashed.appendAsFollower(FollowerAppendTest.concat(replicated(newEnd, 7, 3, "n"), replicated(newEnd + 3, 7, 3, "n")));
        long recoveryPoint = crashed.recoveryPoint();
        // No close: the process dies here.

        try (PartitionLog log = TestSupport.reopen(tmp, small, time, recoveryPoint, false)) {
            assertThat(log.logEndOffset()).isEqualTo(newEnd + 6);
            List<String> values = values(log);
            assertThat(values).hasSize((int) newEnd + 6);
            assertThat(values.subList((int) newEnd, (int) newEnd + 6))
                    .containsExactly("n" + newEnd, "n" + (newEnd + 1), "n" + (newEnd + 2),
                            "n" + (newEnd + 3), "n" + (newEnd + 4), "n" + (newEnd + 5));
            assertThat(log.latestEpoch()).isEqualTo(OptionalInt.of(7));
            assertThat(log.endOffsetForEpoch(1)).isEqualTo(new EpochEndOffset(1, Math.min(60, newEnd)));
            assertThat(log.endOffsetForEpoch(7)).isEqualTo(new EpochEndOffset(7, newEnd + 6));
            assertThat(log.appendAsLeader(batch(1, T0, "z"), 8).firstOffset()).isEqualTo(newEnd + 6);
        }
    }
}
