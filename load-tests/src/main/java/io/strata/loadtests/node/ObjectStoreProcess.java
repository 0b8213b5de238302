package io.strata.loadtests.node;

import io.strata.loadtests.ChildJvm;
import io.strata.storage.remote.EmbeddedS3Proxy;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * S3Proxy (filesystem back end) in a process of its own: the one object store the members of a Strata cluster
 * share, since a multi-node cluster refuses per-node embedded stores. It runs on the node's own libraries
 * ({@code quarkus-app/lib/main}), so it is the S3Proxy the node embeds, and its Jetty and cloud SDKs stay off the
 * class path of the brokers and tools.
 */
public final class ObjectStoreProcess implements AutoCloseable {

    public static final String BUCKET = "strata";

    private final ChildJvm jvm;
    private final Path nodeLibDir;
    private final Path dir;
    private final int port;
    private final Path logFile;
    private Process process;

    /** @param nodeLibDir the packaged node's {@code quarkus-app/lib/main} */
    public ObjectStoreProcess(ChildJvm jvm, Path nodeLibDir, Path dir, int port, Path logFile) {
        this.jvm = jvm;
        this.nodeLibDir = nodeLibDir;
        this.dir = dir;
        this.port = port;
        this.logFile = logFile;
    }

    public String endpoint() {
        return "http://127.0.0.1:" + port;
    }

    /** Environment for a node that uses this store. */
    public Map<String, String> nodeEnv() {
        return Map.of("STRATA_S3_ENDPOINT", endpoint(),
                "STRATA_S3_BUCKET", BUCKET,
                "STRATA_S3_ACCESS_KEY", EmbeddedS3Proxy.IDENTITY,
                "STRATA_S3_SECRET_KEY", EmbeddedS3Proxy.CREDENTIAL);
    }

    public void start(Duration timeout) throws IOException, InterruptedException {
        if (!Files.isDirectory(nodeLibDir)) {
            throw new IllegalStateException("node libraries not found: " + nodeLibDir);
        }
        Files.createDirectories(dir);
        String cp = harnessClasses() + java.io.File.pathSeparator + nodeLibDir.toAbsolutePath() + "/*";
        List<String> cmd = List.of(jvm.java().toString(), "-Xmx256m", "-XX:+UseSerialGC", "-cp", cp,
                ObjectStoreMain.class.getName(), dir.toString(), Integer.toString(port), BUCKET);
        process = ChildJvm.start(cmd, Map.of(), dir, logFile);
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("S3Proxy exited during startup with code " + process.exitValue()
                        + " (log: " + logFile + ")");
            }
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("127.0.0.1", port), 200);
                return;
            } catch (IOException notYet) {
                Thread.sleep(50);
            }
        }
        throw new IllegalStateException("S3Proxy not listening on " + port + " within " + timeout.toSeconds()
                + " s (log: " + logFile + ")");
    }

    /** Where ObjectStoreMain was loaded from (the harness's classes folder or jar). */
    private static Path harnessClasses() {
        try {
            return Path.of(ObjectStoreMain.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    public long pid() {
        return process == null || !process.isAlive() ? -1 : process.pid();
    }

    public boolean alive() {
        return process != null && process.isAlive();
    }

    public Path logFile() {
        return logFile;
    }

    @Override
    public void close() throws InterruptedException {
        if (process != null) {
            ChildJvm.stop(process, Duration.ofSeconds(5));
        }
    }
}
