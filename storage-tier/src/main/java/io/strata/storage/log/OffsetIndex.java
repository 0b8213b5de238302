package io.strata.storage.log;

import java.io.File;
import java.io.IOException;
import java.nio.MappedByteBuffer;

/**
 * Sparse offset index of one segment, Kafka's {@code .index} format: 8-byte big-endian entries of
 * {@code int32 relativeOffset, int32 filePosition}. An entry maps the last offset of a batch to the
 * file position where that batch starts; one entry is added every {@code index.interval.bytes} of
 * log data, so a lookup is a binary search followed by a short forward scan of batch headers.
 *
 * <p>Invariants: relative offsets and positions strictly increase; a relative offset is never 0
 * (the first batch of a segment is never indexed), which lets a preallocated file full of zeros be
 * told apart from real entries.
 *
 * <p>Thread-safety: see {@link AbstractIndex}: one writer under the log's append lock, lock-free readers.
 */
final class OffsetIndex extends AbstractIndex {

    static final int ENTRY_SIZE = 8;

    /** The result of a lookup: an absolute offset and the file position of the batch it names. */
    record OffsetPosition(long offset, int position) {
    }

    OffsetIndex(File file, long baseOffset, int maxIndexSize) throws IOException {
        super(file, baseOffset, maxIndexSize, ENTRY_SIZE);
    }

    @Override
    protected long keyAt(MappedByteBuffer buf, int n) {
        return buf.getInt(n * ENTRY_SIZE);
    }

    private static int positionAt(MappedByteBuffer buf, int n) {
        return buf.getInt(n * ENTRY_SIZE + 4);
    }

    /** Adds an entry; {@code offset} must be larger than the last entry's. */
    void append(long offset, int position) {
        int relative = toRelative(offset);
        int n = entries();
        MappedByteBuffer buf = buffer();
        if (n > 0 && relative <= keyAt(buf, n - 1)) {
            throw new IllegalArgumentException("Offset " + offset + " not above the last entry of " + file());
        }
        int at = nextEntryPosition();
        buf.putInt(at, relative);
        buf.putInt(at + 4, position);
        publishEntry();
    }

    private int toRelative(long offset) {
        long relative = offset - baseOffset;
        if (relative < 0 || relative > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("Offset " + offset + " does not fit in the index of segment " + baseOffset);
        }
        return (int) relative;
    }

    /** The last entry whose offset is at most {@code target}, or (baseOffset, 0) when there is none. */
    OffsetPosition lookup(long target) {
        MappedByteBuffer buf = buffer();
        int n = entries();
        long relative = target - baseOffset;
        if (relative < 0 || n == 0) {
            return new OffsetPosition(baseOffset, 0);
        }
        int slot = largestLowerBound(buf, n, Math.min(relative, Integer.MAX_VALUE), false);
        return slot < 0 ? new OffsetPosition(baseOffset, 0)
                : new OffsetPosition(baseOffset + keyAt(buf, slot), positionAt(buf, slot));
    }

    /** The last entry whose file position is at most {@code maxPosition}; position 0 when there is none. */
    int lookupPositionAtMost(int maxPosition) {
        MappedByteBuffer buf = buffer();
        int lo = 0;
        int hi = entries() - 1;
        int found = 0;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            int pos = positionAt(buf, mid);
            if (pos <= maxPosition) {
                found = pos;
                lo = mid + 1;
            } else {
                hi = mid - 1;
            }
        }
        return found;
    }

    /** Removes the entries of batches at or after {@code offset} (log truncated there). */
    void truncateTo(long offset) {
        MappedByteBuffer buf = buffer();
        int n = entries();
        while (n > 0 && baseOffset + keyAt(buf, n - 1) >= offset) {
            n--;
        }
        truncateToEntries(n);
    }

    /** The last entry, or (baseOffset, 0) for an empty index. */
    OffsetPosition lastEntry() {
        MappedByteBuffer buf = buffer();
        int n = entries();
        return n == 0 ? new OffsetPosition(baseOffset, 0)
                : new OffsetPosition(baseOffset + keyAt(buf, n - 1), positionAt(buf, n - 1));
    }

    @Override
    void sanityCheck(int logSizeInBytes) {
        int n = entries();
        if (n == 0) {
            return;
        }
        MappedByteBuffer buf = buffer();
        long lastRelative = keyAt(buf, n - 1);
        int lastPosition = positionAt(buf, n - 1);
        if (lastRelative <= 0) {
            throw new CorruptIndexException("Offset index " + file() + " ends with relative offset " + lastRelative);
        }
        if (lastPosition <= 0 || lastPosition >= logSizeInBytes) {
            throw new CorruptIndexException("Offset index " + file() + " points at position " + lastPosition
                    + " of a " + logSizeInBytes + "-byte segment");
        }
        if (n > 1 && (keyAt(buf, n - 2) >= lastRelative || positionAt(buf, n - 2) >= lastPosition)) {
            throw new CorruptIndexException("Offset index " + file() + " is not sorted at its end");
        }
    }
}
