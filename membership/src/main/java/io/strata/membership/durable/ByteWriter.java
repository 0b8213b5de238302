package io.strata.membership.durable;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.UUID;

/**
 * Writes the explicit binary formats of the metadata values: big-endian integers, strings as a
 * 32-bit byte length followed by UTF-8 bytes (length -1 for null). Not thread-safe.
 */
public final class ByteWriter {

    private final ByteArrayOutputStream out = new ByteArrayOutputStream(64);

    public ByteWriter writeByte(int v) {
        out.write(v);
        return this;
    }

    public ByteWriter writeInt(int v) {
        out.write(v >>> 24);
        out.write(v >>> 16);
        out.write(v >>> 8);
        out.write(v);
        return this;
    }

    public ByteWriter writeLong(long v) {
        writeInt((int) (v >>> 32));
        return writeInt((int) v);
    }

    public ByteWriter writeUuid(UUID v) {
        writeLong(v.getMostSignificantBits());
        return writeLong(v.getLeastSignificantBits());
    }

    public ByteWriter writeString(String v) {
        if (v == null) {
            return writeInt(-1);
        }
        byte[] bytes = v.getBytes(StandardCharsets.UTF_8);
        writeInt(bytes.length);
        out.writeBytes(bytes);
        return this;
    }

    public byte[] toByteArray() {
        return out.toByteArray();
    }
}
