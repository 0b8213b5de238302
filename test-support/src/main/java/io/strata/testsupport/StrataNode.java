package io.strata.testsupport;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

import org.junit.jupiter.api.Assumptions;

/**
 * A Strata node running as a separate process from the packaged jar ({@code strata.node.jar}), on free loopback
 * ports, with its own data directory and a log file under {@code <strata.test.target.dir>/node-logs/} (default: the
 * calling module's {@code target/}).
 *
 * <p>{@link Builder#host} moves the node off loopback: it listens on and advertises that address for Kafka, HTTP and
 * the cluster port. {@link Builder#launcher} runs the JVM through a command prefix that execs it, such as
 * {@code ip netns exec <ns>}, so the process (and its pid) is still the JVM itself.
 *
 * <p>With the system property {@code strata.external.bootstrap} set (and optionally {@code strata.external.http}),
 * no process is launched and the tests talk to that already running broker instead; tests that need to stop, kill
 * or restart the node are then skipped.
 */
public final class StrataNode implements AutoCloseable {
    /** Every node created since the current test class started, so failures can print their logs. */
    static final List<StrataNode> CREATED = new CopyOnWriteArrayList<>();
    private static final AtomicInteger SEQUENCE = new AtomicInteger();
    private static final Duration READY_TIMEOUT =
            Duration.ofSeconds(Long.getLong("strata.node.ready.timeout.seconds", 60));
    private static final Duration STOP_TIMEOUT =
            Duration.ofSeconds(Long.getLong("strata.node.stop.timeout.seconds", 30));

    private final String name;
    private final int nodeId;
    private final String host;
    private final boolean hostGiven;
    private final List<String> launcher;
    private final int kafkaPort;
    private final int advertisedPort;
    private final int httpPort;
    private final int clusterPort;
    private final Path dataDir;
    private final boolean ownsDataDir;
    private final Path logFile;
    private final Map<String, String> env;
    private final List<String> jvmOptions;
    private final boolean relativeDataDir;
    private final String externalBootstrap;
    private final String externalHttp;
    private final HttpClient http;
    /** HTTPS only: the HTTP port serves TLS, plain HTTP is turned off on {@link #insecureHttpPort}. */
    private final boolean https;
    private final int insecureHttpPort;
    private Process process;
    private boolean stoppedByTest;
    private int starts;
    private Integer lastExitCode;

    private StrataNode(Builder b) {
        this.name = b.name;
        this.nodeId = b.nodeId;
        this.host = b.host != null ? b.host : "127.0.0.1";
        this.hostGiven = b.host != null;
        this.launcher = List.copyOf(b.launcher);
        this.externalBootstrap = System.getProperty("strata.external.bootstrap");
        this.externalHttp = System.getProperty("strata.external.http");
        this.kafkaPort = b.kafkaPort > 0 ? b.kafkaPort : Ports.free();
        this.advertisedPort = b.advertisedPort > 0 ? b.advertisedPort : kafkaPort;
        this.httpPort = b.httpPort > 0 ? b.httpPort : Ports.free();
        this.https = b.httpsTrust != null;
        this.insecureHttpPort = https ? Ports.free() : httpPort;
        HttpClient.Builder client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2));
        if (https) {
            client.sslContext(b.httpsTrust);
        }
        this.http = client.build();
        this.clusterPort = Ports.free();
        Path targetDir = targetDir();
        String id = name + "-" + SEQUENCE.incrementAndGet();
        try {
            if (b.dataDir != null) {
                this.dataDir = b.dataDir;
                this.ownsDataDir = false;
            } else {
                this.dataDir = Files.createDirectories(targetDir.resolve("node-data").resolve(id));
                this.ownsDataDir = true;
            }
            this.logFile = Files.createDirectories(targetDir.resolve("node-logs")).resolve(id + ".log");
            Files.deleteIfExists(logFile);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        this.env = new LinkedHashMap<>(b.env);
        this.relativeDataDir = b.relativeDataDir;
        this.jvmOptions = List.copyOf(b.jvmOptions);
    }

    public static Builder builder(String name) {
        return new Builder(name);
    }

    /** Starts a node with default settings. */
    public static StrataNode start(String name) {
        return builder(name).start();
    }

    public boolean isManaged() {
        return externalBootstrap == null;
    }

    /** Skips the calling test when the suite runs against an external broker. */
    public void requireManaged(String why) {
        Assumptions.assumeTrue(isManaged(), "needs a node process under the test's control: " + why);
    }

    public String name() {
        return name;
    }

    public int nodeId() {
        return nodeId;
    }

    public String bootstrap() {
        return externalBootstrap != null ? externalBootstrap : host + ":" + advertisedPort;
    }

    /** The port the node itself listens on for Kafka clients (not a proxy in front of it). */
    public int kafkaPort() {
        return externalBootstrap != null ? Integer.parseInt(externalBootstrap.split(":")[1]) : kafkaPort;
    }

    public String kafkaHost() {
        return externalBootstrap != null ? externalBootstrap.split(":")[0] : host;
    }

    public int advertisedPort() {
        return externalBootstrap != null ? kafkaPort() : advertisedPort;
    }

    /** The port of the node's cluster member (Hazelcast). */
    public int clusterPort() {
        return clusterPort;
    }

    public String httpBase() {
        if (externalBootstrap != null) {
            Assumptions.assumeTrue(externalHttp != null, "no strata.external.http given for the external broker");
            return externalHttp;
        }
        return (https ? "https://" : "http://") + host + ":" + httpPort;
    }

    /** The port plain HTTP would use: the HTTP port, or with {@link Builder#httpsOnly} a port where it is refused. */
    public int insecureHttpPort() {
        return insecureHttpPort;
    }

    public Path dataDir() {
        return dataDir;
    }

    public Path logFile() {
        return logFile;
    }

    public synchronized boolean isRunning() {
        return process != null && process.isAlive();
    }

    /** The operating-system id of the running process, e.g. to send it SIGSTOP and SIGCONT. */
    public synchronized long pid() {
        requireManaged("pid");
        if (process == null || !process.isAlive()) {
            throw new IllegalStateException(name + " is not running");
        }
        return process.pid();
    }

    public synchronized Integer lastExitCode() {
        return lastExitCode;
    }

    /** Launches the process and waits until {@code /q/health/ready} answers 200. */
    public synchronized StrataNode startProcess() {
        if (!isManaged()) {
            return this;
        }
        if (isRunning()) {
            throw new IllegalStateException(name + " is already running");
        }
        Path jar = nodeJar();
        List<String> command = new ArrayList<>(launcher);
        command.add(Paths.get(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(jvmOptions);
        command.add("-jar");
        command.add(jar.toString());
        ProcessBuilder builder = new ProcessBuilder(command);
        Map<String, String> processEnv = builder.environment();
        processEnv.put("STRATA_NODE_ID", Integer.toString(nodeId));
        // The process runs in the data directory's parent, so "./<name>" is the same directory.
        processEnv.put("STRATA_DATA_DIR", relativeDataDir ? "./" + dataDir.getFileName() : dataDir.toString());
        processEnv.put("STRATA_KAFKA_PORT", Integer.toString(kafkaPort));
        processEnv.put("STRATA_KAFKA_ADVERTISED_HOST", host);
        if (hostGiven) {
            processEnv.put("STRATA_KAFKA_HOST", host);
            processEnv.put("QUARKUS_HTTP_HOST", host);
            processEnv.put("STRATA_CLUSTER_HOST", host);
        }
        processEnv.put("STRATA_KAFKA_ADVERTISED_PORT", Integer.toString(advertisedPort));
        if (https) {
            processEnv.put("QUARKUS_HTTP_SSL_PORT", Integer.toString(httpPort));
            processEnv.put("QUARKUS_HTTP_PORT", Integer.toString(insecureHttpPort));
            processEnv.put("QUARKUS_HTTP_INSECURE_REQUESTS", "disabled");
        } else {
            processEnv.put("QUARKUS_HTTP_PORT", Integer.toString(httpPort));
        }
        processEnv.put("STRATA_CLUSTER_PORT", Integer.toString(clusterPort));
        processEnv.putAll(env);
        builder.redirectErrorStream(true);
        builder.redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile()));
        builder.directory(dataDir.getParent().toFile());
        starts++;
        stoppedByTest = false;
        appendToLog("==== start #" + starts + " at " + Instant.now() + ": " + String.join(" ", command)
                + "\n==== env " + envDescription(processEnv) + "\n");
        try {
            process = builder.start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot launch " + command, e);
        }
        awaitReady();
        return this;
    }

    private void awaitReady() {
        long deadline = System.nanoTime() + READY_TIMEOUT.toNanos();
        String lastProblem = "no answer yet";
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                lastExitCode = process.exitValue();
                throw new AssertionError("node " + name + " exited with code " + lastExitCode
                        + " before becoming ready\n" + logTail(120));
            }
            try {
                HttpResult ready = httpGet("/q/health/ready");
                if (ready.status() == 200) {
                    return;
                }
                lastProblem = "HTTP " + ready.status() + " " + ready.body();
            } catch (UncheckedIOException e) {
                lastProblem = e.getCause().toString();
            }
            sleep(200);
        }
        throw new AssertionError("node " + name + " not ready within " + READY_TIMEOUT.toSeconds() + " s (last: "
                + lastProblem + ")\n" + logTail(120));
    }

    /** SIGTERM, then waits for the process to exit; fails if it does not exit within the stop timeout. */
    public synchronized int stop() {
        requireManaged("stop");
        if (process == null || !process.isAlive()) {
            return lastExitCode == null ? 0 : lastExitCode;
        }
        appendToLog("==== SIGTERM at " + Instant.now() + "\n");
        stoppedByTest = true;
        process.destroy();
        try {
            if (!process.waitFor(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly();
                process.waitFor(10, TimeUnit.SECONDS);
                throw new AssertionError("node " + name + " did not exit within " + STOP_TIMEOUT.toSeconds()
                        + " s of SIGTERM (killed)\n" + logTail(80));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
        lastExitCode = process.exitValue();
        appendToLog("==== exited with " + lastExitCode + " at " + Instant.now() + "\n");
        return lastExitCode;
    }

    /** SIGKILL: the process gets no chance to flush or clean up. */
    public synchronized void kill9() {
        requireManaged("kill -9");
        if (process == null || !process.isAlive()) {
            throw new IllegalStateException(name + " is not running");
        }
        stoppedByTest = true;
        process.destroyForcibly();
        try {
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                throw new AssertionError("node " + name + " survived SIGKILL");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
        lastExitCode = process.exitValue();
        appendToLog("\n==== SIGKILL at " + Instant.now() + "\n");
    }

    /** SIGTERM (if running) and start again on the same data directory and ports. */
    public synchronized StrataNode restart() {
        requireManaged("restart");
        if (isRunning()) {
            stop();
        }
        return startProcess();
    }

    /** One line on the state of the process, for failure reports. */
    public synchronized String processState() {
        if (!isManaged()) {
            return "external broker";
        }
        if (process == null) {
            return "never started";
        }
        if (process.isAlive()) {
            return "running (pid " + process.pid() + ")";
        }
        return (stoppedByTest ? "stopped by the test" : "EXITED UNEXPECTEDLY (not stopped by the test)")
                + ", exit code " + process.exitValue();
    }

    public HttpResult httpGet(String path) {
        HttpRequest request = HttpRequest.newBuilder(URI.create(httpBase() + path))
                .timeout(Duration.ofSeconds(10)).GET().build();
        try {
            HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
            return new HttpResult(response.statusCode(), response.body());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    public record HttpResult(int status, String body) {
    }

    /** The last lines of the node's log, for failure messages. */
    public String logTail(int lines) {
        if (!isManaged()) {
            return "(external broker " + externalBootstrap + ": no log)";
        }
        try {
            if (!Files.exists(logFile)) {
                return "(no log file " + logFile + ")";
            }
            List<String> all = Files.readAllLines(logFile, StandardCharsets.UTF_8);
            List<String> tail = all.subList(Math.max(0, all.size() - lines), all.size());
            return "---- last " + tail.size() + " lines of " + logFile + " ----\n" + String.join("\n", tail)
                    + "\n---- end of " + logFile.getFileName() + " ----";
        } catch (IOException | UncheckedIOException e) {
            return "(cannot read " + logFile + ": " + e + ")";
        }
    }

    @Override
    public synchronized void close() {
        try {
            if (isManaged() && isRunning()) {
                stop();
            }
        } finally {
            if (ownsDataDir && !Boolean.getBoolean("strata.keep.data")) {
                deleteRecursively(dataDir);
            }
        }
    }

    @Override
    public String toString() {
        return "StrataNode[" + name + ", " + bootstrap() + (isManaged() ? ", log " + logFile : ", external") + "]";
    }

    private void appendToLog(String text) {
        try {
            Files.writeString(logFile, text, StandardCharsets.UTF_8, java.nio.file.StandardOpenOption.CREATE,
                    java.nio.file.StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String envDescription(Map<String, String> env) {
        StringBuilder sb = new StringBuilder();
        env.entrySet().stream().filter(e -> e.getKey().startsWith("STRATA_") || e.getKey().startsWith("QUARKUS_"))
                .sorted(Map.Entry.comparingByKey())
                .forEach(e -> sb.append(e.getKey()).append('=').append(e.getValue()).append(' '));
        return sb.toString().trim();
    }

    static Path targetDir() {
        return Paths.get(System.getProperty("strata.test.target.dir", "target")).toAbsolutePath().normalize();
    }

    static Path nodeJar() {
        String configured = System.getProperty("strata.node.jar");
        if (configured == null) {
            String root = System.getProperty("strata.repo.root", "..");
            configured = Paths.get(root, "ingest", "target", "quarkus-app", "quarkus-run.jar").toString();
        }
        Path jar = Paths.get(configured).toAbsolutePath().normalize();
        if (!Files.isRegularFile(jar)) {
            throw new AssertionError("Strata node jar not found at " + jar + " (system property strata.node.jar)."
                    + " Build it first: ./mvnw -B install -DskipTests (or run bin/test from the repository root).");
        }
        return jar;
    }

    private static void deleteRecursively(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException ignored) {
                    // best effort: the target folder is cleaned by the build anyway
                }
            });
        } catch (IOException ignored) {
            // best effort
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    public static final class Builder {
        private final String name;
        private int nodeId;
        private String host;
        private final List<String> launcher = new ArrayList<>();
        private int kafkaPort;
        private int advertisedPort;
        private int httpPort;
        private Path dataDir;
        private final Map<String, String> env = new LinkedHashMap<>();
        private boolean relativeDataDir;
        private javax.net.ssl.SSLContext httpsTrust;
        private final List<String> jvmOptions = new ArrayList<>(
                List.of(System.getProperty("strata.node.jvm.options", "-Xms64m -Xmx1g -XX:+ExitOnOutOfMemoryError")
                        .trim().split("\\s+")));

        private Builder(String name) {
            this.name = name;
        }

        public Builder nodeId(int id) {
            this.nodeId = id;
            return this;
        }

        /**
         * The address the node listens on and advertises for Kafka, HTTP and the cluster port (sets
         * STRATA_KAFKA_HOST, STRATA_KAFKA_ADVERTISED_HOST, QUARKUS_HTTP_HOST and STRATA_CLUSTER_HOST). Default:
         * 127.0.0.1 advertised, the node's own defaults for the rest.
         */
        public Builder host(String host) {
            this.host = host;
            return this;
        }

        /** A command prefix that execs the JVM, e.g. {@code ip netns exec <ns>}. */
        public Builder launcher(List<String> prefix) {
            launcher.clear();
            launcher.addAll(prefix);
            return this;
        }

        public Builder kafkaPort(int port) {
            this.kafkaPort = port;
            return this;
        }

        /** What the node tells clients to connect to, e.g. the port of a proxy in front of it. */
        public Builder advertisedPort(int port) {
            this.advertisedPort = port;
            return this;
        }

        public Builder httpPort(int port) {
            this.httpPort = port;
            return this;
        }

        public Builder dataDir(Path dir) {
            this.dataDir = dir;
            return this;
        }

        /** Adds a JVM option after the defaults (a later -Xmx wins). */
        public Builder jvmOption(String option) {
            jvmOptions.add(option);
            return this;
        }

        public Builder env(String key, String value) {
            env.put(key, value);
            return this;
        }

        /**
         * Gives the node its data directory as a relative path with a "." segment, as the README's run
         * command (default {@code ./data}) does, instead of an absolute one.
         */
        public Builder relativeDataDir() {
            this.relativeDataDir = true;
            return this;
        }

        /**
         * Serves the HTTP API over TLS only (QUARKUS_HTTP_SSL_PORT is the HTTP port, plain HTTP disabled); the
         * node's TLS key (QUARKUS_TLS_*) is given with {@link #env}. {@code trust} verifies the node's certificate
         * in {@link #httpGet} and the readiness check.
         */
        public Builder httpsOnly(javax.net.ssl.SSLContext trust) {
            this.httpsTrust = trust;
            return this;
        }

        /** Creates the node without starting it. */
        public StrataNode build() {
            StrataNode node = new StrataNode(this);
            CREATED.add(node);
            return node;
        }

        public StrataNode start() {
            return build().startProcess();
        }
    }
}
