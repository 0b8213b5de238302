package io.strata.storage.log;

import org.apache.kafka.common.errors.InvalidProducerEpochException;
import org.apache.kafka.common.errors.OutOfOrderSequenceException;
import org.apache.kafka.common.record.internal.RecordBatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32C;

/**
 * Idempotent-producer state of one partition: per producer id, its epoch and the metadata of its
 * last {@value #BATCHES_RETAINED} batches, which is enough to recognise a retried batch and to
 * reject a sequence gap.
 *
 * <p>Rules (Kafka's): an exact retry of a retained batch (same epoch, first and last sequence) is a
 * duplicate; an older epoch is fenced ({@link InvalidProducerEpochException}); a newer epoch must
 * start at sequence 0; within an epoch each batch must start right after the previous one
 * (sequences wrap from {@link Integer#MAX_VALUE} to 0), else {@link OutOfOrderSequenceException}; an
 * unknown producer (never seen, or expired by retention) is accepted at any sequence.
 *
 * <p>Snapshot file {@code <20-digit offset>.snapshot}: the state after every batch below that
 * offset. Own binary format, big-endian:
 * <pre>
 * int32  magic 0x53505331 ("SPS1")
 * int16  version 1
 * int32  CRC-32C of every byte after this field
 * int64  snapshot offset
 * int32  producer count, then per producer:
 *   int64 producerId, int16 epoch, int64 lastAppendMs (broker clock), int8 batch count, then per batch:
 *     int32 firstSeq, int32 lastSeq, int64 firstOffset, int32 lastOffset - firstOffset, int64 maxTimestamp
 * </pre>
 * Snapshots are written to a temporary file and renamed; a snapshot whose CRC does not match is
 * ignored and the previous one (or the log itself) is used instead. The two newest are kept.
 *
 * <p>Thread-safety: not thread-safe; the owning log calls it under its append lock only.
 */
final class ProducerStateManager {

    private static final Logger LOG = LoggerFactory.getLogger(ProducerStateManager.class);

    static final int BATCHES_RETAINED = 5;
    static final String SNAPSHOT_SUFFIX = ".snapshot";
    private static final int MAGIC = 0x53505331;
    private static final short VERSION = 1;
    private static final int SNAPSHOTS_KEPT = 2;

    /** What the log needs to know about one appended idempotent batch. */
    record BatchMetadata(int firstSeq, int lastSeq, long firstOffset, long lastOffset, long maxTimestamp) {
    }

    /** State of one producer id. */
    static final class ProducerEntry {
        final long producerId;
        short epoch;
        long lastAppendMs;
        final ArrayDeque<BatchMetadata> batches = new ArrayDeque<>(BATCHES_RETAINED);

        ProducerEntry(long producerId, short epoch) {
            this.producerId = producerId;
            this.epoch = epoch;
        }

        BatchMetadata findDuplicate(short batchEpoch, int firstSeq, int lastSeq) {
            if (batchEpoch != epoch) {
                return null;
            }
            for (BatchMetadata b : batches) {
                if (b.firstSeq() == firstSeq && b.lastSeq() == lastSeq) {
                    return b;
                }
            }
            return null;
        }

        int lastSeq() {
            BatchMetadata last = batches.peekLast();
            return last == null ? RecordBatch.NO_SEQUENCE : last.lastSeq();
        }

        long lastOffset() {
            BatchMetadata last = batches.peekLast();
            return last == null ? -1L : last.lastOffset();
        }
    }

    private final Path dir;
    private final Map<Long, ProducerEntry> producers = new HashMap<>();

    ProducerStateManager(Path dir) {
        this.dir = dir;
    }

    int producerCount() {
        return producers.size();
    }

    ProducerEntry entry(long producerId) {
        return producers.get(producerId);
    }

    /** The retained batch that {@code batch} repeats exactly, or null. */
    BatchMetadata findDuplicate(RecordBatch batch) {
        ProducerEntry entry = producers.get(batch.producerId());
        return entry == null ? null : entry.findDuplicate(batch.producerEpoch(), batch.baseSequence(), batch.lastSequence());
    }

    /**
     * Checks that {@code batch} may follow the producer's state.
     *
     * @param staged epoch and last sequence per producer of earlier batches of the same request
     *               (not committed yet); updated with this batch
     */
    void validate(RecordBatch batch, Map<Long, long[]> staged) {
        long pid = batch.producerId();
        short batchEpoch = batch.producerEpoch();
        int firstSeq = batch.baseSequence();
        long[] pending = staged.get(pid);
        boolean known;
        short currentEpoch;
        int currentLastSeq;
        if (pending != null) {
            known = true;
            currentEpoch = (short) pending[0];
            currentLastSeq = (int) pending[1];
        } else {
            ProducerEntry entry = producers.get(pid);
            known = entry != null;
            currentEpoch = known ? entry.epoch : RecordBatch.NO_PRODUCER_EPOCH;
            currentLastSeq = known ? entry.lastSeq() : RecordBatch.NO_SEQUENCE;
        }
        if (known) {
            if (batchEpoch < currentEpoch) {
                throw new InvalidProducerEpochException("Producer " + pid + " epoch " + batchEpoch
                        + " is older than the current epoch " + currentEpoch);
            }
            if (batchEpoch > currentEpoch) {
                if (firstSeq != 0) {
                    throw new OutOfOrderSequenceException("Producer " + pid + " started epoch " + batchEpoch
                            + " at sequence " + firstSeq + ", expected 0");
                }
            } else if (currentLastSeq != RecordBatch.NO_SEQUENCE && !inSequence(currentLastSeq, firstSeq)) {
                throw new OutOfOrderSequenceException("Producer " + pid + " epoch " + batchEpoch + " sent sequence "
                        + firstSeq + " after " + currentLastSeq);
            }
        }
        staged.put(pid, new long[] {batchEpoch, batch.lastSequence()});
    }

    private static boolean inSequence(int lastSeq, int nextSeq) {
        return nextSeq == lastSeq + 1 || (lastSeq == Integer.MAX_VALUE && nextSeq == 0);
    }

    /** Records an appended (or replayed) batch. */
    void update(long producerId, short epoch, int firstSeq, int lastSeq, long firstOffset, long lastOffset,
                long maxTimestamp, long nowMs) {
        ProducerEntry entry = producers.get(producerId);
        if (entry == null) {
            entry = new ProducerEntry(producerId, epoch);
            producers.put(producerId, entry);
        } else if (entry.epoch != epoch) {
            entry.epoch = epoch;
            entry.batches.clear();
        }
        if (entry.batches.size() == BATCHES_RETAINED) {
            entry.batches.removeFirst();
        }
        entry.batches.addLast(new BatchMetadata(firstSeq, lastSeq, firstOffset, lastOffset, maxTimestamp));
        entry.lastAppendMs = nowMs;
    }

    /** Rebuilds state from a batch read back from the log. */
    void replay(RecordBatch batch, long nowMs) {
        if (batch.hasProducerId()) {
            update(batch.producerId(), batch.producerEpoch(), batch.baseSequence(), batch.lastSequence(),
                    batch.baseOffset(), batch.lastOffset(), batch.maxTimestamp(), nowMs);
        }
    }

    /** Forgets producers whose last batch is below the new log start offset (Kafka's rule after retention). */
    void truncateHead(long logStartOffset) {
        producers.values().removeIf(e -> e.lastOffset() < logStartOffset);
    }

    /** Forgets producers that have not appended for {@code expirationMs}. */
    int expire(long nowMs, long expirationMs) {
        int before = producers.size();
        producers.values().removeIf(e -> nowMs - e.lastAppendMs >= expirationMs);
        return before - producers.size();
    }

    void clear() {
        producers.clear();
    }

    // ---- snapshots ----

    static Path snapshotFile(Path dir, long offset) {
        return dir.resolve(LogSegment.fileName(offset, SNAPSHOT_SUFFIX));
    }

    /** Snapshot offsets on disk, ascending. */
    List<Long> snapshotOffsets() throws IOException {
        List<Long> offsets = new ArrayList<>();
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, "*" + SNAPSHOT_SUFFIX)) {
            for (Path f : files) {
                try {
                    offsets.add(LogSegment.baseOffsetOf(f.getFileName().toString()));
                } catch (NumberFormatException e) {
                    // not ours
                }
            }
        }
        offsets.sort(null);
        return offsets;
    }

    /**
     * Writes the current state as the snapshot for {@code offset} (all batches below it) and deletes
     * all but the newest snapshots.
     *
     * @param fsync true at clean shutdown; at roll the file is fsynced later with the sealed segment
     */
    void takeSnapshot(long offset, boolean fsync) throws IOException {
        int size = 4 + 2 + 4 + 8 + 4;
        for (ProducerEntry e : producers.values()) {
            size += 8 + 2 + 8 + 1 + e.batches.size() * (4 + 4 + 8 + 4 + 8);
        }
        ByteBuffer buf = ByteBuffer.allocate(size);
        buf.putInt(MAGIC).putShort(VERSION).putInt(0).putLong(offset).putInt(producers.size());
        for (ProducerEntry e : producers.values()) {
            buf.putLong(e.producerId).putShort(e.epoch).putLong(e.lastAppendMs).put((byte) e.batches.size());
            for (BatchMetadata b : e.batches) {
                buf.putInt(b.firstSeq()).putInt(b.lastSeq()).putLong(b.firstOffset())
                        .putInt((int) (b.lastOffset() - b.firstOffset())).putLong(b.maxTimestamp());
            }
        }
        CRC32C crc = new CRC32C();
        crc.update(buf.array(), 10, size - 10);
        buf.putInt(6, (int) crc.getValue());
        buf.flip();
        Path file = snapshotFile(dir, offset);
        if (fsync) {
            CheckpointFile.writeAtomically(file, buf);
        } else {
            Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
            Files.write(tmp, buf.array());
            Files.move(tmp, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                    java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        }
        List<Long> offsets = snapshotOffsets();
        for (int i = 0; i < offsets.size() - SNAPSHOTS_KEPT; i++) {
            Files.deleteIfExists(snapshotFile(dir, offsets.get(i)));
        }
    }

    /** Fsyncs the snapshot for {@code offset} if it exists (deferred durability of a roll snapshot). */
    void fsyncSnapshot(long offset) {
        Path file = snapshotFile(dir, offset);
        try (var ch = java.nio.channels.FileChannel.open(file, java.nio.file.StandardOpenOption.WRITE)) {
            ch.force(true);
        } catch (IOException e) {
            // Deleted meanwhile or unreadable: the next snapshot or a replay of the log covers it.
        }
    }

    /** Deletes snapshots above {@code offset} (log truncated below them). */
    void deleteSnapshotsAbove(long offset) throws IOException {
        for (long o : snapshotOffsets()) {
            if (o > offset) {
                Files.deleteIfExists(snapshotFile(dir, o));
            }
        }
    }

    /**
     * Replaces the in-memory state with the newest readable snapshot at or below {@code maxOffset}.
     *
     * @return the offset of the snapshot loaded, or -1 when there is none (state is then empty)
     */
    long loadLatestSnapshot(long maxOffset) throws IOException {
        producers.clear();
        deleteSnapshotsAbove(maxOffset);
        List<Long> offsets = snapshotOffsets();
        for (int i = offsets.size() - 1; i >= 0; i--) {
            long offset = offsets.get(i);
            try {
                readSnapshot(snapshotFile(dir, offset), offset);
                return offset;
            } catch (IOException | RuntimeException e) {
                LOG.warn("Ignoring unreadable producer state snapshot {}: {}", snapshotFile(dir, offset), e.toString());
                producers.clear();
                Files.deleteIfExists(snapshotFile(dir, offset));
            }
        }
        return -1L;
    }

    private void readSnapshot(Path file, long expectedOffset) throws IOException {
        ByteBuffer buf = ByteBuffer.wrap(Files.readAllBytes(file));
        if (buf.remaining() < 22 || buf.getInt() != MAGIC || buf.getShort() != VERSION) {
            throw new IOException("not a producer state snapshot");
        }
        int storedCrc = buf.getInt();
        CRC32C crc = new CRC32C();
        crc.update(buf.array(), 10, buf.limit() - 10);
        if ((int) crc.getValue() != storedCrc) {
            throw new IOException("CRC mismatch");
        }
        long offset = buf.getLong();
        if (offset != expectedOffset) {
            throw new IOException("snapshot holds offset " + offset);
        }
        int count = buf.getInt();
        for (int i = 0; i < count; i++) {
            ProducerEntry e = new ProducerEntry(buf.getLong(), buf.getShort());
            e.lastAppendMs = buf.getLong();
            int batches = buf.get();
            for (int j = 0; j < batches; j++) {
                int firstSeq = buf.getInt();
                int lastSeq = buf.getInt();
                long firstOffset = buf.getLong();
                long lastOffset = firstOffset + buf.getInt();
                e.batches.addLast(new BatchMetadata(firstSeq, lastSeq, firstOffset, lastOffset, buf.getLong()));
            }
            producers.put(e.producerId, e);
        }
    }

    /** Deletes every snapshot file (log deleted or emptied). */
    void deleteAllSnapshots() throws IOException {
        for (long o : snapshotOffsets()) {
            Files.deleteIfExists(snapshotFile(dir, o));
        }
    }

    Iterator<ProducerEntry> entries() {
        return producers.values().iterator();
    }
}
