package io.strata.ingest.http.ingest;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;

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
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        long length = 0;
        boolean sawAny = false;
        while (true) {
            if (pos == limit) {
                int n = in.read(buffer);
                if (n < 0) {
                    if (!sawAny) {
                        return null;
                    }
                    return finish(line, length);
                }
                bytesRead += n;
                pos = 0;
                limit = n;
            }
            sawAny = true;
            int start = pos;
            while (pos < limit && buffer[pos] != '\n') {
                pos++;
            }
            int chunk = pos - start;
            if (length + chunk <= maxLineBytes + 1L) {
                line.write(buffer, start, chunk);
            }
            length += chunk;
            if (pos < limit) {
                pos++; // the newline
                return finish(line, length);
            }
        }
    }

    private Line finish(ByteArrayOutputStream line, long length) {
        lineNumber++;
        byte[] bytes = line.toByteArray();
        int end = bytes.length;
        if (end > 0 && bytes[end - 1] == '\r' && length <= maxLineBytes + 1L) {
            end--;
            length--;
        }
        if (length > maxLineBytes) {
            return new Line(lineNumber, null, length, true);
        }
        if (end != bytes.length) {
            bytes = java.util.Arrays.copyOf(bytes, end);
        }
        return new Line(lineNumber, bytes, length, false);
    }
}
