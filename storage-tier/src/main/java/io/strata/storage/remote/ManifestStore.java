package io.strata.storage.remote;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.kafka.common.errors.KafkaStorageException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Optional;

/**
 * Reads and writes partition manifests without ever listing keys (a listing can show leftovers of
 * interrupted uploads; only manifests say what exists).
 *
 * <p>Versions are created once with {@code If-None-Match: *}: of two writers that both read version
 * N, exactly one creates N+1 and the other learns of it ({@link ManifestConflictException}) and
 * re-reads. The latest version is found from {@code manifest/latest-hint} (a plain overwrite written
 * every {@value #HINT_INTERVAL} versions; it may lag but never leads) by probing the versions after
 * it. Only versions below the hint are ever deleted, so every version from the hint to the latest
 * exists and probing from the hint always finds the latest.
 *
 * <p>Readers outside a broker (which may lack write access) use {@link #readLatest}, which finds the
 * latest version the same way and writes nothing.
 *
 * <p>Thread-safety: stateless apart from the store; callers serialise commits per partition.
 */
public final class ManifestStore {

    private static final Logger LOG = LoggerFactory.getLogger(ManifestStore.class);

    static final ObjectMapper JSON = new ObjectMapper()
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    /** Another writer created the version this one tried to create. */
    static final class ManifestConflictException extends RuntimeException {
        ManifestConflictException(String message) {
            super(message, null, false, false);
        }
    }

    /** Versions between two hint updates. */
    static final long HINT_INTERVAL = 8;

    private final ObjectStore store;

    public ManifestStore(ObjectStore store) {
        this.store = store;
    }

    /** The latest manifest under {@code root}, or {@code empty} when none was ever written. */
    PartitionManifest load(String root, PartitionManifest empty) {
        long hint = readHint(root);
        PartitionManifest manifest = readFrom(root, hint, empty);
        if (manifest != empty && manifest.version() != hint) {
            writeHint(root, manifest.version());
        }
        return manifest;
    }

    /**
     * The latest manifest under {@code root} (partition root ending with '/'), or empty when none was ever
     * written; reads only (GET of the hint, HEAD of the versions after it, GET of the latest).
     *
     * @throws KafkaStorageException when the latest version is unreadable or vanished while being read
     */
    public Optional<PartitionManifest> readLatest(String root) {
        PartitionManifest manifest = readFrom(root, readHint(root), null);
        return Optional.ofNullable(manifest);
    }

    private PartitionManifest readFrom(String root, long hint, PartitionManifest empty) {
        long latest = hint;
        while (store.exists(RemoteLogLayout.manifestKey(root, latest + 1))) {
            latest++;
        }
        if (latest == 0) {
            return empty;
        }
        String key = RemoteLogLayout.manifestKey(root, latest);
        byte[] bytes = store.get(key).orElseThrow(() -> new KafkaStorageException("Manifest " + key + " vanished"));
        PartitionManifest manifest = decode(key, bytes);
        if (manifest.version() != latest) {
            throw new KafkaStorageException("Manifest " + key + " claims version " + manifest.version());
        }
        return manifest;
    }

    /**
     * Creates {@code next} (version {@code current.version() + 1}).
     *
     * @throws ManifestConflictException when that version already exists
     */
    void commit(String root, PartitionManifest next) {
        String key = RemoteLogLayout.manifestKey(root, next.version());
        byte[] bytes;
        try {
            bytes = JSON.writeValueAsBytes(next);
        } catch (IOException e) {
            throw new IllegalStateException("Cannot encode manifest", e);
        }
        if (!store.putIfAbsent(key, bytes)) {
            throw new ManifestConflictException("Manifest version " + next.version() + " of " + root + " already exists");
        }
        // The hint moves every HINT_INTERVAL versions (a load probes at most that many versions past it);
        // versions the new hint made unreachable, except the one before the latest, are deleted then.
        if (next.version() % HINT_INTERVAL == 0 && writeHint(root, next.version())) {
            for (long v = Math.max(1, next.version() - HINT_INTERVAL); v < next.version() - 1; v++) {
                try {
                    store.delete(RemoteLogLayout.manifestKey(root, v));
                } catch (RuntimeException e) {
                    LOG.debug("Could not delete an old manifest of {}: {}", root, e.toString());
                    break;
                }
            }
        }
    }

    /** Deletes the versions a load could still reach (up to {@code latest}) and the hint. */
    void deleteAll(String root, long latest) {
        for (long v = latest; v >= 1 && v >= latest - 2 * HINT_INTERVAL; v--) {
            store.delete(RemoteLogLayout.manifestKey(root, v));
        }
        store.delete(RemoteLogLayout.hintKey(root));
    }

    private long readHint(String root) {
        Optional<byte[]> bytes = store.get(RemoteLogLayout.hintKey(root));
        if (bytes.isEmpty()) {
            return 0L;
        }
        try {
            return Long.parseLong(new String(bytes.get(), StandardCharsets.US_ASCII).trim());
        } catch (NumberFormatException e) {
            LOG.warn("Ignoring unreadable manifest hint of {}", root);
            return 0L;
        }
    }

    private boolean writeHint(String root, long version) {
        try {
            store.putBytes(RemoteLogLayout.hintKey(root), Long.toString(version).getBytes(StandardCharsets.US_ASCII));
            return true;
        } catch (RuntimeException e) {
            LOG.debug("Could not update the manifest hint of {}: {}", root, e.toString());
            return false;
        }
    }

    static PartitionManifest decode(String key, byte[] bytes) {
        try {
            PartitionManifest m = JSON.readValue(bytes, PartitionManifest.class);
            if (m.formatVersion() != PartitionManifest.FORMAT_VERSION) {
                throw new KafkaStorageException("Manifest " + key + " has unsupported format version " + m.formatVersion());
            }
            return m;
        } catch (IOException e) {
            throw new KafkaStorageException("Manifest " + key + " is unreadable: " + e.getMessage(), e);
        }
    }
}
