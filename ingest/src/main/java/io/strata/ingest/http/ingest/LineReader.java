package io.strata.ingest.http.ingest;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;

/**
 * Splits a byte stream into lines ({@code \n}, an optional {@code \r} before it is dropped) without
 * ever holding more than one line of at most {@code maxLineBytes}: the rest of a longer line is
 * skipped and the line reported as too long. Not thread-safe.
 */
final class LineReader {

    /** A line, or the fact that it was too long. */
    record Line(long number, byte[] bytes, long length, boolean tooLong) {
    }

    private final InputStream in;
    private final int maxLineBytes;
    private final byte[] buffer = new byte[64 * 1024];
    private int pos;
    private int limit;
    private long lineNumber;
    private long bytesRead;

    LineReader(InputStream in, int maxLineBytes) {
        this.in = in;
        this.maxLineBytes = maxLineBytes;
    }

    /** Bytes consumed from the stream so far. */
    long bytesRead() {
        return bytesRead;
    }

    /** The next line, or null at the end of the stream. */
    Line next() throws IOException {
        ByteArrayOutputStream spill = null; // only for a line that continues past the buffered bytes
        long length = 0;
        while (true) {
            if (pos == limit) {
                int n = in.read(buffer);
                if (n < 0) {
                    if (spill == null) {
                        return null;
                    }
                    byte[] bytes = spill.toByteArray();
                    return finish(bytes, 0, bytes.length, length);
                }
                bytesRead += n;
                pos = 0;
                limit = n;
            }
            int start = pos;
            while (pos < limit && buffer[pos] != '\n') {
                pos++;
            }
            int chunk = pos - start;
            boolean complete = pos < limit;
            if (complete) {
                pos++; // the newline
            }
            if (complete && spill == null) {
                // The whole line is buffered: copy it once, straight into the record.
                return finish(buffer, start, chunk, chunk);
            }
            if (spill == null) {
                spill = new ByteArrayOutputStream(Math.min(maxLineBytes + 1, 2 * chunk + 64));
            }
            if (length + chunk <= maxLineBytes + 1L) {
                spill.write(buffer, start, chunk);
            }
            length += chunk;
            if (complete) {
                byte[] bytes = spill.toByteArray();
                return finish(bytes, 0, bytes.length, length);
            }
        }
    }

    /** {@code stored} bytes of the line at {@code offset} (all of it unless it is too long), {@code length} in all. */
    private Line finish(byte[] source, int offset, int stored, long length) {
        lineNumber++;
        int end = stored;
        if (end > 0 && source[offset + end - 1] == '\r' && length <= maxLineBytes + 1L) {
            end--;
            length--;
        }
        if (length > maxLineBytes) {
            return new Line(lineNumber, null, length, true);
        }
        return new Line(lineNumber, Arrays.copyOfRange(source, offset, offset + end), length, false);
    }
}
