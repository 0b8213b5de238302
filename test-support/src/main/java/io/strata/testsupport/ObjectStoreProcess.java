package io.strata.testsupport;

import io.strata.storage.remote.EmbeddedS3Proxy;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * S3Proxy (filesystem back end) in a process of its own: the object store that the nodes of a cluster share, or
 * one that a test kills under a running node and starts again over the same directory and port. It runs on the
 * packaged node's own libraries ({@code quarkus-app/lib/main}, found next to {@code strata.node.jar}), so it is the
 * S3Proxy the node embeds, and its Jetty and cloud SDKs stay off the class path of the caller. The bucket
 * {@value #BUCKET} exists before the first node starts, as a provisioned one would (nodes starting together would
 * race to create it).
 *
 * <p>Not thread-safe: one caller starts and kills it.
 */
public final class ObjectStoreProcess implements AutoCloseable {

    public static final String BUCKET = "strata";
    /**
     * JVM options by default: small and quick to start, for tests (C1 only, which a benchmark that measures
     * against the store should not use; see {@link Builder#jvmOptions(List)}).
     */
    public static final List<String> TEST_JVM_OPTIONS =
            List.of("-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1");
    private static final Duration START_TIMEOUT = Duration.ofSeconds(60);

    private final Path dir;
    private final String host;
    private final int port;
    private final Path logFile;
    private final Path java;
    private final Path nodeLibDir;
    private final List<String> launcher;
    private final List<String> jvmOptions;
    private ChildProcess process;

    private ObjectStoreProcess(Builder b) {
        this.dir = b.dir.toAbsolutePath().normalize();
        this.host = b.host;
        this.port = b.port > 0 ? b.port : Ports.free();
        this.logFile = b.logFile != null ? b.logFile
                : StrataNode.targetDir().resolve("node-logs").resolve("s3proxy-" + port + ".log");
        this.java = b.java != null ? b.java : Paths.get(System.getProperty("java.home"), "bin", "java");
        this.nodeLibDir = b.nodeLibDir;
        this.launcher = List.copyOf(b.launcher);
        this.jvmOptions = List.copyOf(b.jvmOptions);
    }

    /** On 127.0.0.1, a free port, the node libraries next to {@code strata.node.jar}. */
    public ObjectStoreProcess(Path dir) {
        this(builder(dir));
    }

    public static Builder builder(Path dir) {
        return new Builder(dir);
    }

    public String endpoint() {
        return "http://" + host + ":" + port;
    }

    public String host() {
        return host;
    }

    public int port() {
        return port;
    }

    public Path dir() {
        return dir;
    }

    public Path logFile() {
        return logFile;
    }

    /** Environment for a node that uses this store. */
    public Map<String, String> nodeEnv() {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("STRATA_S3_ENDPOINT", endpoint());
        env.put("STRATA_S3_BUCKET", BUCKET);
        env.put("STRATA_S3_ACCESS_KEY", EmbeddedS3Proxy.IDENTITY);
        env.put("STRATA_S3_SECRET_KEY", EmbeddedS3Proxy.CREDENTIAL);
        return env;
    }

    /** Launches the process (again, over the same directory and port) and waits until it accepts connections. */
    public ObjectStoreProcess start() {
        if (isRunning()) {
            throw new IllegalStateException("the object store on " + endpoint() + " is already running");
        }
        Path libs = nodeLibDir != null ? nodeLibDir : StrataNode.nodeJar().resolveSibling("lib").resolve("main");
        if (!Files.isDirectory(libs)) {
            throw new IllegalStateException("node libraries not found: " + libs);
        }
        try {
            Files.createDirectories(dir.resolve(BUCKET));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        List<String> command = new ArrayList<>(launcher);
        command.add(java.toString());
        command.addAll(jvmOptions);
        command.addAll(List.of("-cp", ownClasses() + File.pathSeparator + libs.toAbsolutePath() + "/*",
                Main.class.getName(), dir.toString(), host, Integer.toString(port)));
        process = ChildProcess.start(command, Map.of(), dir, logFile);
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("S3Proxy exited during startup with code "
                        + process.exitCode().getAsInt() + "\n" + ChildProcess.tail(logFile, 40));
            }
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress(host, port), 200);
                return this;
            } catch (IOException notYet) {
                sleep(50);
            }
        }
        throw new IllegalStateException("S3Proxy not listening on " + endpoint() + " within "
                + START_TIMEOUT.toSeconds() + " s\n" + ChildProcess.tail(logFile, 40));
    }

    /** SIGKILL: the object store disappears mid-request, as in a crash. */
    public void kill() {
        if (process != null) {
            process.kill();
        }
    }

    public boolean isRunning() {
        return process != null && process.isAlive();
    }

    /** The running process's id, or -1. */
    public long pid() {
        return isRunning() ? process.pid() : -1;
    }

    /** SIGTERM, SIGKILL after a few seconds. */
    @Override
    public void close() {
        if (process != null) {
            process.stop(Duration.ofSeconds(5));
        }
    }

    @Override
    public String toString() {
        return "ObjectStoreProcess[" + endpoint() + ", " + dir + "]";
    }

    /** Where this class was loaded from (test-support's classes folder or jar): the child needs only {@link Main}. */
    private static Path ownClasses() {
        try {
            return Path.of(ObjectStoreProcess.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    public static final class Builder {
        private final Path dir;
        private String host = "127.0.0.1";
        private int port;
        private Path logFile;
        private Path java;
        private Path nodeLibDir;
        private final List<String> launcher = new ArrayList<>();
        private final List<String> jvmOptions = new ArrayList<>(TEST_JVM_OPTIONS);

        private Builder(Path dir) {
            this.dir = dir;
        }

        /** The address to listen on and to name in {@link #endpoint()} (default 127.0.0.1). */
        public Builder host(String host) {
            this.host = host;
            return this;
        }

        /** Default: a free port, kept across restarts. */
        public Builder port(int port) {
            this.port = port;
            return this;
        }

        /** Default: {@code <strata.test.target.dir>/node-logs/s3proxy-<port>.log}. */
        public Builder logFile(Path logFile) {
            this.logFile = logFile;
            return this;
        }

        /** The java binary (default: this JVM's). */
        public Builder java(Path java) {
            this.java = java;
            return this;
        }

        /** The packaged node's {@code quarkus-app/lib/main} (default: next to {@code strata.node.jar}). */
        public Builder nodeLibDir(Path nodeLibDir) {
            this.nodeLibDir = nodeLibDir;
            return this;
        }

        /** A command prefix that execs the JVM elsewhere, e.g. {@code ip netns exec <ns>}. */
        public Builder launcher(List<String> prefix) {
            launcher.clear();
            launcher.addAll(prefix);
            return this;
        }

        /** The JVM's options, replacing {@link #TEST_JVM_OPTIONS}, e.g. a larger heap and the full JIT. */
        public Builder jvmOptions(List<String> options) {
            jvmOptions.clear();
            jvmOptions.addAll(options);
            return this;
        }

        public ObjectStoreProcess build() {
            return new ObjectStoreProcess(this);
        }
    }

    /**
     * The child process: serves {@code args[0]} on {@code args[1]}:{@code args[2]} until killed. Runs on the node's
     * class path, so it uses nothing of test-support but this class.
     */
    public static final class Main {
        private Main() {
        }

        public static void main(String[] args) throws Exception {
            EmbeddedS3Proxy.start(Path.of(args[0]), args[1], Integer.parseInt(args[2]));
            Thread.currentThread().join();
        }
    }
}
