package io.strata.ingest.http.ingest;

import java.io.IOException;
import java.io.InputStream;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * Splits a byte stream into lines ({@code \n}, an optional {@code \r} before it is dropped) without
 * ever holding more than one line of at most {@code maxLineBytes}: the rest of a longer line is
 * skipped and the line reported as too long.
 *
 * <p>The current line is a view ({@link #array()}, {@link #offset()}, {@link #length()}) into the
 * read buffer, or into a reused spill buffer for a line that straddles reads, so reading a line
 * allocates nothing; the view is valid until the next {@link #next()}. The byte right after a
 * line's bytes is always whitespace ({@code \r} or {@code \n}: the line's own end, or one put there
 * for a last line without newline), so a parser fed one byte past the line sees a trailing number
 * end. Not thread-safe.
 */
final class LineReader {

    private static final int BUFFER_BYTES = 64 * 1024;
    private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    private static final long NEWLINES = 0x0A0A0A0A0A0A0A0AL;
    private static final long ONES = 0x0101010101010101L;
    private static final long HIGH_BITS = 0x8080808080808080L;

    private final InputStream in;
    private final int maxLineBytes;
    /** One byte more than is read into it: room for the newline after a last line that has none. */
    private final byte[] buffer = new byte[BUFFER_BYTES + 1];
    private byte[] spill = new byte[0]; // only for a line that continues past the buffered bytes
    private int pos;
    private int limit;
    private long lineNumber;
    private long bytesRead;

    private byte[] lineArray;
    private int lineOffset;
    private int lineLength;
    private long lineTotal;
    private boolean lineAscii;

    LineReader(InputStream in, int maxLineBytes) {
        this.in = in;
        this.maxLineBytes = maxLineBytes;
    }

    /** Bytes consumed from the stream so far. */
    long bytesRead() {
        return bytesRead;
    }

    /** 1-based number of the current line. */
    long number() {
        return lineNumber;
    }

    /** Whether the current line is longer than the limit; then its bytes are not available. */
    boolean tooLong() {
        return lineTotal > maxLineBytes;
    }

    /** Length of the current line in the body, without its line end (also when too long). */
    long totalLength() {
        return lineTotal;
    }

    byte[] array() {
        return lineArray;
    }

    int offset() {
        return lineOffset;
    }

    int length() {
        return lineLength;
    }

    /** Whether every byte of the current line is below 0x80 (then it cannot hold invalid UTF-8). */
    boolean ascii() {
        return lineAscii;
    }

    /** A copy of the current line's bytes. */
    byte[] copy() {
        return Arrays.copyOfRange(lineArray, lineOffset, lineOffset + lineLength);
    }

    /** Moves to the next line; false at the end of the stream. */
    boolean next() throws IOException {
        int spilled = -1; // bytes in spill, -1 while the line is not spilling
        long length = 0;
        long high = 0; // OR of the line's bytes (eight lanes): a bit 7 set when one of them is not ASCII
        while (true) {
            if (pos == limit) {
                int n = in.read(buffer, 0, BUFFER_BYTES);
                if (n < 0) {
                    if (spilled < 0) {
                        return false;
                    }
                    return finish(spill, 0, spilled, length, high);
                }
                bytesRead += n;
                pos = 0;
                limit = n;
                buffer[limit] = '\n'; // the sentinel: stops the scan below and ends a last line without newline
            }
            int start = pos;
            byte[] b = buffer;
            int p = pos;
            // Eight bytes at a time: the lowest byte equal to '\n' ends the line; the bits 7 of the bytes before it
            // say whether the line is ASCII. (x - 0x01..) & ~x & 0x80.. marks zero bytes of x = word ^ '\n'..; only
            // bytes above the first real one can be marked wrongly, and those are never used.
            while (p + Long.BYTES <= limit) {
                long word = (long) LONGS.get(b, p);
                long x = word ^ NEWLINES;
                long found = (x - ONES) & ~x & HIGH_BITS;
                if (found != 0) {
                    int index = Long.numberOfTrailingZeros(found) >>> 3;
                    high |= word & ((1L << (index << 3)) - 1);
                    p += index;
                    break;
                }
                high |= word;
                p += Long.BYTES;
            }
            byte c;
            while ((c = b[p]) != '\n') { // the tail (and the line end found above: then no step is taken)
                high |= c;
                p++;
            }
            pos = p;
            int chunk = pos - start;
            boolean complete = pos < limit;
            if (complete) {
                pos++; // the newline
            }
            if (complete && spilled < 0) {
                return finish(buffer, start, chunk, chunk, high); // the whole line is buffered: no copy
            }
            if (spilled < 0) {
                spilled = 0;
            }
            if (length + chunk <= maxLineBytes + 1L) {
                if (spill.length < spilled + chunk + 1) {
                    spill = Arrays.copyOf(spill, (int) Math.min(maxLineBytes + 2L, Math.max(2L * spill.length, spilled + chunk + 1L)));
                }
                System.arraycopy(buffer, start, spill, spilled, chunk);
                spilled += chunk;
            }
            length += chunk;
            if (complete) {
                return finish(spill, 0, spilled, length, high);
            }
        }
    }

    /** {@code stored} bytes of the line at {@code offset} (all of it unless it is too long), {@code length} in all. */
    private boolean finish(byte[] source, int offset, int stored, long length, long high) {
        lineNumber++;
        int end = stored;
        if (end > 0 && source[offset + end - 1] == '\r' && length <= maxLineBytes + 1L) {
            end--;
            length--;
        }
        lineTotal = length;
        if (length > maxLineBytes) {
            lineArray = null;
            lineOffset = 0;
            lineLength = 0;
            lineAscii = true;
            return true;
        }
        if (source == spill) {
            spill[stored] = '\n'; // the byte after the line (spill always has room for it)
        }
        lineArray = source;
        lineOffset = offset;
        lineLength = end;
        lineAscii = (high & HIGH_BITS) == 0;
        return true;
    }
}
