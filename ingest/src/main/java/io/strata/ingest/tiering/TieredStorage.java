package io.strata.ingest.tiering;

import io.strata.ingest.config.StrataConfig;
import io.strata.storage.remote.EmbeddedS3Proxy;
import io.strata.storage.remote.ObjectStore;
import io.strata.storage.remote.ObjectStoreConfig;
import io.strata.storage.remote.RemoteLogManager;
import org.apache.kafka.common.utils.Time;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;

/**
 * The node's object store and remote log manager, built from {@code strata.s3.*} and
 * {@code strata.tiering.*}. Without an endpoint it starts S3Proxy in this process over
 * {@code <data-dir>/objects}, so a node needs no external service.
 *
 * <p>The store may start after the node serves ({@link #starting}): calls through {@link #store()} and
 * {@link #remote()} made before {@link #started()} wait for it, so nothing reaches a store that is not up.
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

    /** Starts the object store and waits until it serves (the bucket exists). */
    public static TieredStorage start(StrataConfig.S3 s3, StrataConfig.Tiering tiering, Path dataDir) throws Exception {
        TieredStorage storage = starting(s3, tiering, dataDir);
        try {
            storage.started().get();
        } catch (ExecutionException e) {
            storage.close();
            throw e.getCause() instanceof Exception cause ? cause : e;
        }
        return storage;
    }

    /**
     * Starts the object store on a thread of its own and returns at once: the store and remote log manager exist
     * now, their calls wait until {@link #started()} (an embedded S3Proxy up, the client built, the bucket there).
     */
    public static TieredStorage starting(StrataConfig.S3 s3, StrataConfig.Tiering tiering, Path dataDir)
            throws IOException {
        EmbeddedS3Proxy embedded = null;
        Optional<java.net.URI> endpoint = s3.endpoint();
        Optional<String> accessKey = s3.accessKey();
        Optional<String> secretKey = s3.secretKey();
        Executor startThread = task -> new Thread(task, "strata-object-store-start").start();
        CompletableFuture<Void> endpointStarted;
        if (endpoint.isEmpty()) {
            Path dir = s3.embeddedDir().orElse(dataDir.resolve("objects")).toAbsolutePath();
            embedded = EmbeddedS3Proxy.starting(dir, "127.0.0.1", s3.embeddedPort(), startThread);
            endpoint = Optional.of(embedded.endpoint());
            accessKey = Optional.of(EmbeddedS3Proxy.IDENTITY);
            secretKey = Optional.of(EmbeddedS3Proxy.CREDENTIAL);
            endpointStarted = embedded.started();
        } else {
            // An external endpoint: building the client and checking the bucket still take a thread of their own.
            endpointStarted = CompletableFuture.runAsync(() -> { }, startThread);
        }
        ObjectStoreConfig config = new ObjectStoreConfig(endpoint, s3.region(), s3.bucket(), s3.prefix().orElse(""),
                embedded != null || s3.pathStyle(), accessKey, secretKey, s3.maxAttempts(), s3.maxBackoff(),
                s3.callTimeout(), s3.breakerOpenFor(), s3.multipartPartBytes());
        ObjectStore store = ObjectStore.connecting(config, endpointStarted);
        RemoteLogManager remote = new RemoteLogManager(store, new RemoteLogManager.Settings(tiering.readChunkBytes(),
                tiering.cacheBytes(), tiering.readerThreads(), tiering.readAheadChunks()), Time.SYSTEM);
        return new TieredStorage(embedded, store, remote);
    }

    /** Completes when the object store serves; exceptionally when it could not start. */
    public CompletableFuture<Void> started() {
        return store.connected();
    }

    /** Where segments go, for the node's start-up line: bucket and endpoint. */
    public String describe() {
        ObjectStoreConfig config = store.config();
        return "bucket " + config.bucket() + " at " + config.endpoint().map(Object::toString)
                .orElse("AWS S3 " + config.region()) + (embedded != null ? " (embedded S3Proxy, "
                + embedded.baseDir() + ")" : "");
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
