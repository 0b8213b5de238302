package io.strata.storage.log;

import io.strata.storage.log.TestSupport.ManualTime;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.errors.OffsetOutOfRangeException;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.record.internal.CompressionType;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.Record;
import org.apache.kafka.common.record.internal.RecordBatch;
import org.apache.kafka.common.record.internal.SimpleRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

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
import static io.strata.storage.log.TestSupport.string;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class AppendReadTest {

    @TempDir
    Path tmp;

    private final ManualTime time = new ManualTime(T0);

    @Test
    void assignsConsecutiveOffsetsAndStampsTheLeaderEpoch() throws Exception {
        try (PartitionLog log = TestSupport.open(tmp, LogConfig.defaults(), time)) {
            LogAppendInfo first = log.appendAsLeader(batch(3, T0, "a"), 4);
            LogAppendInfo second = log.appendAsLeader(batch(2, T0 + 5, "b"), 4);

            assertThat(first.firstOffset()).isZero();
            assertThat(first.lastOffset()).isEqualTo(2);
            assertThat(first.recordCount()).isEqualTo(3);
            assertThat(first.duplicate()).isFalse();
            assertThat(second.firstOffset()).isEqualTo(3);
            assertThat(second.lastOffset()).isEqualTo(4);
            assertThat(second.maxTimestamp()).isEqualTo(T0 + 5);
            assertThat(second.offsetOfMaxTimestamp()).isEqualTo(3);
            assertThat(second.logAppendTimeMs()).isEqualTo(-1);
            assertThat(log.logEndOffset()).isEqualTo(5);

            List<RecordBatch> batches = batchesOf(log.read(0, Integer.MAX_VALUE, Long.MAX_VALUE, false).records());
            assertThat(batches).extracting(RecordBatch::baseOffset).containsExactly(0L, 3L);
            assertThat(batches).extracting(RecordBatch::partitionLeaderEpoch).containsExactly(4, 4);
            List<Record> records = readAll(log, 0, 1 << 20);
            assertThat(records).extracting(Record::offset).containsExactly(0L, 1L, 2L, 3L, 4L);
            assertThat(records).extracting(r -> string(r.value())).containsExactly("a0", "a1", "a2", "b0", "b1");
        }
    }

    @Test
    void rollsBySizeAndReadsAcrossManySegments() throws Exception {
        LogConfig config = TestSupport.config(Map.of("segment.bytes", "4096", "index.interval.bytes", "200"));
        try (PartitionLog log = TestSupport.open(tmp, config, time)) {
            for (int i = 0; i < 300; i++) {
                log.appendAsLeader(batch(2, T0 + i, "v" + i + "-"), 0);
            }
            assertThat(log.logEndOffset()).isEqualTo(600);
            assertThat(log.numberOfSegments()).isGreaterThan(5);
            for (Long base : log.segmentBaseOffsets()) {
                assertThat(Files.size(log.dir().resolve(LogSegment.fileName(base, ".log")))).isLessThanOrEqualTo(4096);
            }
            List<Record> all = readAll(log, 0, 1000);
            assertThat(all).hasSize(600);
            for (int i = 0; i < 600; i++) {
                assertThat(all.get(i).offset()).isEqualTo(i);
                assertThat(string(all.get(i).value())).isEqualTo("v" + (i / 2) + "-" + (i % 2));
            }
            // Sealed segments have trimmed indexes with entries.
            Path firstIndex = log.dir().resolve(LogSegment.fileName(0, ".index"));
            assertThat(Files.size(firstIndex)).isPositive().isLessThan(4096);
            assertThat(Files.size(firstIndex) % 8).isZero();
        }
    }

    @Test
    void readsFromTheMiddleOfASegmentThroughTheIndex() throws Exception {
        LogConfig config = TestSupport.config(Map.of("index.interval.bytes", "100"));
        try (PartitionLog log = TestSupport.open(tmp, config, time)) {
            for (int i = 0; i < 100; i++) {
                log.appendAsLeader(batch(5, T0, "x"), 0);
            }
            assertThat(log.numberOfSegments()).isEqualTo(1);
            for (long offset : new long[] {0, 1, 4, 5, 237, 250, 499}) {
                LogReadResult result = log.read(offset, 1, Long.MAX_VALUE, true);
                List<RecordBatch> batches = batchesOf(result.records());
                assertThat(batches).hasSize(1);
                assertThat(batches.get(0).baseOffset()).isEqualTo(offset - offset % 5);
                assertThat(batches.get(0).lastOffset()).isEqualTo(offset - offset % 5 + 4);
            }
        }
    }

    @Test
    void returnsWholeBatchesWithinMaxBytesAndTheFirstBatchWhenAllowed() throws Exception {
        LogConfig config = TestSupport.config(Map.of("index.interval.bytes", "1"));
        try (PartitionLog log = TestSupport.open(tmp, config, time)) {
            for (int i = 0; i < 10; i++) {
                log.appendAsLeader(sized(1000, T0), 0);
            }
            int batchSize = batchesOf(log.read(0, Integer.MAX_VALUE, Long.MAX_VALUE, false).records()).get(0).sizeInBytes();

            LogReadResult threeAndABit = log.read(2, batchSize * 3 + batchSize / 2, Long.MAX_VALUE, false);
            assertThat(threeAndABit.records().sizeInBytes()).isEqualTo(3 * batchSize);
            assertThat(batchesOf(threeAndABit.records())).extracting(RecordBatch::baseOffset).containsExactly(2L, 3L, 4L);

            LogReadResult tooSmall = log.read(2, 10, Long.MAX_VALUE, true);
            assertThat(tooSmall.records().sizeInBytes()).isEqualTo(batchSize);

            // Without the first-batch allowance, a limit below the first batch gives nothing: a prefix of a
            // batch would be bytes a consumer cannot make progress with.
            LogReadResult noRoom = log.read(2, 10, Long.MAX_VALUE, false);
            assertThat(noRoom.records().sizeInBytes()).isZero();
            assertThat(noRoom.nextOffset()).isEqualTo(2);
        }
    }

    @Test
    void nextOffsetIsTheOffsetAfterTheLastWholeBatchReturned() throws Exception {
        // Small segments and a sparse index, batches of 1 to 7 records of varied size.
        LogConfig config = TestSupport.config(Map.of("segment.bytes", "3000", "index.interval.bytes", "400"));
        try (PartitionLog log = TestSupport.open(tmp, config, time)) {
            java.util.Random random = new java.util.Random(7);
            for (int i = 0; i < 120; i++) {
                log.appendAsLeader(batch(1 + random.nextInt(7), T0 + i, "r".repeat(1 + random.nextInt(60))), 0);
            }
            long end = log.logEndOffset();
            assertThat(log.numberOfSegments()).isGreaterThan(3);
            int checked = 0;
            for (long offset = 0; offset < end; offset += 1 + random.nextInt(5)) {
                for (int maxBytes : new int[] {0, 1, 90, 700, 2500, 10_000, Integer.MAX_VALUE}) {
                    for (long maxOffset : new long[] {offset, offset + 3, offset + 40, end, Long.MAX_VALUE}) {
                        for (boolean minOneBatch : new boolean[] {true, false}) {
                            LogReadResult result = log.read(offset, maxBytes, maxOffset, minOneBatch);
                            long expected = offset;
                            for (RecordBatch b : batchesOf(result.records())) {
                                expected = Math.max(expected, b.nextOffset());
                            }
                            assertThat(result.nextOffset())
                                    .as("read(%d, %d, %d, %s)", offset, maxBytes, maxOffset, minOneBatch)
                                    .isEqualTo(expected);
                            assertThat(result.recordCount()).isEqualTo(expected - offset);
                            checked++;
                        }
                    }
                }
            }
            assertThat(checked).isGreaterThan(1000);
        }
    }

    @Test
    void maxOffsetIsExclusiveAndOutOfRangeOffsetsAreRejected() throws Exception {
        try (PartitionLog log = TestSupport.open(tmp, LogConfig.defaults(), time)) {
            for (int i = 0; i < 5; i++) {
                log.appendAsLeader(batch(2, T0, "m"), 0);
            }
            LogReadResult upToHw = log.read(0, Integer.MAX_VALUE, 6, false);
            assertThat(batchesOf(upToHw.records())).extracting(RecordBatch::baseOffset).containsExactly(0L, 2L, 4L);
            assertThat(log.read(6, Integer.MAX_VALUE, 6, false).records().sizeInBytes()).isZero();
            assertThat(log.read(10, Integer.MAX_VALUE, Long.MAX_VALUE, false).records().sizeInBytes()).isZero();
            assertThatThrownBy(() -> log.read(11, 100, Long.MAX_VALUE, false)).isInstanceOf(OffsetOutOfRangeException.class);
            assertThatThrownBy(() -> log.read(-1, 100, Long.MAX_VALUE, false)).isInstanceOf(OffsetOutOfRangeException.class);
        }
    }

    @Test
    void highWatermarkIsClampedAndNeverMovesBack() throws Exception {
        try (PartitionLog log = TestSupport.open(tmp, LogConfig.defaults(), time)) {
            assertThat(log.highWatermark()).isZero();
            log.appendAsLeader(batch(4, T0, "h"), 0);
            log.updateHighWatermark(2);
            assertThat(log.highWatermark()).isEqualTo(2);
            log.updateHighWatermark(1);
            assertThat(log.highWatermark()).isEqualTo(2);
            log.updateHighWatermark(100);
            assertThat(log.highWatermark()).isEqualTo(4);
            assertThat(log.read(0, 1000, log.highWatermark(), false).highWatermark()).isEqualTo(4);
        }
    }

    @Test
    void rollsWhenSegmentMsElapses() throws Exception {
        LogConfig config = TestSupport.config(Map.of("segment.ms", "1000"));
        try (PartitionLog log = TestSupport.open(tmp, config, time)) {
            log.appendAsLeader(batch(1, time.milliseconds(), "t"), 0);
            time.sleep(500);
            log.appendAsLeader(batch(1, time.milliseconds(), "t"), 0);
            assertThat(log.numberOfSegments()).isEqualTo(1);
            time.sleep(600);
            log.appendAsLeader(batch(1, time.milliseconds(), "t"), 0);
            assertThat(log.segmentBaseOffsets()).containsExactly(0L, 2L);

            time.sleep(1000);
            log.maybeRoll(time.milliseconds());
            assertThat(log.segmentBaseOffsets()).containsExactly(0L, 2L, 3L);
            log.maybeRoll(time.milliseconds()); // empty active segment: no roll
            assertThat(log.numberOfSegments()).isEqualTo(3);
            assertThat(readAll(log, 0, 100)).hasSize(3);
            // Rolls fsync the sealed segments.
            assertThat(log.recoveryPoint()).isEqualTo(3);
        }
    }

    @Test
    void rollsWhenAnIndexIsFull() throws Exception {
        LogConfig config = TestSupport.config(Map.of("segment.index.bytes", "48", "index.interval.bytes", "0"));
        try (PartitionLog log = TestSupport.open(tmp, config, time)) {
            for (int i = 0; i < 20; i++) {
                log.appendAsLeader(batch(2, T0 + i, "i"), 0);
            }
            // A 48-byte time index holds 4 entries, one kept for sealing: 1 unindexed + 3 indexed batches per segment.
            assertThat(log.segmentBaseOffsets()).containsExactly(0L, 8L, 16L, 24L, 32L);
            // Trimmed when sealed: three entries each (the last indexed batch already carried the maximum timestamp).
            assertThat(Files.size(log.dir().resolve(LogSegment.fileName(0, ".timeindex")))).isEqualTo(36);
            assertThat(Files.size(log.dir().resolve(LogSegment.fileName(0, ".index")))).isEqualTo(24);
            assertThat(readAll(log, 0, 1)).hasSize(40);
            assertThat(log.offsetForTimestamp(T0 + 9).orElseThrow().offset).isEqualTo(18);
        }
    }

    @ParameterizedTest
    @EnumSource(value = CompressionType.class)
    void everyCodecRoundTripsKeysValuesHeadersAndTimestamps(CompressionType type) throws Exception {
        Header[] headers = {new RecordHeader("h1", bytes("one")), new RecordHeader("h2", (byte[]) null)};
        SimpleRecord[] input = new SimpleRecord[50];
        for (int i = 0; i < input.length; i++) {
            input[i] = new SimpleRecord(T0 + i, i % 7 == 0 ? null : bytes("key-" + i),
                    bytes("value-" + i + "-" + "x".repeat(i)), headers);
        }
        MemoryRecords records = MemoryRecords.withRecords(Compression.of(type).build(), input);
        try (PartitionLog log = TestSupport.open(tmp, LogConfig.defaults(), time)) {
            log.appendAsLeader(batch(3, T0, "pre"), 1);
            LogAppendInfo info = log.appendAsLeader(records, 1);
            assertThat(info.firstOffset()).isEqualTo(3);
            assertThat(info.lastOffset()).isEqualTo(52);
            assertThat(info.maxTimestamp()).isEqualTo(T0 + 49);
            assertThat(info.offsetOfMaxTimestamp()).isEqualTo(52);

            List<RecordBatch> batches = batchesOf(log.read(3, Integer.MAX_VALUE, Long.MAX_VALUE, false).records());
            assertThat(batches).hasSize(1);
            assertThat(batches.get(0).compressionType()).isEqualTo(type);
            List<Record> out = readAll(log, 3, 1 << 20);
            assertThat(out).hasSize(50);
            for (int i = 0; i < 50; i++) {
                Record r = out.get(i);
                assertThat(r.offset()).isEqualTo(3 + i);
                assertThat(r.timestamp()).isEqualTo(T0 + i);
                assertThat(r.key() == null ? null : string(r.key())).isEqualTo(i % 7 == 0 ? null : "key-" + i);
                assertThat(string(r.value())).isEqualTo("value-" + i + "-" + "x".repeat(i));
                assertThat(r.headers()).containsExactly(headers);
            }
        }
    }
}
