package io.strata.membership.durable;

import java.util.Optional;
import java.util.Set;

/**
 * The source of truth for cluster metadata that must survive a full-cluster restart: topics,
 * partition leader epochs, committed offsets, the producer-id high-water mark and the cluster id.
 * Hazelcast keeps the working copy in memory and writes every change through to this store before
 * the change becomes visible (see {@link MetadataMapStore}).
 *
 * <p><b>Shared storage.</b> Map-store calls run on whichever member owns the Hazelcast partition of a
 * key, and ownership moves when members come and go. Every member of a cluster must therefore see
 * the same store: on one machine a directory shared by all members works ({@link FileMetadataStore});
 * in production it must be shared durable storage such as the object store. A node's local disk is
 * not shared storage.
 *
 * <p><b>Keys</b> are non-empty strings of the form {@code namespace/name}: the namespace is
 * {@code [a-z0-9-]+}, the name is any non-empty string (group ids can contain anything).
 * Implementations map them to their own naming (file names, object keys) reversibly.
 *
 * <p><b>Values</b> are small opaque byte arrays (bytes to a few hundred kilobytes); their formats are
 * described in {@code package-info} of this package.
 *
 * <p>Implementations are thread-safe and may be used by several members (and processes) at once.
 * Failures are reported as unchecked exceptions (typically {@link java.io.UncheckedIOException}) so
 * that the Hazelcast operation that triggered the write fails instead of silently losing it.
 */
public interface MetadataStore {

    /** The value stored under {@code key}, empty when there is none. */
    Optional<byte[]> get(String key);

    /** Stores {@code value} under {@code key}, replacing any value; durable when it returns. */
    void put(String key, byte[] value);

    /**
     * Stores {@code value} only when {@code key} has no value yet, atomically also against other
     * processes (the object-store implementation maps this to a conditional {@code If-None-Match: *}
     * write). Used for values that are created once, such as the cluster id.
     *
     * @return true when this call created the value, false when a value existed already
     */
    boolean putIfAbsent(String key, byte[] value);

    /** Removes the value under {@code key}; no error when there is none. */
    void delete(String key);

    /** All keys starting with {@code prefix} (for example {@code "topics/"}), in no particular order. */
    Set<String> keys(String prefix);
}
