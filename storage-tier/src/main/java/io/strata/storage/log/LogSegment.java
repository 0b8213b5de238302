package io.strata.storage.log;

import org.apache.kafka.common.InvalidRecordException;
import org.apache.kafka.common.errors.CorruptRecordException;
import org.apache.kafka.common.record.internal.FileLogInputStream.FileChannelRecordBatch;
import org.apache.kafka.common.record.internal.FileRecords;
import org.apache.kafka.common.record.internal.FileRecords.LogOffsetPosition;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.RecordBatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.Closeable;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * One segment of a partition log: {@code <20-digit base offset>.log} holding magic-v2 record batches
 * exactly as Kafka writes them, with its {@link OffsetIndex} ({@code .index}) and
 * {@link TimeIndex} ({@code .timeindex}).
 *
 * <p>Invariants: batches are stored in offset order, every batch's offsets fit in 32 bits relative
 * to the base offset, and the file never holds a partial batch below the size the owning log has
 * published to readers.
 *
 * <p>Thread-safety: mutations ({@link #append}, {@link #recover}, {@link #seal}, {@link #truncateTo},
 * {@link #truncateToOffset})
 * happen under the owning log's append lock. Reads work on a bounded {@link #view(int)} of the file
 * and on the indexes without locks; the largest-timestamp fields are volatile for the same reason.
 */
final class LogSegment implements Closeable {

    private static final Logger LOG = LoggerFactory.getLogger(LogSegment.class);

    static final String LOG_SUFFIX = ".log";
    static final String INDEX_SUFFIX = ".index";
    static final String TIME_INDEX_SUFFIX = ".timeindex";
    static final String DELETED_SUFFIX = ".deleted";

    private final long baseOffset;
    private final FileRecords log;
    private OffsetIndex offsetIndex;
    private TimeIndex timeIndex;
    private final int indexIntervalBytes;

    private int bytesSinceLastIndexEntry;
    private volatile long maxTimestampSoFar = RecordBatch.NO_TIMESTAMP;
    private volatile long offsetOfMaxTimestampSoFar;
    /** Set by {@link #open} when an index file was absent (and so created empty). */
    private boolean indexFilesMissing;
    /** Wall-clock time of the segment's first append (or of its opening), for segment.ms. */
    private volatile long rollingBaseMs;

    private LogSegment(long baseOffset, FileRecords log, OffsetIndex offsetIndex, TimeIndex timeIndex,
                       int indexIntervalBytes, long nowMs) {
        this.baseOffset = baseOffset;
        this.log = log;
        this.offsetIndex = offsetIndex;
        this.timeIndex = timeIndex;
        this.indexIntervalBytes = indexIntervalBytes;
        this.offsetOfMaxTimestampSoFar = baseOffset;
        this.rollingBaseMs = nowMs;
    }

    static String fileName(long offset, String suffix) {
        return String.format("%020d", offset) + suffix;
    }

    static long baseOffsetOf(String fileName) {
        return Long.parseLong(fileName.substring(0, fileName.indexOf('.')));
    }

    /** Creates a new, empty active segment. */
    static LogSegment create(Path dir, long baseOffset, LogConfig config, long nowMs) throws IOException {
        File logFile = dir.resolve(fileName(baseOffset, LOG_SUFFIX)).toFile();
        Files.deleteIfExists(dir.resolve(fileName(baseOffset, INDEX_SUFFIX)));
        Files.deleteIfExists(dir.resolve(fileName(baseOffset, TIME_INDEX_SUFFIX)));
        FileRecords records = FileRecords.open(logFile, true, false, 0, false);
        records.truncateTo(0);
        return new LogSegment(baseOffset, records,
                new OffsetIndex(dir.resolve(fileName(baseOffset, INDEX_SUFFIX)).toFile(), baseOffset, config.maxIndexSize()),
                new TimeIndex(dir.resolve(fileName(baseOffset, TIME_INDEX_SUFFIX)).toFile(), baseOffset, config.maxIndexSize()),
                config.indexIntervalBytes(), nowMs);
    }

    /**
     * Opens an existing segment with its indexes as found (sealed size). The caller sanity-checks or
     * recovers it and, for the last segment, calls {@link #becomeActive}.
     */
    static LogSegment open(Path dir, long baseOffset, LogConfig config, long nowMs) throws IOException {
        File logFile = dir.resolve(fileName(baseOffset, LOG_SUFFIX)).toFile();
        boolean indexesExist = Files.exists(dir.resolve(fileName(baseOffset, INDEX_SUFFIX)))
                && Files.exists(dir.resolve(fileName(baseOffset, TIME_INDEX_SUFFIX)));
        FileRecords records = FileRecords.open(logFile, true, true, 0, false);
        LogSegment segment = new LogSegment(baseOffset, records,
                new OffsetIndex(dir.resolve(fileName(baseOffset, INDEX_SUFFIX)).toFile(), baseOffset, -1),
                new TimeIndex(dir.resolve(fileName(baseOffset, TIME_INDEX_SUFFIX)).toFile(), baseOffset, -1),
                config.indexIntervalBytes(), nowMs);
        TimeIndex.TimestampOffset last = segment.timeIndex.lastEntry();
        segment.maxTimestampSoFar = last.timestamp();
        segment.offsetOfMaxTimestampSoFar = last.offset();
        segment.indexFilesMissing = !indexesExist;
        return segment;
    }

    long baseOffset() {
        return baseOffset;
    }

    FileRecords log() {
        return log;
    }

    OffsetIndex offsetIndex() {
        return offsetIndex;
    }

    TimeIndex timeIndex() {
        return timeIndex;
    }

    int size() {
        return log.sizeInBytes();
    }

    long maxTimestampSoFar() {
        return maxTimestampSoFar;
    }

    long rollingBaseMs() {
        return rollingBaseMs;
    }

    /** Retention's notion of the segment's age: its largest timestamp, or the file's mtime when it has none. */
    long largestTimestamp() {
        long ts = maxTimestampSoFar;
        return ts >= 0 ? ts : log.file().lastModified();
    }

    /** True when a batch ending at {@code lastOffset} still fits the 32-bit relative offsets of the indexes. */
    boolean canHoldOffset(long lastOffset) {
        return lastOffset - baseOffset <= Integer.MAX_VALUE;
    }

    /** True when appending {@code batches} more batches could need more index entries than are left. */
    boolean indexesFull(int batches) {
        return offsetIndex.entries() + batches > offsetIndex.maxEntries()
                || timeIndex.entries() + batches > timeIndex.maxEntries() - 1;
    }

    /** Checks the indexes found on disk; false when they must be rebuilt. */
    boolean indexesLookSane() {
        try {
            if (indexFilesMissing) {
                throw new AbstractIndex.CorruptIndexException("index files missing");
            }
            if (size() > 0 && timeIndex.entries() == 0) {
                // Every sealed or cleanly closed segment with timestamps ends its time index with its maximum.
                throw new AbstractIndex.CorruptIndexException("empty time index for a non-empty segment");
            }
            offsetIndex.sanityCheck(size());
            timeIndex.sanityCheck(size());
            long lastTimeOffset = timeIndex.lastEntry().offset();
            if (timeIndex.entries() > 0 && lastTimeOffset >= readNextOffset()) {
                throw new AbstractIndex.CorruptIndexException("Time index of " + log.file() + " points past the segment");
            }
            return true;
        } catch (AbstractIndex.CorruptIndexException e) {
            LOG.warn("Rebuilding the indexes of {}: {}", log.file(), e.getMessage());
            return false;
        }
    }

    /** Preallocates the indexes again so the segment can take appends. */
    void becomeActive(LogConfig config) throws IOException {
        offsetIndex.resize(config.maxIndexSize());
        timeIndex.resize(config.maxIndexSize());
    }

    /**
     * Appends batches that have already been validated and given their offsets. The whole buffer is
     * written with one call; the indexes are updated per batch afterwards.
     *
     * @param batches the batches of {@code records}, in order
     * @param nowMs   starts the segment.ms clock when this is the segment's first append
     */
    void append(MemoryRecords records, List<? extends RecordBatch> batches, long nowMs) throws IOException {
        int position = log.sizeInBytes();
        if (position == 0) {
            rollingBaseMs = nowMs;
        }
        log.append(records);
        for (int i = 0; i < batches.size(); i++) {
            RecordBatch batch = batches.get(i);
            indexBatch(batch.lastOffset(), batch.maxTimestamp(), position);
            position += batch.sizeInBytes();
            bytesSinceLastIndexEntry += batch.sizeInBytes();
        }
    }

    private void indexBatch(long lastOffset, long batchMaxTimestamp, int position) {
        if (batchMaxTimestamp > maxTimestampSoFar) {
            offsetOfMaxTimestampSoFar = lastOffset;
            maxTimestampSoFar = batchMaxTimestamp;
        }
        // Same rule as Kafka: the first batch of a segment is never indexed (position 0 is implied).
        if (bytesSinceLastIndexEntry > indexIntervalBytes) {
            offsetIndex.append(lastOffset, position);
            timeIndex.maybeAppend(maxTimestampSoFar, offsetOfMaxTimestampSoFar, false);
            bytesSinceLastIndexEntry = 0;
        }
    }

    /** A read-only view of the first {@code endPosition} bytes: what readers may see. */
    FileRecords view(int endPosition) {
        return endPosition >= log.sizeInBytes() ? log : log.slice(0, endPosition);
    }

    /**
     * The batch that contains {@code offset}, or the first batch after it, within {@code view}.
     * Null when the view holds no batch at or after the offset.
     */
    LogOffsetPosition translateOffset(FileRecords view, long offset) {
        OffsetIndex.OffsetPosition start = offsetIndex.lookup(offset);
        if (start.position() >= view.sizeInBytes()) {
            return null; // index entry past the visible part: cannot hold a visible batch at the offset
        }
        return view.searchForOffsetFromPosition(offset, start.position());
    }

    /** The offset after the last batch, read from the last index entry onwards. */
    long readNextOffset() {
        int from = offsetIndex.lastEntry().position();
        if (from >= size()) {
            from = 0;
        }
        long next = baseOffset;
        for (FileChannelRecordBatch batch : log.batchesFrom(from)) {
            next = batch.nextOffset();
        }
        return next;
    }

    /**
     * Rebuilds the indexes from the log file, validating every batch, and truncates the file at the
     * first batch that is torn or fails validation.
     *
     * @param batchVisitor told about every valid batch (epoch cache rebuild), may be null
     * @return bytes truncated
     */
    int recover(LogConfig config, BatchVisitor batchVisitor) throws IOException {
        Path dir = log.file().toPath().getParent();
        offsetIndex.deleteIfExists();
        timeIndex.deleteIfExists();
        offsetIndex = new OffsetIndex(dir.resolve(fileName(baseOffset, INDEX_SUFFIX)).toFile(), baseOffset, config.maxIndexSize());
        timeIndex = new TimeIndex(dir.resolve(fileName(baseOffset, TIME_INDEX_SUFFIX)).toFile(), baseOffset, config.maxIndexSize());
        maxTimestampSoFar = RecordBatch.NO_TIMESTAMP;
        offsetOfMaxTimestampSoFar = baseOffset;
        bytesSinceLastIndexEntry = 0;

        int validBytes = 0;
        long expectedNext = baseOffset;
        try {
            for (FileChannelRecordBatch batch : log.batches()) {
                if (batch.magic() != RecordBatch.MAGIC_VALUE_V2) {
                    throw new CorruptRecordException("Batch at position " + validBytes + " has magic " + batch.magic());
                }
                batch.ensureValid();
                if (batch.baseOffset() < expectedNext || batch.lastOffset() < batch.baseOffset()
                        || !canHoldOffset(batch.lastOffset())) {
                    throw new CorruptRecordException("Batch at position " + validBytes + " has offsets "
                            + batch.baseOffset() + ".." + batch.lastOffset() + ", expected from " + expectedNext);
                }
                if (offsetIndex.isFull() || timeIndex.isFull()) {
                    throw new CorruptRecordException("Segment " + baseOffset + " holds more batches than its index can address");
                }
                indexBatch(batch.lastOffset(), batch.maxTimestamp(), validBytes);
                validBytes += batch.sizeInBytes();
                bytesSinceLastIndexEntry += batch.sizeInBytes();
                expectedNext = batch.nextOffset();
                if (batchVisitor != null) {
                    batchVisitor.visit(batch);
                }
            }
        } catch (CorruptRecordException | InvalidRecordException e) {
            LOG.warn("Found invalid data in {} at position {}: {}", log.file(), validBytes, e.getMessage());
        } catch (RuntimeException e) {
            // Garbage can fail in many ways (a legacy-looking header, an absurd size): all mean "stop here".
            LOG.warn("Could not read {} past position {}: {}", log.file(), validBytes, e.toString());
        }
        int truncated = log.sizeInBytes() - validBytes;
        if (truncated > 0) {
            LOG.warn("Truncating {} from {} to {} bytes", log.file(), log.sizeInBytes(), validBytes);
            log.truncateTo(validBytes);
        }
        return truncated;
    }

    /** Called for every batch found valid during recovery. */
    @FunctionalInterface
    interface BatchVisitor {
        void visit(RecordBatch batch);
    }

    /** Drops everything from {@code position} on (used after a failed write). */
    void truncateTo(int position) throws IOException {
        log.truncateTo(position);
    }

    /**
     * Drops the batches from {@code offset} on, which must be the base offset of the batch at file
     * {@code position}, with their index entries; the largest timestamp is recomputed from what is left.
     */
    void truncateToOffset(long offset, int position) throws IOException {
        offsetIndex.truncateTo(offset);
        timeIndex.truncateTo(offset);
        log.truncateTo(position);
        // The last time index entry covers every batch up to its offset; only the batches after it are read.
        TimeIndex.TimestampOffset last = timeIndex.lastEntry();
        long max = last.timestamp();
        long maxOffset = last.offset();
        for (FileChannelRecordBatch batch : log.batchesFrom(offsetIndex.lookup(last.offset()).position())) {
            if (batch.maxTimestamp() > max) {
                max = batch.maxTimestamp();
                maxOffset = batch.lastOffset();
            }
        }
        maxTimestampSoFar = max;
        offsetOfMaxTimestampSoFar = maxOffset;
        bytesSinceLastIndexEntry = 0;
    }

    /**
     * Turns the active segment into a sealed one: records the final time index entry and trims the
     * index files to their used size. Does not fsync.
     */
    void seal() throws IOException {
        timeIndex.maybeAppend(maxTimestampSoFar, offsetOfMaxTimestampSoFar, true);
        offsetIndex.trimToValidSize();
        timeIndex.trimToValidSize();
    }

    /** Fsyncs the log file (data and the size needed to read it back). */
    void flushLog() throws IOException {
        log.channel().force(false);
    }

    void flushIndexes() {
        offsetIndex.flush();
        timeIndex.flush();
    }

    /** Renames the files with the {@code .deleted} suffix; open channels and mappings keep working. */
    void renameForDeletion() throws IOException {
        File logFile = log.file();
        log.renameTo(new File(logFile.getPath() + DELETED_SUFFIX));
        offsetIndex.renameTo(new File(offsetIndex.file().getPath() + DELETED_SUFFIX));
        timeIndex.renameTo(new File(timeIndex.file().getPath() + DELETED_SUFFIX));
    }

    /** Closes the file and deletes all three files. */
    void deleteFiles() throws IOException {
        log.deleteIfExists();
        offsetIndex.deleteIfExists();
        timeIndex.deleteIfExists();
    }

    /** Seals the indexes to their used size and closes the file (clean shutdown). */
    @Override
    public void close() throws IOException {
        seal();
        flushIndexes();
        log.close();
    }

    @Override
    public String toString() {
        return "LogSegment(baseOffset=" + baseOffset + ", size=" + size() + ")";
    }
}
