package io.strata.spark;

import io.strata.storage.remote.RemoteLogReader;
import io.strata.storage.remote.RemoteSegment;
import org.apache.kafka.common.errors.KafkaStorageException;
import org.apache.kafka.common.record.internal.Record;
import org.apache.kafka.common.record.internal.RecordBatch;
import org.apache.kafka.common.record.internal.Records;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Iterator;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Iterates the records of one {@link SegmentSlice}, in offset order, with storage-tier's {@link RemoteLogReader}:
 * ranged GETs of the {@code .log} object in chunks (one chunk read ahead for slices larger than a chunk), the start
 * found through the uploaded offset index, every batch CRC-checked before use, compressed batches (any codec)
 * decompressed by kafka-clients' record classes.
 *
 * <p>A missing, short or corrupt object fails with an {@link IllegalStateException} naming the object and the
 * offsets, or, with {@code failOnDataLoss=false}, ends the slice early with a warning (records already returned
 * stay returned).
 *
 * <p>Not thread-safe: one task iterates it.
 */
final class SliceReader {

    private static final Logger LOG = LoggerFactory.getLogger(SliceReader.class);
    private static final AtomicInteger THREADS = new AtomicInteger();
    /** Read-ahead of every reader of this JVM; a read-ahead is a guess, so losing one at exit costs nothing. */
    private static final ExecutorService READ_AHEAD = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "strata-spark-read-ahead-" + THREADS.incrementAndGet());
        t.setDaemon(true);
        return t;
    });

    private final SegmentSlice slice;
    private final RemoteSegment segment;
    private final RemoteLogReader reader;
    private final int chunkBytes;
    private final boolean failOnDataLoss;
    private final long minTimestamp;
    private long nextFetchOffset;
    /** Offset after the last batch seen, to check that batches follow each other. */
    private long lastBatchEnd = Long.MIN_VALUE;
    private Iterator<? extends RecordBatch> batches;
    private Iterator<Record> records;
    private RecordBatch batch;
    private Record record;
    private boolean done;
    private long returned;

    /** @param minTimestamp records older than this (ms) may be skipped (a pushed-down filter; Long.MIN_VALUE for none) */
    SliceReader(SegmentSlice slice, StoreSettings settings, int chunkBytes, boolean failOnDataLoss, long minTimestamp) {
        this.slice = slice;
        this.segment = slice.segment();
        this.chunkBytes = chunkBytes;
        this.failOnDataLoss = failOnDataLoss;
        this.minTimestamp = minTimestamp;
        int readAhead = slice.estimatedBytes() > chunkBytes ? 1 : 0;
        this.reader = new RemoteLogReader(settings.store(), chunkBytes, 3L * chunkBytes, readAhead, READ_AHEAD);
        this.nextFetchOffset = slice.fromOffset();
        ReadMetrics.sliceOpened();
    }

    /** Moves to the next record; false at the end of the slice. */
    boolean next() {
        while (!done) {
            if (records != null && records.hasNext()) {
                Record r = records.next();
                if (r.offset() < slice.fromOffset() || r.timestamp() < minTimestamp) {
                    continue;
                }
                if (r.offset() >= slice.untilOffset()) {
                    return finish();
                }
                record = r;
                returned++;
                return true;
            }
            records = null;
            if (batches != null && batches.hasNext()) {
                RecordBatch b = batches.next();
                // Offsets and lengths are outside the CRC: a batch that does not follow its predecessor inside the
                // segment's range is corruption too, not the end of the data.
                if (b.baseOffset() < Math.max(segment.baseOffset(), lastBatchEnd) || b.lastOffset() >= segment.nextOffset()) {
                    corrupt("batch offsets [" + b.baseOffset() + ", " + b.lastOffset() + "] do not follow offset "
                            + (lastBatchEnd - 1) + " inside the segment's range [" + segment.baseOffset() + ", "
                            + segment.nextOffset() + ")");
                    return false;
                }
                lastBatchEnd = b.nextOffset();
                nextFetchOffset = b.nextOffset();
                if (b.baseOffset() >= slice.untilOffset()) {
                    return finish();
                }
                if (b.lastOffset() < slice.fromOffset() || b.maxTimestamp() < minTimestamp) {
                    continue;
                }
                batch = b;
                records = b.iterator();
                continue;
            }
            batches = null;
            if (nextFetchOffset >= slice.untilOffset()) {
                return finish();
            }
            fetch();
        }
        return false;
    }

    private void fetch() {
        Records fetched;
        try {
            fetched = reader.read(slice.root(), segment, nextFetchOffset, chunkBytes, true);
        } catch (KafkaStorageException e) {
            String what = "offsets [" + nextFetchOffset + ", " + slice.untilOffset() + ") of " + slice.tp()
                    + " in segment object " + slice.logKey();
            if (failOnDataLoss) {
                throw new IllegalStateException("Cannot read " + what + ": " + e.getMessage()
                        + " (failOnDataLoss=false skips unreadable segments)", e);
            }
            LOG.warn("Skipping {}: {} (failOnDataLoss=false)", what, e.getMessage());
            done = true;
            return;
        }
        Iterator<? extends RecordBatch> it = fetched.batches().iterator();
        if (!it.hasNext()) {
            corrupt("it ends before offset " + nextFetchOffset + " (its manifest entry says it holds offsets up to "
                    + (slice.nextOffset() - 1) + ")");
            return;
        }
        batches = it;
    }

    /** Fails, or with failOnDataLoss=false ends the slice, for a segment object whose content is not what it must be. */
    private void corrupt(String problem) {
        String what = "Segment object " + slice.logKey() + " of " + slice.tp() + " is corrupt: " + problem;
        if (failOnDataLoss) {
            throw new IllegalStateException(what);
        }
        LOG.warn("{}; skipping the rest (failOnDataLoss=false)", what);
        done = true;
    }

    private boolean finish() {
        done = true;
        return false;
    }

    Record record() {
        return record;
    }

    RecordBatch batch() {
        return batch;
    }

    SegmentSlice slice() {
        return slice;
    }

    /** Records returned so far. */
    long returned() {
        return returned;
    }
}
