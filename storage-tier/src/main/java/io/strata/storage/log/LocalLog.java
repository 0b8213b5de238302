package io.strata.storage.log;

import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.KafkaStorageException;
import org.apache.kafka.common.errors.OffsetMovedToTieredStorageException;
import org.apache.kafka.common.errors.OffsetOutOfRangeException;
import org.apache.kafka.common.record.internal.FileLogInputStream.FileChannelRecordBatch;
import org.apache.kafka.common.record.internal.FileRecords;
import org.apache.kafka.common.record.internal.FileRecords.LogOffsetPosition;
import org.apache.kafka.common.record.internal.FileRecords.TimestampAndOffset;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.RecordBatch;
import org.apache.kafka.common.utils.Time;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.channels.ClosedChannelException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Optional;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The segments of one partition log on local disk: which files exist, where the log ends, and the
 * byte-level operations on them (append, roll, read slices, flush, truncate, delete). It knows
 * nothing of what offsets mean to clients (validation, leader epochs, producer state, high
 * watermark, log start offset): that is {@link PartitionLog}, which owns one LocalLog.
 *
 * <p>Files, in the partition directory:
 * <ul>
 *   <li>{@code <20-digit base offset>.log}: magic-v2 record batches as Kafka writes them, with the
 *       segment's {@code .index} and {@code .timeindex} ({@link LogSegment});</li>
 *   <li>{@code *.deleted}: segments removed by retention or truncation, kept for
 *       {@code file.delete.delay.ms} so a zero-copy read already holding one completes; removed at
 *       the next open if still there, as are {@code .tmp}, {@code .cleaned}, {@code .swap} files and
 *       indexes without their segment.</li>
 * </ul>
 *
 * <p>Invariants: segment base offsets increase, the last segment is the active one and every other
 * one is sealed (indexes trimmed); each segment's first batch starts at its base offset; every batch
 * below the published end position is complete; everything below {@link #recoveryPoint} is fsynced.
 *
 * <p>Thread-safety: mutations ({@link #append}, {@link #roll}, {@link #truncateTo},
 * {@link #truncateFullyAndStartAt}, {@link #removeSegments}, {@link #close}) must be called under the
 * owning log's lock. Readers ({@link #read}, the timestamp searches, the getters) take no lock: they
 * see the segment map (a {@link ConcurrentSkipListMap}) and one volatile {@link EndState}, published
 * only after a write is complete, so a reader never sees a half-written batch or a half-done
 * truncation. {@link #flush(long)} is a group commit under its own lock and does not block appends;
 * truncation takes that lock too, so that a flush in flight cannot move the recovery point past a
 * new, lower end.
 */
final class LocalLog {

    private static final Logger LOG = LoggerFactory.getLogger(LocalLog.class);

    /** The log end as readers may see it: published with one volatile write after each change. */
    record EndState(long logEndOffset, LogSegment segment, int position) {
    }

    /** A segment renamed to {@code .deleted}, to be removed once no reader can still be sending it. */
    private record PendingDeletion(LogSegment segment, long dueMs) {
    }

    private final Path dir;
    private final TopicPartition topicPartition;
    private final Time time;
    private volatile LogConfig config;

    private final ConcurrentSkipListMap<Long, LogSegment> segments = new ConcurrentSkipListMap<>();
    private final ReentrantLock flushLock = new ReentrantLock();
    private final List<PendingDeletion> pendingDeletions = new ArrayList<>();

    private volatile EndState end;
    private volatile long recoveryPoint;
    private volatile long lastFlushMs;
    private volatile boolean closed;
    /** Whether opening had to scan segments (an unclean shutdown or bad indexes). */
    private boolean recovered;

    private LocalLog(Path dir, TopicPartition tp, LogConfig config, Time time) {
        this.dir = dir;
        this.topicPartition = tp;
        this.config = config;
        this.time = time;
    }

    // ------------------------------------------------------------------ loading and recovery

    /**
     * Opens the segments in {@code dir}, recovering every segment from the one holding
     * {@code recoveryPoint} on (all of them after a clean shutdown: none) and any whose indexes look
     * wrong; a directory without segments gets an empty one at {@code emptyBase}. The recovery
     * point is left for the caller to set ({@link #setRecoveryPoint}).
     *
     * @param visitor told about every valid batch of a recovered segment, in offset order
     */
    static LocalLog open(Path dir, TopicPartition tp, LogConfig config, Time time, long recoveryPoint,
                         boolean hadCleanShutdown, long emptyBase, LogSegment.BatchVisitor visitor) throws IOException {
        LocalLog local = new LocalLog(dir, tp, config, time);
        local.load(recoveryPoint, hadCleanShutdown, emptyBase, visitor);
        return local;
    }

    static boolean hasSegments(Path dir) throws IOException {
        try (DirectoryStream<Path> logs = Files.newDirectoryStream(dir, "*" + LogSegment.LOG_SUFFIX)) {
            return logs.iterator().hasNext();
        }
    }

    private void load(long checkpointedRecoveryPoint, boolean hadCleanShutdown, long emptyBase,
                      LogSegment.BatchVisitor visitor) throws IOException {
        long now = time.milliseconds();
        List<Long> baseOffsets = cleanDirectoryAndListSegments();
        LogConfig cfg = config;
        if (baseOffsets.isEmpty()) {
            segments.put(emptyBase, LogSegment.create(dir, emptyBase, cfg, now));
        } else {
            for (long base : baseOffsets) {
                segments.put(base, LogSegment.open(dir, base, cfg, now));
            }
        }

        Long recoverFromKey = segments.floorKey(Math.max(checkpointedRecoveryPoint, 0L));
        long recoverFrom = hadCleanShutdown ? Long.MAX_VALUE
                : (recoverFromKey == null ? segments.firstKey() : recoverFromKey);
        List<LogSegment> all = new ArrayList<>(segments.values());
        for (int i = 0; i < all.size(); i++) {
            LogSegment segment = all.get(i);
            boolean last = i == all.size() - 1;
            if (segment.baseOffset() < recoverFrom && segment.indexesLookSane()) {
                continue;
            }
            recovered = true;
            int truncated = segment.recover(cfg, visitor);
            if (!last) {
                if (truncated > 0) {
                    // Everything after a torn or corrupt batch is unreachable: drop the later segments.
                    for (LogSegment later : all.subList(i + 1, all.size())) {
                        LOG.warn("Deleting segment {} of {} after a truncated segment", later.baseOffset(), topicPartition);
                        segments.remove(later.baseOffset());
                        later.deleteFiles();
                    }
                    break;
                }
                segment.seal();
            }
        }
        LogSegment active = segments.lastEntry().getValue();
        active.becomeActive(cfg);
        this.end = new EndState(active.readNextOffset(), active, active.size());
        if (recovered) {
            // What recovery read back may only have been in the page cache: make it durable before
            // calling it recovered.
            for (LogSegment s : segments.values()) {
                s.flushLog();
            }
        }
        this.lastFlushMs = now;
    }

    /** Removes leftovers of interrupted operations and returns the base offsets of the segments. */
    private List<Long> cleanDirectoryAndListSegments() throws IOException {
        List<Long> logs = new ArrayList<>();
        List<Path> indexes = new ArrayList<>();
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir)) {
            for (Path f : files) {
                String name = f.getFileName().toString();
                if (name.endsWith(LogSegment.DELETED_SUFFIX) || name.endsWith(".tmp")
                        || name.endsWith(".cleaned") || name.endsWith(".swap")) {
                    Files.deleteIfExists(f);
                } else if (name.endsWith(LogSegment.LOG_SUFFIX)) {
                    try {
                        logs.add(LogSegment.baseOffsetOf(name));
                    } catch (NumberFormatException e) {
                        LOG.warn("Ignoring unexpected file {}", f);
                    }
                } else if (name.endsWith(LogSegment.INDEX_SUFFIX) || name.endsWith(LogSegment.TIME_INDEX_SUFFIX)) {
                    indexes.add(f);
                }
            }
        }
        for (Path index : indexes) {
            String name = index.getFileName().toString();
            String logName = name.substring(0, name.indexOf('.')) + LogSegment.LOG_SUFFIX;
            if (!Files.exists(dir.resolve(logName))) {
                Files.deleteIfExists(index); // an index without its segment
            }
        }
        logs.sort(null);
        return logs;
    }

    /** True when {@link #open} scanned segments. */
    boolean recovered() {
        return recovered;
    }

    // ------------------------------------------------------------------ accessors

    Path dir() {
        return dir;
    }

    LogConfig config() {
        return config;
    }

    void updateConfig(LogConfig config) {
        this.config = config;
    }

    EndState end() {
        return end;
    }

    long logEndOffset() {
        return end.logEndOffset();
    }

    /** The segments by base offset, oldest first; a live view for iteration under or outside the lock. */
    NavigableMap<Long, LogSegment> segments() {
        return segments;
    }

    /** Base offset of the oldest local segment, or the log end when there is none (a deleted log). */
    long firstSegmentBase() {
        Map.Entry<Long, LogSegment> first = segments.firstEntry();
        return first == null ? end.logEndOffset() : first.getKey();
    }

    long sizeInBytes() {
        long size = 0;
        for (LogSegment s : segments.values()) {
            size += s.size();
        }
        return size;
    }

    long sizeInBytesFrom(long offset) {
        long size = 0;
        for (LogSegment s : segments.tailMap(offset, true).values()) {
            size += s.size();
        }
        return size;
    }

    int numberOfSegments() {
        return segments.size();
    }

    List<Long> segmentBaseOffsets() {
        return List.copyOf(segments.keySet());
    }

    long recoveryPoint() {
        return recoveryPoint;
    }

    /** Sets the recovery point once the owner knows the log start offset (at open). */
    void setRecoveryPoint(long offset) {
        this.recoveryPoint = offset;
    }

    boolean isClosed() {
        return closed;
    }

    /** Refuses further appends from now on. */
    void markClosed() {
        closed = true;
    }

    // ------------------------------------------------------------------ append and roll

    /**
     * Writes batches that already carry their final offsets to the active segment with one write
     * call, then publishes the new end. On failure the segment is cut back to where it was (when that
     * fails too, the log refuses further appends: the file is in an unknown state).
     */
    void append(MemoryRecords records, List<? extends RecordBatch> batches, long lastOffset, long nowMs) {
        LogSegment segment = end.segment();
        int sizeBefore = segment.size();
        try {
            segment.append(records, batches, nowMs);
        } catch (IOException | RuntimeException ex) {
            try {
                segment.truncateTo(sizeBefore);
            } catch (IOException suppressed) {
                ex.addSuppressed(suppressed);
                closed = true;
            }
            throw new KafkaStorageException("Append to " + topicPartition + " failed", ex);
        }
        end = new EndState(lastOffset + 1, segment, segment.size());
    }

    /** False when a roll would create nothing: the active segment is empty or already starts at the end. */
    boolean canRoll() {
        EndState e = end;
        return e.segment().size() > 0 && e.segment().baseOffset() != e.logEndOffset();
    }

    /**
     * Seals the active segment and starts a new one at the log end offset (when {@link #canRoll}).
     * The sealed segment is not fsynced here: the caller flushes it outside the lock.
     */
    LogSegment roll(long nowMs) throws IOException {
        EndState e = end;
        if (!canRoll()) {
            return e.segment();
        }
        long newBase = e.logEndOffset();
        e.segment().seal();
        LogSegment created = LogSegment.create(dir, newBase, config, nowMs);
        segments.put(newBase, created);
        end = new EndState(newBase, created, 0);
        CheckpointFile.fsyncDirectory(dir);
        LOG.debug("Rolled {} to a new segment at {}", topicPartition, newBase);
        return created;
    }

    // ------------------------------------------------------------------ read

    /**
     * Whole batches from the one holding {@code startOffset} up to {@code limitOffset} (exclusive, at
     * most the end of {@code e}). The caller has checked that {@code startOffset} lies in
     * [{@code logStart}, end]; {@code hw} and {@code logStart} are only reported.
     *
     * @throws OffsetMovedToTieredStorageException when {@code startOffset} is below the first local segment
     */
    LogReadResult read(EndState e, long startOffset, int maxBytes, long limitOffset, boolean minOneBatch,
                       long hw, long logStart) {
        Map.Entry<Long, LogSegment> entry = segments.floorEntry(startOffset);
        if (entry == null) {
            if (startOffset >= logStart) {
                // Below the local log but within the partition: the batches are in object storage.
                throw new OffsetMovedToTieredStorageException("Offset " + startOffset + " of " + topicPartition
                        + " is below the local log start " + Math.max(firstSegmentBase(), logStart));
            }
            // Retention removed the segment between the caller's range check and here.
            throw new OffsetOutOfRangeException("Offset " + startOffset + " is below the log start offset "
                    + logStart + " of " + topicPartition);
        }
        // Segments with a base offset below the published end existed when `e` was read.
        while (entry != null && entry.getKey() < limitOffset) {
            LogSegment segment = entry.getValue();
            boolean active = segment == e.segment();
            int visible = active ? e.position() : segment.size();
            FileRecords view = segment.view(visible);
            LogOffsetPosition first = segment.translateOffset(view, startOffset);
            if (first != null && first.offset < limitOffset) {
                int endPosition = visible;
                long endOffset;
                LogOffsetPosition limit = limitOffset < e.logEndOffset() ? segment.translateOffset(view, limitOffset) : null;
                if (limit != null) {
                    // The high watermark is a batch boundary: the batch holding it starts there and is not returned.
                    endPosition = limit.position;
                    endOffset = limit.offset;
                } else if (active) {
                    endOffset = e.logEndOffset();
                } else {
                    Long nextBase = segments.higherKey(entry.getKey());
                    endOffset = nextBase != null ? nextBase : e.logEndOffset();
                }
                if (endPosition <= first.position) {
                    return LogReadResult.empty(startOffset, hw, logStart, e.logEndOffset());
                }
                return slice(segment, view, first, endPosition, endOffset, maxBytes, minOneBatch,
                        startOffset, hw, logStart, e.logEndOffset());
            }
            entry = segments.higherEntry(entry.getKey());
        }
        return LogReadResult.empty(startOffset, hw, logStart, e.logEndOffset());
    }

    /**
     * Whole batches from {@code first} up to {@code endPosition} (where {@code endOffset} starts), at most
     * {@code maxBytes} unless the first batch alone is larger. Reads batch headers only near the size limit.
     */
    private static LogReadResult slice(LogSegment segment, FileRecords view, LogOffsetPosition first,
                                       int endPosition, long endOffset, int maxBytes, boolean minOneBatch,
                                       long fetchOffset, long hw, long logStart, long logEnd) {
        int available = endPosition - first.position;
        if (available <= maxBytes) {
            return new LogReadResult(fetchOffset, view.slice(first.position, available), hw, logStart, logEnd,
                    endOffset);
        }
        if (first.size > maxBytes) {
            // Kafka's contract: the first batch alone when allowed, else nothing. A prefix of the batch would be
            // bytes without a complete batch, which consumers (Fetch v3+) reject: "Failed to make progress".
            // This happens when a fetch's byte budget runs out over many partitions (Kafka's ReplicaManager
            // replaces such an incomplete first batch with empty records too).
            if (minOneBatch) {
                FileRecords batch = view.slice(first.position, first.size);
                long next = batch.batches().iterator().next().nextOffset();
                return new LogReadResult(fetchOffset, batch, hw, logStart, logEnd, next);
            }
            return LogReadResult.empty(fetchOffset, hw, logStart, logEnd);
        }
        int limit = first.position + maxBytes;
        // Jump close to the limit with the index, then walk batch headers to the last whole batch.
        int boundary = Math.max(first.position + first.size, segment.offsetIndex().lookupPositionAtMost(limit));
        long next = endOffset;
        for (FileChannelRecordBatch batch : view.batchesFrom(boundary)) {
            int batchEnd = batch.position() + batch.sizeInBytes();
            if (batchEnd > limit) {
                next = batch.baseOffset();
                break;
            }
            boundary = batchEnd;
        }
        return new LogReadResult(fetchOffset, view.slice(first.position, boundary - first.position), hw, logStart,
                logEnd, next);
    }

    /** The first record at or after {@code startingOffset} whose timestamp is at least {@code timestamp}. */
    Optional<TimestampAndOffset> searchForTimestamp(long timestamp, long startingOffset) {
        EndState e = end;
        for (LogSegment s : segments.values()) {
            if (s.baseOffset() >= e.logEndOffset()) {
                break;
            }
            if (s.maxTimestampSoFar() >= timestamp) {
                Optional<TimestampAndOffset> found = searchSegment(s, timestamp, startingOffset, e);
                if (found.isPresent()) {
                    return found;
                }
            }
        }
        return Optional.empty();
    }

    /** The record with the largest timestamp (the first of equals), at or after {@code startingOffset}. */
    Optional<TimestampAndOffset> searchForMaxTimestamp(long startingOffset) {
        EndState e = end;
        LogSegment best = null;
        for (LogSegment s : segments.values()) {
            if (s.baseOffset() >= e.logEndOffset()) {
                break;
            }
            if (s.maxTimestampSoFar() >= 0 && (best == null || s.maxTimestampSoFar() > best.maxTimestampSoFar())) {
                best = s;
            }
        }
        return best == null ? Optional.empty() : searchSegment(best, best.maxTimestampSoFar(), startingOffset, e);
    }

    private static Optional<TimestampAndOffset> searchSegment(LogSegment segment, long target, long startingOffset,
                                                              EndState e) {
        int visible = segment == e.segment() ? e.position() : segment.size();
        FileRecords view = segment.view(visible);
        TimeIndex.TimestampOffset before = segment.timeIndex().lookupBefore(target);
        int position = segment.offsetIndex().lookup(Math.max(before.offset(), startingOffset)).position();
        if (position >= visible) {
            return Optional.empty();
        }
        return Optional.ofNullable(view.searchForTimestamp(target, position, startingOffset, Integer.MAX_VALUE));
    }

    // ------------------------------------------------------------------ flush

    /**
     * Fsyncs everything up to at least {@code offset}; concurrent callers share one fsync: whoever
     * holds the flush lock syncs everything appended so far, and callers queued behind it find their
     * offset covered and return without syncing again. Does not block appends.
     */
    void flush(long offset) {
        if (offset <= recoveryPoint) {
            return;
        }
        flushLock.lock();
        try {
            if (offset <= recoveryPoint) {
                return;
            }
            EndState e = end;
            long target = e.logEndOffset();
            long from = recoveryPoint;
            if (target <= from) {
                return;
            }
            Long fromKey = segments.floorKey(from);
            Iterable<LogSegment> toSync = fromKey == null ? segments.values() : segments.tailMap(fromKey, true).values();
            for (LogSegment s : toSync) {
                if (s.baseOffset() >= target) {
                    break;
                }
                try {
                    s.flushLog();
                } catch (ClosedChannelException deleted) {
                    continue; // removed by retention meanwhile
                }
                if (s != e.segment()) {
                    s.flushIndexes();
                }
            }
            recoveryPoint = target;
            lastFlushMs = time.milliseconds();
        } catch (IOException ex) {
            throw new KafkaStorageException("Flush of " + topicPartition + " failed", ex);
        } finally {
            flushLock.unlock();
        }
    }

    /** Applies flush.ms: fsyncs when unflushed data is older than it. */
    void flushIfDue(long nowMs) {
        long flushMs = config.flushMs();
        if (recoveryPoint < end.logEndOffset() && flushMs != Long.MAX_VALUE && nowMs - lastFlushMs >= flushMs) {
            flush(end.logEndOffset());
        }
    }

    // ------------------------------------------------------------------ truncation

    /**
     * The base offset of the batch holding {@code offset} (of the first batch after it when none
     * does): where a truncation to {@code offset} ends the log. Requires {@code firstSegmentBase() <=
     * offset < logEndOffset()}.
     */
    long batchBoundaryAtOrBelow(long offset) {
        EndState e = end;
        LogSegment segment = segments.floorEntry(offset).getValue();
        LogOffsetPosition batch = segment.translateOffset(
                segment.view(segment == e.segment() ? e.position() : segment.size()), offset);
        return batch == null ? e.logEndOffset() : batch.offset;
    }

    /**
     * Removes every batch from {@code newEnd} on; {@code newEnd} must be a batch boundary from
     * {@link #batchBoundaryAtOrBelow} below the log end. Later segments go the way of retention
     * ({@code .deleted}, removed after {@code file.delete.delay.ms}); the containing segment's files
     * are cut and fsynced, so a crash cannot bring the removed batches back, and it becomes the
     * active segment. The recovery point drops to {@code newEnd} if it was above.
     *
     * <p>The new end is published before any file shrinks: a reader that starts afterwards never
     * looks past it. A zero-copy read already sending the tail of the containing segment may come
     * up short (as in Kafka); later segments stay readable until deleted.
     */
    void truncateTo(long newEnd, long nowMs) throws IOException {
        flushLock.lock(); // a flush in flight must not set the recovery point past the new end
        try {
            EndState e = end;
            LogSegment keep = segments.floorEntry(newEnd).getValue();
            LogOffsetPosition cut = keep.translateOffset(keep.view(keep == e.segment() ? e.position() : keep.size()),
                    newEnd);
            if (cut == null || cut.offset != newEnd) {
                throw new IllegalArgumentException("Offset " + newEnd + " is not a batch boundary of " + topicPartition);
            }
            List<LogSegment> later = new ArrayList<>(segments.tailMap(keep.baseOffset(), false).values());
            end = new EndState(newEnd, keep, cut.position);
            for (LogSegment s : later) {
                segments.remove(s.baseOffset());
            }
            scheduleDeletion(later, nowMs);
            keep.truncateToOffset(newEnd, cut.position);
            if (keep != e.segment()) {
                keep.becomeActive(config);
            }
            keep.flushLog();
            CheckpointFile.fsyncDirectory(dir);
            recoveryPoint = Math.min(recoveryPoint, newEnd);
            LOG.info("Truncated {} to {} (was {}); {} later segment(s) deleted", topicPartition, newEnd,
                    e.logEndOffset(), later.size());
        } finally {
            flushLock.unlock();
        }
    }

    /**
     * Deletes every segment (as retention does) and starts an empty active segment at {@code offset},
     * which becomes the log end and the first local offset.
     */
    void truncateFullyAndStartAt(long offset, long nowMs) throws IOException {
        flushLock.lock();
        try {
            List<LogSegment> old = new ArrayList<>(segments.values());
            // Renamed first: the new segment may take the name of an old one. Open channels keep
            // serving reads in flight until the files are deleted.
            for (LogSegment s : old) {
                s.renameForDeletion();
            }
            LogSegment created = LogSegment.create(dir, offset, config, nowMs);
            // The new segment goes in before the old ones leave, so the map is never empty.
            segments.put(offset, created);
            for (LogSegment s : old) {
                segments.remove(s.baseOffset(), s);
            }
            end = new EndState(offset, created, 0);
            long due = nowMs + config.fileDeleteDelayMs();
            for (LogSegment s : old) {
                pendingDeletions.add(new PendingDeletion(s, due));
            }
            deletePendingFiles(nowMs, false);
            CheckpointFile.fsyncDirectory(dir);
            recoveryPoint = offset;
            LOG.info("Truncated {} fully: {} segment(s) deleted, the log now starts and ends at {}", topicPartition,
                    old.size(), offset);
        } finally {
            flushLock.unlock();
        }
    }

    // ------------------------------------------------------------------ deletion

    /** Unlinks sealed segments from the log and schedules their files for deletion. */
    void removeSegments(List<LogSegment> deletable, long nowMs) throws IOException {
        for (LogSegment s : deletable) {
            segments.remove(s.baseOffset());
        }
        scheduleDeletion(deletable, nowMs);
    }

    /** Renames already unlinked segments to {@code .deleted}; they are removed after {@code file.delete.delay.ms}. */
    private void scheduleDeletion(List<LogSegment> unlinked, long nowMs) throws IOException {
        long due = nowMs + config.fileDeleteDelayMs();
        for (LogSegment s : unlinked) {
            s.renameForDeletion();
            pendingDeletions.add(new PendingDeletion(s, due));
        }
        deletePendingFiles(nowMs, false);
    }

    /** Removes {@code .deleted} files whose delay has passed (all when {@code force}). */
    void deletePendingFiles(long nowMs, boolean force) {
        Iterator<PendingDeletion> it = pendingDeletions.iterator();
        while (it.hasNext()) {
            PendingDeletion p = it.next();
            if (force || nowMs >= p.dueMs()) {
                try {
                    p.segment().deleteFiles();
                } catch (IOException ex) {
                    LOG.warn("Could not delete {}: {}", p.segment(), ex.toString());
                }
                it.remove();
            }
        }
    }

    // ------------------------------------------------------------------ close and delete

    /** Clean close: fsyncs everything, removes files pending deletion, seals and closes every segment. */
    void close() throws IOException {
        closed = true;
        flush(end.logEndOffset());
        deletePendingFiles(Long.MAX_VALUE, true);
        for (LogSegment s : segments.values()) {
            s.close();
        }
        recoveryPoint = end.logEndOffset();
    }

    /** Closes the segment files without sealing them (the directory is about to be removed). */
    void closeFilesForDeletion() throws IOException {
        closed = true;
        deletePendingFiles(Long.MAX_VALUE, true);
        for (LogSegment s : segments.values()) {
            s.log().close();
        }
        segments.clear();
    }
}
