package io.strata.storage.log;

import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.errors.InconsistentTopicIdException;
import org.apache.kafka.common.internals.Topic;
import org.apache.kafka.common.utils.Time;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.Closeable;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * All partition logs of one log directory, and the background work on them.
 *
 * <p>Files it owns in the data directory, besides the partition directories {@code <topic>-<partition>}:
 * <ul>
 *   <li>{@code recovery-point-offset-checkpoint}, {@code log-start-offset-checkpoint} and
 *       {@code replication-offset-checkpoint} (high watermarks): Kafka's text format
 *       ({@link CheckpointFile}), written every {@link Settings#checkpointIntervalMs} and at close;
 *       a log opened without a high-watermark entry (a directory from before the file existed)
 *       starts with its high watermark at its log end;</li>
 *   <li>{@code .kafka_cleanshutdown}: written at the end of {@link #close()}, deleted at start-up.
 *       Present means the previous run closed its logs cleanly. Its content (an extension of
 *       Kafka's empty marker) lists, one per line, partition directories that the previous run never
 *       opened after an unclean start and so still need recovery;</li>
 *   <li>{@code <topic>-<partition>.<id>-delete}: a deleted partition waiting for
 *       {@code file.delete.delay.ms}; removed at start-up if still there.</li>
 * </ul>
 *
 * <p>Logs are opened lazily by {@link #getOrCreateLog}, because the caller owns topic ids and configs;
 * {@link #partitionsOnDisk()} tells it which directories exist. Checkpoint entries of partitions
 * not opened in this run are carried over unchanged.
 *
 * <p>Thread-safety: safe for concurrent use. Creation and deletion of one partition's log are serialised
 * (a lock per partition stripe), while logs of different partitions open in parallel, since opening mostly
 * waits on fsyncs; lookups are lock-free. Background tasks run on one small scheduled executor started by
 * {@link #startBackgroundTasks()}.
 */
public final class LogManager implements Closeable {

    private static final Logger LOG = LoggerFactory.getLogger(LogManager.class);

    public static final String RECOVERY_POINT_CHECKPOINT = "recovery-point-offset-checkpoint";
    public static final String LOG_START_OFFSET_CHECKPOINT = "log-start-offset-checkpoint";
    /** High watermark per partition, Kafka's name for it. */
    public static final String HIGH_WATERMARK_CHECKPOINT = "replication-offset-checkpoint";
    public static final String CLEAN_SHUTDOWN_FILE = ".kafka_cleanshutdown";
    private static final String DELETE_SUFFIX = "-delete";

    /**
     * Intervals of the background tasks.
     *
     * @param retentionCheckIntervalMs  retention, time-based roll and producer expiry (Kafka: log.retention.check.interval.ms)
     * @param flushCheckIntervalMs      how often flush.ms is evaluated (Kafka: log.flush.scheduler.interval.ms)
     * @param checkpointIntervalMs      recovery-point, log-start and high-watermark checkpoints (Kafka: log.flush.offset.checkpoint.interval.ms)
     * @param producerIdExpirationMs    idle time after which idempotent producer state is dropped (producer.id.expiration.ms)
     */
    public record Settings(long retentionCheckIntervalMs, long flushCheckIntervalMs, long checkpointIntervalMs,
                           long producerIdExpirationMs) {
        public static final Settings DEFAULTS = new Settings(30_000L, 1_000L, 5_000L, 86_400_000L);

        public Settings {
            if (retentionCheckIntervalMs <= 0 || flushCheckIntervalMs <= 0 || checkpointIntervalMs <= 0
                    || producerIdExpirationMs <= 0) {
                throw new IllegalArgumentException("Intervals must be positive");
            }
        }
    }

    private final Path dataDir;
    private final Time time;
    private final Settings settings;
    private final boolean hadCleanShutdown;
    private final Set<String> dirsNeedingRecovery;
    private final Map<TopicPartition, Long> recoveryPointsAtStart;
    private final Map<TopicPartition, Long> logStartsAtStart;
    private final Map<TopicPartition, Long> highWatermarksAtStart;
    private final Set<TopicPartition> onDisk = ConcurrentHashMap.newKeySet();
    /** Partition directories found at start-up. */
    private final int onDiskAtStart;
    private final Set<TopicPartition> openedThisRun = ConcurrentHashMap.newKeySet();
    private final ConcurrentHashMap<TopicPartition, PartitionLog> logs = new ConcurrentHashMap<>();
    private static final int CLOSE_THREADS = 8;
    /** Guards {@link #closed} and the registration of logs against close(). */
    private final Object createLock = new Object();
    /** Serialises creation and deletion per partition (taken before {@link #createLock}). */
    private final Object[] partitionLocks = java.util.stream.Stream.generate(Object::new).limit(64).toArray();
    private final Object checkpointLock = new Object();
    private volatile ScheduledThreadPoolExecutor scheduler;
    private volatile boolean closed;
    /** Runs on the scheduler once started, inline before that. */
    private final Executor background = task -> {
        ScheduledThreadPoolExecutor s = scheduler;
        if (s == null || s.isShutdown()) {
            task.run();
        } else {
            s.execute(task);
        }
    };

    public LogManager(Path dataDir, Time time) {
        this(dataDir, time, Settings.DEFAULTS);
    }

    /**
     * Scans {@code dataDir} (creating it if needed), reads the checkpoints and the clean-shutdown
     * marker, then deletes the marker: from now on a crash counts as unclean.
     */
    public LogManager(Path dataDir, Time time, Settings settings) {
        this.dataDir = dataDir;
        this.time = time;
        this.settings = settings;
        try {
            Files.createDirectories(dataDir);
            Path marker = dataDir.resolve(CLEAN_SHUTDOWN_FILE);
            this.hadCleanShutdown = Files.exists(marker);
            Set<String> dirty = new HashSet<>();
            if (hadCleanShutdown) {
                for (String line : Files.readAllLines(marker, StandardCharsets.UTF_8)) {
                    if (!line.isBlank()) {
                        dirty.add(line.trim());
                    }
                }
            }
            this.dirsNeedingRecovery = dirty;
            this.recoveryPointsAtStart = readCheckpoint(RECOVERY_POINT_CHECKPOINT);
            this.logStartsAtStart = readCheckpoint(LOG_START_OFFSET_CHECKPOINT);
            this.highWatermarksAtStart = readCheckpoint(HIGH_WATERMARK_CHECKPOINT);
            try (DirectoryStream<Path> entries = Files.newDirectoryStream(dataDir)) {
                for (Path p : entries) {
                    if (!Files.isDirectory(p)) {
                        continue;
                    }
                    String name = p.getFileName().toString();
                    if (name.endsWith(DELETE_SUFFIX)) {
                        PartitionLog.deleteRecursively(p);
                        continue;
                    }
                    TopicPartition tp = parseDirName(name);
                    if (tp != null) {
                        onDisk.add(tp);
                    }
                }
            }
            this.onDiskAtStart = onDisk.size();
            Files.deleteIfExists(marker);
            CheckpointFile.fsyncDirectory(dataDir);
        } catch (IOException e) {
            throw new org.apache.kafka.common.errors.KafkaStorageException("Cannot open log directory " + dataDir, e);
        }
        LOG.info("{}", startupSummary());
    }

    /** How the previous run of this directory ended, as far as recovery is concerned. */
    public enum PreviousShutdown {
        /** No partition directory: nothing to recover (a new directory, or one whose logs were all deleted). */
        NO_LOGS,
        /** The logs were closed cleanly: they open without scanning. */
        CLEAN,
        /** The logs were not closed cleanly (kill -9, power loss): segments past the recovery points are verified. */
        UNCLEAN
    }

    /** Only a directory that held logs can have been shut down uncleanly in a way that matters. */
    public PreviousShutdown previousShutdown() {
        if (onDiskAtStart == 0) {
            return PreviousShutdown.NO_LOGS;
        }
        return hadCleanShutdown ? PreviousShutdown.CLEAN : PreviousShutdown.UNCLEAN;
    }

    /** The line logged at start-up: what is on disk and, if it held logs, how the previous run ended. */
    public String startupSummary() {
        String partitions = onDiskAtStart + (onDiskAtStart == 1 ? " partition" : " partitions");
        return switch (previousShutdown()) {
            case NO_LOGS -> "Log directory " + dataDir + ": no partitions on disk yet";
            case CLEAN -> "Log directory " + dataDir + ": " + partitions + " on disk, previous shutdown clean";
            case UNCLEAN -> "Log directory " + dataDir + ": " + partitions + " on disk, previous shutdown "
                    + "unclean: each log is verified past its recovery point as it opens";
        };
    }

    private Map<TopicPartition, Long> readCheckpoint(String name) {
        try {
            return new ConcurrentHashMap<>(CheckpointFile.read(dataDir.resolve(name)));
        } catch (IOException e) {
            // Unreadable: logs recover from their start, which is slow but safe.
            LOG.warn("Ignoring unreadable checkpoint {}: {}", dataDir.resolve(name), e.toString());
            return new ConcurrentHashMap<>();
        }
    }

    /** {@code <topic>-<partition>}, or null for any other name. */
    static TopicPartition parseDirName(String name) {
        int dash = name.lastIndexOf('-');
        if (dash <= 0 || dash == name.length() - 1) {
            return null;
        }
        try {
            int partition = Integer.parseInt(name.substring(dash + 1));
            if (partition < 0) {
                return null;
            }
            String topic = name.substring(0, dash);
            Topic.validate(topic);
            return new TopicPartition(topic, partition);
        } catch (RuntimeException e) {
            return null;
        }
    }

    static String dirName(TopicPartition tp) {
        return tp.topic() + "-" + tp.partition();
    }

    public Path dataDir() {
        return dataDir;
    }

    /** Whether the previous run shut down cleanly. */
    public boolean hadCleanShutdown() {
        return hadCleanShutdown;
    }

    /** Partitions that have a directory on disk (found at start-up, plus those created since). */
    public Set<TopicPartition> partitionsOnDisk() {
        return Set.copyOf(onDisk);
    }

    /**
     * Opens (recovering) or creates the log of one partition. Idempotent.
     *
     * @throws InconsistentTopicIdException when the partition's directory belongs to another topic id
     */
    public PartitionLog getOrCreateLog(TopicPartition tp, Uuid topicId, LogConfig config) throws IOException {
        return getOrCreateLog(tp, topicId, config, null);
    }

    /**
     * As {@link #getOrCreateLog(TopicPartition, Uuid, LogConfig)} for a partition with data in object
     * storage: see {@link PartitionLog#open(Path, TopicPartition, Uuid, LogConfig, long, long, boolean, Time,
     * RemoteLogBounds)}. A local log that ends before the remote end is stale (the partition went on
     * elsewhere) and is replaced by an empty one that continues from the remote end.
     */
    public PartitionLog getOrCreateLog(TopicPartition tp, Uuid topicId, LogConfig config, RemoteLogBounds remote)
            throws IOException {
        PartitionLog existing = logs.get(tp);
        if (existing != null) {
            return checkTopicId(existing, topicId);
        }
        synchronized (partitionLock(tp)) {
            existing = logs.get(tp);
            if (existing != null) {
                return checkTopicId(existing, topicId);
            }
            if (closed) {
                throw new IllegalStateException("Log manager of " + dataDir + " is closed");
            }
            Topic.validate(tp.topic());
            String name = dirName(tp);
            Path dir = dataDir.resolve(name);
            boolean existed = Files.isDirectory(dir);
            boolean clean = !existed || (hadCleanShutdown && !dirsNeedingRecovery.contains(name));
            PartitionLog log = PartitionLog.open(dir, tp, topicId, config, recoveryPointsAtStart.getOrDefault(tp, 0L),
                    logStartsAtStart.getOrDefault(tp, -1L), highWatermarksAtStart.getOrDefault(tp, -1L), clean, time,
                    remote);
            if (remote != null && log.logEndOffset() < remote.endOffset()) {
                LOG.warn("Local log of {} ends at {}, before the remote end {}: replacing it", tp, log.logEndOffset(),
                        remote.endOffset());
                log.delete();
                log = PartitionLog.open(dir, tp, topicId, config, 0L, -1L, true, time, remote);
            }
            log.setBackgroundExecutor(background);
            synchronized (createLock) {
                if (closed) {
                    log.close();
                    throw new IllegalStateException("Log manager of " + dataDir + " is closed");
                }
                logs.put(tp, log);
                onDisk.add(tp);
                openedThisRun.add(tp);
            }
            if (!existed) {
                CheckpointFile.fsyncDirectory(dataDir);
            }
            return log;
        }
    }

    private static PartitionLog checkTopicId(PartitionLog log, Uuid topicId) {
        if (topicId != null && !Uuid.ZERO_UUID.equals(topicId) && !Uuid.ZERO_UUID.equals(log.topicId())
                && !log.topicId().equals(topicId)) {
            throw new InconsistentTopicIdException("Log " + log.topicPartition() + " has topic id " + log.topicId()
                    + ", not " + topicId);
        }
        return log;
    }

    public Optional<PartitionLog> getLog(TopicPartition tp) {
        return Optional.ofNullable(logs.get(tp));
    }

    public Collection<PartitionLog> allLogs() {
        return List.copyOf(logs.values());
    }

    /**
     * Deletes a partition's log: it stops taking appends at once and its directory is renamed to
     * {@code <topic>-<partition>.<id>-delete}; files are closed and removed after the topic's
     * {@code file.delete.delay.ms} so reads already in flight complete. Also removes an unopened
     * directory of that partition.
     */
    public void deleteLog(TopicPartition tp) throws IOException {
        synchronized (partitionLock(tp)) {
            deleteLogLocked(tp);
        }
    }

    private Object partitionLock(TopicPartition tp) {
        return partitionLocks[Math.floorMod(tp.hashCode(), partitionLocks.length)];
    }

    private void deleteLogLocked(TopicPartition tp) throws IOException {
        synchronized (createLock) {
            PartitionLog log = logs.remove(tp);
            Path dir = dataDir.resolve(dirName(tp));
            onDisk.remove(tp);
            openedThisRun.remove(tp);
            recoveryPointsAtStart.remove(tp);
            logStartsAtStart.remove(tp);
            highWatermarksAtStart.remove(tp);
            if (!Files.exists(dir)) {
                return;
            }
            Path target = dataDir.resolve(dirName(tp) + "." + UUID.randomUUID().toString().replace("-", "") + DELETE_SUFFIX);
            if (log != null) {
                log.closeForDeletion();
            }
            Files.move(dir, target);
            CheckpointFile.fsyncDirectory(dataDir);
            long delayMs = log == null ? 0L : log.config().fileDeleteDelayMs();
            Runnable task = () -> {
                try {
                    if (log != null) {
                        log.deleteFiles(target);
                    } else {
                        PartitionLog.deleteRecursively(target);
                    }
                } catch (IOException e) {
                    LOG.warn("Could not delete {}: {}", target, e.toString());
                }
            };
            ScheduledThreadPoolExecutor s = scheduler;
            if (s != null && !s.isShutdown() && delayMs > 0) {
                s.schedule(task, delayMs, TimeUnit.MILLISECONDS);
            } else {
                task.run();
            }
        }
    }

    /** Starts the background work: retention, time-based roll, flush.ms, offset checkpoints. */
    public synchronized void startBackgroundTasks() {
        if (scheduler != null || closed) {
            return;
        }
        AtomicInteger threads = new AtomicInteger();
        ScheduledThreadPoolExecutor s = new ScheduledThreadPoolExecutor(2, r -> {
            Thread t = new Thread(r, "strata-log-" + threads.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        // Pending deletions are redone at the next start-up; close must not wait for them.
        s.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
        s.setContinueExistingPeriodicTasksAfterShutdownPolicy(false);
        s.scheduleWithFixedDelay(this::runRetention, settings.retentionCheckIntervalMs(),
                settings.retentionCheckIntervalMs(), TimeUnit.MILLISECONDS);
        s.scheduleWithFixedDelay(this::runFlushChecks, settings.flushCheckIntervalMs(),
                settings.flushCheckIntervalMs(), TimeUnit.MILLISECONDS);
        s.scheduleWithFixedDelay(this::runCheckpoints, settings.checkpointIntervalMs(),
                settings.checkpointIntervalMs(), TimeUnit.MILLISECONDS);
        scheduler = s;
    }

    /** One pass of time-based roll, retention and producer expiry over every log. */
    public void runRetention() {
        long now = time.milliseconds();
        for (PartitionLog log : logs.values()) {
            try {
                log.maybeRoll(now);
                log.deleteExpiredSegments(now);
                log.expireProducers(now, settings.producerIdExpirationMs());
            } catch (RuntimeException e) {
                LOG.warn("Retention of {} failed: {}", log.topicPartition(), e.toString());
            }
        }
    }

    private void runFlushChecks() {
        long now = time.milliseconds();
        for (PartitionLog log : logs.values()) {
            try {
                log.flushIfDue(now);
            } catch (RuntimeException e) {
                LOG.warn("Flush of {} failed: {}", log.topicPartition(), e.toString());
            }
        }
    }

    private void runCheckpoints() {
        try {
            checkpoint();
        } catch (IOException | RuntimeException e) {
            LOG.warn("Writing checkpoints in {} failed: {}", dataDir, e.toString());
        }
    }

    /** Writes the recovery-point, log-start and high-watermark checkpoints now. */
    public void checkpoint() throws IOException {
        synchronized (checkpointLock) {
            Map<TopicPartition, Long> recoveryPoints = new HashMap<>();
            Map<TopicPartition, Long> logStarts = new HashMap<>();
            Map<TopicPartition, Long> highWatermarks = new HashMap<>();
            for (TopicPartition tp : onDisk) {
                if (!logs.containsKey(tp)) {
                    Long rp = recoveryPointsAtStart.get(tp);
                    if (rp != null) {
                        recoveryPoints.put(tp, rp);
                    }
                    Long ls = logStartsAtStart.get(tp);
                    if (ls != null) {
                        logStarts.put(tp, ls);
                    }
                    Long hw = highWatermarksAtStart.get(tp);
                    if (hw != null) {
                        highWatermarks.put(tp, hw);
                    }
                }
            }
            for (PartitionLog log : logs.values()) {
                recoveryPoints.put(log.topicPartition(), log.recoveryPoint());
                logStarts.put(log.topicPartition(), log.logStartOffset());
                highWatermarks.put(log.topicPartition(), log.highWatermark());
            }
            CheckpointFile.write(dataDir.resolve(RECOVERY_POINT_CHECKPOINT), recoveryPoints);
            CheckpointFile.write(dataDir.resolve(LOG_START_OFFSET_CHECKPOINT), logStarts);
            CheckpointFile.write(dataDir.resolve(HIGH_WATERMARK_CHECKPOINT), highWatermarks);
        }
    }

    /** Clean shutdown: flush every log, write checkpoints and the clean-shutdown marker. */
    @Override
    public void close() throws IOException {
        synchronized (createLock) {
            if (closed) {
                return;
            }
            closed = true;
        }
        ScheduledThreadPoolExecutor s = scheduler;
        if (s != null) {
            s.shutdown();
            try {
                if (!s.awaitTermination(30, TimeUnit.SECONDS)) {
                    LOG.warn("Background tasks of {} did not stop in time", dataDir);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        StringBuffer stillDirty = new StringBuffer();
        AtomicReference<IOException> firstFailure = new AtomicReference<>();
        // Closing a log waits on a few fsyncs (producer snapshot, epochs): thousands of logs close side by side.
        ExecutorService closers = Executors.newFixedThreadPool(CLOSE_THREADS);
        try {
            List<Future<?>> closing = new ArrayList<>(logs.size());
            for (PartitionLog log : logs.values()) {
                closing.add(closers.submit(() -> {
                    try {
                        log.close();
                    } catch (IOException | RuntimeException e) {
                        LOG.error("Closing {} failed", log.topicPartition(), e);
                        stillDirty.append(dirName(log.topicPartition())).append('\n');
                        firstFailure.compareAndSet(null, e instanceof IOException io ? io : new IOException(e));
                    }
                }));
            }
            for (Future<?> f : closing) {
                f.get();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("Interrupted while closing the logs of " + dataDir, e);
        } catch (ExecutionException e) {
            throw new IOException(e.getCause());
        } finally {
            closers.shutdown();
        }
        IOException failure = firstFailure.get();
        checkpoint();
        for (TopicPartition tp : onDisk) {
            String name = dirName(tp);
            boolean neededRecovery = !hadCleanShutdown || dirsNeedingRecovery.contains(name);
            if (!openedThisRun.contains(tp) && neededRecovery) {
                stillDirty.append(name).append('\n');
            }
        }
        CheckpointFile.writeAtomically(dataDir.resolve(CLEAN_SHUTDOWN_FILE), stillDirty.toString());
        if (failure != null) {
            throw failure;
        }
    }
}
