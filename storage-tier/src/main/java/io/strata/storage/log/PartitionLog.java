package io.strata.storage.log;

import org.apache.kafka.common.InvalidRecordException;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.errors.ApiException;
import org.apache.kafka.common.errors.CorruptRecordException;
import org.apache.kafka.common.errors.FencedLeaderEpochException;
import org.apache.kafka.common.errors.InconsistentTopicIdException;
import org.apache.kafka.common.errors.InvalidTimestampException;
import org.apache.kafka.common.errors.KafkaStorageException;
import org.apache.kafka.common.errors.OffsetMovedToTieredStorageException;
import org.apache.kafka.common.errors.OffsetOutOfRangeException;
import org.apache.kafka.common.errors.RecordBatchTooLargeException;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.errors.UnsupportedForMessageFormatException;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.common.record.internal.FileLogInputStream.FileChannelRecordBatch;
import org.apache.kafka.common.record.internal.FileRecords;
import org.apache.kafka.common.record.internal.FileRecords.LogOffsetPosition;
import org.apache.kafka.common.record.internal.FileRecords.TimestampAndOffset;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.MutableRecordBatch;
import org.apache.kafka.common.record.internal.Record;
import org.apache.kafka.common.record.internal.RecordBatch;
import org.apache.kafka.common.record.internal.Records;
import org.apache.kafka.common.requests.ListOffsetsRequest;
import org.apache.kafka.common.utils.Time;
import org.apache.kafka.common.utils.internals.BufferSupplier;
import org.apache.kafka.common.utils.internals.CloseableIterator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.Closeable;
import java.io.IOException;
import java.nio.channels.ClosedChannelException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import java.util.stream.Stream;

/**
 * The log of one partition on local disk, in Kafka's on-disk format so Kafka's tools can read it.
 *
 * <p>Directory {@code <topic>-<partition>} holds:
 * <ul>
 *   <li>segments {@code <20-digit base offset>.log} with their {@code .index} and {@code .timeindex}
 *       ({@link LogSegment}, {@link OffsetIndex}, {@link TimeIndex});</li>
 *   <li>{@code leader-epoch-checkpoint} ({@link LeaderEpochCache});</li>
 *   <li>{@code partition.metadata}, the topic id ({@link PartitionMetadataFile});</li>
 *   <li>{@code <offset>.snapshot}, idempotent-producer state ({@link ProducerStateManager});</li>
 *   <li>transiently, {@code *.deleted} segment files waiting for {@code file.delete.delay.ms}.</li>
 * </ul>
 * The recovery point and log start offset are kept by {@link LogManager} in per-directory checkpoints.
 *
 * <p>Invariants: {@code logStartOffset <= highWatermark <= logEndOffset}; {@code recoveryPoint <=
 * logEndOffset}; segment base offsets increase and the last segment is the active one; everything
 * below the recovery point is fsynced; every batch below the published end position is complete.
 *
 * <p>Tiered logs ({@link #enableTiering}): sealed segments are copied to object storage, so the log
 * start offset may lie below the first local segment ({@link #localLogStartOffset}); reads there
 * throw {@link OffsetMovedToTieredStorageException} for the caller to serve remotely. A local segment
 * is deleted only once the remote manifest holds it ({@link #remoteEndOffset}), and the log start
 * offset then moves only by remote retention.
 *
 * <p>Thread-safety: safe for concurrent use. Appends, rolls, retention and close are serialised by
 * one per-log lock. Reads ({@link #read}, {@link #offsetForTimestamp}, {@link #endOffsetForEpoch} and
 * the offset getters) take no lock: they see the segment map (a {@link ConcurrentSkipListMap}) and a
 * volatile snapshot of the log end (offset, active segment, byte position) that is published only
 * after a write completed, so a reader never sees a half-written batch. {@link #flush(long)} is a
 * group commit under its own lock and does not block appends.
 *
 * <p>Appends: every batch must be magic v2 (else {@link UnsupportedForMessageFormatException}),
 * pass its CRC ({@link CorruptRecordException}), fit {@code max.message.bytes}
 * ({@link RecordTooLargeException}), have consistent record count and offset deltas and not be a
 * control or transactional batch ({@link InvalidRecordException}: transactions are not supported),
 * and for CreateTime topics carry timestamps within {@code message.timestamp.before/after.max.ms}
 * ({@link InvalidTimestampException}). A request larger than {@code segment.bytes} fails with
 * {@link RecordBatchTooLargeException}; bytes after the last complete batch with
 * {@link CorruptRecordException}. Validation happens before anything is written: a rejected request
 * leaves the log untouched.
 */
public final class PartitionLog implements Closeable {

    private static final Logger LOG = LoggerFactory.getLogger(PartitionLog.class);

    /** Decompression buffers are reused per appending thread. */
    private static final ThreadLocal<BufferSupplier> BUFFERS = ThreadLocal.withInitial(BufferSupplier::create);

    /** The log end as readers may see it: published with one volatile write after each append. */
    private record EndState(long logEndOffset, LogSegment segment, int position) {
    }

    /** A segment renamed to {@code .deleted}, to be removed once no reader can still be sending it. */
    private record PendingDeletion(LogSegment segment, long dueMs) {
    }

    private final Path dir;
    private final TopicPartition topicPartition;
    private final Uuid topicId;
    private final Time time;
    private volatile LogConfig config;

    private final ConcurrentSkipListMap<Long, LogSegment> segments = new ConcurrentSkipListMap<>();
    private final LeaderEpochCache epochCache;
    private final ProducerStateManager producerState;
    private final ReentrantLock lock = new ReentrantLock();
    private final ReentrantLock flushLock = new ReentrantLock();
    private final List<PendingDeletion> pendingDeletions = new ArrayList<>();

    private volatile EndState end;
    private volatile long logStartOffset;
    private final AtomicLong highWatermark = new AtomicLong();
    private volatile long recoveryPoint;
    private volatile long lastFlushMs;
    private volatile boolean closed;
    private volatile Executor backgroundExecutor;
    private volatile Runnable sealListener;
    /** Whether sealed segments are copied to object storage (the node attaches tiering); see {@link #enableTiering}. */
    private volatile boolean tiered;
    /** Offset after the last batch confirmed in the remote manifest; -1 while nothing is. */
    private final AtomicLong remoteEndOffset = new AtomicLong(-1L);

    private PartitionLog(Path dir, TopicPartition tp, Uuid topicId, LogConfig config, Time time,
                         LeaderEpochCache epochCache) {
        this.dir = dir;
        this.topicPartition = tp;
        this.topicId = topicId;
        this.config = config;
        this.time = time;
        this.epochCache = epochCache;
        this.producerState = new ProducerStateManager(dir);
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
        Files.createDirectories(dir);
        Optional<Uuid> stored = PartitionMetadataFile.read(dir);
        Uuid effectiveId = topicId;
        boolean knownId = topicId != null && !Uuid.ZERO_UUID.equals(topicId);
        if (stored.isPresent()) {
            if (knownId && !stored.get().equals(topicId)) {
                throw new InconsistentTopicIdException("Partition directory " + dir + " belongs to topic id "
                        + stored.get() + ", not " + topicId);
            }
            effectiveId = stored.get();
        } else if (knownId) {
            PartitionMetadataFile.write(dir, topicId);
        }
        LeaderEpochCache epochs = LeaderEpochCache.load(dir);
        if (remote != null && !hasSegments(dir)) {
            // A fresh directory continues from object storage: its epochs and producer state come from there.
            if (epochs.entries().isEmpty() && !remote.leaderEpochs().isEmpty()) {
                for (EpochStart e : remote.leaderEpochs()) {
                    epochs.assign(e.epoch(), e.startOffset());
                }
                epochs.persist();
            }
            if (remote.producerSnapshot().isPresent()) {
                CheckpointFile.writeAtomically(ProducerStateManager.snapshotFile(dir, remote.endOffset()),
                        java.nio.ByteBuffer.wrap(remote.producerSnapshot().get()));
            }
        }
        PartitionLog log = new PartitionLog(dir, tp, effectiveId == null ? Uuid.ZERO_UUID : effectiveId, config, time,
                epochs);
        log.load(recoveryPoint, logStartOffsetCheckpoint, hadCleanShutdown, remote);
        return log;
    }

    private static boolean hasSegments(Path dir) throws IOException {
        try (DirectoryStream<Path> logs = Files.newDirectoryStream(dir, "*" + LogSegment.LOG_SUFFIX)) {
            return logs.iterator().hasNext();
        }
    }

    // ------------------------------------------------------------------ loading and recovery

    private void load(long checkpointedRecoveryPoint, long logStartCheckpoint, boolean hadCleanShutdown,
                      RemoteLogBounds remote) throws IOException {
        long now = time.milliseconds();
        List<Long> baseOffsets = cleanDirectoryAndListSegments();
        LogConfig cfg = config;
        if (baseOffsets.isEmpty()) {
            long base = Math.max(Math.max(0L, logStartCheckpoint), remote == null ? 0L : remote.endOffset());
            segments.put(base, LogSegment.create(dir, base, cfg, now));
        } else {
            for (long base : baseOffsets) {
                segments.put(base, LogSegment.open(dir, base, cfg, now));
            }
        }

        Long recoverFromKey = segments.floorKey(Math.max(checkpointedRecoveryPoint, 0L));
        long recoverFrom = hadCleanShutdown ? Long.MAX_VALUE
                : (recoverFromKey == null ? segments.firstKey() : recoverFromKey);
        boolean recovered = false;
        boolean epochsChanged = false;
        List<LogSegment> all = new ArrayList<>(segments.values());
        for (int i = 0; i < all.size(); i++) {
            LogSegment segment = all.get(i);
            boolean last = i == all.size() - 1;
            boolean mustRecover = segment.baseOffset() >= recoverFrom || !segment.indexesLookSane();
            if (!mustRecover) {
                continue;
            }
            recovered = true;
            // The checkpoint is written before the first batch of a new epoch, so it already knows every
            // epoch in the log; the scan only fills in epochs newer than it knows (a lost checkpoint).
            int truncated = segment.recover(cfg, batch -> {
                OptionalInt latest = epochCache.latestEpoch();
                if (latest.isEmpty() || batch.partitionLeaderEpoch() > latest.getAsInt()) {
                    epochCache.assign(batch.partitionLeaderEpoch(), batch.baseOffset());
                }
            });
            epochsChanged = true;
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
        long logEndOffset = active.readNextOffset();

        epochsChanged |= epochCache.truncateFromEnd(logEndOffset);
        long firstBase = segments.firstKey();
        long start = remote != null && remote.endOffset() > remote.logStartOffset()
                ? Math.min(remote.logStartOffset(), logEndOffset)
                : Math.min(Math.max(logStartCheckpoint, firstBase), logEndOffset);
        if (remote != null) {
            this.remoteEndOffset.set(remote.endOffset());
        }
        epochsChanged |= epochCache.truncateFromStart(start);
        if (epochsChanged) {
            epochCache.persist();
        }
        this.logStartOffset = start;
        this.end = new EndState(logEndOffset, active, active.size());

        loadProducerState(logEndOffset, now);

        if (recovered) {
            // What recovery read back may only have been in the page cache: make it durable before
            // calling it recovered.
            for (LogSegment s : segments.values()) {
                s.flushLog();
            }
            this.recoveryPoint = logEndOffset;
        } else {
            this.recoveryPoint = Math.min(Math.max(checkpointedRecoveryPoint, start), logEndOffset);
        }
        this.highWatermark.set(logEndOffset);
        this.lastFlushMs = now;
        LOG.info("Opened log {} in {}: start {}, end {}, {} segments{}", topicPartition, dir, start, logEndOffset,
                segments.size(), recovered ? " (recovered)" : "");
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

    /** Newest snapshot at or below the log end, then the batches after it. */
    private void loadProducerState(long logEndOffset, long now) throws IOException {
        long snapshotOffset = producerState.loadLatestSnapshot(logEndOffset);
        long replayFrom = Math.max(snapshotOffset, logStartOffset);
        if (replayFrom < logEndOffset) {
            Long fromKey = segments.floorKey(replayFrom);
            for (LogSegment segment : segments.tailMap(fromKey == null ? segments.firstKey() : fromKey, true).values()) {
                int startPos = segment.offsetIndex().lookup(replayFrom).position();
                for (FileChannelRecordBatch batch : segment.log().batchesFrom(startPos)) {
                    if (batch.baseOffset() >= replayFrom) {
                        producerState.replay(batch, now);
                    }
                }
            }
        }
        producerState.truncateHead(logStartOffset);
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
        return config;
    }

    /** Takes effect for the next append, roll and retention run; index sizes apply to new segments. */
    public void updateConfig(LogConfig config) {
        this.config = config;
    }

    public long logStartOffset() {
        return logStartOffset;
    }

    public long logEndOffset() {
        return end.logEndOffset();
    }

    /** Base offset of the oldest segment on local disk; below it (and from the log start on) data is only remote. */
    public long localLogStartOffset() {
        Map.Entry<Long, LogSegment> first = segments.firstEntry();
        return first == null ? end.logEndOffset() : Math.max(first.getKey(), logStartOffset);
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
        return tiered && config.remoteStorageEnable();
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
     * Sealed segments (never the active one) whose base offset is at least {@code fromOffset}, oldest
     * first: what tiering still has to upload when {@code fromOffset} is the remote end.
     */
    public List<SealedSegment> sealedSegmentsFrom(long fromOffset) {
        EndState e = end;
        List<SealedSegment> out = new ArrayList<>();
        Long fromKey = segments.floorKey(fromOffset);
        Iterator<LogSegment> it = segments.tailMap(fromKey == null ? Long.MIN_VALUE : fromKey, true).values().iterator();
        LogSegment current = it.hasNext() ? it.next() : null;
        while (current != null && current != e.segment()) {
            LogSegment next = it.hasNext() ? it.next() : null;
            if (next == null) {
                break; // only the active segment has no successor
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
        EndState e = end;
        long bytes = 0;
        for (LogSegment s : segments.values()) {
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
        long clamped = Math.max(logStartOffset, Math.min(offset, end.logEndOffset()));
        highWatermark.accumulateAndGet(clamped, Math::max); // lock-free: called after every append
    }

    /** Everything below this offset is fsynced. */
    public long recoveryPoint() {
        return recoveryPoint;
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
        long size = 0;
        for (LogSegment s : segments.values()) {
            size += s.size();
        }
        return size;
    }

    /** Bytes of the local segments whose base offset is at least {@code offset}. */
    public long sizeInBytesFrom(long offset) {
        long size = 0;
        for (LogSegment s : segments.tailMap(offset, true).values()) {
            size += s.size();
        }
        return size;
    }

    public int numberOfSegments() {
        return segments.size();
    }

    /** Base offsets of the segments, oldest first. */
    public List<Long> segmentBaseOffsets() {
        return List.copyOf(segments.keySet());
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
        LogConfig cfg = config;
        long now = time.milliseconds();
        int requestSize = records.sizeInBytes();
        if (requestSize == 0) {
            return new LogAppendInfo(-1L, -1L, RecordBatch.NO_TIMESTAMP, -1L, -1L, logStartOffset, 0, 0, false);
        }

        // 1. Everything that needs no log state is checked before taking the lock.
        List<MutableRecordBatch> batches = new ArrayList<>(1);
        int validBytes = 0;
        int recordCount = 0;
        long maxTimestamp = RecordBatch.NO_TIMESTAMP;
        int maxTimestampRelative = 0; // offset of the max-timestamp record relative to the first offset
        boolean idempotent = false;
        boolean logAppendTime = cfg.messageTimestampType() == TimestampType.LOG_APPEND_TIME;
        for (MutableRecordBatch batch : records.batches()) {
            long checked = validateBatch(batch, cfg, now, logAppendTime);
            int count = (int) checked;
            long batchMax = batch.maxTimestamp();
            if (batchMax > maxTimestamp) {
                maxTimestamp = batchMax;
                maxTimestampRelative = recordCount + (int) (checked >>> 32);
            }
            idempotent |= batch.hasProducerId();
            validBytes += batch.sizeInBytes();
            recordCount += count;
            batches.add(batch);
        }
        if (validBytes != requestSize) {
            throw new CorruptRecordException("Request for " + topicPartition + " has " + (requestSize - validBytes)
                    + " bytes after its last complete batch");
        }
        if (validBytes > cfg.segmentBytes()) {
            throw new RecordBatchTooLargeException("Request of " + validBytes + " bytes exceeds segment.bytes "
                    + cfg.segmentBytes() + " of " + topicPartition);
        }

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

            EndState e = end;
            long firstOffset = e.logEndOffset();
            long lastOffset = firstOffset + recordCount - 1;
            LogSegment segment = e.segment();
            if (shouldRoll(segment, validBytes, batches.size(), lastOffset, now, cfg)) {
                segment = roll(now);
                rolledTo = segment.baseOffset();
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

            int sizeBefore = segment.size();
            try {
                segment.append(records, batches, now);
            } catch (IOException | RuntimeException ex) {
                try {
                    segment.truncateTo(sizeBefore);
                } catch (IOException suppressed) {
                    ex.addSuppressed(suppressed);
                    closed = true; // the file is in an unknown state: refuse further appends
                }
                throw new KafkaStorageException("Append to " + topicPartition + " failed", ex);
            }
            if (idempotent) {
                for (MutableRecordBatch batch : batches) {
                    if (batch.hasProducerId()) {
                        producerState.update(batch.producerId(), batch.producerEpoch(), batch.baseSequence(),
                                batch.lastSequence(), batch.baseOffset(), batch.lastOffset(), batch.maxTimestamp(), now);
                    }
                }
            }
            end = new EndState(lastOffset + 1, segment, segment.size());
            info = new LogAppendInfo(firstOffset, lastOffset, maxTimestamp, firstOffset + maxTimestampRelative,
                    logAppendTime ? now : RecordBatch.NO_TIMESTAMP, logStartOffset, recordCount, validBytes, false);
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
     * Stateless checks of one batch, Kafka's rules; rewrites the batch's max timestamp (LogAppendTime,
     * or a wrong CreateTime maximum).
     *
     * @return the record count in the low 32 bits and the offset delta of the record with the largest
     *         timestamp in the high 32 bits (packed to keep the append path free of allocations)
     */
    private long validateBatch(MutableRecordBatch batch, LogConfig cfg, long now, boolean logAppendTime) {
        if (batch.magic() != RecordBatch.MAGIC_VALUE_V2) {
            throw new UnsupportedForMessageFormatException("Batch with magic " + batch.magic() + " for " + topicPartition
                    + ": only magic v2 record batches are accepted");
        }
        int size = batch.sizeInBytes();
        if (size > cfg.maxMessageBytes()) {
            throw new RecordTooLargeException("Batch of " + size + " bytes exceeds max.message.bytes "
                    + cfg.maxMessageBytes() + " of " + topicPartition);
        }
        batch.ensureValid(); // CorruptRecordException on a size or CRC mismatch
        if (batch.isControlBatch()) {
            throw new InvalidRecordException("Clients may not write control batches (" + topicPartition + ")");
        }
        if (batch.isTransactional()) {
            throw new InvalidRecordException("Transactional batches are not supported (" + topicPartition + ")");
        }
        long countFromOffsets = batch.lastOffset() - batch.baseOffset() + 1;
        Integer declared = batch.countOrNull();
        if (countFromOffsets <= 0 || declared == null || declared <= 0 || declared != countFromOffsets) {
            throw new InvalidRecordException("Batch for " + topicPartition + " declares " + declared
                    + " records but an offset range of " + countFromOffsets);
        }
        if (batch.hasProducerId() && (batch.baseSequence() < 0 || batch.producerEpoch() < 0)) {
            throw new InvalidRecordException("Idempotent batch for " + topicPartition + " has sequence "
                    + batch.baseSequence() + " and producer epoch " + batch.producerEpoch());
        }
        if (batch.timestampType() == TimestampType.LOG_APPEND_TIME) {
            throw new InvalidTimestampException("Producers may not send LogAppendTime batches (" + topicPartition + ")");
        }

        long maxTimestamp = RecordBatch.NO_TIMESTAMP;
        int maxDelta = 0;
        int seen = 0;
        long before = cfg.timestampBeforeMaxMs();
        long after = cfg.timestampAfterMaxMs();
        try (CloseableIterator<Record> it = batch.skipKeyValueIterator(BUFFERS.get())) {
            while (it.hasNext()) {
                Record record = it.next();
                if (record.offset() - batch.baseOffset() != seen) {
                    throw new InvalidRecordException("Record " + seen + " of a batch for " + topicPartition
                            + " has offset delta " + (record.offset() - batch.baseOffset()));
                }
                long ts = record.timestamp();
                if (!logAppendTime && ts != RecordBatch.NO_TIMESTAMP && outOfRange(ts, now, before, after)) {
                    throw new InvalidTimestampException("Timestamp " + ts + " of record " + seen + " for " + topicPartition
                            + " is outside [now - " + before + ", now + " + after + "] (now = " + now + ")");
                }
                if (ts > maxTimestamp) {
                    maxTimestamp = ts;
                    maxDelta = seen;
                }
                seen++;
            }
        } catch (ApiException e) {
            throw e;
        } catch (KafkaException | IllegalArgumentException | IllegalStateException | IndexOutOfBoundsException
                 | java.nio.BufferUnderflowException e) {
            throw new InvalidRecordException("Malformed records in a batch for " + topicPartition + ": " + e.getMessage(), e);
        }
        if (seen != declared) {
            throw new InvalidRecordException("Batch for " + topicPartition + " declares " + declared
                    + " records but holds " + seen);
        }
        if (logAppendTime) {
            batch.setMaxTimestamp(TimestampType.LOG_APPEND_TIME, now);
            maxDelta = 0; // every record carries the append time: the first one is the answer
        } else {
            batch.setMaxTimestamp(TimestampType.CREATE_TIME, maxTimestamp); // no-op when the header is right
        }
        return ((long) maxDelta << 32) | declared;
    }

    /** True when {@code ts} is more than {@code before} ms in the past or {@code after} ms in the future. */
    private static boolean outOfRange(long ts, long now, long before, long after) {
        if (ts < now) {
            long age = now - ts;
            return age < 0 || age > before; // age < 0: overflow, an absurdly old timestamp
        }
        long ahead = ts - now;
        return ahead > after;
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
     * Seals the active segment and starts a new one at the log end offset. Under the lock. The
     * sealed segment is fsynced afterwards, outside the lock ({@link #flushSealedAsync}).
     */
    private LogSegment roll(long now) throws IOException {
        EndState e = end;
        LogSegment old = e.segment();
        long newBase = e.logEndOffset();
        if (old.size() == 0 || old.baseOffset() == newBase) {
            return old;
        }
        old.seal();
        producerState.takeSnapshot(newBase, false);
        LogSegment created = LogSegment.create(dir, newBase, config, now);
        segments.put(newBase, created);
        end = new EndState(newBase, created, 0);
        CheckpointFile.fsyncDirectory(dir);
        LOG.debug("Rolled {} to a new segment at {}", topicPartition, newBase);
        return created;
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
                epochCache.assign(leaderEpoch, end.logEndOffset());
                epochCache.persist();
            }
        } catch (IOException e) {
            throw new KafkaStorageException("Could not write the leader epoch checkpoint of " + topicPartition, e);
        } finally {
            lock.unlock();
        }
    }

    private void ensureOpen() {
        if (closed) {
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
        EndState e = end;
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
        Map.Entry<Long, LogSegment> entry = segments.floorEntry(startOffset);
        if (entry == null) {
            if (startOffset >= logStartOffset) {
                // Below the local log but within the partition: the batches are in object storage.
                throw new OffsetMovedToTieredStorageException("Offset " + startOffset + " of " + topicPartition
                        + " is below the local log start " + localLogStartOffset());
            }
            // Retention removed the segment between the range check and here.
            throw new OffsetOutOfRangeException("Offset " + startOffset + " is below the log start offset "
                    + logStartOffset + " of " + topicPartition);
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
                    return LogReadResult.empty(startOffset, hw, start, e.logEndOffset());
                }
                return slice(segment, view, first, endPosition, endOffset, maxBytes, minOneBatch,
                        startOffset, hw, start, e.logEndOffset());
            }
            entry = segments.higherEntry(entry.getKey());
        }
        return LogReadResult.empty(startOffset, hw, start, e.logEndOffset());
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
            // Kafka's contract: the first batch alone when allowed, else a prefix the client will reject as too large.
            if (minOneBatch) {
                FileRecords batch = view.slice(first.position, first.size);
                long next = batch.batches().iterator().next().nextOffset();
                return new LogReadResult(fetchOffset, batch, hw, logStart, logEnd, next);
            }
            return maxBytes <= 0 ? LogReadResult.empty(fetchOffset, hw, logStart, logEnd)
                    : new LogReadResult(fetchOffset, view.slice(first.position, maxBytes), hw, logStart, logEnd,
                    fetchOffset);
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

    // ------------------------------------------------------------------ offsets by time and epoch

    /**
     * ListOffsets: {@code timestamp} is a real timestamp (first offset whose timestamp is at least it),
     * or one of ListOffsetsRequest.EARLIEST_TIMESTAMP (-2), LATEST_TIMESTAMP (-1), MAX_TIMESTAMP (-3),
     * EARLIEST_LOCAL_TIMESTAMP (-4). Empty when no record qualifies, and for other negative values.
     */
    public Optional<TimestampAndOffset> offsetForTimestamp(long timestamp) {
        EndState e = end;
        long start = logStartOffset;
        if (timestamp == ListOffsetsRequest.EARLIEST_TIMESTAMP) {
            return Optional.of(new TimestampAndOffset(RecordBatch.NO_TIMESTAMP, start, epochAt(start)));
        }
        if (timestamp == ListOffsetsRequest.EARLIEST_LOCAL_TIMESTAMP) {
            long local = Math.max(start, segments.firstKey());
            return Optional.of(new TimestampAndOffset(RecordBatch.NO_TIMESTAMP, local, epochAt(local)));
        }
        if (timestamp == ListOffsetsRequest.LATEST_TIMESTAMP) {
            OptionalInt latest = epochCache.latestEpoch();
            return Optional.of(new TimestampAndOffset(RecordBatch.NO_TIMESTAMP, e.logEndOffset(),
                    latest.isPresent() ? Optional.of(latest.getAsInt()) : Optional.empty()));
        }
        if (timestamp == ListOffsetsRequest.MAX_TIMESTAMP) {
            LogSegment best = null;
            for (LogSegment s : segments.values()) {
                if (s.baseOffset() >= e.logEndOffset()) {
                    break;
                }
                if (s.maxTimestampSoFar() >= 0 && (best == null || s.maxTimestampSoFar() > best.maxTimestampSoFar())) {
                    best = s;
                }
            }
            return best == null ? Optional.empty() : searchSegment(best, best.maxTimestampSoFar(), start, e);
        }
        if (timestamp < 0) {
            return Optional.empty();
        }
        for (LogSegment s : segments.values()) {
            if (s.baseOffset() >= e.logEndOffset()) {
                break;
            }
            if (s.maxTimestampSoFar() >= timestamp) {
                Optional<TimestampAndOffset> found = searchSegment(s, timestamp, start, e);
                if (found.isPresent()) {
                    return found;
                }
            }
        }
        return Optional.empty();
    }

    private Optional<TimestampAndOffset> searchSegment(LogSegment segment, long target, long startingOffset, EndState e) {
        int visible = segment == e.segment() ? e.position() : segment.size();
        FileRecords view = segment.view(visible);
        TimeIndex.TimestampOffset before = segment.timeIndex().lookupBefore(target);
        int position = segment.offsetIndex().lookup(Math.max(before.offset(), startingOffset)).position();
        if (position >= visible) {
            return Optional.empty();
        }
        return Optional.ofNullable(view.searchForTimestamp(target, position, startingOffset, Integer.MAX_VALUE));
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
        return epochCache.endOffsetFor(leaderEpoch, end.logEndOffset());
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

    /** Fsyncs everything appended so far. */
    public void flush() {
        flush(end.logEndOffset());
    }

    /** Applies flush.ms: fsyncs when unflushed data is older than it. */
    public void flushIfDue(long nowMs) {
        long flushMs = config.flushMs();
        if (recoveryPoint < end.logEndOffset() && flushMs != Long.MAX_VALUE && nowMs - lastFlushMs >= flushMs) {
            flush();
        }
    }

    // ------------------------------------------------------------------ roll and retention

    /** Rolls the active segment if segment.ms has elapsed. */
    public void maybeRoll(long nowMs) {
        long rolledTo = -1L;
        lock.lock();
        try {
            if (closed) {
                return;
            }
            LogSegment active = end.segment();
            if (active.size() > 0 && nowMs - active.rollingBaseMs() >= config.segmentMs()) {
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
            if (closed) {
                return 0;
            }
            deletePendingFiles(nowMs, false);
            LogConfig cfg = config;
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
            long logEnd = end.logEndOffset();
            Iterator<LogSegment> it = segments.values().iterator();
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
            if (deletable.get(deletable.size() - 1) == end.segment()) {
                rolledTo = roll(nowMs).baseOffset();
            }
            for (LogSegment s : deletable) {
                segments.remove(s.baseOffset());
            }
            advanceLogStartOffset(segments.firstKey());
            for (LogSegment s : deletable) {
                s.renameForDeletion();
                pendingDeletions.add(new PendingDeletion(s, nowMs + cfg.fileDeleteDelayMs()));
            }
            LOG.info("Retention deleted {} segment(s) of {}; log start offset now {}", deletable.size(),
                    topicPartition, logStartOffset);
            deletePendingFiles(nowMs, false);
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
        Iterator<LogSegment> it = segments.values().iterator();
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
        removeSegments(deletable, nowMs, cfg);
        if (!deletable.isEmpty()) {
            LOG.debug("Local retention deleted {} uploaded segment(s) of {}; local log start now {}",
                    deletable.size(), topicPartition, localLogStartOffset());
        }
        return deletable.size();
    }

    /** Under the lock: unlinks sealed segments from the log and schedules their files for deletion. */
    private void removeSegments(List<LogSegment> deletable, long nowMs, LogConfig cfg) throws IOException {
        for (LogSegment s : deletable) {
            segments.remove(s.baseOffset());
        }
        for (LogSegment s : deletable) {
            s.renameForDeletion();
            pendingDeletions.add(new PendingDeletion(s, nowMs + cfg.fileDeleteDelayMs()));
        }
        deletePendingFiles(nowMs, false);
    }

    /**
     * Moves the log start offset up to {@code newStart} (remote retention deleted what was below it),
     * dropping local segments wholly below it. Never past the high watermark; never backwards.
     */
    public void advanceLogStartOffset(long newStart, long nowMs) {
        lock.lock();
        try {
            if (closed) {
                return;
            }
            long target = Math.min(newStart, highWatermark.get());
            advanceLogStartOffset(target);
            if (tiered) {
                deleteLocalCopies(nowMs, config);
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

    /** Under the lock. Removes {@code .deleted} files whose delay has passed (all when {@code force}). */
    private void deletePendingFiles(long nowMs, boolean force) {
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
            if (closed) {
                return;
            }
            closed = true;
            flush();
            long logEnd = end.logEndOffset();
            producerState.takeSnapshot(logEnd, true);
            epochCache.persist();
            deletePendingFiles(Long.MAX_VALUE, true);
            for (LogSegment s : segments.values()) {
                s.close();
            }
            recoveryPoint = logEnd;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Stops appends without closing the files, for a log about to be deleted while reads may still
     * be sending from it; {@link #deleteFiles()} removes it later.
     */
    void closeForDeletion() {
        lock.lock();
        try {
            closed = true;
        } finally {
            lock.unlock();
        }
    }

    /** Closes the files and removes {@code directory} recursively (the log's own dir or where it was moved). */
    void deleteFiles(Path directory) throws IOException {
        lock.lock();
        try {
            closed = true;
            deletePendingFiles(Long.MAX_VALUE, true);
            for (LogSegment s : segments.values()) {
                s.log().close();
            }
            segments.clear();
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
        return "PartitionLog(" + topicPartition + ", start=" + logStartOffset + ", end=" + end.logEndOffset()
                + ", hw=" + highWatermark.get() + ", segments=" + segments.size() + ")";
    }
}
