package io.strata.storage.log;

import java.io.File;
import java.io.IOException;
import java.nio.MappedByteBuffer;

/**
 * Sparse time index of one segment, Kafka's {@code .timeindex} format: 12-byte big-endian entries
 * of {@code int64 timestamp, int32 relativeOffset}. An entry {@code (T, O)} says that every record
 * at or below offset {@code O} has a timestamp of at most {@code T}; T is the largest timestamp seen
 * so far in the segment and O the last offset of the batch that carried it.
 *
 * <p>Entries are added together with offset-index entries (only when the maximum timestamp grew)
 * and once more when the segment is sealed or closed, so the last entry always holds the segment's
 * largest timestamp. That final entry is why the index counts as full one slot early.
 *
 * <p>Invariants: timestamps and relative offsets strictly increase.
 *
 * <p>Thread-safety: see {@link AbstractIndex}.
 */
final class TimeIndex extends AbstractIndex {

    static final int ENTRY_SIZE = 12;

    /** A time index entry with an absolute offset. */
    record TimestampOffset(long timestamp, long offset) {
    }

    TimeIndex(File file, long baseOffset, int maxIndexSize) throws IOException {
        super(file, baseOffset, maxIndexSize, ENTRY_SIZE);
    }

    @Override
    protected long keyAt(MappedByteBuffer buf, int n) {
        return buf.getLong(n * ENTRY_SIZE);
    }

    private static int relativeOffsetAt(MappedByteBuffer buf, int n) {
        return buf.getInt(n * ENTRY_SIZE + 8);
    }

    /** One slot stays free for the entry written when the segment is sealed. */
    @Override
    boolean isFull() {
        return entries() >= maxEntries() - 1;
    }

    /**
     * Adds {@code (timestamp, offset)} when the timestamp is larger than the last entry's.
     *
     * @param allowLastSlot true when sealing: the reserved last slot may be used
     */
    void maybeAppend(long timestamp, long offset, boolean allowLastSlot) {
        int n = entries();
        MappedByteBuffer buf = buffer();
        if (n > 0 && timestamp <= keyAt(buf, n - 1)) {
            return;
        }
        if (timestamp < 0) {
            return; // no timestamps (or only NO_TIMESTAMP) seen yet
        }
        if (!allowLastSlot && isFull()) {
            throw new IllegalStateException("Time index " + file() + " is full");
        }
        if (n >= maxEntries()) {
            return; // a sealed, trimmed index: nothing can be added, and the maximum is already there
        }
        long relative = offset - baseOffset;
        if (relative < 0 || relative > Integer.MAX_VALUE || (n > 0 && relative <= relativeOffsetAt(buf, n - 1))) {
            throw new IllegalArgumentException("Offset " + offset + " cannot follow the last entry of " + file());
        }
        int at = nextEntryPosition();
        buf.putLong(at, timestamp);
        buf.putInt(at + 8, (int) relative);
        publishEntry();
    }

    /**
     * The last entry whose timestamp is strictly below {@code target}: every record up to its offset
     * is older than the target, so a search for the first record at or after the target can start
     * there. Returns (-1, baseOffset) when there is none.
     */
    TimestampOffset lookupBefore(long target) {
        MappedByteBuffer buf = buffer();
        int slot = largestLowerBound(buf, entries(), target, true);
        return slot < 0 ? new TimestampOffset(-1L, baseOffset)
                : new TimestampOffset(keyAt(buf, slot), baseOffset + relativeOffsetAt(buf, slot));
    }

    /** Removes the entries naming offsets at or after {@code offset} (log truncated there). */
    void truncateTo(long offset) {
        MappedByteBuffer buf = buffer();
        int n = entries();
        while (n > 0 && baseOffset + relativeOffsetAt(buf, n - 1) >= offset) {
            n--;
        }
        truncateToEntries(n);
    }

    /** The last entry, or (-1, baseOffset) for an empty index. */
    TimestampOffset lastEntry() {
        MappedByteBuffer buf = buffer();
        int n = entries();
        return n == 0 ? new TimestampOffset(-1L, baseOffset)
                : new TimestampOffset(keyAt(buf, n - 1), baseOffset + relativeOffsetAt(buf, n - 1));
    }

    @Override
    void sanityCheck(int logSizeInBytes) {
        int n = entries();
        if (n == 0) {
            return;
        }
        MappedByteBuffer buf = buffer();
        if (keyAt(buf, n - 1) < keyAt(buf, 0)) {
            throw new CorruptIndexException("Time index " + file() + " ends below its first timestamp");
        }
        if (n > 1 && (relativeOffsetAt(buf, n - 1) <= relativeOffsetAt(buf, n - 2)
                || keyAt(buf, n - 1) <= keyAt(buf, n - 2))) {
            throw new CorruptIndexException("Time index " + file() + " is not sorted at its end");
        }
        if (logSizeInBytes == 0) {
            throw new CorruptIndexException("Time index " + file() + " has entries for an empty segment");
        }
    }
}
