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
import java.util.Optional;
import java.util.concurrent.Executor;

/**
 * Reads record batches of uploaded segments with ranged GETs. A read looks up its starting position
 * in the segment's uploaded offset index, then takes the bytes from fixed-size chunks of the
 * {@code .log} object ({@code chunkBytes}, aligned to multiples of it) held in a cache bounded by
 * {@code cacheBytes}; serving chunk k schedules a read-ahead of the next {@code readAheadChunks}
 * chunks, so a consumer reading a segment front to back mostly finds its next bytes cached. Index objects are cached too.
 *
 * <p>Every returned batch is CRC-checked: a corrupt or truncated object fails the read with
 * {@link KafkaStorageException}, as does a missing object.
 *
 * <p>Used by the broker's {@link RemoteLogManager} and by readers of the bucket without a broker (the
 * Spark connector), which plan from manifests and read with the same code.
 *
 * <p>Thread-safety: safe for concurrent use; calls block on the object store and run on the
 * caller's (reader) threads.
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
    private final Cache<String, ByteBuffer> indexes;
    private final int readAheadChunks;
    private final Executor readAhead;

    /** One entry of a segment's offset index: the batch starting at {@code position} ends with {@code lastOffset}. */
    public record BatchPosition(long lastOffset, long position) {
    }

    /**
     * @param chunkBytes      size of one ranged GET of a {@code .log} object
     * @param cacheBytes      bound of the chunk cache
     * @param readAheadChunks chunks fetched ahead on {@code readAhead} (0: none)
     */
    public RemoteLogReader(ObjectStore store, int chunkBytes, long cacheBytes, int readAheadChunks, Executor readAhead) {
        this.store = store;
        this.chunkBytes = chunkBytes;
        this.readAheadChunks = readAheadChunks;
        this.readAhead = readAhead;
        this.chunks = Caffeine.newBuilder()
                .maximumWeight(Math.max(cacheBytes, chunkBytes))
                .weigher((ChunkKey k, byte[] v) -> v.length)
                .build();
        this.indexes = Caffeine.newBuilder()
                .maximumWeight(Math.max(cacheBytes / 8, 1024 * 1024))
                .weigher((String k, ByteBuffer v) -> v.capacity())
                .build();
    }

    /** Cached chunks' bytes. */
    long cachedBytes() {
        return chunks.asMap().values().stream().mapToLong(b -> b.length).sum();
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
        byte[] bytes = chunks.get(new ChunkKey(key, index), k -> load(k, segment));
        for (long next = index + 1; next <= index + readAheadChunks && next * chunkBytes < segment.sizeInBytes(); next++) {
            ChunkKey ahead = new ChunkKey(key, next);
            if (chunks.getIfPresent(ahead) != null) {
                continue;
            }
            try {
                readAhead.execute(() -> {
                    try {
                        chunks.get(ahead, k -> load(k, segment));
                    } catch (RuntimeException ignored) {
                        // a read-ahead is a guess; the real read reports failures
                    }
                });
            } catch (RuntimeException rejected) {
                // executor shutting down
            }
        }
        return bytes;
    }

    private byte[] load(ChunkKey k, RemoteSegment segment) {
        long from = k.index() * chunkBytes;
        int length = (int) Math.min(chunkBytes, segment.sizeInBytes() - from);
        return store.getRange(k.key(), from, length);
    }
}
