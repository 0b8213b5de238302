package io.strata.storage.remote;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import org.apache.kafka.common.errors.CorruptRecordException;
import org.apache.kafka.common.errors.KafkaStorageException;
import org.apache.kafka.common.record.internal.DefaultRecordBatch;
import org.apache.kafka.common.record.internal.FileRecords.TimestampAndOffset;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.MutableRecordBatch;
import org.apache.kafka.common.record.internal.Record;
import org.apache.kafka.common.record.internal.RecordBatch;
import org.apache.kafka.common.record.internal.Records;

import java.nio.ByteBuffer;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Reads record batches of uploaded segments with ranged GETs. A read looks up its starting position
 * in the segment's uploaded offset index, then takes the bytes from fixed-size chunks of the
 * {@code .log} object ({@code chunkBytes}, aligned to multiples of it); serving chunk k schedules a read-ahead of
 * the next {@code readAheadChunks} chunks, so a consumer reading a segment front to back mostly finds its next
 * bytes fetched or on their way. Index objects are cached too.
 *
 * <p>Chunks live at two levels. The <em>window</em> is a small map, least recently used first, of chunks being
 * fetched, fetched ahead and not yet read, or just read: a chunk's bytes are fetched once while it is in the
 * window, whoever asks for it (two readers of one chunk share one GET; a reader that reaches a chunk whose
 * read-ahead is still queued fetches it itself rather than waiting behind the executor). Serving a chunk marks the
 * chunks ahead of it as used too, so a sequential reader's read-ahead is never dropped for chunks behind it. The
 * window holds {@code readAheadChunks + 3} chunks at least (the one being read, two before it for batches spanning
 * a boundary and for reads that start at the offset index entry before their offset, the ones ahead) and up to
 * half of {@code cacheBytes}. A chunk leaving the window goes to a Caffeine
 * cache bounded by the rest of {@code cacheBytes}, which serves repeated reads of the same bytes. The window is
 * plain LRU on purpose: Caffeine's admission policy rejects one-hit newcomers when full, which is every
 * read-ahead chunk of a sequential scan, so read-ahead into Caffeine alone was fetched twice.
 *
 * <p>Every returned batch is CRC-checked: a corrupt or truncated object fails the read with
 * {@link KafkaStorageException}, as does a missing object. A failed read-ahead is forgotten; the read that
 * needs the chunk fetches it again and reports its own failure.
 *
 * <p>Used by the broker's {@link RemoteLogManager} and by readers of the bucket without a broker (the
 * Spark connector), which plan from manifests and read with the same code.
 *
 * <p>Thread-safety: safe for concurrent use; calls block on the object store and run on the caller's (reader)
 * threads; read-aheads run on {@code readAhead}, which may be the readers' own pool (a reader never waits for a
 * queued read-ahead). The window is guarded by its own monitor, held only for map operations, never across a GET.
 */
public final class RemoteLogReader {

    /** Bytes of a batch header up to and including the last-offset delta. */
    private static final int HEADER_BYTES = DefaultRecordBatch.RECORD_BATCH_OVERHEAD;
    /** Position of the max-timestamp field in a v2 batch header (Kafka keeps that constant package-private). */
    private static final int MAX_TIMESTAMP_OFFSET = 35;

    private record ChunkKey(String key, long index) {
    }

    private final ObjectStore store;
    private final int chunkBytes;
    private final Cache<ChunkKey, byte[]> chunks;
    /** Chunks being fetched, fetched ahead or just read, least recently used first; guarded by itself. */
    private final Map<ChunkKey, Pending> window;
    private final Cache<String, ByteBuffer> indexes;
    private final int readAheadChunks;
    private final Executor readAhead;

    /** One entry of a segment's offset index: the batch starting at {@code position} ends with {@code lastOffset}. */
    public record BatchPosition(long lastOffset, long position) {
    }

    /**
     * @param chunkBytes      size of one ranged GET of a {@code .log} object
     * @param cacheBytes      bound of the chunks held, window and cache together (but at least
     *                        {@code readAheadChunks + 4} chunks)
     * @param readAheadChunks chunks fetched ahead on {@code readAhead} (0: none)
     */
    public RemoteLogReader(ObjectStore store, int chunkBytes, long cacheBytes, int readAheadChunks, Executor readAhead) {
        this.store = store;
        this.chunkBytes = chunkBytes;
        this.readAheadChunks = readAheadChunks;
        this.readAhead = readAhead;
        int windowChunks = (int) Math.max(readAheadChunks + 3L, Math.min(1024, cacheBytes / chunkBytes / 2));
        this.window = new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<ChunkKey, Pending> eldest) {
                if (size() <= windowChunks) {
                    return false;
                }
                byte[] done = eldest.getValue().bytesIfLoaded();
                if (done != null) {
                    chunks.put(eldest.getKey(), done);
                }
                return true;
            }
        };
        this.chunks = Caffeine.newBuilder()
                .maximumWeight(Math.max(cacheBytes - (long) windowChunks * chunkBytes, chunkBytes))
                .weigher((ChunkKey k, byte[] v) -> v.length)
                .build();
        this.indexes = Caffeine.newBuilder()
                .maximumWeight(Math.max(cacheBytes / 8, 1024 * 1024))
                .weigher((String k, ByteBuffer v) -> v.capacity())
                .build();
    }

    /** Bytes of chunks held: cached and fetched into the window. */
    long cachedBytes() {
        long windowBytes;
        synchronized (window) {
            windowBytes = window.values().stream().map(Pending::bytesIfLoaded).filter(b -> b != null)
                    .mapToLong(b -> b.length).sum();
        }
        return windowBytes + chunks.asMap().values().stream().mapToLong(b -> b.length).sum();
    }

    /**
     * Whole batches of {@code segment} starting with the one holding {@code offset}: up to
     * {@code maxBytes}, or the first batch alone when it is larger and {@code minOneBatch}.
     */
    public Records read(String root, RemoteSegment segment, long offset, int maxBytes, boolean minOneBatch) {
        String logKey = root + segment.objectStem() + RemoteLogLayout.LOG;
        long position = positionOf(root, segment, offset);
        ByteBuffer out = null;
        int collected = 0;
        while (position < segment.sizeInBytes()) {
            ByteBuffer header = readBytes(logKey, segment, position, HEADER_BYTES);
            long baseOffset = header.getLong(0);
            int total = Records.LOG_OVERHEAD + header.getInt(Records.SIZE_OFFSET);
            if (total < HEADER_BYTES || position + total > segment.sizeInBytes()) {
                throw new KafkaStorageException("Remote segment " + logKey + " is corrupt at position " + position);
            }
            long lastOffset = baseOffset + header.getInt(DefaultRecordBatch.LAST_OFFSET_DELTA_OFFSET);
            if (lastOffset < offset) {
                position += total;
                continue;
            }
            if (collected + total > maxBytes && (collected > 0 || !minOneBatch)) {
                break;
            }
            ByteBuffer batch = readBytes(logKey, segment, position, total);
            if (out == null) {
                out = ByteBuffer.allocate(Math.max(total, Math.min(maxBytes, (int) Math.min(Integer.MAX_VALUE,
                        segment.sizeInBytes() - position))));
            } else if (out.remaining() < total) {
                ByteBuffer bigger = ByteBuffer.allocate(Math.max(out.capacity() * 2, out.position() + total));
                out.flip();
                bigger.put(out);
                out = bigger;
            }
            out.put(batch);
            collected += total;
            position += total;
        }
        if (out == null) {
            return MemoryRecords.EMPTY;
        }
        out.flip();
        MemoryRecords records = MemoryRecords.readableRecords(out);
        validate(logKey, records);
        return records;
    }

    /**
     * The first record at or after {@code fromOffset} whose timestamp is at least {@code timestamp},
     * searched in {@code segment} from the position its time index points to.
     */
    public Optional<TimestampAndOffset> searchForTimestamp(String root, RemoteSegment segment, long timestamp, long fromOffset) {
        long startOffset = Math.max(fromOffset, timeIndexLookup(root, segment, timestamp));
        long position = positionOf(root, segment, startOffset);
        String logKey = root + segment.objectStem() + RemoteLogLayout.LOG;
        while (position < segment.sizeInBytes()) {
            ByteBuffer header = readBytes(logKey, segment, position, HEADER_BYTES);
            int total = Records.LOG_OVERHEAD + header.getInt(Records.SIZE_OFFSET);
            if (total < HEADER_BYTES || position + total > segment.sizeInBytes()) {
                throw new KafkaStorageException("Remote segment " + logKey + " is corrupt at position " + position);
            }
            long maxTimestamp = header.getLong(MAX_TIMESTAMP_OFFSET);
            if (maxTimestamp >= timestamp) {
                MemoryRecords records = MemoryRecords.readableRecords(readBytes(logKey, segment, position, total));
                validate(logKey, records);
                for (MutableRecordBatch batch : records.batches()) {
                    for (Record record : batch) {
                        if (record.timestamp() >= timestamp && record.offset() >= fromOffset) {
                            return Optional.of(new TimestampAndOffset(record.timestamp(), record.offset(),
                                    Optional.of(batch.partitionLeaderEpoch())));
                        }
                    }
                }
            }
            position += total;
        }
        return Optional.empty();
    }

    private static void validate(String key, MemoryRecords records) {
        try {
            for (MutableRecordBatch batch : records.batches()) {
                if (batch.magic() != RecordBatch.MAGIC_VALUE_V2) {
                    throw new CorruptRecordException("magic " + batch.magic());
                }
                batch.ensureValid();
            }
        } catch (CorruptRecordException e) {
            throw new KafkaStorageException("Remote segment " + key + " is corrupt: " + e.getMessage(), e);
        } catch (RuntimeException e) {
            throw new KafkaStorageException("Remote segment " + key + " is unreadable: " + e, e);
        }
    }

    /** Position of the batch holding {@code offset} or before it, from the uploaded offset index. */
    private long positionOf(String root, RemoteSegment segment, long offset) {
        ByteBuffer index = index(root + segment.objectStem() + RemoteLogLayout.OFFSET_INDEX);
        long relative = offset - segment.baseOffset();
        int lo = 0;
        int hi = index.capacity() / 8 - 1;
        long position = 0;
        while (lo <= hi) { // largest entry with relative offset <= the target
            int mid = (lo + hi) >>> 1;
            int entryOffset = index.getInt(mid * 8);
            if (entryOffset <= relative) {
                position = Integer.toUnsignedLong(index.getInt(mid * 8 + 4));
                lo = mid + 1;
            } else {
                hi = mid - 1;
            }
        }
        return position;
    }

    /**
     * The entries of the segment's uploaded offset index, ascending: batch boundaries at which a segment
     * can be split without cutting a batch (the batch after an entry's batch starts at its last offset + 1).
     */
    public java.util.List<BatchPosition> offsetIndexEntries(String root, RemoteSegment segment) {
        ByteBuffer index = index(root + segment.objectStem() + RemoteLogLayout.OFFSET_INDEX);
        java.util.List<BatchPosition> out = new java.util.ArrayList<>(index.capacity() / 8);
        for (int i = 0; i + 8 <= index.capacity(); i += 8) {
            out.add(new BatchPosition(segment.baseOffset() + index.getInt(i), Integer.toUnsignedLong(index.getInt(i + 4))));
        }
        return out;
    }

    /**
     * An offset from which to scan for the first record with a timestamp of at least {@code timestamp},
     * from the segment's uploaded time index: every record below it is older (the segment base if none).
     */
    public long offsetBeforeTimestamp(String root, RemoteSegment segment, long timestamp) {
        return timeIndexLookup(root, segment, timestamp);
    }

    /** Offset of the largest time-index entry with a timestamp below {@code timestamp} (the segment base if none). */
    private long timeIndexLookup(String root, RemoteSegment segment, long timestamp) {
        ByteBuffer index = index(root + segment.objectStem() + RemoteLogLayout.TIME_INDEX);
        long found = segment.baseOffset();
        for (int i = 0; i + 12 <= index.capacity(); i += 12) {
            if (index.getLong(i) >= timestamp) {
                break;
            }
            found = segment.baseOffset() + index.getInt(i + 8);
        }
        return found;
    }

    private ByteBuffer index(String key) {
        return indexes.get(key, k -> ByteBuffer.wrap(store.get(k).orElseThrow(
                () -> new KafkaStorageException("Remote index " + k + " is missing")))).duplicate();
    }

    /** {@code length} bytes at {@code position} of the object, assembled from cached chunks. */
    private ByteBuffer readBytes(String key, RemoteSegment segment, long position, int length) {
        long first = position / chunkBytes;
        long last = (position + length - 1) / chunkBytes;
        if (first == last) {
            byte[] chunk = chunk(key, segment, first);
            int from = (int) (position - first * chunkBytes);
            if (from + length > chunk.length) {
                throw new KafkaStorageException("Remote segment " + key + " is shorter than its manifest says");
            }
            return ByteBuffer.wrap(chunk, from, length).slice();
        }
        ByteBuffer out = ByteBuffer.allocate(length);
        for (long i = first; i <= last; i++) {
            byte[] chunk = chunk(key, segment, i);
            int from = i == first ? (int) (position - first * chunkBytes) : 0;
            int n = Math.min(chunk.length - from, out.remaining());
            if (n <= 0) {
                throw new KafkaStorageException("Remote segment " + key + " is shorter than its manifest says");
            }
            out.put(chunk, from, n);
        }
        out.flip();
        return out;
    }

    private byte[] chunk(String key, RemoteSegment segment, long index) {
        ChunkKey wanted = new ChunkKey(key, index);
        byte[] bytes = fetch(wanted, segment);
        for (long next = index + 1; next <= index + readAheadChunks && next * chunkBytes < segment.sizeInBytes(); next++) {
            ChunkKey ahead = new ChunkKey(key, next);
            Pending pending;
            synchronized (window) {
                // get, not containsKey: the chunks ahead count as just used, so that the window, least recently
                // used first, never drops one of them for a chunk behind the reader
                if (window.get(ahead) != null || chunks.getIfPresent(ahead) != null) {
                    continue;
                }
                pending = new Pending();
                window.put(ahead, pending);
            }
            try {
                readAhead.execute(() -> pending.loadUnlessClaimed(ahead, segment));
            } catch (RuntimeException rejected) { // executor shutting down
                forget(ahead, pending);
                pending.fail(rejected);
            }
        }
        return bytes;
    }

    /**
     * The chunk's bytes: from the window, else from the cache (entering the window again), else fetched on this
     * thread. A read-ahead that failed, or that another reader's failure left behind, is fetched again once here.
     */
    private byte[] fetch(ChunkKey k, RemoteSegment segment) {
        for (int attempt = 0; ; attempt++) {
            Pending pending;
            synchronized (window) {
                pending = window.get(k);
                if (pending == null) {
                    byte[] cached = chunks.getIfPresent(k);
                    pending = cached != null ? new Pending().with(cached) : new Pending();
                    window.put(k, pending);
                }
            }
            boolean mine = pending.loadUnlessClaimed(k, segment);
            try {
                return pending.bytes.join();
            } catch (CompletionException e) {
                forget(k, pending);
                if (mine || attempt > 0) {
                    throw e.getCause() instanceof RuntimeException r ? r : e;
                }
            }
        }
    }

    /** Drops {@code pending} from the window if it is still the entry of {@code k}. */
    private void forget(ChunkKey k, Pending pending) {
        synchronized (window) {
            window.remove(k, pending);
        }
    }

    /** One chunk's fetch: claimed by exactly one thread (a read-ahead or a reader), awaited by the others. */
    private final class Pending {
        final CompletableFuture<byte[]> bytes = new CompletableFuture<>();
        private final AtomicBoolean claimed = new AtomicBoolean();

        /** Completed with bytes found in the cache. */
        Pending with(byte[] cached) {
            claimed.set(true);
            bytes.complete(cached);
            return this;
        }

        /** Fetches the chunk unless a thread has claimed it already; true if this call fetched (or failed to). */
        boolean loadUnlessClaimed(ChunkKey k, RemoteSegment segment) {
            if (!claimed.compareAndSet(false, true)) {
                return false;
            }
            try {
                bytes.complete(load(k, segment));
            } catch (Throwable e) { // whatever it is, the threads waiting for the bytes must not wait forever
                bytes.completeExceptionally(e);
            }
            return true;
        }

        void fail(RuntimeException e) {
            claimed.set(true);
            bytes.completeExceptionally(e);
        }

        /** The bytes if fetched successfully, else null. */
        byte[] bytesIfLoaded() {
            return bytes.isDone() && !bytes.isCompletedExceptionally() ? bytes.join() : null;
        }
    }

    private byte[] load(ChunkKey k, RemoteSegment segment) {
        long from = k.index() * chunkBytes;
        int length = (int) Math.min(chunkBytes, segment.sizeInBytes() - from);
        return store.getRange(k.key(), from, length);
    }
}
