package io.strata.storage.log;

import java.io.Closeable;
import java.io.File;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;

/**
 * A memory-mapped file of fixed-size entries sorted by a key, shared by {@link OffsetIndex} and
 * {@link TimeIndex}.
 *
 * <p>The file of the active segment is preallocated to {@code segment.index.bytes} (rounded down to
 * a whole number of entries); only the first {@link #entries()} entries are meaningful. When the
 * segment is sealed (or closed) the file is trimmed to exactly the used entries, which is what
 * Kafka's tools expect, and what lets a reopen count the entries from the file length.
 *
 * <p>Thread-safety: one writer (the owning log's append lock) and any number of lock-free readers.
 * An entry is fully written before the volatile entry count that makes it visible is incremented,
 * and readers only use absolute gets on the mapping. Resizing maps the file anew and swaps a
 * volatile reference; the old mapping is never unmapped by force (a concurrent reader may still be
 * using it) and is released by the garbage collector, and the file is only ever shrunk past the
 * last entry, so old mappings stay valid for every byte a reader can reach.
 */
abstract class AbstractIndex implements Closeable {

    protected final long baseOffset;
    private final int entrySize;
    private volatile File file;
    private volatile MappedByteBuffer mmap;
    private volatile int entries;
    private int maxEntries;

    /**
     * Opens or creates the index file.
     *
     * @param maxIndexSize size to preallocate (active segment) or -1 to map the file as it is (sealed segment)
     */
    protected AbstractIndex(File file, long baseOffset, int maxIndexSize, int entrySize) throws IOException {
        this.file = file;
        this.baseOffset = baseOffset;
        this.entrySize = entrySize;
        try (RandomAccessFile raf = new RandomAccessFile(file, "rw")) {
            long existing = raf.length();
            int used = (int) (existing - existing % entrySize);
            this.entries = used / entrySize;
            int mapLength = maxIndexSize < 0 ? used : Math.max(used, roundDown(maxIndexSize));
            if (raf.length() != mapLength) {
                raf.setLength(mapLength);
            }
            this.mmap = raf.getChannel().map(FileChannel.MapMode.READ_WRITE, 0, mapLength);
            this.maxEntries = mapLength / entrySize;
        }
    }

    private int roundDown(int size) {
        return size - size % entrySize;
    }

    File file() {
        return file;
    }

    int entries() {
        return entries;
    }

    int maxEntries() {
        return maxEntries;
    }

    boolean isFull() {
        return entries >= maxEntries;
    }

    /** Bytes of meaningful entries. */
    int sizeInBytes() {
        return entries * entrySize;
    }

    protected MappedByteBuffer buffer() {
        return mmap;
    }

    protected int entrySize() {
        return entrySize;
    }

    /** Byte position of the next entry; the caller has checked ordering. */
    protected final int nextEntryPosition() {
        if (entries >= maxEntries) {
            throw new IllegalStateException("Index " + file + " is full (" + entries + " entries)");
        }
        return entries * entrySize;
    }

    /** Makes the entry just written at {@link #nextEntryPosition()} visible to readers. */
    protected final void publishEntry() {
        entries = entries + 1; // volatile write: the entry bytes happen-before any reader sees the count
    }

    /**
     * Binary search for the last entry whose key is at most {@code target} (or strictly below it
     * when {@code strict}). Returns -1 when there is none.
     */
    protected final int largestLowerBound(MappedByteBuffer buf, int n, long target, boolean strict) {
        int lo = 0;
        int hi = n - 1;
        int found = -1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            long key = keyAt(buf, mid);
            boolean below = strict ? key < target : key <= target;
            if (below) {
                found = mid;
                lo = mid + 1;
            } else {
                hi = mid - 1;
            }
        }
        return found;
    }

    /** The search key of entry {@code n}. */
    protected abstract long keyAt(MappedByteBuffer buf, int n);

    /** Shrinks the file to the used entries (segment sealed): what Kafka's tools and a reopen expect. */
    void trimToValidSize() throws IOException {
        resize(entries * entrySize);
    }

    /** Grows (or shrinks) the mapping to {@code newSize} bytes, keeping the entries. */
    void resize(int newSize) throws IOException {
        int size = Math.max(roundDown(newSize), entries * entrySize);
        if (size == mmap.capacity()) {
            return;
        }
        try (RandomAccessFile raf = new RandomAccessFile(file, "rw")) {
            mmap.force();
            raf.setLength(size);
            this.mmap = raf.getChannel().map(FileChannel.MapMode.READ_WRITE, 0, size);
            this.maxEntries = size / entrySize;
        }
    }

    /** Drops every entry (before a rebuild). */
    void reset() {
        entries = 0;
    }

    /**
     * Keeps the first {@code n} entries (log truncated). Readers see fewer entries at once; the bytes
     * after them are overwritten by later appends or trimmed away at seal.
     */
    protected final void truncateToEntries(int n) {
        if (n < entries) {
            entries = n;
        }
    }

    void flush() {
        mmap.force();
    }

    void renameTo(File target) throws IOException {
        Files.move(file.toPath(), target.toPath());
        this.file = target;
    }

    /** Deletes the file. The mapping is left to the garbage collector (see class doc). */
    boolean deleteIfExists() {
        try {
            return Files.deleteIfExists(file.toPath());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Raises {@link CorruptIndexException} when the entries cannot be trusted. */
    abstract void sanityCheck(int logSizeInBytes);

    @Override
    public void close() throws IOException {
        trimToValidSize();
    }

    /** An index whose contents are inconsistent and must be rebuilt from its segment. */
    static final class CorruptIndexException extends RuntimeException {
        CorruptIndexException(String message) {
            super(message);
        }
    }
}
