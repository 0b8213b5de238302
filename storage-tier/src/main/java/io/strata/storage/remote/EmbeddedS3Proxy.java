package io.strata.storage.remote;

import org.gaul.s3proxy.S3Proxy;
import org.gaul.s3proxy.auth.AuthenticationType;
import org.gaul.s3proxy.nio2blob.FilesystemNio2BlobStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;

/**
 * An S3-compatible endpoint in this process: S3Proxy with its filesystem back end, one directory per
 * bucket under {@code baseDir}, on a loopback port. The default object store of a node that has no
 * endpoint configured, and the store of the storage tests. Needs the optional {@code org.gaul:s3proxy}
 * dependency on the class path.
 *
 * <p>{@link #starting} lets a node go on while S3Proxy starts (its endpoint is fixed first). Thread-safety:
 * safe for concurrent use; {@link #close} stops a proxy that is still starting once it runs.
 */
public final class EmbeddedS3Proxy implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(EmbeddedS3Proxy.class);

    public static final String IDENTITY = "strata";
    public static final String CREDENTIAL = "strata-secret";

    /** Set by the starting thread before {@link #started} completes; null until then. */
    private volatile S3Proxy proxy;
    private final URI endpoint;
    private final Path baseDir;
    private final CompletableFuture<Void> started = new CompletableFuture<>();

    private EmbeddedS3Proxy(URI endpoint, Path baseDir) {
        this.endpoint = endpoint;
        this.baseDir = baseDir;
    }

    /** Starts S3Proxy on 127.0.0.1 ({@code port} 0 picks a free one) over {@code baseDir}. */
    public static EmbeddedS3Proxy start(Path baseDir, int port) throws Exception {
        return start(baseDir, "127.0.0.1", port);
    }

    /**
     * Starts S3Proxy listening on {@code host} (an address of this machine) and {@code port} (0 picks a free one)
     * over {@code baseDir}; the endpoint names the same host.
     */
    public static EmbeddedS3Proxy start(Path baseDir, String host, int port) throws Exception {
        EmbeddedS3Proxy proxy = starting(baseDir, host, port, Runnable::run);
        try {
            proxy.started().get();
        } catch (ExecutionException e) {
            throw e.getCause() instanceof Exception cause ? cause : e;
        }
        return proxy;
    }

    /**
     * Picks the endpoint now and starts S3Proxy on {@code executor}: the endpoint is known at once (clients can be
     * configured for it), {@link #started()} completes when it serves.
     */
    public static EmbeddedS3Proxy starting(Path baseDir, String host, int port, Executor executor) throws IOException {
        Files.createDirectories(baseDir);
        int chosen = port == 0 ? freePort() : port;
        EmbeddedS3Proxy proxy = new EmbeddedS3Proxy(URI.create("http://" + host + ":" + chosen), baseDir);
        executor.execute(() -> {
            try {
                proxy.run();
                proxy.started.complete(null);
            } catch (Throwable e) {
                proxy.started.completeExceptionally(e);
            }
        });
        return proxy;
    }

    private void run() throws Exception {
        // Normalized: the filesystem store answers every request 400 when its base directory has "." segments.
        S3Proxy built = S3Proxy.builder()
                .blobStore(new FilesystemNio2BlobStore(baseDir.toAbsolutePath().normalize().toString()))
                .endpoint(endpoint)
                .awsAuthentication(AuthenticationType.AWS_V2_OR_V4, IDENTITY, CREDENTIAL)
                .build();
        proxy = built;
        built.start();
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (!"STARTED".equals(built.getState())) {
            if (System.nanoTime() > deadline) {
                built.stop();
                throw new IOException("S3Proxy did not start on " + endpoint + " (state " + built.getState() + ")");
            }
            Thread.sleep(5);
        }
        // Debug: a node names its store in its own start-up line, which must stay its last.
        LOG.debug("Embedded S3Proxy serving {} at {}", baseDir, endpoint);
    }

    /** Completes when S3Proxy serves; exceptionally when it could not start. */
    public CompletableFuture<Void> started() {
        return started;
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    public URI endpoint() {
        return endpoint;
    }

    /** The directory the buckets live in. */
    public Path baseDir() {
        return baseDir;
    }

    /** A client config for this endpoint and {@code bucket}. */
    public ObjectStoreConfig clientConfig(String bucket) {
        return ObjectStoreConfig.forEndpoint(endpoint, bucket, IDENTITY, CREDENTIAL);
    }

    @Override
    public void close() throws Exception {
        try {
            started.get(30, TimeUnit.SECONDS); // a proxy still starting is stopped once it runs
        } catch (ExecutionException e) {
            // It did not start: there is nothing to stop but what it left behind.
        }
        S3Proxy running = proxy;
        if (running != null) {
            running.stop();
        }
    }
}
