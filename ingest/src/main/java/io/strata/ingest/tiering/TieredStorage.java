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
    /** Completed to let the store start (see {@link #starting}). */
    private final CompletableFuture<Void> go;

    private TieredStorage(EmbeddedS3Proxy embedded, ObjectStore store, RemoteLogManager remote,
                          CompletableFuture<Void> go) {
        this.embedded = embedded;
        this.store = store;
        this.remote = remote;
        this.go = go;
    }

    /** Starts the object store and waits until it serves (the bucket exists). */
    public static TieredStorage start(StrataConfig.S3 s3, StrataConfig.Tiering tiering, Path dataDir) throws Exception {
        TieredStorage storage = starting(s3, tiering, dataDir);
        storage.connect();
        try {
            storage.started().get();
        } catch (ExecutionException e) {
            storage.close();
            throw e.getCause() instanceof Exception cause ? cause : e;
        }
        return storage;
    }

    /**
     * Makes the object store and returns at once: the store and remote log manager exist now, their calls wait
     * until {@link #started()} (an embedded S3Proxy up, the client built, the bucket there). The store starts, on a
     * thread of its own, at {@link #connect()} or when the first call needs it, whichever comes first: a node
     * starts it once it serves, so that it does not take CPU from the start itself.
     */
    public static TieredStorage starting(StrataConfig.S3 s3, StrataConfig.Tiering tiering, Path dataDir)
            throws IOException {
        EmbeddedS3Proxy embedded = null;
        Optional<java.net.URI> endpoint = s3.endpoint();
        Optional<String> accessKey = s3.accessKey();
        Optional<String> secretKey = s3.secretKey();
        CompletableFuture<Void> go = new CompletableFuture<>();
        Executor startThread = task -> go.thenRun(() -> new Thread(task, "strata-object-store-start").start());
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
        // Closed before it started: calls still waiting fail instead of waiting for a start that never comes.
        CompletableFuture<Object> endpointOrClosed = new CompletableFuture<>();
        endpointStarted.whenComplete((v, e) -> {
            if (e == null) {
                endpointOrClosed.complete(v);
            } else {
                endpointOrClosed.completeExceptionally(e);
            }
        });
        go.whenComplete((v, e) -> {
            if (e != null) {
                endpointOrClosed.completeExceptionally(new IllegalStateException("closed before it started"));
            }
        });
        ObjectStore store = ObjectStore.connecting(config, endpointOrClosed, () -> go.complete(null));
        RemoteLogManager remote = new RemoteLogManager(store, new RemoteLogManager.Settings(tiering.readChunkBytes(),
                tiering.cacheBytes(), tiering.readerThreads(), tiering.readAheadChunks()), Time.SYSTEM);
        return new TieredStorage(embedded, store, remote, go);
    }

    /** Starts the object store now, unless it started already. */
    public void connect() {
        go.complete(null);
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
        boolean neverStarted = go.cancel(false);
        remote.close();
        store.close();
        if (embedded != null && !neverStarted) {
            try {
                embedded.close();
            } catch (Exception e) {
                LOG.warn("Stopping the embedded S3Proxy failed", e);
            }
        }
    }
}
