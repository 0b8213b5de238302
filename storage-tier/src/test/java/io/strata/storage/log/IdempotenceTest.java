package io.strata.storage.log;

import io.strata.storage.log.TestSupport.ManualTime;
import org.apache.kafka.common.errors.InvalidProducerEpochException;
import org.apache.kafka.common.errors.OutOfOrderSequenceException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static io.strata.storage.log.TestSupport.T0;
import static io.strata.storage.log.TestSupport.batch;
import static io.strata.storage.log.TestSupport.idempotent;
import static io.strata.storage.log.TestSupport.readAll;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class IdempotenceTest {

    @TempDir
    Path tmp;

    private final ManualTime time = new ManualTime(T0);

    @Test
    void exactRetryOfOneOfTheLastFiveBatchesIsADuplicate() throws Exception {
        try (PartitionLog log = TestSupport.open(tmp, LogConfig.defaults(), time)) {
            for (int i = 0; i < 6; i++) {
                log.appendAsLeader(idempotent(1L, (short) 0, i * 2, 2, T0), 0);
                log.appendAsLeader(batch(1, T0, "other"), 0); // interleaved non-idempotent data
            }
            long end = log.logEndOffset();
            long size = log.sizeInBytes();

            LogAppendInfo dup = log.appendAsLeader(idempotent(1L, (short) 0, 4, 2, T0), 0);
            assertThat(dup.duplicate()).isTrue();
            assertThat(dup.firstOffset()).isEqualTo(6);
            assertThat(dup.lastOffset()).isEqualTo(7);
            assertThat(log.logEndOffset()).isEqualTo(end);
            assertThat(log.sizeInBytes()).isEqualTo(size);

            // The first batch (seq 0-1) is no longer retained: a retry is out of order.
            assertThatThrownBy(() -> log.appendAsLeader(idempotent(1L, (short) 0, 0, 2, T0), 0))
                    .isInstanceOf(OutOfOrderSequenceException.class);
            assertThat(log.logEndOffset()).isEqualTo(end);
        }
    }

    @Test
    void sequenceGapsAndOldEpochsAreRejected() throws Exception {
        try (PartitionLog log = TestSupport.open(tmp, LogConfig.defaults(), time)) {
            log.appendAsLeader(idempotent(5L, (short) 3, 0, 3, T0), 0);
            assertThatThrownBy(() -> log.appendAsLeader(idempotent(5L, (short) 3, 4, 1, T0), 0))
                    .isInstanceOf(OutOfOrderSequenceException.class);
            assertThatThrownBy(() -> log.appendAsLeader(idempotent(5L, (short) 2, 3, 1, T0), 0))
                    .isInstanceOf(InvalidProducerEpochException.class);
            assertThatThrownBy(() -> log.appendAsLeader(idempotent(5L, (short) 4, 3, 1, T0), 0))
                    .as("a new epoch must start at sequence 0")
                    .isInstanceOf(OutOfOrderSequenceException.class);
            assertThat(log.logEndOffset()).isEqualTo(3);

            assertThat(log.appendAsLeader(idempotent(5L, (short) 3, 3, 1, T0), 0).firstOffset()).isEqualTo(3);
            // Epoch bump at sequence 0 resets the sequence.
            assertThat(log.appendAsLeader(idempotent(5L, (short) 4, 0, 2, T0), 0).firstOffset()).isEqualTo(4);
            assertThat(log.appendAsLeader(idempotent(5L, (short) 4, 2, 1, T0), 0).firstOffset()).isEqualTo(6);
            // After the bump, the old epoch is fenced.
            assertThatThrownBy(() -> log.appendAsLeader(idempotent(5L, (short) 3, 4, 1, T0), 0))
                    .isInstanceOf(InvalidProducerEpochException.class);
        }
    }

    @Test
    void unknownProducerIsAcceptedAtAnySequenceAndSequencesWrap() throws Exception {
        try (PartitionLog log = TestSupport.open(tmp, LogConfig.defaults(), time)) {
            log.appendAsLeader(idempotent(9L, (short) 0, Integer.MAX_VALUE - 1, 2, T0), 0);
            assertThat(log.appendAsLeader(idempotent(9L, (short) 0, 0, 1, T0), 0).firstOffset()).isEqualTo(2);
            assertThat(log.appendAsLeader(idempotent(9L, (short) 0, 0, 1, T0), 0).duplicate()).isTrue();
            assertThat(log.producerCount()).isEqualTo(1);
        }
    }

    @Test
    void duplicateDetectionSurvivesCleanCloseAndReopen() throws Exception {
        try (PartitionLog log = TestSupport.open(tmp, LogConfig.defaults(), time)) {
            log.appendAsLeader(idempotent(1L, (short) 0, 0, 2, T0), 0);
            log.appendAsLeader(idempotent(1L, (short) 0, 2, 2, T0), 0);
        }
        try (PartitionLog log = TestSupport.reopen(tmp, LogConfig.defaults(), time, 4, true)) {
            assertThat(Files.exists(log.dir().resolve(LogSegment.fileName(4, ".snapshot")))).isTrue();
            LogAppendInfo dup = log.appendAsLeader(idempotent(1L, (short) 0, 0, 2, T0), 0);
            assertThat(dup.duplicate()).isTrue();
            assertThat(dup.firstOffset()).isZero();
            assertThatThrownBy(() -> log.appendAsLeader(idempotent(1L, (short) 0, 5, 1, T0), 0))
                    .isInstanceOf(OutOfOrderSequenceException.class);
            assertThat(log.appendAsLeader(idempotent(1L, (short) 0, 4, 1, T0), 0).firstOffset()).isEqualTo(4);
        }
    }

    @Test
    void duplicateDetectionSurvivesAnUncleanReopenAcrossARoll() throws Exception {
        LogConfig config = TestSupport.config(Map.of("segment.bytes", "300"));
        PartitionLog crashed = TestSupport.open(tmp, config, time);
        for (int seq = 0; seq < 12; seq += 2) {
            crashed.appendAsLeader(idempotent(1L, (short) 0, seq, 2, T0), 0);
        }
        assertThat(crashed.numberOfSegments()).isGreaterThan(1);
        // No close: simulates kill -9. Reopen without the clean-shutdown guarantee.
        try (PartitionLog log = TestSupport.reopen(tmp, config, time, 0, false)) {
            assertThat(log.logEndOffset()).isEqualTo(12);
            LogAppendInfo dup = log.appendAsLeader(idempotent(1L, (short) 0, 10, 2, T0), 0);
            assertThat(dup.duplicate()).isTrue();
            assertThat(dup.firstOffset()).isEqualTo(10);
            assertThat(log.appendAsLeader(idempotent(1L, (short) 0, 12, 1, T0), 0).firstOffset()).isEqualTo(12);
            assertThat(readAll(log, 0, 1 << 20)).hasSize(13);
        }
    }
}
