package io.strata.storage.log;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.strata.storage.log.TestSupport.ManualTime;
import org.apache.kafka.common.errors.ApiException;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.internal.DefaultRecordBatch;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.Record;
import org.apache.kafka.common.record.internal.RecordBatch;
import org.apache.kafka.common.record.internal.Records;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Map;
import java.util.zip.CRC32C;

import static io.strata.storage.log.TestSupport.T0;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Coverage-guided fuzzing of what a producer's bytes meet first in the log: {@link BatchValidator}
 * (leader and follower rules) and {@link PartitionLog#appendAsLeader} on a real log in a temporary
 * directory.
 *
 * <p>The input's last byte picks the log (bit 0: CreateTime or LogAppendTime topic) and whether the
 * batches' CRCs are recomputed before the append (bit 1: lets mutations of the records inside a batch
 * get past the checksum); the rest is the request's records, as they would arrive in a Produce request. A finding is an exception that is
 * not a Kafka {@link ApiException} (it would reach the client as UNKNOWN_SERVER_ERROR), an
 * ApiException that maps to UNKNOWN_SERVER_ERROR, a rejected append that changed the log, or an
 * accepted append whose offsets, count or stored batches are wrong.
 *
 * <p>{@code mvn test} replays the inputs under {@code BatchValidatorFuzzTestInputs/}; with
 * {@code JAZZER_FUZZ=1} Jazzer fuzzes (see {@code reliability/fuzz}). In fuzzing mode the logs live
 * for the whole run, so appends accumulate and segments roll.
 */
class BatchValidatorFuzzTest {

    @TempDir
    Path tmp;

    private final ManualTime time = new ManualTime(T0);
    private PartitionLog createTime;
    private PartitionLog appendTime;

    @BeforeEach
    void open() throws Exception {
        // Small segments so that accepted appends roll; a max.message.bytes the fuzzer can exceed.
        Map<String, String> common = Map.of("segment.bytes", "65536", "max.message.bytes", "16384",
                "message.timestamp.before.max.ms", String.valueOf(365L * 24 * 3600 * 1000));
        createTime = TestSupport.open(tmp.resolve("create"), TestSupport.config(common), time);
        Map<String, String> logAppend = new java.util.HashMap<>(common);
        logAppend.put("message.timestamp.type", "LogAppendTime");
        appendTime = TestSupport.open(tmp.resolve("append"), TestSupport.config(logAppend), time);
    }

    @AfterEach
    void close() throws Exception {
        createTime.close();
        appendTime.close();
    }

    @FuzzTest
    void validateAndAppend(FuzzedDataProvider data) {
        byte mode = data.consumeByte();
        PartitionLog log = (mode & 1) != 0 ? appendTime : createTime;
        byte[] bytes = data.consumeRemainingAsBytes();
        if ((mode & 2) != 0) {
            fixChecksums(bytes);
        }

        // The follower's rules, on a copy: the leader's append rewrites the batches in place.
        try {
            BatchValidator.validateForFollower(log.topicPartition(), MemoryRecords.readableRecords(ByteBuffer.wrap(bytes.clone())));
        } catch (ApiException expected) {
            assertKafkaError(expected);
        }

        long endBefore = log.logEndOffset();
        long sizeBefore = log.sizeInBytes();
        LogAppendInfo info;
        try {
            info = log.appendAsLeader(MemoryRecords.readableRecords(ByteBuffer.wrap(bytes)), 0);
        } catch (ApiException rejected) {
            assertKafkaError(rejected);
            assertThat(log.logEndOffset()).as("log end after a rejected append").isEqualTo(endBefore);
            assertThat(log.sizeInBytes()).as("log size after a rejected append").isEqualTo(sizeBefore);
            return;
        }
        if (bytes.length == 0 || info.duplicate()) {
            // Nothing to write, or a retry of an idempotent batch the log already holds.
            assertThat(log.logEndOffset()).isEqualTo(endBefore);
            assertThat(log.sizeInBytes()).isEqualTo(sizeBefore);
            return;
        }
        assertThat(info.firstOffset()).isEqualTo(endBefore);
        assertThat(info.lastOffset() - info.firstOffset() + 1).isEqualTo(info.recordCount());
        assertThat(log.logEndOffset()).isEqualTo(info.lastOffset() + 1);
        assertThat(log.sizeInBytes()).isEqualTo(sizeBefore + bytes.length);
        readBack(log, info);
    }

    /** Rewrites the CRC of every complete v2 batch frame, as a producer that built the mutated batch would. */
    private static void fixChecksums(byte[] bytes) {
        ByteBuffer buf = ByteBuffer.wrap(bytes);
        int pos = 0;
        while (pos + DefaultRecordBatch.RECORD_BATCH_OVERHEAD <= bytes.length) {
            int size = buf.getInt(pos + Records.SIZE_OFFSET);
            long end = (long) pos + Records.LOG_OVERHEAD + size;
            if (size < DefaultRecordBatch.RECORD_BATCH_OVERHEAD - Records.LOG_OVERHEAD || end > bytes.length) {
                return;
            }
            int crcStart = pos + DefaultRecordBatch.CRC_OFFSET + Integer.BYTES; // the CRC covers attributes onwards
            CRC32C crc = new CRC32C();
            crc.update(bytes, crcStart, (int) end - crcStart);
            buf.putInt(pos + DefaultRecordBatch.CRC_OFFSET, (int) crc.getValue());
            pos = (int) end;
        }
    }

    /** The appended batches read back intact, with the offsets the append assigned. */
    private static void readBack(PartitionLog log, LogAppendInfo info) {
        long next = info.firstOffset();
        int records = 0;
        while (next <= info.lastOffset()) {
            Records read = log.read(next, Integer.MAX_VALUE, Long.MAX_VALUE, true).records();
            assertThat(read.sizeInBytes()).as("read at %d", next).isPositive();
            for (RecordBatch batch : read.batches()) {
                batch.ensureValid();
                assertThat(batch.baseOffset()).isEqualTo(next);
                long expected = next;
                for (Record record : batch) {
                    assertThat(record.offset()).isEqualTo(expected++);
                    records++;
                }
                assertThat(expected).isEqualTo(batch.nextOffset());
                next = batch.nextOffset();
            }
        }
        assertThat(next).isEqualTo(info.lastOffset() + 1);
        assertThat(records).isEqualTo(info.recordCount());
    }

    private static void assertKafkaError(ApiException e) {
        assertThat(Errors.forException(e)).as("error for %s", e).isNotEqualTo(Errors.UNKNOWN_SERVER_ERROR);
    }
}
