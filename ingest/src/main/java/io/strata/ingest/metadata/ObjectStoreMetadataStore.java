package io.strata.ingest.metadata;

import io.strata.membership.durable.MetadataKeys;
import io.strata.membership.durable.MetadataStore;
import io.strata.storage.remote.ObjectStore;

import java.util.HashSet;
import java.util.Optional;
import java.util.Set;

/**
 * Cluster metadata in the object store, the shared storage every member reaches: key
 * {@code namespace/name} is the object {@code <root>/<namespace>/<escaped name>} holding
 * {@link MetadataKeys#frame} of the value (names and framing as in the file store).
 *
 * <p>{@link #put} is a plain PUT (durable when acknowledged); {@link #putIfAbsent} a create-once PUT
 * with {@code If-None-Match: *}, atomic against every other writer. {@link #keys} lists the prefix and
 * keeps only names this store could have written (a listing can also show objects of interrupted
 * uploads); values read back are checked against the key they embed. Failures surface as the store's
 * unchecked exceptions, so the Hazelcast write that needed them fails rather than being lost.
 *
 * <p>Thread-safe (stateless apart from the store).
 */
public final class ObjectStoreMetadataStore implements MetadataStore {

    private final ObjectStore store;
    private final String root;

    /** @param root key prefix of the metadata, e.g. {@code cluster-metadata/} (ends with '/') */
    public ObjectStoreMetadataStore(ObjectStore store, String root) {
        this.store = store;
        this.root = root.endsWith("/") ? root : root + "/";
    }

    private String objectKey(String key) {
        return root + MetadataKeys.namespace(key) + "/" + MetadataKeys.escapedName(key);
    }

    @Override
    public Optional<byte[]> get(String key) {
        String object = objectKey(key);
        return store.get(object).map(content -> MetadataKeys.unframe(key, content, object));
    }

    @Override
    public void put(String key, byte[] value) {
        store.putBytes(objectKey(key), MetadataKeys.frame(key, value).array());
    }

    @Override
    public boolean putIfAbsent(String key, byte[] value) {
        return store.putIfAbsent(objectKey(key), MetadataKeys.frame(key, value).array());
    }

    @Override
    public void delete(String key) {
        store.delete(objectKey(key));
    }

    @Override
    public Set<String> keys(String prefix) {
        Set<String> keys = new HashSet<>();
        for (String object : store.list(root + prefix.substring(0, Math.max(0, prefix.indexOf('/') + 1)))) {
            String rest = object.substring(root.length());
            int slash = rest.indexOf('/');
            if (slash <= 0 || rest.indexOf('/', slash + 1) >= 0 || !MetadataKeys.isNamespace(rest.substring(0, slash))) {
                continue;
            }
            Optional<String> name = MetadataKeys.unescapeIfValid(rest.substring(slash + 1));
            if (name.isEmpty()) {
                continue; // not written by this store
            }
            String key = rest.substring(0, slash) + "/" + name.get();
            if (key.startsWith(prefix)) {
                keys.add(key);
            }
        }
        return keys;
    }

    @Override
    public String toString() {
        return "ObjectStoreMetadataStore[" + store.config().bucket() + "/" + root + "]";
    }
}
