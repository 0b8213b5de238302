package io.strata.systemtest.support;

import io.strata.storage.remote.EmbeddedS3Proxy;
import io.strata.testsupport.Ports;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * S3Proxy (filesystem back end) in a process of its own on a fixed free port, so a test can stop the object store
 * under a running node and start it again over the same directory, or keep a bucket while a node's data directory
 * is thrown away. Started with the test class path; logs to {@code target/node-logs/s3proxy-<port>.log}.
 */
public final class S3ProxyProcess implements AutoCloseable {

    private final Path dir;
    private final int port;
    private final Path logFile;
    private Process process;

    public S3ProxyProcess(Path dir) {
        this.dir = dir;
        this.port = Ports.free();
        try {
            Path logs = Files.createDirectories(Paths.get("target", "node-logs"));
            this.logFile = logs.resolve("s3proxy-" + port + ".log");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public String endpoint() {
        return "http://127.0.0.1:" + port;
    }

    /** Environment for a node that should use this store. */
    public Map<String, String> nodeEnv() {
        return Map.of("STRATA_S3_ENDPOINT", endpoint(),
                "STRATA_S3_ACCESS_KEY", EmbeddedS3Proxy.IDENTITY,
                "STRATA_S3_SECRET_KEY", EmbeddedS3Proxy.CREDENTIAL);
    }

    public synchronized S3ProxyProcess start() {
        ProcessBuilder builder = new ProcessBuilder(List.of(
                Paths.get(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx256m",
                "-cp", System.getProperty("java.class.path"), Main.class.getName(), dir.toString(), Integer.toString(port)));
        builder.redirectErrorStream(true);
        builder.redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile()));
        try {
            process = builder.start();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new AssertionError("S3Proxy exited with " + process.exitValue() + "; see " + logFile);
            }
            try (Socket ignored = new Socket("127.0.0.1", port)) {
                return this;
            } catch (IOException notYet) {
                sleep(100);
            }
        }
        throw new AssertionError("S3Proxy did not listen on " + port + " within 30 s; see " + logFile);
    }

    /** Kills the process: the object store disappears mid-request, as in a crash. */
    public synchronized void stop() {
        if (process != null && process.isAlive()) {
            process.destroyForcibly();
            try {
                process.waitFor(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    @Override
    public void close() {
        stop();
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** The child process: serves {@code args[0]} on port {@code args[1]} until killed. */
    public static final class Main {
        public static void main(String[] args) throws Exception {
            EmbeddedS3Proxy.start(Paths.get(args[0]), Integer.parseInt(args[1]));
            Thread.currentThread().join();
        }
    }
}
