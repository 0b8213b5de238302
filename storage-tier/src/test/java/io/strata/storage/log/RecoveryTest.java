package io.strata.storage.log;

import io.strata.storage.log.TestSupport.ManualTime;
import org.apache.kafka.common.record.internal.Record;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;

import static io.strata.storage.log.TestSupport.T0;
import static io.strata.storage.log.TestSupport.batch;
import static io.strata.storage.log.TestSupport.batchesOf;
import static io.strata.storage.log.TestSupport.readAll;
import static io.strata.storage.log.TestSupport.string;
import static org.assertj.core.api.Assertions.assertThat;

class RecoveryTest {

    @TempDir
    Path tmp;

    private final ManualTime time = new ManualTime(T0);
    private final LogConfig config = TestSupport.config(Map.of("index.interval.bytes", "50", "segment.bytes", "2000"));

    /** Appends 40 batches of 3 records across several segments; returns the last segment file. */
    private Path fill(PartitionLog log) {
        for (int i = 0; i < 40; i++) {
            log.appendAsLeader(batch(3, T0 + i, "r" + i + "-"), i < 20 ? 1 : 2);
        }
        assertThat(log.numberOfSegments()).isGreaterThan(2);
        long lastBase = log.segmentBaseOffsets().get(log.numberOfSegments() - 1);
        return log.dir().resolve(LogSegment.fileName(lastBase, ".log"));
    }

    private static void truncate(Path file, long size) throws Exception {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
            ch.truncate(size);
        }
    }

    private static void append(Path file, byte[] garbage) throws Exception {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE, StandardOpenOption.APPEND)) {
            ch.write(ByteBuffer.wrap(garbage));
        }
    }

    @Test
    void tornTailIsTruncatedAtTheLastCompleteBatch() throws Exception {
        PartitionLog crashed = TestSupport.open(tmp, config, time);
        Path last = fill(crashed);
        long lastBase = LogSegment.baseOffsetOf(last.getFileName().toString());
        long sizeBefore = Files.size(last);
        // Cut the final batch in half.
        int lastBatchSize = batchesOf(crashed.read(117, 1 << 20, Long.MAX_VALUE, false).records()).get(0).sizeInBytes();
        truncate(last, sizeBefore - lastBatchSize / 2);

        try (PartitionLog log = TestSupport.reopen(tmp, config, time, 0, false)) {
            assertThat(log.logEndOffset()).isEqualTo(117);
            assertThat(Files.size(last)).isEqualTo(sizeBefore - lastBatchSize);
            List<Record> records = readAll(log, 0, 333);
            assertThat(records).hasSize(117);
            assertThat(string(records.get(116).value())).isEqualTo("r38-2");
            // Indexes were rebuilt: reads from the middle of every segment land on the right batch.
            assertThat(Files.size(last.resolveSibling(LogSegment.fileName(lastBase, ".index")))).isPositive();
            for (long offset = 0; offset < 117; offset++) {
                assertThat(batchesOf(log.read(offset, 1, Long.MAX_VALUE, true).records()).get(0).baseOffset())
                        .isEqualTo(offset - offset % 3);
            }
            assertThat(log.recoveryPoint()).isEqualTo(117);
            // Appends continue at the truncated end.
            assertThat(log.appendAsLeader(batch(1, T0, "new"), 2).firstOffset()).isEqualTo(117);
        }
    }

    @Test
    void garbageAfterTheLastBatchIsRemovedAndLaterSegmentsDropped() throws Exception {
        PartitionLog crashed = TestSupport.open(tmp, config, time);
        fill(crashed);
        List<Long> bases = crashed.segmentBaseOffsets();
        Path first = crashed.dir().resolve(LogSegment.fileName(bases.get(0), ".log"));
        long firstSize = Files.size(first);
        // Corrupt the last batch of the first segment: everything after it is unreachable.
        try (FileChannel ch = FileChannel.open(first, StandardOpenOption.WRITE)) {
            ch.write(ByteBuffer.wrap(new byte[] {1, 2, 3, 4}), firstSize - 4);
        }
        long firstSegmentEnd = bases.get(1);
        try (PartitionLog log = TestSupport.reopen(tmp, config, time, 0, false)) {
            assertThat(log.numberOfSegments()).isEqualTo(1);
            assertThat(log.logEndOffset()).isEqualTo(firstSegmentEnd - 3);
            assertThat(readAll(log, 0, 1 << 20)).hasSize((int) firstSegmentEnd - 3);
            for (int i = 1; i < bases.size(); i++) {
                assertThat(Files.exists(log.dir().resolve(LogSegment.fileName(bases.get(i), ".log")))).isFalse();
            }
        }
    }

    @Test
    void zeroFilledAndRandomTailsAreCut() throws Exception {
        PartitionLog crashed = TestSupport.open(tmp, config, time);
        Path last = fill(crashed);
        long size = Files.size(last);
        append(last, new byte[100]); // preallocated-looking zeros
        try (PartitionLog log = TestSupport.reopen(tmp, config, time, 0, false)) {
            assertThat(log.logEndOffset()).isEqualTo(120);
            assertThat(Files.size(last)).isEqualTo(size);
        }
        byte[] junk = new byte[300];
        new java.util.Random(7).nextBytes(junk);
        append(last, junk);
        try (PartitionLog log = TestSupport.reopen(tmp, config, time, 0, false)) {
            assertThat(log.logEndOffset()).isEqualTo(120);
            assertThat(Files.size(last)).isEqualTo(size);
            assertThat(readAll(log, 0, 1 << 20)).hasSize(120);
        }
    }

    @Test
    void epochEntriesBeyondTheRecoveredEndAreDroppedAndOneStartingAtItIsKept() throws Exception {
        PartitionLog crashed = TestSupport.open(tmp, config, time);
        for (int i = 0; i < 5; i++) {
            crashed.appendAsLeader(batch(2, T0, "e"), 1);
        }
        Path segment = crashed.dir().resolve(LogSegment.fileName(0, ".log"));
        long epoch1End = Files.size(segment);
        crashed.appendAsLeader(batch(2, T0, "f"), 5);
        crashed.appendAsLeader(batch(2, T0, "g"), 6);
        assertThat(crashed.latestEpoch()).isEqualTo(OptionalInt.of(6));
        truncate(segment, epoch1End + 10); // tears the epoch-5 batch (at 10) and loses the epoch-6 one (at 12)
        try (PartitionLog log = TestSupport.reopen(tmp, config, time, 0, false)) {
            assertThat(log.logEndOffset()).isEqualTo(10);
            assertThat(log.latestEpoch()).isEqualTo(OptionalInt.of(5));
            assertThat(log.endOffsetForEpoch(1)).isEqualTo(new EpochEndOffset(1, 10));
            assertThat(log.endOffsetForEpoch(5)).isEqualTo(new EpochEndOffset(5, 10));
            assertThat(Files.readAllLines(log.dir().resolve("leader-epoch-checkpoint")))
                    .containsExactly("0", "2", "1 0", "5 10");
        }
    }

    @Test
    void reopeningAnEmptyLogAndLeadingItAgainLeavesTheEpochCheckpointAlone() throws Exception {
        try (PartitionLog log = TestSupport.open(tmp, config, time)) {
            log.maybeAssignEpochStartOffset(3);
        }
        Path checkpoint = tmp.resolve("events-0").resolve("leader-epoch-checkpoint");
        Object written = Files.readAttributes(checkpoint, java.nio.file.attribute.BasicFileAttributes.class).fileKey();
        assertThat(written).isNotNull();
        try (PartitionLog log = TestSupport.reopen(tmp, config, time, 0, true)) {
            assertThat(log.latestEpoch()).isEqualTo(OptionalInt.of(3));
            log.maybeAssignEpochStartOffset(3);
            // Written atomically by a rename: a rewrite would have replaced the file.
            assertThat(Files.readAttributes(checkpoint, java.nio.file.attribute.BasicFileAttributes.class).fileKey())
                    .isEqualTo(written);
            log.maybeAssignEpochStartOffset(4);
            assertThat(Files.readAllLines(checkpoint)).containsExactly("0", "1", "4 0");
            assertThat(log.appendAsLeader(batch(1, T0, "x"), 4).firstOffset()).isZero();
        }
    }

    @Test
    void cleanReopenPreservesEverythingAndRebuildsACorruptIndex() throws Exception {
        long start;
        try (PartitionLog log = TestSupport.open(tmp, config, time)) {
            fill(log);
            log.updateHighWatermark(120);
            start = log.logStartOffset();
        }
        Path dir = tmp.resolve("events-0");
        // Corrupt the index of the first segment: a clean open must notice and rebuild it.
        Path index = dir.resolve(LogSegment.fileName(0, ".index"));
        long indexSize = Files.size(index);
        assertThat(indexSize).isGreaterThan(8);
        try (FileChannel ch = FileChannel.open(index, StandardOpenOption.WRITE)) {
            ch.write(ByteBuffer.allocate(8), indexSize - 8);
        }
        try (PartitionLog log = TestSupport.reopen(tmp, config, time, 120, true)) {
            assertThat(log.logEndOffset()).isEqualTo(120);
            assertThat(log.highWatermark()).isEqualTo(120);
            assertThat(log.logStartOffset()).isEqualTo(start);
            assertThat(log.recoveryPoint()).isEqualTo(120);
            assertThat(log.latestEpoch()).isEqualTo(OptionalInt.of(2));
            assertThat(log.endOffsetForEpoch(1)).isEqualTo(new EpochEndOffset(1, 60));
            assertThat(Files.size(index)).isEqualTo(indexSize);
            assertThat(readAll(log, 0, 500)).hasSize(120);
            for (long offset = 0; offset < 120; offset += 7) {
                assertThat(batchesOf(log.read(offset, 1, Long.MAX_VALUE, true).records()).get(0).baseOffset())
                        .isEqualTo(offset - offset % 3);
            }
            assertThat(log.appendAsLeader(batch(1, T0, "more"), 2).firstOffset()).isEqualTo(120);
        }
    }

    @Test
    void missingIndexFilesAreRebuiltOnACleanOpen() throws Exception {
        try (PartitionLog log = TestSupport.open(tmp, config, time)) {
            fill(log);
        }
        Path dir = tmp.resolve("events-0");
        Files.delete(dir.resolve(LogSegment.fileName(0, ".timeindex")));
        Files.delete(dir.resolve(LogSegment.fileName(0, ".index")));
        try (PartitionLog log = TestSupport.reopen(tmp, config, time, 120, true)) {
            assertThat(Files.size(dir.resolve(LogSegment.fileName(0, ".index")))).isPositive();
            assertThat(Files.size(dir.resolve(LogSegment.fileName(0, ".timeindex")))).isPositive();
            assertThat(log.offsetForTimestamp(T0 + 5).orElseThrow().offset).isEqualTo(15);
            assertThat(log.offsetForTimestamp(-3).orElseThrow().offset).isEqualTo(117);
        }
    }
}
