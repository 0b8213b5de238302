package io.strata.storage.log;

import io.strata.storage.log.TestSupport.ManualTime;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static io.strata.storage.log.TestSupport.T0;
import static io.strata.storage.log.TestSupport.batch;
import static org.assertj.core.api.Assertions.assertThat;

class HighWatermarkTest {

    @TempDir
    Path dataDir;

    private final ManualTime time = new ManualTime(T0);
    private final TopicPartition tp = new TopicPartition("orders", 0);
    private final TopicPartition other = new TopicPartition("orders", 1);
    private final Uuid id = Uuid.randomUuid();

    @Test
    void checkpointSurvivesCloseAndOpenThroughTheLogManager() throws Exception {
        try (LogManager manager = new LogManager(dataDir, time)) {
            PartitionLog log = manager.getOrCreateLog(tp, id, LogConfig.defaults());
            for (int i = 0; i < 10; i++) {
                log.appendAsLeader(batch(1, T0, "v"), 0);
            }
            log.updateHighWatermark(6);
            manager.getOrCreateLog(other, id, LogConfig.defaults()).appendAsLeader(batch(2, T0, "o"), 0);
        }
        assertThat(Files.readAllLines(dataDir.resolve(LogManager.HIGH_WATERMARK_CHECKPOINT)))
                .startsWith("0", "2").contains("orders 0 6");

        try (LogManager manager = new LogManager(dataDir, time)) {
            PartitionLog log = manager.getOrCreateLog(tp, id, LogConfig.defaults());
            assertThat(log.logEndOffset()).isEqualTo(10);
            assertThat(log.highWatermark()).as("not the log end: 6..9 were never committed").isEqualTo(6);
            // The partition not opened in this run keeps its entry; the open one is written anew.
            log.updateHighWatermark(8);
            manager.checkpoint();
            assertThat(Files.readAllLines(dataDir.resolve(LogManager.HIGH_WATERMARK_CHECKPOINT)))
                    .contains("orders 0 8", "orders 1 0");
        }
    }

    @Test
    void withoutACheckpointTheHighWatermarkIsTheLogEndAndAStaleOneIsClamped() throws Exception {
        try (LogManager manager = new LogManager(dataDir, time)) {
            PartitionLog log = manager.getOrCreateLog(tp, id, LogConfig.defaults());
            for (int i = 0; i < 10; i++) {
                log.appendAsLeader(batch(1, T0, "v"), 0);
            }
            log.updateHighWatermark(3);
        }
        Path file = dataDir.resolve(LogManager.HIGH_WATERMARK_CHECKPOINT);
        Files.delete(file); // a data directory written before the file existed
        try (LogManager manager = new LogManager(dataDir, time)) {
            assertThat(manager.getOrCreateLog(tp, id, LogConfig.defaults()).highWatermark()).isEqualTo(10);
        }
        Files.writeString(file, "0\n1\norders 0 99\n");
        try (LogManager manager = new LogManager(dataDir, time)) {
            assertThat(manager.getOrCreateLog(tp, id, LogConfig.defaults()).highWatermark()).isEqualTo(10);
        }
    }

    @Test
    void openClampsTheCheckpointToTheLogAndResetMovesItBothWays() throws Exception {
        Path dir = dataDir.resolve("events-0");
        try (PartitionLog log = TestSupport.open(dataDir, LogConfig.defaults(), time)) {
            for (int i = 0; i < 10; i++) {
                log.appendAsLeader(batch(1, T0, "v"), 0);
            }
        }
        try (PartitionLog log = PartitionLog.open(dir, TestSupport.TP, TestSupport.TOPIC_ID, LogConfig.defaults(), 10,
                -1, 4, true, time, null)) {
            assertThat(log.highWatermark()).isEqualTo(4);
            log.updateHighWatermark(2);
            assertThat(log.highWatermark()).as("updates never move it back").isEqualTo(4);
            log.resetHighWatermark(2);
            assertThat(log.highWatermark()).isEqualTo(2);
            log.resetHighWatermark(50);
            assertThat(log.highWatermark()).isEqualTo(10);
            log.updateHighWatermark(7);
            log.resetHighWatermark(-5);
            assertThat(log.highWatermark()).isZero();
            // Consumers read only below it.
            assertThat(log.read(0, 1 << 20, log.highWatermark(), true).records().sizeInBytes()).isZero();
        }
    }

    @Test
    void tieringOffersOnlySegmentsBelowTheHighWatermark() throws Exception {
        LogConfig config = TestSupport.config(Map.of("segment.bytes", "400"));
        try (PartitionLog log = TestSupport.open(dataDir, config, time)) {
            for (int i = 0; i < 30; i++) {
                log.appendAsLeader(batch(2, T0, "t" + i + "-"), 0);
            }
            List<Long> bases = log.segmentBaseOffsets();
            assertThat(bases.size()).isGreaterThan(4);
            assertThat(log.highWatermark()).isZero();
            assertThat(log.sealedSegmentsFrom(0)).as("nothing is committed yet").isEmpty();

            // The mark inside the third segment: the first two are committed, the third is not.
            log.updateHighWatermark(bases.get(2) + 1);
            assertThat(log.sealedSegmentsFrom(0)).extracting(SealedSegment::baseOffset)
                    .containsExactly(bases.get(0), bases.get(1));
            // A mark exactly at a segment end commits that segment.
            log.updateHighWatermark(bases.get(3));
            assertThat(log.sealedSegmentsFrom(0)).extracting(SealedSegment::nextOffset)
                    .containsExactly(bases.get(1), bases.get(2), bases.get(3));
            assertThat(log.sealedSegmentsFrom(bases.get(1))).extracting(SealedSegment::baseOffset)
                    .containsExactly(bases.get(1), bases.get(2));

            log.updateHighWatermark(log.logEndOffset());
            assertThat(log.sealedSegmentsFrom(0)).hasSize(bases.size() - 1);
        }
    }
}
