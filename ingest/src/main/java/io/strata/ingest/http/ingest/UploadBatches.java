package io.strata.ingest.http.ingest;

import io.strata.ingest.http.produce.BatchResult;
import io.strata.ingest.http.produce.HttpProducer;
import io.strata.membership.topic.TopicDescriptor;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.common.record.internal.DefaultRecordBatch;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.MemoryRecordsBuilder;
import org.apache.kafka.common.record.internal.Record;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/**
 * The record batches of one NDJSON upload, built as lines are accepted: one open Kafka v2 batch per partition
 * (uncompressed, create time, at most the partition's max.message.bytes; a full one is closed and a new one
 * opened), into which each line's bytes are copied straight from the read buffer, so a line is copied once
 * on its way to the log and no object is made for it. {@link #flush} appends every batch through
 * {@link HttpProducer#appendBatch} and reports each line stored or failed.
 *
 * <p>A batch's buffer is sized from the last batch of its partition, so it seldom grows while filling
 * (the builder grows it by only 10% at a time). Not thread-safe: one per upload.
 */
final class UploadBatches {

    /** What became of each line of a flush. */
    interface Outcome {
        void stored(long line, int partition, long offset);

        void failed(long line, String error);
    }

    private static final int MIN_BUFFER_BYTES = 16 * 1024;

    private final HttpProducer producer;
    private final TopicDescriptor topic;
    private final Open[] open;
    private int lines;
    private long bytes;
    /** Reused views of the line bytes: the record builder reads them and keeps no reference. */
    private ByteBuffer valueView = ByteBuffer.allocate(0);
    private final List<Failure> failures = new ArrayList<>();

    UploadBatches(HttpProducer producer, TopicDescriptor topic) {
        this.producer = producer;
        this.topic = topic;
        this.open = new Open[topic.partitions()];
    }

    /** Lines added since the last flush. */
    int lines() {
        return lines;
    }

    /** Line bytes added since the last flush. */
    long bytes() {
        return bytes;
    }

    /** Adds the line at {@code array[offset..offset+length)} as a record of {@code partition}. */
    void add(int partition, long lineNumber, byte[] key, byte[] array, int offset, int length) {
        if (valueView.array() != array) {
            valueView = ByteBuffer.wrap(array);
        }
        valueView.limit(offset + length).position(offset);
        ByteBuffer keyView = key == null ? null : ByteBuffer.wrap(key);
        long now = System.currentTimeMillis();
        Open o = open[partition];
        if (o == null) {
            o = open[partition] = new Open(new TopicPartition(topic.name(), partition));
        }
        if (o.builder != null && !o.builder.hasRoomFor(now, keyView, valueView, Record.EMPTY_HEADERS)) {
            o.close();
        }
        if (o.builder == null) {
            o.start();
        }
        o.builder.append(now, keyView, valueView, Record.EMPTY_HEADERS);
        o.addLine(lineNumber);
        lines++;
        bytes += length;
    }

    /** Appends every batch; reports each line, failures in line order after the stored ones. */
    void flush(Outcome outcome) {
        for (Open o : open) {
            if (o == null) {
                continue;
            }
            if (o.builder != null) {
                o.close();
            }
            for (Closed c : o.closed) {
                BatchResult result = producer.appendBatch(o.tp, c.records);
                for (int i = 0; i < c.count; i++) {
                    if (result.ok(i)) {
                        outcome.stored(c.lines[i], o.tp.partition(), result.offset(i));
                    } else {
                        failures.add(new Failure(c.lines[i], result.errorText(i)));
                    }
                }
            }
            o.closed.clear();
        }
        failures.sort(Comparator.comparingLong(Failure::line));
        for (Failure f : failures) {
            outcome.failed(f.line(), f.error());
        }
        failures.clear();
        lines = 0;
        bytes = 0;
    }

    private record Failure(long line, String error) {
    }

    /** A built batch waiting for the flush, with the line number of each of its records. */
    private record Closed(MemoryRecords records, long[] lines, int count) {
    }

    /** The batches of one partition since the last flush. */
    private final class Open {
        final TopicPartition tp;
        final int maxBatchBytes;
        final List<Closed> closed = new ArrayList<>();
        MemoryRecordsBuilder builder;
        long[] lineNumbers = new long[64];
        int count;
        int expectedBytes = MIN_BUFFER_BYTES;

        Open(TopicPartition tp) {
            this.tp = tp;
            this.maxBatchBytes = producer.maxBatchBytes(tp);
        }

        void start() {
            int size = Math.min(maxBatchBytes, Math.max(DefaultRecordBatch.RECORD_BATCH_OVERHEAD + 64, expectedBytes));
            builder = MemoryRecords.builder(ByteBuffer.allocate(size), Compression.NONE, TimestampType.CREATE_TIME, 0L,
                    maxBatchBytes);
        }

        void addLine(long lineNumber) {
            if (count == lineNumbers.length) {
                lineNumbers = Arrays.copyOf(lineNumbers, count * 2);
            }
            lineNumbers[count++] = lineNumber;
        }

        void close() {
            MemoryRecords records = builder.build();
            // The next batch of this partition is likely about as large: a quarter more, so it need not grow.
            expectedBytes = Math.max(MIN_BUFFER_BYTES, records.sizeInBytes() + records.sizeInBytes() / 4);
            closed.add(new Closed(records, lineNumbers, count));
            builder = null;
            lineNumbers = new long[Math.max(64, count)];
            count = 0;
        }
    }
}
