package io.strata.storage.remote;

import io.strata.storage.log.LogConfig;
import io.strata.storage.log.LogManager;
import io.strata.storage.log.PartitionLog;
import io.strata.storage.log.RemoteLogBounds;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.errors.KafkaStorageException;
import org.apache.kafka.common.errors.NotLeaderOrFollowerException;
import org.apache.kafka.common.errors.OffsetMovedToTieredStorageException;
import org.apache.kafka.common.errors.OffsetOutOfRangeException;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.record.internal.FileRecords.TimestampAndOffset;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.Record;
import org.apache.kafka.common.record.internal.RecordBatch;
import org.apache.kafka.common.record.internal.Records;
import org.apache.kafka.common.record.internal.SimpleRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.utils.Time;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Tiering against a real S3Proxy in this JVM: upload, manifest, local deletion, remote reads, retention, faults. */
class TieredStorageTest {

    private static final AtomicInteger BUCKETS = new AtomicInteger();
    private static Path objects;
    private static EmbeddedS3Proxy proxy;

    @TempDir
    Path dir;

    @BeforeAll
    static void startProxy() throws Exception {
        objects = Files.createTempDirectory("strata-objects");
        proxy = EmbeddedS3Proxy.start(objects, 0);
    }

    @AfterAll
    static void stopProxy() throws Exception {
        proxy.close();
    }

    private static ObjectStore newStore() {
        ObjectStore store = new ObjectStore(proxy.clientConfig("tier-" + BUCKETS.incrementAndGet()).withPrefix("cluster-a"));
        store.ensureBucket();
        return store;
    }

    private static final TopicPartition TP = new TopicPartition("events", 0);
    private static final Uuid TOPIC_ID = Uuid.randomUuid();

    private static LogConfig config(Map<String, String> overrides) {
        return LogConfig.create(Map.of(), overrides);
    }

    /** A partition with some batches produced and every sealed segment uploaded; only the active segment is local. */
    private record Uploaded(ObjectStore store, RemoteLogManager rlm, LogManager logs, PartitionLog log,
                            List<SimpleRecord> written, String root) implements AutoCloseable {
        PartitionManifest manifest() {
            return rlm.manifest(TP).orElseThrow();
        }

        @Override
        public void close() throws Exception {
            rlm.close();
            logs.close();
        }
    }

    private Uploaded uploaded(int batches) throws Exception {
        ObjectStore store = newStore();
        RemoteLogManager rlm = new RemoteLogManager(store, RemoteLogManager.Settings.DEFAULTS, Time.SYSTEM);
        LogManager logs = new LogManager(dir.resolve("logs"), Time.SYSTEM);
        PartitionLog log = openTiered(rlm, logs, config(Map.of("segment.bytes", "2048", "local.retention.bytes", "0")));
        List<SimpleRecord> written = produce(log, batches, 0);
        rlm.copySealedSegments(TP, 0);
        return new Uploaded(store, rlm, logs, log, written, new RemoteLogLayout("cluster-a").partitionRoot(TP, TOPIC_ID));
    }

    /** Opens the partition's log from the remote manifest and hands it to tiering. */
    private static PartitionLog openTiered(RemoteLogManager rlm, LogManager logs, LogConfig cfg) throws Exception {
        PartitionLog log = logs.getOrCreateLog(TP, TOPIC_ID, cfg, rlm.open(TP, TOPIC_ID));
        rlm.attach(log);
        return log;
    }

    /** Appends {@code batches} batches of 5 records with keys, values and headers; returns the appended records. */
    private static List<SimpleRecord> produce(PartitionLog log, int batches, int epoch) {
        List<SimpleRecord> all = new ArrayList<>();
        long ts = System.currentTimeMillis();
        for (int b = 0; b < batches; b++) {
            SimpleRecord[] records = new SimpleRecord[5];
            for (int i = 0; i < 5; i++) {
                int n = all.size();
                records[i] = new SimpleRecord(ts + n, ("key-" + n).getBytes(StandardCharsets.UTF_8),
                        ("value-" + n + "-" + "x".repeat(n % 50)).getBytes(StandardCharsets.UTF_8),
                        new Header[]{new RecordHeader("h", ("hv" + n).getBytes(StandardCharsets.UTF_8))});
                all.add(records[i]);
            }
            log.appendAsLeader(MemoryRecords.withRecords(Compression.NONE, records), epoch);
            log.updateHighWatermark(log.logEndOffset());
        }
        return all;
    }

    /** Batch {@code n} (one record, sequence n) of idempotent producer 7, epoch 0. */
    private static MemoryRecords idempotentBatch(int n) {
        return MemoryRecords.withIdempotentRecords(Compression.NONE, 7L, (short) 0, n,
                new SimpleRecord(0L, (byte[]) null, "idempotent".getBytes()));
    }

    /** Reads everything from offset 0, remotely below the local log start and locally above it. */
    private static List<Record> readAll(RemoteLogManager rlm, PartitionLog log) {
        List<Record> out = new ArrayList<>();
        long next = log.logStartOffset();
        while (next < log.logEndOffset()) {
            Records records;
            try {
                records = log.read(next, 4096, Long.MAX_VALUE, true).records();
            } catch (OffsetMovedToTieredStorageException e) {
                records = rlm.read(log.topicPartition(), next, 4096, true).join();
            }
            assertThat(records.sizeInBytes()).as("read at %d", next).isPositive();
            for (RecordBatch batch : records.batches()) {
                for (Record r : batch) {
                    if (r.offset() >= next) {
                        out.add(r);
                    }
                }
                next = batch.nextOffset();
            }
        }
        return out;
    }

    private static void assertSame(List<Record> read, List<SimpleRecord> written, long firstOffset) {
        assertThat(read).hasSize(written.size() - (int) firstOffset);
        for (int i = 0; i < read.size(); i++) {
            Record r = read.get(i);
            SimpleRecord w = written.get((int) firstOffset + i);
            assertThat(r.offset()).isEqualTo(firstOffset + i);
            assertThat(r.timestamp()).isEqualTo(w.timestamp());
            assertThat(bytes(r.key())).isEqualTo(bytes(w.key()));
            assertThat(bytes(r.value())).isEqualTo(bytes(w.value()));
            assertThat(r.headers()).containsExactly(w.headers());
        }
    }

    private static byte[] bytes(ByteBuffer b) {
        if (b == null) {
            return null;
        }
        byte[] out = new byte[b.remaining()];
        b.duplicate().get(out);
        return out;
    }

    @Test
    void sealedSegmentsGoToObjectStorageAndAreReadBackAcrossTheBoundary() throws Exception {
        ObjectStore store = newStore();
        LogConfig cfg = config(Map.of("segment.bytes", "2048", "local.retention.bytes", "4096",
                "index.interval.bytes", "256"));
        try (RemoteLogManager rlm = new RemoteLogManager(store, new RemoteLogManager.Settings(64 * 1024, 1 << 20, 2, 2), Time.SYSTEM);
             LogManager logs = new LogManager(dir.resolve("logs"), Time.SYSTEM)) {
            RemoteLogBounds bounds = rlm.open(TP, TOPIC_ID);
            assertThat(bounds).isNull();
            PartitionLog log = logs.getOrCreateLog(TP, TOPIC_ID, cfg, bounds);
            rlm.attach(log);
            List<SimpleRecord> written = produce(log, 150, 0);
            assertThat(log.untieredSealedBytes()).isPositive();
            assertThat(rlm.backlogSegments()).isGreaterThan(10);

            int copied = rlm.copySealedSegments(TP, 0);

            PartitionManifest manifest = rlm.manifest(TP).orElseThrow();
            assertThat(copied).isEqualTo(manifest.segments().size()).isGreaterThan(10);
            assertThat(manifest.endOffset()).isEqualTo(log.remoteEndOffset()).isEqualTo(log.segmentBaseOffsets()
                    .get(log.segmentBaseOffsets().size() - 1));
            assertThat(rlm.backlogBytes()).isZero();
            // Only the hot tail stays local, the log start does not move.
            assertThat(log.sizeInBytes()).isLessThanOrEqualTo(4096 + 2048);
            assertThat(log.localLogStartOffset()).isGreaterThan(0);
            assertThat(log.logStartOffset()).isZero();
            assertThatThrownBy(() -> log.read(0, 1000, Long.MAX_VALUE, true))
                    .isInstanceOf(OffsetMovedToTieredStorageException.class);

            assertSame(readAll(rlm, log), written, 0);
            // Reading a second time is served (at least partly) from the chunk cache.
            long downloaded = store.bytesDownloaded();
            readAll(rlm, log);
            assertThat(store.bytesDownloaded() - downloaded).isLessThan(downloaded);

            // Idempotent: a second pass uploads nothing.
            assertThat(rlm.copySealedSegments(TP, 0)).isZero();

            // ListOffsets by timestamp finds a record that is only remote.
            long ts = written.get(7).timestamp();
            Optional<TimestampAndOffset> found = rlm.offsetForTimestamp(TP, ts, log.localLogStartOffset()).join();
            assertThat(found).isPresent();
            assertThat(found.get().offset).isEqualTo(7);
        }
    }

    @Test
    void aSequentialReadWithReadAheadFetchesEachByteOnceThoughTheSegmentIsLargerThanTheCache() throws Exception {
        ObjectStore store = newStore();
        RemoteSegment segment;
        try (RemoteLogManager rlm = new RemoteLogManager(store, RemoteLogManager.Settings.DEFAULTS, Time.SYSTEM);
             LogManager logs = new LogManager(dir.resolve("logs"), Time.SYSTEM)) {
            PartitionLog log = openTiered(rlm, logs, config(Map.of("segment.bytes", Integer.toString(256 * 1024),
                    "local.retention.bytes", "0")));
            for (int i = 0; i < 160; i++) {
                log.appendAsLeader(MemoryRecords.withRecords(Compression.NONE,
                        new SimpleRecord(i, ("key-" + i).getBytes(StandardCharsets.UTF_8), new byte[2000])), 0);
            }
            log.updateHighWatermark(log.logEndOffset());
            rlm.copySealedSegments(TP, 0);
            segment = rlm.manifest(TP).orElseThrow().segments().get(0);
        }
        String root = new RemoteLogLayout("cluster-a").partitionRoot(TP, TOPIC_ID);
        int chunk = 8 * 1024;
        assertThat(segment.sizeInBytes()).isGreaterThan(16L * chunk);
        ExecutorService readAhead = Executors.newFixedThreadPool(2);
        // A store of its own: its counters see this reader's GETs only.
        try (ObjectStore reading = new ObjectStore(store.config())) {
            RemoteLogReader reader = new RemoteLogReader(reading, chunk, 2L * chunk, 2, readAhead);
            reader.offsetIndexEntries(root, segment); // the index GET, before counting
            long bytes0 = reading.bytesDownloaded();
            long gets0 = reading.getRequests();
            long next = segment.baseOffset();
            while (next < segment.nextOffset()) {
                Records records = reader.read(root, segment, next, chunk, true);
                assertThat(records.sizeInBytes()).as("read at %d", next).isPositive();
                for (RecordBatch batch : records.batches()) {
                    assertThat(batch.baseOffset()).isEqualTo(next);
                    next = batch.nextOffset();
                }
            }
            assertThat(next).isEqualTo(segment.nextOffset());
            assertThat(reading.bytesDownloaded() - bytes0).as("bytes fetched").isEqualTo(segment.sizeInBytes());
            assertThat(reading.getRequests() - gets0).as("ranged GETs")
                    .isEqualTo((segment.sizeInBytes() + chunk - 1) / chunk);
        } finally {
            readAhead.shutdownNow();
        }
    }

    @Test
    void anEmptyDataDirectoryContinuesFromObjectStorage() throws Exception {
        ObjectStore store = newStore();
        LogConfig cfg = config(Map.of("segment.bytes", "2048", "local.retention.bytes", "0"));
        List<SimpleRecord> written;
        long end;
        try (RemoteLogManager rlm = new RemoteLogManager(store, RemoteLogManager.Settings.DEFAULTS, Time.SYSTEM);
             LogManager logs = new LogManager(dir.resolve("first"), Time.SYSTEM)) {
            PartitionLog log = openTiered(rlm, logs, cfg);
            written = produce(log, 40, 3);
            log.maybeAssignEpochStartOffset(4);
            // An idempotent producer's batch, then enough to seal it into uploaded segments.
            log.appendAsLeader(idempotentBatch(0), 4);
            written.add(new SimpleRecord(0L, (byte[]) null, "idempotent".getBytes()));
            written.addAll(produce(log, 40, 4));
            rlm.copySealedSegments(TP, 4);
            end = log.remoteEndOffset();
        }
        try (RemoteLogManager rlm = new RemoteLogManager(store, RemoteLogManager.Settings.DEFAULTS, Time.SYSTEM);
             LogManager logs = new LogManager(dir.resolve("second"), Time.SYSTEM)) {
            // The path a node takes for a partition it has no directory of: the listing finds its root.
            RemoteLogBounds bounds = rlm.open(TP, TOPIC_ID, System.nanoTime());
            assertThat(bounds.endOffset()).isEqualTo(end);
            PartitionLog log = logs.getOrCreateLog(TP, TOPIC_ID, cfg, bounds);
            rlm.attach(log);
            assertThat(log.logStartOffset()).isZero();
            assertThat(log.logEndOffset()).isEqualTo(end);
            assertThat(log.latestEpoch().getAsInt()).isEqualTo(4);
            assertThat(log.endOffsetForEpoch(3).endOffset()).isEqualTo(200);
            assertSame(readAll(rlm, log), written.subList(0, (int) end), 0);
            // Appends continue at the remote end.
            assertThat(log.appendAsLeader(MemoryRecords.withRecords(Compression.NONE, new SimpleRecord("n".getBytes())), 5)
                    .firstOffset()).isEqualTo(end);
            // The producer state came with the last uploaded segment: a retry is recognised, a gap refused.
            assertThat(log.appendAsLeader(idempotentBatch(0), 5).duplicate()).isTrue();
            assertThat(log.appendAsLeader(idempotentBatch(1), 5).duplicate()).isFalse();
            assertThatThrownBy(() -> log.appendAsLeader(idempotentBatch(5), 5))
                    .isInstanceOf(org.apache.kafka.common.errors.OutOfOrderSequenceException.class);
        }
    }

    @Test
    void partitionsOfANewTopicOpenWithoutManifestReads() throws Exception {
        try (Uploaded u = uploaded(40);
             RemoteLogManager rlm = new RemoteLogManager(u.store(), RemoteLogManager.Settings.DEFAULTS, Time.SYSTEM)) {
            ObjectStore store = u.store();
            long gets = store.getRequests();
            long lists = store.listRequests();
            // States received now; eight threads open 40 partitions of each topic. "events-0" shares the
            // listing prefix "events-" with the uploaded partition events-0 of "events".
            long received = System.nanoTime();
            ExecutorService pool = Executors.newFixedThreadPool(8);
            try {
                List<java.util.concurrent.Future<RemoteLogBounds>> opened = new ArrayList<>();
                for (String topic : List.of("fresh", "events-0")) {
                    Uuid id = Uuid.randomUuid();
                    for (int p = 0; p < 40; p++) {
                        TopicPartition tp = new TopicPartition(topic, p);
                        opened.add(pool.submit(() -> rlm.open(tp, id, received)));
                    }
                }
                for (var f : opened) {
                    assertThat(f.get()).as("nothing in object storage").isNull();
                }
            } finally {
                pool.shutdown();
            }
            assertThat(store.getRequests() - gets).as("manifest reads").isZero();
            assertThat(store.listRequests() - lists).as("one listing per topic").isEqualTo(2);
            assertThat(rlm.manifest(new TopicPartition("fresh", 7)).orElseThrow().version()).isZero();

            // A listing made before a state arrived never answers for it: objects that appeared since are seen.
            Uuid lateId = Uuid.randomUuid();
            TopicPartition late = new TopicPartition("fresh", 40);
            store.putBytes(new RemoteLogLayout("cluster-a").partitionRoot(late, lateId) + "manifest/latest-hint",
                    "0".getBytes(StandardCharsets.US_ASCII));
            assertThat(rlm.open(late, lateId, System.nanoTime())).isNull();
            assertThat(store.listRequests() - lists).isEqualTo(3);
            assertThat(store.getRequests() - gets).as("its root has objects: the manifest is read").isPositive();

            // The uploaded partition is found by the same path and reads its manifest.
            assertThat(rlm.open(TP, TOPIC_ID, System.nanoTime()).endOffset()).isEqualTo(u.manifest().endOffset());
        }
    }

    @Test
    void retentionDeletesExpiredSegmentsFromObjectStorageAndMovesTheLogStart() throws Exception {
        try (Uploaded u = uploaded(100)) {
            ObjectStore store = u.store();
            RemoteLogManager rlm = u.rlm();
            PartitionLog log = u.log();
            List<SimpleRecord> written = u.written();
            PartitionManifest before = u.manifest();
            RemoteSegment first = before.segments().get(0);
            String root = u.root();
            assertThat(store.exists(root + first.objectStem() + ".log")).isTrue();

            log.updateConfig(config(Map.of("segment.bytes", "2048", "local.retention.bytes", "0",
                    "retention.bytes", Long.toString(before.sizeInBytes() / 2))));
            int deleted = rlm.applyRetention(TP, 0);

            PartitionManifest after = rlm.manifest(TP).orElseThrow();
            assertThat(deleted).isPositive();
            assertThat(after.logStartOffset()).isGreaterThan(0).isEqualTo(log.logStartOffset());
            // Kafka's rule: whole segments go while the rest still holds at least retention.bytes.
            long kept = after.sizeInBytes() + log.sizeInBytesFrom(after.endOffset());
            assertThat(kept).isGreaterThanOrEqualTo(before.sizeInBytes() / 2)
                    .isLessThan(before.sizeInBytes() / 2 + after.segments().get(0).sizeInBytes());
            assertThat(store.exists(root + first.objectStem() + ".log")).isFalse();
            assertThatThrownBy(() -> log.read(0, 100, Long.MAX_VALUE, true)).isInstanceOf(OffsetOutOfRangeException.class);
            assertSame(readAll(rlm, log), written, log.logStartOffset());

            // retention.ms: everything uploaded is older than 1 ms by now.
            Thread.sleep(5);
            log.updateConfig(config(Map.of("segment.bytes", "2048", "local.retention.bytes", "0", "retention.ms", "1")));
            rlm.applyRetention(TP, 0);
            assertThat(log.logStartOffset()).isEqualTo(rlm.manifest(TP).orElseThrow().endOffset());
            // A fresh reader of the bucket sees the same start.
            try (RemoteLogManager other = new RemoteLogManager(store, RemoteLogManager.Settings.DEFAULTS, Time.SYSTEM)) {
                assertThat(other.open(TP, TOPIC_ID).logStartOffset()).isEqualTo(log.logStartOffset());
            }
        }
    }

    @Test
    void deletingAPartitionDeletesItsObjects() throws Exception {
        try (Uploaded u = uploaded(200)) {
            ObjectStore store = u.store();
            PartitionManifest manifest = u.manifest();
            assertThat(manifest.version()).isGreaterThan(2 * ManifestStore.HINT_INTERVAL);
            String root = u.root();

            u.rlm().deletePartitionData(TP, TOPIC_ID);

            for (RemoteSegment s : manifest.segments()) {
                assertThat(store.exists(root + s.objectStem() + ".log")).isFalse();
                assertThat(store.exists(root + s.objectStem() + ".index")).isFalse();
            }
            assertThat(store.exists(RemoteLogLayout.manifestKey(root, manifest.version()))).isFalse();
            try (RemoteLogManager fresh = new RemoteLogManager(store, RemoteLogManager.Settings.DEFAULTS, Time.SYSTEM)) {
                assertThat(fresh.open(TP, TOPIC_ID)).isNull();
            }
        }
    }

    @Test
    void missingOrCorruptObjectsFailTheReadWithAStorageError() throws Exception {
        try (Uploaded u = uploaded(60)) {
            ObjectStore store = u.store();
            RemoteLogManager rlm = u.rlm();
            PartitionManifest manifest = u.manifest();
            String root = u.root();
            RemoteSegment first = manifest.segments().get(0);
            RemoteSegment second = manifest.segments().get(1);

            byte[] garbage = new byte[(int) first.sizeInBytes()];
            java.util.Arrays.fill(garbage, (byte) 7);
            store.putBytes(root + first.objectStem() + ".log", garbage);
            store.delete(root + second.objectStem() + ".log");

            assertThatThrownBy(() -> rlm.read(TP, first.baseOffset(), 4096, true).join())
                    .isInstanceOf(CompletionException.class).hasCauseInstanceOf(KafkaStorageException.class);
            assertThatThrownBy(() -> rlm.read(TP, second.baseOffset(), 4096, true).join())
                    .isInstanceOf(CompletionException.class).hasCauseInstanceOf(KafkaStorageException.class);
            assertThatThrownBy(() -> rlm.read(TP, manifest.endOffset() + 1_000_000, 4096, true).join())
                    .hasCauseInstanceOf(OffsetOutOfRangeException.class);
            // Other segments still read fine.
            RemoteSegment third = manifest.segments().get(2);
            assertThat(rlm.read(TP, third.baseOffset(), 4096, true).join().sizeInBytes()).isPositive();
        }
    }

    @Test
    void largeSegmentsAreUploadedInPartsByHand() throws Exception {
        ObjectStore store = new ObjectStore(proxy.clientConfig("tier-mp-" + BUCKETS.incrementAndGet())
                .withPartBytes(ObjectStoreConfig.MIN_PART_BYTES));
        store.ensureBucket();
        LogConfig cfg = config(Map.of("segment.bytes", Integer.toString(12 * 1024 * 1024), "local.retention.bytes", "0"));
        try (RemoteLogManager rlm = new RemoteLogManager(store, RemoteLogManager.Settings.DEFAULTS, Time.SYSTEM);
             LogManager logs = new LogManager(dir.resolve("logs"), Time.SYSTEM)) {
            PartitionLog log = openTiered(rlm, logs, cfg);
            byte[] value = new byte[100_000];
            new java.util.Random(1).nextBytes(value);
            for (int i = 0; i < 115; i++) { // ~11.5 MB: three parts
                log.appendAsLeader(MemoryRecords.withRecords(Compression.NONE, new SimpleRecord(value)), 0);
            }
            log.appendAsLeader(MemoryRecords.withRecords(Compression.NONE, new SimpleRecord(value)), 0);
            log.updateHighWatermark(log.logEndOffset());
            log.maybeRoll(Long.MAX_VALUE); // seal by segment.ms
            assertThat(rlm.copySealedSegments(TP, 0)).isEqualTo(1);
            RemoteSegment segment = rlm.manifest(TP).orElseThrow().segments().get(0);
            assertThat(segment.sizeInBytes()).isGreaterThan(2 * ObjectStoreConfig.MIN_PART_BYTES);
            Records records = rlm.read(TP, 100, 200_000, true).join();
            RecordBatch batch = records.batches().iterator().next();
            assertThat(batch.baseOffset()).isEqualTo(100);
            assertThat(bytes(batch.iterator().next().value())).isEqualTo(value);
        }
    }

    @Test
    void aWriterWithAnOlderLeaderEpochIsFenced() throws Exception {
        ObjectStore store = newStore();
        LogConfig cfg = config(Map.of("segment.bytes", "2048"));
        try (RemoteLogManager newer = new RemoteLogManager(store, RemoteLogManager.Settings.DEFAULTS, Time.SYSTEM);
             RemoteLogManager older = new RemoteLogManager(store, RemoteLogManager.Settings.DEFAULTS, Time.SYSTEM);
             LogManager logsA = new LogManager(dir.resolve("a"), Time.SYSTEM);
             LogManager logsB = new LogManager(dir.resolve("b"), Time.SYSTEM)) {
            PartitionLog a = logsA.getOrCreateLog(TP, TOPIC_ID, cfg, newer.open(TP, TOPIC_ID));
            PartitionLog b = logsB.getOrCreateLog(TP, TOPIC_ID, cfg, older.open(TP, TOPIC_ID));
            newer.attach(a);
            older.attach(b);
            produce(a, 20, 5);
            produce(b, 20, 3);
            newer.copySealedSegments(TP, 5);
            assertThatThrownBy(() -> older.copySealedSegments(TP, 3)).isInstanceOf(NotLeaderOrFollowerException.class);
            assertThat(newer.manifest(TP).orElseThrow().leaderEpoch()).isEqualTo(5);
        }
    }

    @Test
    void tieringWaitsOutAnObjectStoreOutageAndCatchesUp() throws Exception {
        Path outageObjects = Files.createTempDirectory("strata-outage");
        EmbeddedS3Proxy own = EmbeddedS3Proxy.start(outageObjects, 0);
        int port = own.endpoint().getPort();
        ObjectStore store = new ObjectStore(own.clientConfig("outage")
                .withRetries(2, Duration.ofMillis(200), Duration.ofSeconds(2), Duration.ofMillis(500)));
        store.ensureBucket();
        LogConfig cfg = config(Map.of("segment.bytes", "2048", "local.retention.bytes", "0"));
        try (RemoteLogManager rlm = new RemoteLogManager(store, RemoteLogManager.Settings.DEFAULTS, Time.SYSTEM);
             LogManager logs = new LogManager(dir.resolve("logs"), Time.SYSTEM)) {
            PartitionLog log = openTiered(rlm, logs, cfg);
            List<SimpleRecord> written = produce(log, 30, 0);
            rlm.copySealedSegments(TP, 0);
            own.close();

            written.addAll(produce(log, 30, 0));
            assertThatThrownBy(() -> rlm.copySealedSegments(TP, 0)).isInstanceOf(ObjectStoreException.class);
            assertThatThrownBy(() -> rlm.copySealedSegments(TP, 0)).isInstanceOf(ObjectStoreException.class);
            assertThat(store.unavailable()).as("breaker open after repeated failures").isTrue();
            assertThat(rlm.backlogBytes()).isPositive();
            // Nothing was deleted locally that is not in the manifest.
            assertThat(log.localLogStartOffset()).isLessThanOrEqualTo(rlm.manifest(TP).orElseThrow().endOffset());

            own = EmbeddedS3Proxy.start(outageObjects, port);
            Thread.sleep(600); // breaker's open period
            int copied = 0;
            for (int i = 0; i < 10 && rlm.backlogBytes() > 0; i++) {
                try {
                    copied += rlm.copySealedSegments(TP, 0);
                } catch (ObjectStoreException e) {
                    Thread.sleep(300);
                }
            }
            assertThat(copied).isPositive();
            assertThat(rlm.backlogBytes()).isZero();
            assertSame(readAll(rlm, log), written, 0);
        } finally {
            own.close();
        }
    }
}
