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

/**
 * An S3-compatible endpoint in this process: S3Proxy with its filesystem back end, one directory per
 * bucket under {@code baseDir}, on a loopback port. The default object store of a node that has no
 * endpoint configured, and the store of the storage tests. Needs the optional {@code org.gaul:s3proxy}
 * dependency on the class path.
 */
public final class EmbeddedS3Proxy implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(EmbeddedS3Proxy.class);

    public static final String IDENTITY = "strata";
    public static final String CREDENTIAL = "strata-secret";

    private final S3Proxy proxy;
    private final URI endpoint;

    private EmbeddedS3Proxy(S3Proxy proxy, URI endpoint) {
        this.proxy = proxy;
        this.endpoint = endpoint;
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
        Files.createDirectories(baseDir);
        int chosen = port == 0 ? freePort() : port;
        URI endpoint = URI.create("http://" + host + ":" + chosen);
        // Normalized: the filesystem store answers every request 400 when its base directory has "." segments.
        S3Proxy proxy = S3Proxy.builder()
                .blobStore(new FilesystemNio2BlobStore(baseDir.toAbsolutePath().normalize().toString()))
                .endpoint(endpoint)
                .awsAuthentication(AuthenticationType.AWS_V2_OR_V4, IDENTITY, CREDENTIAL)
                .build();
        proxy.start();
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (!"STARTED".equals(proxy.getState())) {
            if (System.nanoTime() > deadline) {
                proxy.stop();
                throw new IOException("S3Proxy did not start on " + endpoint + " (state " + proxy.getState() + ")");
            }
            Thread.sleep(5);
        }
        LOG.info("Embedded S3Proxy serving {} at {}", baseDir, endpoint);
        return new EmbeddedS3Proxy(proxy, endpoint);
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    public URI endpoint() {
        return endpoint;
    }

    /** A client config for this endpoint and {@code bucket}. */
    public ObjectStoreConfig clientConfig(String bucket) {
        return ObjectStoreConfig.forEndpoint(endpoint, bucket, IDENTITY, CREDENTIAL);
    }

    @Override
    public void close() throws Exception {
        proxy.stop();
    }
}
