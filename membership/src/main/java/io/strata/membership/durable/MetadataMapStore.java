package io.strata.membership.durable;

import com.hazelcast.map.MapStore;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Write-through {@link MapStore} (and eager {@link com.hazelcast.map.MapLoader}) of one durable
 * Hazelcast map onto a {@link MetadataStore} namespace: map key {@code k} is stored under
 * {@code namespace/k}; values are the map's byte arrays, unchanged.
 *
 * <p>Hazelcast calls {@link #store} inside the map operation, before the new value becomes visible
 * and before the caller gets its answer; an exception here fails the operation. That is what makes
 * the store the source of truth: anything a caller saw acknowledged is in the store.
 *
 * <p>{@link #load} is also called for keys missing from memory, so an entry whose in-memory copies
 * were all lost (owner and backups died at once) is read back from the store on its next access.
 */
public final class MetadataMapStore implements MapStore<String, byte[]> {

    private final MetadataStore store;
    private final String prefix;

    public MetadataMapStore(MetadataStore store, String namespace) {
        this.store = store;
        this.prefix = namespace + "/";
    }

    @Override
    public void store(String key, byte[] value) {
        store.put(prefix + key, value);
    }

    @Override
    public void storeAll(Map<String, byte[]> map) {
        map.forEach(this::store);
    }

    @Override
    public void delete(String key) {
        store.delete(prefix + key);
    }

    @Override
    public void deleteAll(Collection<String> keys) {
        keys.forEach(this::delete);
    }

    @Override
    public byte[] load(String key) {
        return store.get(prefix + key).orElse(null);
    }

    @Override
    public Map<String, byte[]> loadAll(Collection<String> keys) {
        Map<String, byte[]> result = new HashMap<>();
        for (String key : keys) {
            store.get(prefix + key).ifPresent(v -> result.put(key, v));
        }
        return result;
    }

    @Override
    public Iterable<String> loadAllKeys() {
        List<String> keys = new ArrayList<>();
        for (String full : store.keys(prefix)) {
            keys.add(full.substring(prefix.length()));
        }
        return keys;
    }
}
