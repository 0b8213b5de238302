package io.strata.membership.durable;

import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.UUID;

/** Reads what {@link ByteWriter} wrote; throws {@link CorruptMetadataException} on malformed input. */
public final class ByteReader {

    private final ByteBuffer buf;

    public ByteReader(byte[] bytes) {
        this.buf = ByteBuffer.wrap(bytes);
    }

    /** Reads the leading format-version byte and checks it. */
    public ByteReader expectVersion(int version, String what) {
        int v = readByte();
        if (v != version) {
            throw new CorruptMetadataException("Unknown " + what + " format version " + v + " (expected " + version + ")");
        }
        return this;
    }

    public int readByte() {
        try {
            return buf.get() & 0xff;
        } catch (BufferUnderflowException e) {
            throw truncated();
        }
    }

    public int readInt() {
        try {
            return buf.getInt();
        } catch (BufferUnderflowException e) {
            throw truncated();
        }
    }

    public long readLong() {
        try {
            return buf.getLong();
        } catch (BufferUnderflowException e) {
            throw truncated();
        }
    }

    public UUID readUuid() {
        long msb = readLong();
        return new UUID(msb, readLong());
    }

    public String readString() {
        int len = readInt();
        if (len == -1) {
            return null;
        }
        if (len < 0 || len > buf.remaining()) {
            throw new CorruptMetadataException("Bad string length " + len);
        }
        String s = new String(buf.array(), buf.position(), len, StandardCharsets.UTF_8);
        buf.position(buf.position() + len);
        return s;
    }

    /** A count that must be plausible for the remaining bytes (each element at least {@code minBytes}). */
    public int readCount(int minBytes) {
        int n = readInt();
        if (n < 0 || (long) n * minBytes > buf.remaining()) {
            throw new CorruptMetadataException("Bad element count " + n);
        }
        return n;
    }

    public void expectEnd() {
        if (buf.hasRemaining()) {
            throw new CorruptMetadataException(buf.remaining() + " unexpected trailing bytes");
        }
    }

    private CorruptMetadataException truncated() {
        return new CorruptMetadataException("Truncated value");
    }
}
