package io.strata.storage.log;

import io.strata.storage.log.TestSupport.ManualTime;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.errors.InconsistentTopicIdException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Map;

import static io.strata.storage.log.TestSupport.T0;
import static io.strata.storage.log.TestSupport.batch;
import static io.strata.storage.log.TestSupport.readAll;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class LogManagerTest {

    @TempDir
    Path dataDir;

    private final ManualTime time = new ManualTime(T0);
    private final TopicPartition a0 = new TopicPartition("orders-eu", 0);
    private final TopicPartition a1 = new TopicPartition("orders-eu", 1);
    private final Uuid idA = Uuid.randomUuid();

    @Test
    void cleanShutdownWritesCheckpointsAndTheMarkerAndReopensEverything() throws Exception {
        LogConfig config = TestSupport.config(Map.of("segment.bytes", "500", "retention.bytes", "600"));
        try (LogManager manager = new LogManager(dataDir, time)) {
            assertThat(manager.hadCleanShutdown()).isFalse();
            PartitionLog log = manager.getOrCreateLog(a0, idA, config);
            assertThat(manager.getOrCreateLog(a0, idA, config)).isSameAs(log);
            manager.getOrCreateLog(a1, idA, config).appendAsLeader(batch(1, T0, "one"), 0);
            for (int i = 0; i < 20; i++) {
                log.appendAsLeader(batch(2, T0, "x"), 3);
            }
            log.updateHighWatermark(40);
            log.deleteExpiredSegments(time.milliseconds());
            assertThat(log.logStartOffset()).isPositive();
            assertThat(manager.allLogs()).hasSize(2);
            assertThat(manager.getLog(a1)).isPresent();
        }
        assertThat(Files.exists(dataDir.resolve(LogManager.CLEAN_SHUTDOWN_FILE))).isTrue();
        assertThat(Files.readAllLines(dataDir.resolve(LogManager.RECOVERY_POINT_CHECKPOINT)))
                .startsWith("0", "2").contains("orders-eu 0 40", "orders-eu 1 1");
        assertThat(Files.readString(dataDir.resolve("orders-eu-0/partition.metadata")))
                .isEqualTo("version: 0\ntopic_id: " + idA + "\n");

        long start;
        try (LogManager manager = new LogManager(dataDir, time)) {
            assertThat(manager.hadCleanShutdown()).isTrue();
            assertThat(Files.exists(dataDir.resolve(LogManager.CLEAN_SHUTDOWN_FILE))).isFalse();
            assertThat(manager.partitionsOnDisk()).containsExactlyInAnyOrder(a0, a1);
            PartitionLog log = manager.getOrCreateLog(a0, idA, config);
            start = log.logStartOffset();
            assertThat(start).isPositive();
            assertThat(log.logEndOffset()).isEqualTo(40);
            assertThat(log.recoveryPoint()).isEqualTo(40);
            assertThat(log.latestEpoch()).hasValue(3);
            assertThat(readAll(log, start, 1 << 20)).hasSize((int) (40 - start));
            // a1 is never opened in this run: its checkpoint entries must survive.
        }
        assertThat(Files.readAllLines(dataDir.resolve(LogManager.RECOVERY_POINT_CHECKPOINT))).contains("orders-eu 1 1");
        assertThat(Files.readAllLines(dataDir.resolve(LogManager.LOG_START_OFFSET_CHECKPOINT)))
                .contains("orders-eu 0 " + start);
    }

    @Test
    void withoutTheMarkerTheTailPastTheRecoveryPointIsVerified() throws Exception {
        LogManager crashed = new LogManager(dataDir, time);
        PartitionLog log = crashed.getOrCreateLog(a0, idA, LogConfig.defaults());
        for (int i = 0; i < 10; i++) {
            log.appendAsLeader(batch(2, T0, "c"), 0);
        }
        log.flush(10);
        crashed.checkpoint(); // recovery point 10 on disk
        for (int i = 0; i < 5; i++) {
            log.appendAsLeader(batch(2, T0, "d"), 0);
        }
        Path segment = dataDir.resolve("orders-eu-0").resolve(LogSegment.fileName(0, ".log"));
        try (FileChannel ch = FileChannel.open(segment, StandardOpenOption.WRITE)) {
            ch.truncate(ch.size() - 5);
        }
        // kill -9: no close, so no marker.
        try (LogManager manager = new LogManager(dataDir, time)) {
            assertThat(manager.hadCleanShutdown()).isFalse();
            PartitionLog recovered = manager.getOrCreateLog(a0, idA, LogConfig.defaults());
            assertThat(recovered.logEndOffset()).isEqualTo(28);
            assertThat(readAll(recovered, 0, 1 << 20)).hasSize(28);
        }
    }

    @Test
    void partitionsNotOpenedAfterAnUncleanStartStillGetRecoveredLater() throws Exception {
        LogManager crashed = new LogManager(dataDir, time);
        PartitionLog log = crashed.getOrCreateLog(a0, idA, LogConfig.defaults());
        log.appendAsLeader(batch(2, T0, "c"), 0);
        log.appendAsLeader(batch(2, T0, "c"), 0);
        Path segment = dataDir.resolve("orders-eu-0").resolve(LogSegment.fileName(0, ".log"));
        try (FileChannel ch = FileChannel.open(segment, StandardOpenOption.WRITE)) {
            ch.truncate(ch.size() - 5);
        }
        // Unclean start that never opens the partition, then a clean close.
        new LogManager(dataDir, time).close();
        assertThat(Files.readString(dataDir.resolve(LogManager.CLEAN_SHUTDOWN_FILE))).contains("orders-eu-0");
        try (LogManager manager = new LogManager(dataDir, time)) {
            PartitionLog recovered = manager.getOrCreateLog(a0, idA, LogConfig.defaults());
            assertThat(recovered.logEndOffset()).isEqualTo(2);
        }
    }

    @Test
    void onlyADirectoryThatHeldLogsReportsAnUncleanShutdown() throws Exception {
        Path fresh = dataDir.resolve("never-used");
        LogManager first = new LogManager(fresh, time);
        assertThat(first.previousShutdown()).isEqualTo(LogManager.PreviousShutdown.NO_LOGS);
        assertThat(first.startupSummary()).contains("no partitions on disk").doesNotContain("unclean");
        // Killed before any partition existed: still nothing to recover.
        LogManager second = new LogManager(fresh, time);
        assertThat(second.previousShutdown()).isEqualTo(LogManager.PreviousShutdown.NO_LOGS);
        assertThat(second.startupSummary()).doesNotContain("unclean");
        second.getOrCreateLog(a0, idA, LogConfig.defaults()).appendAsLeader(batch(1, T0, "x"), 0);
        // Killed with a log on disk.
        try (LogManager third = new LogManager(fresh, time)) {
            assertThat(third.previousShutdown()).isEqualTo(LogManager.PreviousShutdown.UNCLEAN);
            assertThat(third.startupSummary()).contains("1 partition on disk, previous shutdown unclean");
        }
        try (LogManager fourth = new LogManager(fresh, time)) {
            assertThat(fourth.previousShutdown()).isEqualTo(LogManager.PreviousShutdown.CLEAN);
            assertThat(fourth.startupSummary()).contains("previous shutdown clean");
        }
    }

    @Test
    void deleteLogRemovesTheDirectoryAndTopicIdsAreChecked() throws Exception {
        try (LogManager manager = new LogManager(dataDir, time)) {
            PartitionLog log = manager.getOrCreateLog(a0, idA, LogConfig.defaults());
            log.appendAsLeader(batch(2, T0, "z"), 0);
            assertThatThrownBy(() -> manager.getOrCreateLog(a0, Uuid.randomUuid(), LogConfig.defaults()))
                    .isInstanceOf(InconsistentTopicIdException.class);
            manager.deleteLog(a0);
            assertThat(manager.getLog(a0)).isEmpty();
            assertThat(manager.partitionsOnDisk()).doesNotContain(a0);
            try (var files = Files.list(dataDir)) {
                assertThat(files.map(p -> p.getFileName().toString())).noneMatch(n -> n.startsWith("orders-eu-0"));
            }
            assertThatThrownBy(() -> log.appendAsLeader(batch(1, T0, "late"), 0))
                    .isInstanceOf(org.apache.kafka.common.errors.KafkaStorageException.class);
            // Recreated under a new topic id, from scratch.
            Uuid idB = Uuid.randomUuid();
            PartitionLog fresh = manager.getOrCreateLog(a0, idB, LogConfig.defaults());
            assertThat(fresh.logEndOffset()).isZero();
            assertThat(fresh.topicId()).isEqualTo(idB);
        }
        // A directory from another topic id is refused on open.
        try (LogManager manager = new LogManager(dataDir, time)) {
            assertThatThrownBy(() -> manager.getOrCreateLog(a0, idA, LogConfig.defaults()))
                    .isInstanceOf(InconsistentTopicIdException.class);
        }
    }

    @Test
    void backgroundTasksApplyRetention() throws Exception {
        LogManager.Settings fast = new LogManager.Settings(50, 50, 50, 86_400_000L);
        LogConfig config = TestSupport.config(Map.of("segment.bytes", "300", "retention.bytes", "0",
                "file.delete.delay.ms", "0"));
        try (LogManager manager = new LogManager(dataDir, time, fast)) {
            PartitionLog log = manager.getOrCreateLog(a0, idA, config);
            for (int i = 0; i < 10; i++) {
                log.appendAsLeader(batch(3, T0, "bg"), 0);
            }
            log.updateHighWatermark(log.logEndOffset());
            manager.startBackgroundTasks();
            long deadline = System.currentTimeMillis() + 10_000;
            while (log.logStartOffset() == 0 && System.currentTimeMillis() < deadline) {
                Thread.sleep(20);
            }
            assertThat(log.logStartOffset()).isPositive();
            while (!Files.exists(dataDir.resolve(LogManager.RECOVERY_POINT_CHECKPOINT)) && System.currentTimeMillis() < deadline) {
                Thread.sleep(20);
            }
            assertThat(dataDir.resolve(LogManager.RECOVERY_POINT_CHECKPOINT)).exists();
        }
    }
}
