package io.strata.storage.log;

import io.strata.storage.log.TestSupport.ManualTime;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.record.internal.FileRecords.TimestampAndOffset;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.SimpleRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;

import static io.strata.storage.log.TestSupport.T0;
import static io.strata.storage.log.TestSupport.batch;
import static io.strata.storage.log.TestSupport.bytes;
import static org.assertj.core.api.Assertions.assertThat;

class OffsetsAndEpochsTest {

    @TempDir
    Path tmp;

    private final ManualTime time = new ManualTime(T0);

    /** Batch i (offsets 3i..3i+2) has record timestamps T0 + 100i + {0, 20, 10}. */
    private static MemoryRecords timedBatch(int i) {
        long base = T0 + 100L * i;
        return MemoryRecords.withRecords(Compression.NONE,
                new SimpleRecord(base, bytes("a")), new SimpleRecord(base + 20, bytes("b")), new SimpleRecord(base + 10, bytes("c")));
    }

    @Test
    void offsetForTimestampInEveryMode() throws Exception {
        LogConfig config = TestSupport.config(Map.of("segment.bytes", "800", "index.interval.bytes", "100"));
        try (PartitionLog log = TestSupport.open(tmp, config, time)) {
            assertThat(log.offsetForTimestamp(-3)).isEmpty();
            assertThat(log.offsetForTimestamp(T0)).isEmpty();
            for (int i = 0; i < 30; i++) {
                log.appendAsLeader(timedBatch(i), i < 10 ? 0 : 3);
            }
            assertThat(log.numberOfSegments()).isGreaterThan(2);

            assertThat(log.offsetForTimestamp(-2)).contains(new TimestampAndOffset(-1, 0, Optional.of(0)));
            assertThat(log.offsetForTimestamp(-4)).contains(new TimestampAndOffset(-1, 0, Optional.of(0)));
            assertThat(log.offsetForTimestamp(-1)).contains(new TimestampAndOffset(-1, 90, Optional.of(3)));
            // The record with the largest timestamp is the middle record of the last batch.
            assertThat(log.offsetForTimestamp(-3)).contains(new TimestampAndOffset(T0 + 2920, 88, Optional.of(3)));

            assertThat(log.offsetForTimestamp(0)).contains(new TimestampAndOffset(T0, 0, Optional.of(0)));
            assertThat(log.offsetForTimestamp(T0 + 15)).contains(new TimestampAndOffset(T0 + 20, 1, Optional.of(0)));
            for (int i = 0; i < 30; i++) {
                long base = T0 + 100L * i;
                int epoch = i < 10 ? 0 : 3;
                assertThat(log.offsetForTimestamp(base)).contains(new TimestampAndOffset(base, 3L * i, Optional.of(epoch)));
                assertThat(log.offsetForTimestamp(base + 5)).contains(new TimestampAndOffset(base + 20, 3L * i + 1, Optional.of(epoch)));
                assertThat(log.offsetForTimestamp(base + 20)).contains(new TimestampAndOffset(base + 20, 3L * i + 1, Optional.of(epoch)));
                assertThat(log.offsetForTimestamp(base + 50)).isEqualTo(i == 29 ? Optional.empty()
                        : Optional.of(new TimestampAndOffset(base + 100, 3L * i + 3, Optional.of(i + 1 < 10 ? 0 : 3))));
            }
        }
    }

    @Test
    void endOffsetForEpochFollowsKafka() throws Exception {
        try (PartitionLog log = TestSupport.open(tmp, LogConfig.defaults(), time)) {
            assertThat(log.endOffsetForEpoch(0)).isEqualTo(EpochEndOffset.UNDEFINED);
            assertThat(log.latestEpoch()).isEmpty();
            log.appendAsLeader(batch(3, T0, "a"), 2);  // 0-2
            log.appendAsLeader(batch(2, T0, "b"), 2);  // 3-4
            log.appendAsLeader(batch(4, T0, "c"), 5);  // 5-8
            log.appendAsLeader(batch(1, T0, "d"), 7);  // 9

            assertThat(log.latestEpoch()).isEqualTo(OptionalInt.of(7));
            assertThat(log.endOffsetForEpoch(2)).isEqualTo(new EpochEndOffset(2, 5));
            assertThat(log.endOffsetForEpoch(3)).isEqualTo(new EpochEndOffset(2, 5));
            assertThat(log.endOffsetForEpoch(4)).isEqualTo(new EpochEndOffset(2, 5));
            assertThat(log.endOffsetForEpoch(5)).isEqualTo(new EpochEndOffset(5, 9));
            assertThat(log.endOffsetForEpoch(6)).isEqualTo(new EpochEndOffset(5, 9));
            assertThat(log.endOffsetForEpoch(7)).isEqualTo(new EpochEndOffset(7, 10));
            assertThat(log.endOffsetForEpoch(1)).isEqualTo(EpochEndOffset.UNDEFINED);
            assertThat(log.endOffsetForEpoch(8)).isEqualTo(EpochEndOffset.UNDEFINED);

            log.maybeAssignEpochStartOffset(9);
            assertThat(log.endOffsetForEpoch(8)).isEqualTo(new EpochEndOffset(7, 10));
            assertThat(log.endOffsetForEpoch(9)).isEqualTo(new EpochEndOffset(9, 10));
        }
        try (PartitionLog log = TestSupport.reopen(tmp, LogConfig.defaults(), time, 10, true)) {
            // An epoch that starts at the log end without data survives a restart (leading again under it
            // writes nothing) ...
            assertThat(log.latestEpoch()).isEqualTo(OptionalInt.of(9));
            assertThat(log.endOffsetForEpoch(9)).isEqualTo(new EpochEndOffset(9, 10));
            assertThat(log.endOffsetForEpoch(8)).isEqualTo(new EpochEndOffset(7, 10));
            assertThat(log.endOffsetForEpoch(5)).isEqualTo(new EpochEndOffset(5, 9));
            // ... until a follower's truncation at the end drops it, as Kafka's does, before it appends.
            assertThat(log.truncateTo(10)).isEqualTo(10);
            assertThat(log.latestEpoch()).isEqualTo(OptionalInt.of(7));
        }
        try (PartitionLog log = TestSupport.reopen(tmp, LogConfig.defaults(), time, 10, true)) {
            assertThat(log.latestEpoch()).isEqualTo(OptionalInt.of(7));
        }
    }
}
