package io.strata.storage.log;

import io.strata.storage.log.TestSupport.ManualTime;
import org.apache.kafka.common.errors.OffsetOutOfRangeException;
import org.apache.kafka.common.record.internal.Records;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static io.strata.storage.log.TestSupport.T0;
import static io.strata.storage.log.TestSupport.batch;
import static io.strata.storage.log.TestSupport.readAll;
import static io.strata.storage.log.TestSupport.sized;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class RetentionTest {

    @TempDir
    Path tmp;

    private final ManualTime time = new ManualTime(T0);

    @Test
    void retentionByTimeDeletesOldSegmentsAndMovesTheLogStart() throws Exception {
        LogConfig config = TestSupport.config(Map.of("segment.bytes", "1000", "retention.ms", "60000",
                "file.delete.delay.ms", "5000"));
        try (PartitionLog log = TestSupport.open(tmp, config, time)) {
            for (int i = 0; i < 10; i++) {
                log.appendAsLeader(sized(400, time.milliseconds()), 0);
            }
            long oldEnd = log.logEndOffset();
            time.sleep(50_000);
            for (int i = 0; i < 4; i++) {
                log.appendAsLeader(sized(400, time.milliseconds()), 0);
            }
            log.updateHighWatermark(log.logEndOffset());
            assertThat(log.deleteExpiredSegments(time.milliseconds())).isZero();

            time.sleep(20_000); // the first ten batches are now 70 s old, the last four 20 s
            int deleted = log.deleteExpiredSegments(time.milliseconds());
            assertThat(deleted).isPositive();
            long start = log.logStartOffset();
            assertThat(start).isEqualTo(log.segmentBaseOffsets().get(0)).isGreaterThan(0).isLessThanOrEqualTo(oldEnd);
            assertThat(readAll(log, start, 1 << 20)).hasSize((int) (14 - start));
            assertThatThrownBy(() -> log.read(0, 100, Long.MAX_VALUE, false)).isInstanceOf(OffsetOutOfRangeException.class);
            assertThatThrownBy(() -> log.read(start - 1, 100, Long.MAX_VALUE, false)).isInstanceOf(OffsetOutOfRangeException.class);
            assertThat(log.offsetForTimestamp(-2).orElseThrow().offset).isEqualTo(start);

            // Files are renamed, then removed after file.delete.delay.ms.
            Path dir = log.dir();
            assertThat(Files.exists(dir.resolve(LogSegment.fileName(0, ".log")))).isFalse();
            assertThat(Files.exists(dir.resolve(LogSegment.fileName(0, ".log.deleted")))).isTrue();
            time.sleep(5_000);
            log.deleteExpiredSegments(time.milliseconds());
            assertThat(Files.exists(dir.resolve(LogSegment.fileName(0, ".log.deleted")))).isFalse();
        }
    }

    @Test
    void aReadHeldAcrossDeletionStillWorks() throws Exception {
        LogConfig config = TestSupport.config(Map.of("segment.bytes", "1000", "retention.bytes", "0"));
        try (PartitionLog log = TestSupport.open(tmp, config, time)) {
            for (int i = 0; i < 6; i++) {
                log.appendAsLeader(sized(400, T0), 0);
            }
            log.updateHighWatermark(log.logEndOffset());
            Records held = log.read(0, 1 << 20, Long.MAX_VALUE, false).records();
            log.deleteExpiredSegments(time.milliseconds());
            assertThat(log.logStartOffset()).isPositive();
            int count = 0;
            for (var b : held.batches()) {
                b.ensureValid();
                count++;
            }
            assertThat(count).isPositive();
        }
    }

    @Test
    void retentionBySizeKeepsTheNewestBytes() throws Exception {
        LogConfig config = TestSupport.config(Map.of("segment.bytes", "1000", "retention.bytes", "2500"));
        try (PartitionLog log = TestSupport.open(tmp, config, time)) {
            for (int i = 0; i < 20; i++) {
                log.appendAsLeader(sized(400, T0), 0);
            }
            log.updateHighWatermark(log.logEndOffset());
            long sizeBefore = log.sizeInBytes();
            int segmentsBefore = log.numberOfSegments();
            int deleted = log.deleteExpiredSegments(time.milliseconds());
            assertThat(deleted).isPositive();
            assertThat(log.numberOfSegments()).isEqualTo(segmentsBefore - deleted);
            assertThat(log.sizeInBytes()).isLessThanOrEqualTo(sizeBefore).isGreaterThanOrEqualTo(2500 - 1000);
            // Deleting one more segment would go below the limit.
            assertThat(log.sizeInBytes() - 1000).isLessThan(2500);
            assertThat(log.logStartOffset()).isEqualTo(log.segmentBaseOffsets().get(0));
            assertThat(readAll(log, log.logStartOffset(), 1 << 20)).hasSize((int) (20 - log.logStartOffset()));
        }
    }

    @Test
    void nothingAboveTheHighWatermarkIsDeleted() throws Exception {
        LogConfig config = TestSupport.config(Map.of("segment.bytes", "1000", "retention.bytes", "0"));
        try (PartitionLog log = TestSupport.open(tmp, config, time)) {
            for (int i = 0; i < 10; i++) {
                log.appendAsLeader(sized(400, T0), 0);
            }
            assertThat(log.deleteExpiredSegments(time.milliseconds())).isZero();
            log.updateHighWatermark(4);
            log.deleteExpiredSegments(time.milliseconds());
            assertThat(log.logStartOffset()).isEqualTo(4);
        }
    }

    @Test
    void anExpiredActiveSegmentIsRolledAndDeleted() throws Exception {
        LogConfig config = TestSupport.config(Map.of("retention.ms", "1000"));
        try (PartitionLog log = TestSupport.open(tmp, config, time)) {
            log.appendAsLeader(batch(5, T0, "old"), 0);
            log.updateHighWatermark(5);
            time.sleep(2000);
            assertThat(log.deleteExpiredSegments(time.milliseconds())).isEqualTo(1);
            assertThat(log.segmentBaseOffsets()).containsExactly(5L);
            assertThat(log.logStartOffset()).isEqualTo(5);
            assertThat(log.logEndOffset()).isEqualTo(5);
            assertThat(log.appendAsLeader(batch(1, time.milliseconds(), "new"), 0).firstOffset()).isEqualTo(5);
        }
        // The new log start survives a reopen.
        try (PartitionLog log = TestSupport.reopen(tmp, config, time, 6, true)) {
            assertThat(log.logStartOffset()).isEqualTo(5);
            assertThat(log.logEndOffset()).isEqualTo(6);
        }
    }
}
