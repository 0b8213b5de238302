package io.strata.membership.durable;

/** A stored metadata value cannot be decoded: unknown format version or malformed bytes. */
public final class CorruptMetadataException extends RuntimeException {
    public CorruptMetadataException(String message) {
        super(message);
    }
}
