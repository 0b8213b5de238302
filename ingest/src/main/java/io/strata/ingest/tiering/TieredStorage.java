package io.strata.ingest.tiering;

import io.strata.ingest.config.StrataConfig;
import io.strata.storage.remote.EmbeddedS3Proxy;
import io.strata.storage.remote.ObjectStore;
import io.strata.storage.remote.ObjectStoreConfig;
import io.strata.storage.remote.RemoteLogManager;
import org.apache.kafka.common.utils.Time;
import org.jboss.logging.Logger;

import java.nio.file.Path;
import java.util.Optional;

/**
 * The node's object store and remote log manager, built from {@code strata.s3.*} and
 * {@code strata.tiering.*}. Without an endpoint it starts S3Proxy in this process over
 * {@code <data-dir>/objects}, so a node needs no external service.
 */
public final class TieredStorage implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(TieredStorage.class);

    private final EmbeddedS3Proxy embedded;
    private final ObjectStore store;
    private final RemoteLogManager remote;

    private TieredStorage(EmbeddedS3Proxy embedded, ObjectStore store, RemoteLogManager remote) {
        this.embedded = embedded;
        this.store = store;
        this.remote = remote;
    }

    public static TieredStorage start(StrataConfig.S3 s3, StrataConfig.Tiering tiering, Path dataDir) throws Exception {
        EmbeddedS3Proxy embedded = null;
        Optional<java.net.URI> endpoint = s3.endpoint();
        Optional<String> accessKey = s3.accessKey();
        Optional<String> secretKey = s3.secretKey();
        if (endpoint.isEmpty()) {
            Path dir = s3.embeddedDir().orElse(dataDir.resolve("objects")).toAbsolutePath();
            embedded = EmbeddedS3Proxy.start(dir, s3.embeddedPort());
            endpoint = Optional.of(embedded.endpoint());
            accessKey = Optional.of(EmbeddedS3Proxy.IDENTITY);
            secretKey = Optional.of(EmbeddedS3Proxy.CREDENTIAL);
        }
        ObjectStoreConfig config = new ObjectStoreConfig(endpoint, s3.region(), s3.bucket(), s3.prefix().orElse(""),
                embedded != null || s3.pathStyle(), accessKey, secretKey, s3.maxAttempts(), s3.maxBackoff(),
                s3.callTimeout(), s3.breakerOpenFor(), s3.multipartPartBytes());
        ObjectStore store = new ObjectStore(config);
        store.ensureBucket();
        RemoteLogManager remote = new RemoteLogManager(store, new RemoteLogManager.Settings(tiering.readChunkBytes(),
                tiering.cacheBytes(), tiering.readerThreads(), tiering.readAheadChunks()), Time.SYSTEM);
        LOG.infof("Tiering sealed segments to bucket %s at %s%s", config.bucket(),
                config.endpoint().map(Object::toString).orElse("AWS S3 " + config.region()),
                embedded != null ? " (embedded S3Proxy)" : "");
        return new TieredStorage(embedded, store, remote);
    }

    public ObjectStore store() {
        return store;
    }

    public RemoteLogManager remote() {
        return remote;
    }

    @Override
    public void close() {
        remote.close();
        store.close();
        if (embedded != null) {
            try {
                embedded.close();
            } catch (Exception e) {
                LOG.warn("Stopping the embedded S3Proxy failed", e);
            }
        }
    }
}
