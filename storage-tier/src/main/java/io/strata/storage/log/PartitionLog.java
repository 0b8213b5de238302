package io.strata.storage.log;

import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.errors.FencedLeaderEpochException;
import org.apache.kafka.common.errors.InconsistentTopicIdException;
import org.apache.kafka.common.errors.KafkaStorageException;
import org.apache.kafka.common.errors.OffsetMovedToTieredStorageException;
import org.apache.kafka.common.errors.OffsetOutOfRangeException;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.common.record.internal.FileRecords.TimestampAndOffset;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.MutableRecordBatch;
import org.apache.kafka.common.record.internal.RecordBatch;
import org.apache.kafka.common.requests.ListOffsetsRequest;
import org.apache.kafka.common.utils.Time;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import java.util.stream.Stream;

/**
 * The log of one partition, in Kafka's on-disk format so Kafka's tools can read it: what offsets mean
 * (validation, offset assignment, leader epochs, idempotent-producer state, high watermark, log start
 * offset, retention and tiering policy) over the segment files that its {@link LocalLog} keeps.
 *
 * <p>Directory {@code <topic>-<partition>} holds the segments and {@code *.deleted} files of
 * {@link LocalLog}, and:
 * <ul>
 *   <li>{@code leader-epoch-checkpoint} ({@link LeaderEpochCache}), written before the first batch of
 *       a new epoch reaches the segment;</li>
 *   <li>{@code partition.metadata}, the topic id ({@link PartitionMetadataFile});</li>
 *   <li>{@code <offset>.snapshot}, idempotent-producer state ({@link ProducerStateManager}), taken at
 *       each roll and at clean close.</li>
 * </ul>
 * The recovery point, log start offset and high watermark are kept by {@link LogManager} in
 * per-directory checkpoints.
 *
 * <p>Invariants: {@code logStartOffset <= highWatermark <= logEndOffset}; {@code recoveryPoint <=
 * logEndOffset}; the epoch cache holds no epoch starting at or after the log end; producer state
 * reflects exactly the batches below the log end; the {@link LocalLog} invariants hold.
 *
 * <p>Tiered logs ({@link #enableTiering}): sealed segments are copied to object storage, so the log
 * start offset may lie below the first local segment ({@link #localLogStartOffset}); reads there
 * throw {@link OffsetMovedToTieredStorageException} for the caller to serve remotely. A local segment
 * is deleted only once the remote manifest holds it ({@link #remoteEndOffset}), and the log start
 * offset then moves only by remote retention.
 *
 * <p>Thread-safety: safe for concurrent use. Appends, rolls, retention and close are serialised by
 * one per-log lock. Reads ({@link #read}, {@link #offsetForTimestamp}, {@link #endOffsetForEpoch} and
 * the offset getters) take no lock: they see the segments through {@link LocalLog}, whose end state is
 * published with one volatile write after a write completed, so a reader never sees a half-written
 * batch. {@link #flush(long)} is a group commit under its own lock and does not block appends.
 *
 * <p>Appends are checked by {@link BatchValidator} before anything is written: a rejected request
 * leaves the log untouched.
 */
public final class PartitionLog implements Closeable {

    private static final Logger LOG = LoggerFactory.getLogger(PartitionLog.class);

    private final Path dir;
    private final TopicPartition topicPartition;
    private final Uuid topicId;
    private final Time time;

    private final LeaderEpochCache epochCache;
    private final ProducerStateManager producerState;
    private final ReentrantLock lock = new ReentrantLock();
    private final LocalLog local;

    private volatile long logStartOffset;
    private final AtomicLong highWatermark = new AtomicLong();
    private volatile Executor backgroundExecutor;
    private volatile Runnable sealListener;
    /** Whether sealed segments are copied to object storage (the node attaches tiering); see {@link #enableTiering}. */
    private volatile boolean tiered;
    /** Offset after the last batch confirmed in the remote manifest; -1 while nothing is. */
    private final AtomicLong remoteEndOffset = new AtomicLong(-1L);

    private PartitionLog(Path dir, TopicPartition tp, Time time, LogLoader.Loaded loaded, long highWatermarkCheckpoint) {
        this.dir = dir;
        this.topicPartition = tp;
        this.time = time;
        this.topicId = loaded.topicId();
        this.local = loaded.local();
        this.epochCache = loaded.epochs();
        this.producerState = loaded.producerState();
        this.logStartOffset = loaded.logStartOffset();
        this.remoteEndOffset.set(loaded.remoteEndOffset());
        long end = local.logEndOffset();
        this.highWatermark.set(highWatermarkCheckpoint < 0 ? end
                : Math.max(logStartOffset, Math.min(highWatermarkCheckpoint, end)));
    }

    /**
     * Opens (recovering if needed) or creates the log in {@code dir}.
     *
     * @param hadCleanShutdown whether the node's previous run closed its logs cleanly; when false,
     *                         every segment past the recovery point is scanned and its tail verified
     */
    public static PartitionLog open(Path dir, TopicPartition tp, Uuid topicId, LogConfig config,
                                    long recoveryPoint, boolean hadCleanShutdown, Time time) throws IOException {
        return open(dir, tp, topicId, config, recoveryPoint, -1L, hadCleanShutdown, time);
    }

    /**
     * As {@link #open(Path, TopicPartition, Uuid, LogConfig, long, boolean, Time)}, with the log start
     * offset from the log directory's checkpoint (-1 when unknown: the first segment's base offset).
     *
     * @throws InconsistentTopicIdException when the directory belongs to another topic id
     */
    public static PartitionLog open(Path dir, TopicPartition tp, Uuid topicId, LogConfig config,
                                    long recoveryPoint, long logStartOffsetCheckpoint, boolean hadCleanShutdown,
                                    Time time) throws IOException {
        return open(dir, tp, topicId, config, recoveryPoint, logStartOffsetCheckpoint, hadCleanShutdown, time, null);
    }

    /**
     * As {@link #open(Path, TopicPartition, Uuid, LogConfig, long, long, boolean, Time)}, for a partition
     * whose older segments may live in object storage. With {@code remote} given, the log start offset is
     * the remote one; a log without local segments starts at the remote end offset with the remote
     * leader-epoch history and producer state, so a node with an empty data directory continues the
     * partition where the object store ends.
     *
     * @param remote what object storage holds of the partition, or null when nothing
     */
    public static PartitionLog open(Path dir, TopicPartition tp, Uuid topicId, LogConfig config,
                                    long recoveryPoint, long logStartOffsetCheckpoint, boolean hadCleanShutdown,
                                    Time time, RemoteLogBounds remote) throws IOException {
        return open(dir, tp, topicId, config, recoveryPoint, logStartOffsetCheckpoint, -1L, hadCleanShutdown, time,
                remote);
    }

    /**
     * As {@link #open(Path, TopicPartition, Uuid, LogConfig, long, long, boolean, Time, RemoteLogBounds)},
     * with the high watermark from the log directory's {@code replication-offset-checkpoint}.
     *
     * @param highWatermarkCheckpoint the checkpointed high watermark, clamped to [log start, log end];
     *                                -1 when unknown: the log end offset, as for a single replica
     */
    public static PartitionLog open(Path dir, TopicPartition tp, Uuid topicId, LogConfig config,
                                    long recoveryPoint, long logStartOffsetCheckpoint, long highWatermarkCheckpoint,
                                    boolean hadCleanShutdown, Time time, RemoteLogBounds remote) throws IOException {
        return new PartitionLog(dir, tp, time, LogLoader.load(dir, tp, topicId, config, recoveryPoint,
                logStartOffsetCheckpoint, hadCleanShutdown, time, remote), highWatermarkCheckpoint);
    }

    // ------------------------------------------------------------------ accessors

    public TopicPartition topicPartition() {
        return topicPartition;
    }

    /** The topic id, or {@link Uuid#ZERO_UUID} when none was ever given. */
    public Uuid topicId() {
        return topicId;
    }

    public Path dir() {
        return dir;
    }

    public LogConfig config() {
        return local.config();
    }

    /** Takes effect for the next append, roll and retention run; index sizes apply to new segments. */
    public void updateConfig(LogConfig config) {
        local.updateConfig(config);
    }

    public long logStartOffset() {
        return logStartOffset;
    }

    public long logEndOffset() {
        return local.logEndOffset();
    }

    /** Base offset of the oldest segment on local disk; below it (and from the log start on) data is only remote. */
    public long localLogStartOffset() {
        return local.segments().isEmpty() ? local.logEndOffset() : Math.max(local.firstSegmentBase(), logStartOffset);
    }

    /**
     * Hands local retention over to tiering: from now on a segment is deleted locally only once it is
     * in the remote manifest ({@link #remoteCopyConfirmed}), by {@code local.retention.ms/bytes}; the log
     * start offset then moves only by remote retention ({@link #advanceLogStartOffset}). Applies while
     * the topic has {@code remote.storage.enable=true}.
     */
    public void enableTiering() {
        this.tiered = true;
    }

    /** True when sealed segments of this log go to object storage. */
    public boolean isTiered() {
        return tiered && local.config().remoteStorageEnable();
    }

    /** Offset after the last batch confirmed in the remote manifest; -1 while nothing is. */
    public long remoteEndOffset() {
        return remoteEndOffset.get();
    }

    /** Records that the remote manifest now holds every batch below {@code endOffset}. */
    public void remoteCopyConfirmed(long endOffset) {
        remoteEndOffset.accumulateAndGet(endOffset, Math::max);
    }

    /**
     * Sealed segments (never the active one) whose base offset is at least {@code fromOffset} and
     * that end at or below the high watermark, oldest first: what tiering still has to upload when
     * {@code fromOffset} is the remote end. Uncommitted batches never reach object storage, where a
     * truncation could not remove them.
     */
    public List<SealedSegment> sealedSegmentsFrom(long fromOffset) {
        long hw = highWatermark.get();
        LocalLog.EndState e = local.end();
        NavigableMap<Long, LogSegment> segments = local.segments();
        List<SealedSegment> out = new ArrayList<>();
        Long fromKey = segments.floorKey(fromOffset);
        Iterator<LogSegment> it = segments.tailMap(fromKey == null ? Long.MIN_VALUE : fromKey, true).values().iterator();
        LogSegment current = it.hasNext() ? it.next() : null;
        while (current != null && current != e.segment()) {
            LogSegment next = it.hasNext() ? it.next() : null;
            if (next == null || next.baseOffset() > hw) {
                break; // only the active segment has no successor; later ones end above the mark too
            }
            if (current.baseOffset() >= fromOffset && current.size() > 0) {
                long nextOffset = next.baseOffset();
                Path snapshot = ProducerStateManager.snapshotFile(dir, nextOffset);
                out.add(new SealedSegment(current.baseOffset(), nextOffset, current.size(), current.maxTimestampSoFar(),
                        current.log().file().toPath(), current.offsetIndex().file().toPath(),
                        current.timeIndex().file().toPath(),
                        Files.exists(snapshot) ? Optional.of(snapshot) : Optional.empty(),
                        epochsWithin(current.baseOffset(), nextOffset)));
            }
            current = next;
        }
        return out;
    }

    /** The epochs in force over [from, to), the first moved up to {@code from}. */
    private List<EpochStart> epochsWithin(long from, long to) {
        List<EpochStart> out = new ArrayList<>();
        for (LeaderEpochCache.EpochEntry entry : epochCache.entries()) {
            if (entry.startOffset() >= to) {
                break;
            }
            if (entry.startOffset() <= from) {
                out.clear();
                out.add(new EpochStart(entry.epoch(), from));
            } else {
                out.add(new EpochStart(entry.epoch(), entry.startOffset()));
            }
        }
        return out;
    }

    /** Bytes of sealed segments not yet confirmed in the remote manifest (the tiering backlog). */
    public long untieredSealedBytes() {
        long remoteEnd = remoteEndOffset.get();
        LocalLog.EndState e = local.end();
        long bytes = 0;
        for (LogSegment s : local.segments().values()) {
            if (s != e.segment() && s.baseOffset() >= remoteEnd) {
                bytes += s.size();
            }
        }
        return bytes;
    }

    public long highWatermark() {
        return highWatermark.get();
    }

    /** Moves the high watermark, clamped to [logStartOffset, logEndOffset]; never moves it backwards unless truncating. */
    public void updateHighWatermark(long offset) {
        long clamped = Math.max(logStartOffset, Math.min(offset, local.logEndOffset()));
        highWatermark.accumulateAndGet(clamped, Math::max); // lock-free: called after every append
        // A truncation may have lowered the end after the clamp read it. The end only grows between
        // truncations, so a mark above an end read after it can only come from such a race.
        long hw;
        long end;
        while ((hw = highWatermark.get()) > (end = local.logEndOffset())) {
            highWatermark.compareAndSet(hw, end);
        }
    }

    /**
     * Sets the high watermark, clamped to [logStartOffset, logEndOffset], backwards too: a replica
     * that becomes a follower takes the leader's mark instead of its own.
     */
    public void resetHighWatermark(long offset) {
        lock.lock();
        try {
            highWatermark.set(Math.max(logStartOffset, Math.min(offset, local.logEndOffset())));
        } finally {
            lock.unlock();
        }
    }

    /** Everything below this offset is fsynced. */
    public long recoveryPoint() {
        return local.recoveryPoint();
    }

    /** Told (on the background executor) after a roll sealed a segment and it was fsynced; must not block. */
    public void setSealListener(Runnable listener) {
        this.sealListener = listener;
    }

    /** Lets asynchronous work (fsync of sealed segments) run on the owner's executor instead of inline. */
    public void setBackgroundExecutor(Executor executor) {
        this.backgroundExecutor = executor;
    }

    public long sizeInBytes() {
        return local.sizeInBytes();
    }

    /** Bytes of the local segments whose base offset is at least {@code offset}. */
    public long sizeInBytesFrom(long offset) {
        return local.sizeInBytesFrom(offset);
    }

    public int numberOfSegments() {
        return local.numberOfSegments();
    }

    /** Base offsets of the segments, oldest first. */
    public List<Long> segmentBaseOffsets() {
        return local.segmentBaseOffsets();
    }

    /** Number of producer ids with retained idempotence state. */
    public int producerCount() {
        lock.lock();
        try {
            return producerState.producerCount();
        } finally {
            lock.unlock();
        }
    }

    // ------------------------------------------------------------------ append

    /**
     * Validates and appends producer batches as the leader, assigning offsets and stamping
     * {@code leaderEpoch} on each batch. Idempotent batches are checked against producer state:
     * an exact retry of one of the last five batches returns the original offsets with
     * {@code duplicate = true}.
     *
     * <p>The batches are modified in place (offsets, leader epoch, and for LogAppendTime topics the
     * timestamp) and written with a single write call.
     *
     * @throws org.apache.kafka.common.errors.ApiException with the Kafka error for the first problem
     *         found (CorruptRecordException, InvalidRecordException, RecordTooLargeException,
     *         RecordBatchTooLargeException, InvalidTimestampException, UnsupportedForMessageFormatException,
     *         OutOfOrderSequenceException, InvalidProducerEpochException, FencedLeaderEpochException when
     *         {@code leaderEpoch} is below the latest epoch of the log, KafkaStorageException);
     *         nothing of a rejected request reaches disk.
     */
    public LogAppendInfo appendAsLeader(MemoryRecords records, int leaderEpoch) {
        LogConfig cfg = local.config();
        long now = time.milliseconds();
        int requestSize = records.sizeInBytes();
        if (requestSize == 0) {
            return new LogAppendInfo(-1L, -1L, RecordBatch.NO_TIMESTAMP, -1L, -1L, logStartOffset, 0, 0, false);
        }

        // 1. Everything that needs no log state is checked before taking the lock.
        BatchValidator.Validated v = BatchValidator.validateForLeader(topicPartition, records, cfg, now);
        List<MutableRecordBatch> batches = v.batches();
        boolean idempotent = v.idempotent();
        boolean logAppendTime = cfg.messageTimestampType() == TimestampType.LOG_APPEND_TIME;

        // 2. Producer state, offsets and the write, under the log lock.
        long rolledTo = -1L;
        LogAppendInfo info;
        lock.lock();
        try {
            ensureOpen();
            if (idempotent) {
                for (MutableRecordBatch batch : batches) {
                    if (batch.hasProducerId()) {
                        ProducerStateManager.BatchMetadata dup = producerState.findDuplicate(batch);
                        if (dup != null) {
                            return new LogAppendInfo(dup.firstOffset(), dup.lastOffset(), dup.maxTimestamp(), -1L, -1L,
                                    logStartOffset, (int) (dup.lastOffset() - dup.firstOffset() + 1), 0, true);
                        }
                    }
                }
            }
            OptionalInt latestEpoch = epochCache.latestEpoch();
            if (latestEpoch.isPresent() && leaderEpoch < latestEpoch.getAsInt()) {
                throw new FencedLeaderEpochException("Append to " + topicPartition + " at leader epoch " + leaderEpoch
                        + " below the log's latest epoch " + latestEpoch.getAsInt());
            }
            if (idempotent) {
                Map<Long, long[]> staged = new HashMap<>(4);
                for (MutableRecordBatch batch : batches) {
                    if (batch.hasProducerId()) {
                        producerState.validate(batch, staged);
                    }
                }
            }

            long firstOffset = local.logEndOffset();
            long lastOffset = firstOffset + v.recordCount() - 1;
            if (shouldRoll(local.end().segment(), v.validBytes(), batches.size(), lastOffset, now, cfg)) {
                rolledTo = roll(now).baseOffset();
            }

            long next = firstOffset;
            for (MutableRecordBatch batch : batches) {
                int count = (int) (batch.lastOffset() - batch.baseOffset() + 1);
                batch.setLastOffset(next + count - 1);
                batch.setPartitionLeaderEpoch(leaderEpoch);
                next += count;
            }
            if (leaderEpoch >= 0 && (latestEpoch.isEmpty() || leaderEpoch > latestEpoch.getAsInt())) {
                epochCache.assign(leaderEpoch, firstOffset);
                epochCache.persist();
            }

            local.append(records, batches, lastOffset, now);
            if (idempotent) {
                for (MutableRecordBatch batch : batches) {
                    if (batch.hasProducerId()) {
                        producerState.update(batch.producerId(), batch.producerEpoch(), batch.baseSequence(),
                                batch.lastSequence(), batch.baseOffset(), batch.lastOffset(), batch.maxTimestamp(), now);
                    }
                }
            }
            info = new LogAppendInfo(firstOffset, lastOffset, v.maxTimestamp(), firstOffset + v.offsetOfMaxTimestampDelta(),
                    logAppendTime ? now : RecordBatch.NO_TIMESTAMP, logStartOffset, v.recordCount(), v.validBytes(), false);
        } catch (IOException ex) {
            throw new KafkaStorageException("Append to " + topicPartition + " failed", ex);
        } finally {
            lock.unlock();
        }
        if (rolledTo >= 0) {
            flushSealedAsync(rolledTo);
        }
        return info;
    }

    /**
     * Appends batches replicated from the leader verbatim: offsets and partition leader epochs as the
     * leader assigned them. Each batch must be magic v2 and pass its CRC, and the batches must be
     * contiguous and start at the log end offset; the leader's other rules (timestamps, sizes,
     * producer sequences) are not applied again. Producer state is updated so that de-duplication
     * survives a failover; a batch with a newer leader epoch records that epoch in the checkpoint
     * before it is written. Segments roll as for {@link #appendAsLeader}, between batches when the
     * input does not fit one segment. The high watermark does not move.
     *
     * @return offsets and sizes appended ({@code duplicate} is always false); for empty input, no offsets
     * @throws OffsetOutOfRangeException when the first batch does not start at the log end offset
     * @throws org.apache.kafka.common.errors.ApiException CorruptRecordException, InvalidRecordException,
     *         UnsupportedForMessageFormatException for bad input (nothing is written), KafkaStorageException
     */
    public LogAppendInfo appendAsFollower(MemoryRecords records) {
        if (records.sizeInBytes() == 0) {
            return new LogAppendInfo(-1L, -1L, RecordBatch.NO_TIMESTAMP, -1L, -1L, logStartOffset, 0, 0, false);
        }
        BatchValidator.Validated v = BatchValidator.validateForFollower(topicPartition, records);
        List<MutableRecordBatch> batches = v.batches();
        long firstOffset = batches.get(0).baseOffset();
        long lastOffset = batches.get(batches.size() - 1).lastOffset();
        long now = time.milliseconds();
        List<Long> rolledTo = new ArrayList<>(1);
        lock.lock();
        try {
            ensureOpen();
            if (firstOffset != local.logEndOffset()) {
                throw new OffsetOutOfRangeException("Replicated batches for " + topicPartition + " start at offset "
                        + firstOffset + " but the log ends at " + local.logEndOffset());
            }
            LogConfig cfg = local.config();
            int from = 0;
            int position = 0;
            while (from < batches.size()) {
                MutableRecordBatch head = batches.get(from);
                LogSegment segment = local.end().segment();
                if (shouldRoll(segment, head.sizeInBytes(), 1, head.lastOffset(), now, cfg)) {
                    segment = roll(now);
                    rolledTo.add(segment.baseOffset());
                }
                // As many batches as the segment takes, written with one call.
                int to = from + 1;
                int bytes = head.sizeInBytes();
                while (to < batches.size() && (long) segment.size() + bytes + batches.get(to).sizeInBytes() <= cfg.segmentBytes()
                        && !segment.indexesFull(to - from + 1) && segment.canHoldOffset(batches.get(to).lastOffset())) {
                    bytes += batches.get(to).sizeInBytes();
                    to++;
                }
                List<MutableRecordBatch> chunk = batches.subList(from, to);
                boolean epochsChanged = false;
                for (MutableRecordBatch batch : chunk) {
                    OptionalInt latest = epochCache.latestEpoch();
                    if (latest.isEmpty() || batch.partitionLeaderEpoch() > latest.getAsInt()) {
                        epochsChanged |= epochCache.assign(batch.partitionLeaderEpoch(), batch.baseOffset());
                    }
                }
                if (epochsChanged) {
                    epochCache.persist();
                }
                ByteBuffer slice = records.buffer().duplicate();
                slice.position(slice.position() + position).limit(slice.position() + bytes);
                local.append(MemoryRecords.readableRecords(slice.slice()), chunk, chunk.get(chunk.size() - 1).lastOffset(), now);
                for (MutableRecordBatch batch : chunk) {
                    producerState.replay(batch, now);
                }
                position += bytes;
                from = to;
            }
        } catch (IOException ex) {
            throw new KafkaStorageException("Append to " + topicPartition + " failed", ex);
        } finally {
            lock.unlock();
        }
        for (long rolled : rolledTo) {
            flushSealedAsync(rolled);
        }
        return new LogAppendInfo(firstOffset, lastOffset, v.maxTimestamp(), firstOffset + v.offsetOfMaxTimestampDelta(),
                RecordBatch.NO_TIMESTAMP, logStartOffset, v.recordCount(), v.validBytes(), false);
    }

    private boolean shouldRoll(LogSegment segment, int appendBytes, int batchCount, long lastOffset, long now,
                               LogConfig cfg) {
        if (segment.size() == 0) {
            return false;
        }
        return (long) segment.size() + appendBytes > cfg.segmentBytes()
                || now - segment.rollingBaseMs() >= cfg.segmentMs()
                || segment.indexesFull(batchCount)
                || !segment.canHoldOffset(lastOffset);
    }

    /**
     * Seals the active segment and starts a new one at the log end offset, after writing the producer
     * snapshot for that offset. Under the lock. The sealed segment is fsynced afterwards, outside the
     * lock ({@link #flushSealedAsync}).
     */
    private LogSegment roll(long now) throws IOException {
        if (local.canRoll()) {
            producerState.takeSnapshot(local.logEndOffset(), false);
        }
        return local.roll(now);
    }

    /** Fsyncs what a roll sealed (and its producer snapshot), on the background executor when there is one. */
    private void flushSealedAsync(long rolledTo) {
        Runnable task = () -> {
            try {
                flush(rolledTo);
                producerState.fsyncSnapshot(rolledTo);
            } catch (RuntimeException ex) {
                LOG.warn("Flush of {} after a roll failed: {}", topicPartition, ex.toString());
            }
            Runnable listener = sealListener;
            if (listener != null) {
                listener.run();
            }
        };
        Executor executor = backgroundExecutor;
        if (executor == null) {
            task.run();
        } else {
            try {
                executor.execute(task);
            } catch (RuntimeException rejected) {
                task.run();
            }
        }
    }

    /** Records {@code leaderEpoch} as starting at the log end offset, when it is newer than the latest one (becoming leader). */
    public void maybeAssignEpochStartOffset(int leaderEpoch) {
        lock.lock();
        try {
            OptionalInt latest = epochCache.latestEpoch();
            if (leaderEpoch >= 0 && (latest.isEmpty() || leaderEpoch > latest.getAsInt())) {
                epochCache.assign(leaderEpoch, local.logEndOffset());
                epochCache.persist();
            }
        } catch (IOException e) {
            throw new KafkaStorageException("Could not write the leader epoch checkpoint of " + topicPartition, e);
        } finally {
            lock.unlock();
        }
    }

    // ------------------------------------------------------------------ truncation

    /**
     * Removes every batch at or after the batch holding {@code offset} (the whole batch when
     * {@code offset} falls inside one, as Kafka does) and returns the new log end offset; a no-op
     * returning the log end when {@code offset} is at or above it. Later segments are deleted as by
     * retention (a read in flight still completes), the containing one is cut; the leader-epoch
     * checkpoint loses the epochs starting at or after the new end, producer state is rebuilt from
     * the newest snapshot at or below it, and the high watermark and recovery point drop to the new
     * end when they were above. Below the first local segment (a tiered log) the log is truncated
     * fully ({@link #truncateFullyAndStartAt}). Readers see either the old or the new end.
     *
     * @throws IllegalArgumentException when {@code offset} is below the log start offset
     */
    public long truncateTo(long offset) {
        lock.lock();
        try {
            ensureOpen();
            long oldEnd = local.logEndOffset();
            if (offset >= oldEnd) {
                // Nothing to cut, but an epoch this node started as leader without writing a batch
                // (it begins at the end) may conflict with the new leader's history: drop it, as Kafka does.
                if (epochCache.truncateFromEnd(oldEnd)) {
                    epochCache.persist();
                }
                return oldEnd;
            }
            if (offset < logStartOffset) {
                throw new IllegalArgumentException("Cannot truncate " + topicPartition + " to " + offset
                        + ", below its log start offset " + logStartOffset);
            }
            if (offset < local.firstSegmentBase()) {
                truncateFullyLocked(offset);
                return offset;
            }
            long newEnd = local.batchBoundaryAtOrBelow(offset);
            // A batch may straddle a log start set inside it: the start follows the end down.
            logStartOffset = Math.min(logStartOffset, newEnd);
            lowerHighWatermark(newEnd); // before and after the new end is published: never above it
            local.truncateTo(newEnd, time.milliseconds());
            lowerHighWatermark(newEnd);
            afterTruncation(newEnd);
            return newEnd;
        } catch (IOException ex) {
            local.markClosed(); // the files are in an unknown state
            throw new KafkaStorageException("Truncation of " + topicPartition + " failed", ex);
        } finally {
            lock.unlock();
        }
    }

    /**
     * Deletes every local segment and starts an empty log at {@code offset}, e.g. for a replica that
     * continues from the remote end. The log start offset is kept (older offsets may still be read
     * from object storage) unless it was above {@code offset}; the high watermark and recovery point
     * drop to {@code offset} when above; epochs starting at or after it are dropped. Producer state is
     * loaded from a snapshot at exactly {@code offset} when there is one, else starts empty.
     */
    public void truncateFullyAndStartAt(long offset) {
        if (offset < 0) {
            throw new IllegalArgumentException("Negative offset " + offset + " for " + topicPartition);
        }
        lock.lock();
        try {
            ensureOpen();
            truncateFullyLocked(offset);
        } catch (IOException ex) {
            local.markClosed();
            throw new KafkaStorageException("Truncation of " + topicPartition + " failed", ex);
        } finally {
            lock.unlock();
        }
    }

    private void truncateFullyLocked(long offset) throws IOException {
        logStartOffset = Math.min(logStartOffset, offset);
        lowerHighWatermark(offset);
        local.truncateFullyAndStartAt(offset, time.milliseconds());
        lowerHighWatermark(offset);
        if (producerState.loadLatestSnapshot(offset) != offset) {
            producerState.clear(); // the batches a snapshot would be replayed with are gone
            producerState.deleteAllSnapshots();
        }
        afterTruncation(offset);
    }

    /** Under the lock: epochs and producer state follow the log to its new end. */
    private void afterTruncation(long newEnd) throws IOException {
        if (epochCache.truncateFromEnd(newEnd)) {
            epochCache.persist();
        }
        LogLoader.rebuildProducerState(producerState, local, logStartOffset, time.milliseconds());
    }

    private void lowerHighWatermark(long bound) {
        highWatermark.accumulateAndGet(bound, Math::min);
    }

    private void ensureOpen() {
        if (local.isClosed()) {
            throw new KafkaStorageException("Log " + topicPartition + " is closed");
        }
    }

    // ------------------------------------------------------------------ read

    /**
     * Reads whole batches starting with the one that contains {@code startOffset}.
     *
     * @param maxBytes     size limit for the returned records
     * @param maxOffset    exclusive upper bound (the high watermark for consumers)
     * @param minOneBatch  return the first batch even if it is larger than {@code maxBytes}
     * @throws org.apache.kafka.common.errors.OffsetOutOfRangeException when startOffset is below the
     *         log start offset or above the log end offset
     */
    public LogReadResult read(long startOffset, int maxBytes, long maxOffset, boolean minOneBatch) {
        LocalLog.EndState e = local.end();
        long start = logStartOffset;
        long hw = highWatermark.get();
        if (startOffset < start || startOffset > e.logEndOffset()) {
            throw new OffsetOutOfRangeException("Offset " + startOffset + " is out of range [" + start + ", "
                    + e.logEndOffset() + "] for " + topicPartition);
        }
        long limitOffset = Math.min(maxOffset, e.logEndOffset());
        if (startOffset >= limitOffset || (maxBytes <= 0 && !minOneBatch)) {
            return LogReadResult.empty(startOffset, hw, start, e.logEndOffset());
        }
        return local.read(e, startOffset, maxBytes, limitOffset, minOneBatch, hw, start);
    }

    // ------------------------------------------------------------------ offsets by time and epoch

    /**
     * ListOffsets: {@code timestamp} is a real timestamp (first offset whose timestamp is at least it),
     * or one of ListOffsetsRequest.EARLIEST_TIMESTAMP (-2), LATEST_TIMESTAMP (-1), MAX_TIMESTAMP (-3),
     * EARLIEST_LOCAL_TIMESTAMP (-4). Empty when no record qualifies, and for other negative values.
     */
    public Optional<TimestampAndOffset> offsetForTimestamp(long timestamp) {
        long start = logStartOffset;
        if (timestamp == ListOffsetsRequest.EARLIEST_TIMESTAMP) {
            return Optional.of(new TimestampAndOffset(RecordBatch.NO_TIMESTAMP, start, epochAt(start)));
        }
        if (timestamp == ListOffsetsRequest.EARLIEST_LOCAL_TIMESTAMP) {
            long local = Math.max(start, this.local.firstSegmentBase());
            return Optional.of(new TimestampAndOffset(RecordBatch.NO_TIMESTAMP, local, epochAt(local)));
        }
        if (timestamp == ListOffsetsRequest.LATEST_TIMESTAMP) {
            OptionalInt latest = epochCache.latestEpoch();
            return Optional.of(new TimestampAndOffset(RecordBatch.NO_TIMESTAMP, local.logEndOffset(),
                    latest.isPresent() ? Optional.of(latest.getAsInt()) : Optional.empty()));
        }
        if (timestamp == ListOffsetsRequest.MAX_TIMESTAMP) {
            return local.searchForMaxTimestamp(start);
        }
        if (timestamp < 0) {
            return Optional.empty();
        }
        return local.searchForTimestamp(timestamp, start);
    }

    private Optional<Integer> epochAt(long offset) {
        OptionalInt epoch = epochCache.epochForOffset(offset);
        return epoch.isPresent() ? Optional.of(epoch.getAsInt()) : Optional.empty();
    }

    /**
     * OffsetForLeaderEpoch: the largest epoch not above {@code leaderEpoch} and where it ends (the
     * start offset of the next epoch, or the log end offset for the latest epoch). UNDEFINED when
     * {@code leaderEpoch} is below the first epoch or above the latest epoch the log knows.
     */
    public EpochEndOffset endOffsetForEpoch(int leaderEpoch) {
        return epochCache.endOffsetFor(leaderEpoch, local.logEndOffset());
    }

    public OptionalInt latestEpoch() {
        return epochCache.latestEpoch();
    }

    // ------------------------------------------------------------------ flush

    /**
     * Fsyncs everything up to at least {@code offset}; concurrent callers share one fsync: whoever
     * holds the flush lock syncs everything appended so far, and callers queued behind it find their
     * offset covered and return without syncing again. Does not block appends.
     */
    public void flush(long offset) {
        local.flush(offset);
    }

    /** Fsyncs everything appended so far. */
    public void flush() {
        local.flush(local.logEndOffset());
    }

    /** Applies flush.ms: fsyncs when unflushed data is older than it. */
    public void flushIfDue(long nowMs) {
        local.flushIfDue(nowMs);
    }

    // ------------------------------------------------------------------ roll and retention

    /** Rolls the active segment if segment.ms has elapsed. */
    public void maybeRoll(long nowMs) {
        long rolledTo = -1L;
        lock.lock();
        try {
            if (local.isClosed()) {
                return;
            }
            LogSegment active = local.end().segment();
            if (active.size() > 0 && nowMs - active.rollingBaseMs() >= local.config().segmentMs()) {
                rolledTo = roll(nowMs).baseOffset();
            }
        } catch (IOException ex) {
            throw new KafkaStorageException("Roll of " + topicPartition + " failed", ex);
        } finally {
            lock.unlock();
        }
        if (rolledTo >= 0) {
            flushSealedAsync(rolledTo);
        }
    }

    /**
     * Deletes segments past retention.ms / retention.bytes; returns how many. Only segments wholly
     * below the high watermark go; the active segment goes only after a roll (when it is expired and
     * not empty). The log start offset moves to the first remaining segment; the files are renamed
     * to {@code .deleted} and removed after {@code file.delete.delay.ms}, so a zero-copy read already
     * holding one still completes. Also removes files whose delay has passed.
     */
    public int deleteExpiredSegments(long nowMs) {
        long rolledTo = -1L;
        List<LogSegment> deletable = new ArrayList<>();
        lock.lock();
        try {
            if (local.isClosed()) {
                return 0;
            }
            local.deletePendingFiles(nowMs, false);
            LogConfig cfg = local.config();
            if (tiered && cfg.remoteStorageEnable()) {
                return deleteLocalCopies(nowMs, cfg);
            }
            long retentionMs = cfg.retentionMs();
            long retentionBytes = cfg.retentionBytes();
            if (retentionMs < 0 && retentionBytes < 0) {
                return 0;
            }
            long excess = retentionBytes >= 0 ? sizeInBytes() - retentionBytes : Long.MIN_VALUE;
            long hw = highWatermark.get();
            long logEnd = local.logEndOffset();
            Iterator<LogSegment> it = local.segments().values().iterator();
            LogSegment segment = it.hasNext() ? it.next() : null;
            while (segment != null) {
                LogSegment next = it.hasNext() ? it.next() : null;
                boolean lastAndEmpty = next == null && segment.size() == 0;
                long nextBase = next == null ? logEnd : next.baseOffset();
                boolean byTime = retentionMs >= 0 && nowMs - segment.largestTimestamp() > retentionMs;
                boolean bySize = retentionBytes >= 0 && excess - segment.size() >= 0;
                if ((byTime || bySize) && !lastAndEmpty && hw >= nextBase) {
                    deletable.add(segment);
                    excess -= segment.size();
                } else {
                    break;
                }
                segment = next;
            }
            if (deletable.isEmpty()) {
                return 0;
            }
            if (deletable.get(deletable.size() - 1) == local.end().segment()) {
                rolledTo = roll(nowMs).baseOffset();
            }
            NavigableMap<Long, LogSegment> segments = local.segments();
            for (LogSegment s : deletable) {
                segments.remove(s.baseOffset());
            }
            advanceLogStartOffset(segments.firstKey());
            local.removeSegments(deletable, nowMs);
            LOG.info("Retention deleted {} segment(s) of {}; log start offset now {}", deletable.size(),
                    topicPartition, logStartOffset);
        } catch (IOException ex) {
            throw new KafkaStorageException("Retention of " + topicPartition + " failed", ex);
        } finally {
            lock.unlock();
        }
        if (rolledTo >= 0) {
            flushSealedAsync(rolledTo);
        }
        return deletable.size();
    }

    /**
     * Local retention of a tiered log, under the lock: deletes the oldest local segments that the
     * remote manifest already holds, while local.retention.ms/bytes (-2: as retention.ms/bytes) are
     * exceeded, and any segment wholly below the log start offset. The log start offset does not
     * move: the deleted batches stay readable from object storage. The active segment is never
     * deleted here.
     */
    private int deleteLocalCopies(long nowMs, LogConfig cfg) throws IOException {
        long retentionMs = cfg.localRetentionMs() == -2L ? cfg.retentionMs() : cfg.localRetentionMs();
        long retentionBytes = cfg.localRetentionBytes() == -2L ? cfg.retentionBytes() : cfg.localRetentionBytes();
        long excess = retentionBytes >= 0 ? sizeInBytes() - retentionBytes : Long.MIN_VALUE;
        long uploadedTo = remoteEndOffset.get();
        long start = logStartOffset;
        List<LogSegment> deletable = new ArrayList<>();
        Iterator<LogSegment> it = local.segments().values().iterator();
        LogSegment segment = it.hasNext() ? it.next() : null;
        while (segment != null) {
            LogSegment next = it.hasNext() ? it.next() : null;
            if (next == null) {
                break;
            }
            long nextBase = next.baseOffset();
            boolean belowStart = nextBase <= start;
            boolean byTime = retentionMs >= 0 && nowMs - segment.largestTimestamp() > retentionMs;
            boolean bySize = retentionBytes >= 0 && excess - segment.size() >= 0;
            if (belowStart || ((byTime || bySize) && nextBase <= uploadedTo)) {
                deletable.add(segment);
                excess -= segment.size();
            } else {
                break;
            }
            segment = next;
        }
        local.removeSegments(deletable, nowMs);
        if (!deletable.isEmpty()) {
            LOG.debug("Local retention deleted {} uploaded segment(s) of {}; local log start now {}",
                    deletable.size(), topicPartition, localLogStartOffset());
        }
        return deletable.size();
    }

    /**
     * Moves the log start offset up to {@code newStart} (remote retention deleted what was below it),
     * dropping local segments wholly below it. Never past the high watermark; never backwards.
     */
    public void advanceLogStartOffset(long newStart, long nowMs) {
        lock.lock();
        try {
            if (local.isClosed()) {
                return;
            }
            long target = Math.min(newStart, highWatermark.get());
            advanceLogStartOffset(target);
            if (tiered) {
                deleteLocalCopies(nowMs, local.config());
            }
        } catch (IOException ex) {
            throw new KafkaStorageException("Moving the log start offset of " + topicPartition + " failed", ex);
        } finally {
            lock.unlock();
        }
    }

    /** Under the lock. */
    private void advanceLogStartOffset(long newStart) throws IOException {
        if (newStart <= logStartOffset) {
            return;
        }
        logStartOffset = newStart;
        highWatermark.accumulateAndGet(newStart, Math::max);
        if (epochCache.truncateFromStart(newStart)) {
            epochCache.persist();
        }
        producerState.truncateHead(newStart);
    }

    /** Forgets idempotent producers that have not appended for {@code expirationMs} (producer.id.expiration.ms). */
    public int expireProducers(long nowMs, long expirationMs) {
        lock.lock();
        try {
            return producerState.expire(nowMs, expirationMs);
        } finally {
            lock.unlock();
        }
    }

    // ------------------------------------------------------------------ close and delete

    /**
     * Clean close: fsyncs everything, writes the producer state snapshot and epoch checkpoint, trims
     * the active segment's indexes, closes the files and removes files pending deletion.
     */
    @Override
    public void close() throws IOException {
        lock.lock();
        try {
            if (local.isClosed()) {
                return;
            }
            local.close();
            producerState.takeSnapshot(local.logEndOffset(), true);
            epochCache.persist();
        } finally {
            lock.unlock();
        }
    }

    /**
     * Stops appends without closing the files, for a log about to be deleted while reads may still
     * be sending from it; {@link #deleteFiles(Path)} removes it later.
     */
    void closeForDeletion() {
        lock.lock();
        try {
            local.markClosed();
        } finally {
            lock.unlock();
        }
    }

    /** Closes the files and removes {@code directory} recursively (the log's own dir or where it was moved). */
    void deleteFiles(Path directory) throws IOException {
        lock.lock();
        try {
            local.closeFilesForDeletion();
        } finally {
            lock.unlock();
        }
        deleteRecursively(directory);
    }

    /** Closes and removes the partition's directory. */
    public void delete() throws IOException {
        closeForDeletion();
        deleteFiles(dir);
    }

    static void deleteRecursively(Path path) throws IOException {
        if (!Files.exists(path)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(path)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    @Override
    public String toString() {
        return "PartitionLog(" + topicPartition + ", start=" + logStartOffset + ", end=" + local.logEndOffset()
                + ", hw=" + highWatermark.get() + ", segments=" + local.numberOfSegments() + ")";
    }
}
