package io.strata.storage.remote;

import io.strata.storage.log.PartitionLog;
import io.strata.storage.log.RemoteLogBounds;
import io.strata.storage.log.SealedSegment;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.errors.KafkaStorageException;
import org.apache.kafka.common.errors.NotLeaderOrFollowerException;
import org.apache.kafka.common.errors.OffsetOutOfRangeException;
import org.apache.kafka.common.record.internal.FileRecords.TimestampAndOffset;
import org.apache.kafka.common.record.internal.Records;
import org.apache.kafka.common.requests.ListOffsetsRequest;
import org.apache.kafka.common.utils.Time;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.Closeable;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/**
 * Tiered storage of the partition logs of one node: copies sealed segments to object storage,
 * applies retention there, and serves reads of offsets that are no longer on local disk. Modelled on
 * Kafka's RemoteLogManager (KIP-405), with a per-partition manifest in the object store
 * ({@link PartitionManifest}) instead of a metadata topic.
 *
 * <p>Copy protocol for one segment: upload its {@code .index}, {@code .timeindex}, producer
 * snapshot and {@code .log} (re-uploading after a crash writes the same keys with the same bytes),
 * then create the next manifest version listing it. Only then does the log learn the new remote
 * end ({@link PartitionLog#remoteCopyConfirmed}) and may delete the local copy. Segments go up in
 * offset order, one partition at a time per caller.
 *
 * <p>Fencing: a manifest records the highest leader epoch that wrote it; a writer with a lower
 * epoch gets {@link NotLeaderOrFollowerException} and stops.
 *
 * <p>Thread-safety: safe for concurrent use. Copies and retention of one partition are serialised
 * by its state's lock; reads take no lock and see the latest committed manifest (volatile). The
 * blocking methods ({@link #open}, {@link #copySealedSegments}, {@link #applyRetention}) must run off
 * network threads; reads complete on this manager's reader threads.
 */
public final class RemoteLogManager implements Closeable {

    private static final Logger LOG = LoggerFactory.getLogger(RemoteLogManager.class);

    /**
     * @param readChunkBytes  size of a ranged GET of a segment (and of a read-ahead)
     * @param cacheBytes      bound of the cache of fetched chunks
     * @param readerThreads   threads that run remote reads
     * @param readAheadChunks chunks fetched ahead of a sequential reader
     */
    public record Settings(int readChunkBytes, long cacheBytes, int readerThreads, int readAheadChunks) {
        public static final Settings DEFAULTS = new Settings(1024 * 1024, 64L * 1024 * 1024, 2, 2);

        public Settings {
            if (readChunkBytes < 64 * 1024 || cacheBytes < readChunkBytes || readerThreads < 1 || readAheadChunks < 0) {
                throw new IllegalArgumentException("invalid remote read settings: chunk " + readChunkBytes
                        + ", cache " + cacheBytes + ", threads " + readerThreads);
            }
        }
    }

    /** One partition's remote state. */
    private static final class PartitionState {
        final TopicPartition tp;
        final String root;
        final Object lock = new Object();
        volatile PartitionManifest manifest;
        volatile PartitionLog log;

        PartitionState(TopicPartition tp, String root, PartitionManifest manifest) {
            this.tp = tp;
            this.root = root;
            this.manifest = manifest;
        }
    }

    private final ObjectStore store;
    private final RemoteLogLayout layout;
    private final ManifestStore manifests;
    private final PartitionRootListings rootListings;
    private final RemoteLogReader reader;
    private final Time time;
    private final ExecutorService readers;
    /** Uploads a segment's small objects while its log uploads on the caller's thread. */
    private final ExecutorService uploads;
    private final Map<TopicPartition, PartitionState> partitions = new ConcurrentHashMap<>();
    private final LongAdder segmentsCopied = new LongAdder();
    private final LongAdder segmentsDeleted = new LongAdder();

    public RemoteLogManager(ObjectStore store, Settings settings, Time time) {
        this.store = store;
        this.layout = new RemoteLogLayout(store.config().prefix());
        this.manifests = new ManifestStore(store);
        this.rootListings = new PartitionRootListings(store, layout);
        this.time = time;
        AtomicInteger n = new AtomicInteger();
        this.readers = Executors.newFixedThreadPool(settings.readerThreads(), r -> {
            Thread t = new Thread(r, "strata-remote-reader-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        this.reader = new RemoteLogReader(store, settings.readChunkBytes(), settings.cacheBytes(),
                settings.readAheadChunks(), readers);
        this.uploads = Executors.newFixedThreadPool(3, r -> {
            Thread t = new Thread(r, "strata-remote-upload-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
    }

    public ObjectStore store() {
        return store;
    }

    // ------------------------------------------------------------------ partitions

    /**
     * Reads the partition's manifest (blocking) and returns what a log being opened must know, or
     * null when nothing of it is in object storage.
     */
    public RemoteLogBounds open(TopicPartition tp, Uuid topicId) {
        String root = layout.partitionRoot(tp, topicId);
        PartitionManifest manifest = manifests.load(root, PartitionManifest.empty(tp.topic(), tp.partition(), topicId.toString()));
        partitions.put(tp, new PartitionState(tp, root, manifest));
        if (manifest.isEmpty()) {
            return manifest.version() == 0 ? null
                    : new RemoteLogBounds(manifest.logStartOffset(), manifest.logStartOffset(), List.of(), Optional.empty());
        }
        RemoteSegment last = manifest.segments().get(manifest.segments().size() - 1);
        Optional<byte[]> snapshot = Optional.empty();
        if (last.producerSnapshot()) {
            snapshot = store.get(root + last.objectStem() + RemoteLogLayout.PRODUCER_SNAPSHOT);
        }
        if (snapshot.isEmpty()) {
            LOG.info("No producer snapshot uploaded with the last segment of {}: idempotent producers start afresh", tp);
        }
        LOG.info("Object storage holds offsets [{}, {}) of {} in {} segments (manifest version {})",
                manifest.logStartOffset(), manifest.endOffset(), tp, manifest.segments().size(), manifest.version());
        return new RemoteLogBounds(manifest.logStartOffset(), manifest.endOffset(), manifest.leaderEpochs(), snapshot);
    }

    /**
     * As {@link #open(TopicPartition, Uuid)}, for a replica whose state this node received at
     * {@code stateReceivedNanos} ({@link System#nanoTime()}): whether it has a manifest to read comes from a
     * listing of its topic's roots started after that instant, shared with the topic's other partitions
     * ({@link PartitionRootListings}). A new topic's partitions, and any that never tiered, read nothing.
     */
    public RemoteLogBounds open(TopicPartition tp, Uuid topicId, long stateReceivedNanos) {
        String root = layout.partitionRoot(tp, topicId);
        if (rootListings.holdsObjects(tp.topic(), root, stateReceivedNanos)) {
            return open(tp, topicId);
        }
        partitions.put(tp, new PartitionState(tp, root, PartitionManifest.empty(tp.topic(), tp.partition(),
                topicId.toString())));
        return null;
    }

    /** Starts tiering {@code log}, opened after {@link #open} of its partition. */
    public void attach(PartitionLog log) {
        PartitionState state = partitions.get(log.topicPartition());
        if (state == null) {
            throw new IllegalStateException("open() the remote state of " + log.topicPartition() + " first");
        }
        state.log = log;
        log.enableTiering();
        if (!state.manifest.isEmpty()) {
            log.remoteCopyConfirmed(state.manifest.endOffset());
        }
    }

    /**
     * Lets a follower's log use what object storage holds, opened after {@link #open}: its local
     * segments go once the manifest holds them ({@code local.retention.*}), and reads below its local
     * log are served remotely. Only the leader uploads ({@link #attach}).
     */
    public void follow(PartitionLog log) {
        PartitionState state = partitions.get(log.topicPartition());
        if (state == null) {
            throw new IllegalStateException("open() the remote state of " + log.topicPartition() + " first");
        }
        state.log = null;
        log.enableTiering();
        if (!state.manifest.isEmpty()) {
            log.remoteCopyConfirmed(state.manifest.endOffset());
        }
    }

    /**
     * A follower re-reads the manifest the leader writes (blocking; forward from the version it knows):
     * its log learns what is now uploaded, and the log start offset remote retention moved to.
     */
    public void refresh(PartitionLog followerLog) {
        PartitionState state = partitions.get(followerLog.topicPartition());
        if (state == null || state.log != null) {
            return; // not opened here, or this node leads it and keeps the manifest itself
        }
        synchronized (state.lock) {
            state.manifest = manifests.load(state.root, state.manifest);
        }
        PartitionManifest manifest = state.manifest;
        if (!manifest.isEmpty()) {
            followerLog.remoteCopyConfirmed(manifest.endOffset());
        }
        if (manifest.logStartOffset() > followerLog.logStartOffset()) {
            followerLog.advanceLogStartOffset(manifest.logStartOffset(), time.milliseconds());
        }
    }

    /** Stops uploading the partition (no longer led here) but keeps serving remote reads of it. */
    public void stopUploading(TopicPartition tp) {
        PartitionState state = partitions.get(tp);
        if (state != null) {
            state.log = null;
        }
    }

    /** Forgets the partition (deleted, or no longer hosted here). */
    public void detach(TopicPartition tp) {
        partitions.remove(tp);
    }

    /**
     * Deletes what object storage holds of a deleted partition: the segments its latest manifest lists,
     * then the manifests. Blocking; a failure leaves garbage that no manifest of a live topic refers to
     * (a recreated topic has another id, so another directory).
     */
    public void deletePartitionData(TopicPartition tp, Uuid topicId) {
        partitions.remove(tp);
        String root = layout.partitionRoot(tp, topicId);
        PartitionManifest manifest = manifests.load(root, PartitionManifest.empty(tp.topic(), tp.partition(), topicId.toString()));
        for (RemoteSegment s : manifest.segments()) {
            deleteObjects(root, s);
        }
        manifests.deleteAll(root, manifest.version());
        if (manifest.version() > 0) {
            LOG.info("Deleted {} remote segment(s) of deleted partition {}", manifest.segments().size(), tp);
        }
    }

    /** The latest manifest this node knows of the partition, if it tiers it. */
    public Optional<PartitionManifest> manifest(TopicPartition tp) {
        PartitionState state = partitions.get(tp);
        return state == null ? Optional.empty() : Optional.of(state.manifest);
    }

    /** Partitions currently tiered here. */
    public List<PartitionLog> tieredLogs() {
        List<PartitionLog> out = new ArrayList<>();
        for (PartitionState s : partitions.values()) {
            PartitionLog log = s.log;
            if (log != null && log.isTiered()) {
                out.add(log);
            }
        }
        return out;
    }

    // ------------------------------------------------------------------ copy

    /**
     * Uploads every sealed segment of the partition that the manifest lacks, in offset order, each
     * followed by its manifest commit and local retention. Blocking.
     *
     * @return segments copied
     * @throws ObjectStoreException when the store fails (what was committed stays committed)
     * @throws NotLeaderOrFollowerException when a writer with a newer leader epoch owns the manifest
     */
    public int copySealedSegments(TopicPartition tp, int leaderEpoch) {
        PartitionState state = partitions.get(tp);
        PartitionLog log = state == null ? null : state.log;
        if (log == null || !log.isTiered()) {
            return 0;
        }
        int copied = 0;
        synchronized (state.lock) {
            for (SealedSegment segment : log.sealedSegmentsFrom(state.manifest.endOffset())) {
                if (partitions.get(tp) != state) {
                    break; // detached meanwhile
                }
                copy(state, log, segment, leaderEpoch);
                copied++;
                log.deleteExpiredSegments(time.milliseconds());
            }
        }
        return copied;
    }

    private void copy(PartitionState state, PartitionLog log, SealedSegment segment, int leaderEpoch) {
        PartitionManifest current = state.manifest;
        if (segment.nextOffset() <= current.endOffset() && !current.isEmpty()) {
            log.remoteCopyConfirmed(current.endOffset());
            return;
        }
        long started = System.nanoTime();
        String stem = RemoteLogLayout.segmentStem(segment.baseOffset(), segment.nextOffset());
        String prefix = state.root + stem;
        CompletableFuture<Void> offsetIndex = CompletableFuture.runAsync(
                () -> store.putFile(prefix + RemoteLogLayout.OFFSET_INDEX, segment.offsetIndexFile()), uploads);
        CompletableFuture<Void> timeIndex = CompletableFuture.runAsync(
                () -> store.putFile(prefix + RemoteLogLayout.TIME_INDEX, segment.timeIndexFile()), uploads);
        CompletableFuture<Boolean> snapshotUploaded = CompletableFuture.supplyAsync(() -> {
            if (segment.producerSnapshot().isEmpty()) {
                return false;
            }
            try {
                store.putFile(prefix + RemoteLogLayout.PRODUCER_SNAPSHOT, segment.producerSnapshot().get());
                return true;
            } catch (ObjectStoreException e) {
                if (!(e.getCause() instanceof java.io.IOException)) {
                    throw e;
                }
                return false; // superseded and removed locally meanwhile: the segment goes up without it
            }
        }, uploads);
        RuntimeException failure = null;
        try {
            store.putFile(prefix + RemoteLogLayout.LOG, segment.logFile());
        } catch (RuntimeException e) {
            failure = e;
        }
        // Wait for the small uploads also after a failure: a retry must not race uploads still in flight.
        try {
            CompletableFuture.allOf(offsetIndex, timeIndex, snapshotUploaded).join();
        } catch (java.util.concurrent.CompletionException e) {
            RuntimeException cause = e.getCause() instanceof RuntimeException re ? re : e;
            if (failure == null) {
                failure = cause;
            } else {
                failure.addSuppressed(cause);
            }
        }
        if (failure != null) {
            throw failure;
        }
        boolean snapshot = snapshotUploaded.join();
        RemoteSegment uploaded = new RemoteSegment(segment.baseOffset(), segment.nextOffset(), segment.sizeInBytes(),
                segment.maxTimestamp(), stem, snapshot, segment.leaderEpochs(), time.milliseconds());
        PartitionManifest committed = commit(state, m -> {
            if (m.endOffset() >= segment.nextOffset() && !m.isEmpty()) {
                return null; // another attempt already listed it
            }
            return m.withSegment(uploaded, leaderEpoch);
        }, leaderEpoch);
        log.remoteCopyConfirmed(committed.endOffset());
        segmentsCopied.increment();
        LOG.debug("Copied segment [{}, {}) of {} ({} bytes) in {} ms; manifest version {}", segment.baseOffset(),
                segment.nextOffset(), state.tp, segment.sizeInBytes(), (System.nanoTime() - started) / 1_000_000,
                committed.version());
    }

    /** Applies {@code change} to the latest manifest and commits it, re-reading after a lost race. Under the state lock. */
    private PartitionManifest commit(PartitionState state, java.util.function.UnaryOperator<PartitionManifest> change,
                                     int leaderEpoch) {
        PartitionManifest base = state.manifest;
        for (int attempt = 0; ; attempt++) {
            if (base.leaderEpoch() > leaderEpoch) {
                throw new NotLeaderOrFollowerException("Manifest of " + state.tp + " was written at leader epoch "
                        + base.leaderEpoch() + ", newer than this node's " + leaderEpoch);
            }
            PartitionManifest next = change.apply(base);
            if (next == null) {
                state.manifest = base;
                return base;
            }
            try {
                manifests.commit(state.root, next);
                state.manifest = next;
                return next;
            } catch (ManifestStore.ManifestConflictException e) {
                if (attempt >= 5) {
                    throw new KafkaStorageException("Gave up committing the manifest of " + state.tp + ": " + e.getMessage());
                }
                LOG.info("Manifest of {} changed under this node ({}); re-reading", state.tp, e.getMessage());
                base = manifests.load(state.root, base);
            }
        }
    }

    // ------------------------------------------------------------------ retention

    /**
     * Deletes uploaded segments past retention.ms / retention.bytes (counted over the whole partition:
     * remote segments plus local data not yet uploaded): commits a manifest with the new log start
     * offset, moves the log's start offset, then deletes the segments' objects. Blocking.
     *
     * @return segments deleted
     */
    public int applyRetention(TopicPartition tp, int leaderEpoch) {
        PartitionState state = partitions.get(tp);
        PartitionLog log = state == null ? null : state.log;
        if (log == null || !log.isTiered()) {
            return 0;
        }
        synchronized (state.lock) {
            PartitionManifest manifest = state.manifest;
            long retentionMs = log.config().retentionMs();
            long retentionBytes = log.config().retentionBytes();
            if (manifest.isEmpty() || (retentionMs < 0 && retentionBytes < 0)) {
                return 0;
            }
            long now = time.milliseconds();
            long total = manifest.sizeInBytes() + log.sizeInBytesFrom(manifest.endOffset());
            long excess = retentionBytes >= 0 ? total - retentionBytes : Long.MIN_VALUE;
            List<RemoteSegment> expired = new ArrayList<>();
            for (RemoteSegment s : manifest.segments()) {
                boolean byTime = retentionMs >= 0 && now - s.retentionTimestamp() > retentionMs;
                boolean bySize = retentionBytes >= 0 && excess - s.sizeInBytes() >= 0;
                if (!byTime && !bySize) {
                    break;
                }
                expired.add(s);
                excess -= s.sizeInBytes();
            }
            if (expired.isEmpty()) {
                return 0;
            }
            return moveLogStart(tp, state, log, expired.get(expired.size() - 1).nextOffset(), leaderEpoch, now);
        }
    }

    /**
     * DeleteRecords on a tiered partition: the manifest gets the new log start offset first (so a
     * restart from the bucket cannot bring the deleted records back), then the log, then the objects
     * of segments wholly below it go. Blocking.
     *
     * @return the log start offset now
     */
    public long deleteRecordsBefore(TopicPartition tp, long offset, int leaderEpoch) {
        PartitionState state = partitions.get(tp);
        PartitionLog log = state == null ? null : state.log;
        if (log == null) {
            throw new IllegalStateException(tp + " is not tiered by this node");
        }
        synchronized (state.lock) {
            long target = Math.min(offset, log.highWatermark());
            if (target > state.manifest.logStartOffset()) {
                moveLogStart(tp, state, log, target, leaderEpoch, time.milliseconds());
            } else {
                log.advanceLogStartOffset(target, time.milliseconds());
            }
            return log.logStartOffset();
        }
    }

    /** Under the state's lock: commits {@code newStart}, moves the log there and deletes what lies wholly below. */
    private int moveLogStart(TopicPartition tp, PartitionState state, PartitionLog log, long newStart, int leaderEpoch,
                             long now) {
        List<RemoteSegment> before = state.manifest.segments();
        PartitionManifest committed = commit(state, m -> m.logStartOffset() >= newStart ? null
                : m.withLogStartOffset(newStart, leaderEpoch), leaderEpoch);
        log.advanceLogStartOffset(committed.logStartOffset(), now);
        List<RemoteSegment> expired = new ArrayList<>();
        for (RemoteSegment s : before) {
            if (s.nextOffset() > committed.logStartOffset()) {
                break;
            }
            expired.add(s);
        }
        for (RemoteSegment s : expired) {
            deleteObjects(state.root, s);
        }
        segmentsDeleted.add(expired.size());
        if (!expired.isEmpty()) {
            LOG.info("Deleted {} remote segment(s) of {}; log start offset now {}", expired.size(), tp,
                    committed.logStartOffset());
        }
        return expired.size();
    }

    /** Objects of a segment no manifest lists any more; a failure leaves garbage, never a dangling reference. */
    private void deleteObjects(String root, RemoteSegment s) {
        String prefix = root + s.objectStem();
        for (String ext : List.of(RemoteLogLayout.LOG, RemoteLogLayout.OFFSET_INDEX, RemoteLogLayout.TIME_INDEX,
                RemoteLogLayout.PRODUCER_SNAPSHOT)) {
            try {
                store.delete(prefix + ext);
            } catch (RuntimeException e) {
                LOG.warn("Could not delete {}{}: {}", prefix, ext, e.toString());
            }
        }
    }

    // ------------------------------------------------------------------ reads

    /**
     * Reads batches at {@code offset} from object storage, on a reader thread. Fails with
     * {@link OffsetOutOfRangeException} when no uploaded segment holds the offset or a later one, and
     * with {@link KafkaStorageException} when an object is missing, corrupt or unreachable.
     */
    public CompletableFuture<Records> read(TopicPartition tp, long offset, int maxBytes, boolean minOneBatch) {
        PartitionState state = partitions.get(tp);
        if (state == null) {
            return CompletableFuture.failedFuture(new KafkaStorageException("Partition " + tp + " is not tiered here"));
        }
        PartitionManifest manifest = state.manifest;
        RemoteSegment segment = offset < manifest.logStartOffset() ? null : manifest.segmentFor(offset);
        if (segment == null) {
            return CompletableFuture.failedFuture(new OffsetOutOfRangeException("Offset " + offset + " of " + tp
                    + " is in no uploaded segment (remote range [" + manifest.logStartOffset() + ", "
                    + manifest.endOffset() + "))"));
        }
        return CompletableFuture.supplyAsync(() -> {
            try {
                return reader.read(state.root, segment, offset, maxBytes, minOneBatch);
            } catch (KafkaStorageException e) {
                LOG.warn("Remote read of {} at offset {} failed: {}", tp, offset, e.getMessage());
                throw e;
            }
        }, readers);
    }

    /**
     * ListOffsets for a timestamp (or MAX_TIMESTAMP) among the uploaded segments below the local
     * log; empty when no uploaded record qualifies (the local log may still have one).
     */
    public CompletableFuture<Optional<TimestampAndOffset>> offsetForTimestamp(TopicPartition tp, long timestamp,
                                                                              long belowOffset) {
        PartitionState state = partitions.get(tp);
        if (state == null) {
            return CompletableFuture.completedFuture(Optional.empty());
        }
        PartitionManifest manifest = state.manifest;
        RemoteSegment target = null;
        long searchFor = timestamp;
        if (timestamp == ListOffsetsRequest.MAX_TIMESTAMP) {
            for (RemoteSegment s : manifest.segments()) {
                if (s.baseOffset() < belowOffset && s.maxTimestamp() >= 0
                        && (target == null || s.maxTimestamp() > target.maxTimestamp())) {
                    target = s;
                }
            }
            searchFor = target == null ? timestamp : target.maxTimestamp();
        } else if (timestamp >= 0) {
            for (RemoteSegment s : manifest.segments()) {
                if (s.baseOffset() < belowOffset && s.maxTimestamp() >= timestamp) {
                    target = s;
                    break;
                }
            }
        }
        if (target == null) {
            return CompletableFuture.completedFuture(Optional.empty());
        }
        RemoteSegment segment = target;
        long ts = searchFor;
        return CompletableFuture.supplyAsync(() -> reader.searchForTimestamp(state.root, segment, ts,
                Math.max(manifest.logStartOffset(), segment.baseOffset())), readers);
    }

    /** Bytes of chunks in the read cache. */
    public long cachedBytes() {
        return reader.cachedBytes();
    }

    // ------------------------------------------------------------------ metrics

    /** Sealed segments waiting for upload, over every tiered partition. */
    public int backlogSegments() {
        int n = 0;
        for (PartitionLog log : tieredLogs()) {
            n += log.sealedSegmentsFrom(Math.max(0, log.remoteEndOffset())).size();
        }
        return n;
    }

    /** Bytes of sealed segments waiting for upload, over every tiered partition. */
    public long backlogBytes() {
        long n = 0;
        for (PartitionLog log : tieredLogs()) {
            n += log.untieredSealedBytes();
        }
        return n;
    }

    public long segmentsCopied() {
        return segmentsCopied.sum();
    }

    public long segmentsDeleted() {
        return segmentsDeleted.sum();
    }

    @Override
    public void close() {
        readers.shutdownNow();
        uploads.shutdownNow();
    }
}
