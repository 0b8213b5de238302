package io.strata.testsupport;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Collectors;

/**
 * Apache Kafka {@value #VERSION} (the {@code kafka_2.13} jars) in KRaft combined mode, broker and controller in one
 * process: a single node, or one node of a cluster whose controllers form a static voter quorum
 * ({@code controller.quorum.voters}). It listens on and advertises {@code host}, so a cluster can run in network
 * namespaces of its own (with a {@linkplain Builder#launcher launcher} such as {@code ip netns exec <ns>}).
 *
 * <p>The caller supplies the class path (the module that runs the broker resolves {@code kafka_2.13} and a log4j2
 * binding, e.g. with maven-dependency-plugin); this class adds nothing to the caller's own class path. Logging goes
 * to the log file through a log4j2 configuration shipped here ({@code kafka-log4j2.xml}), at INFO, because
 * readiness is Kafka's "Kafka Server started" line: KRaft prints it once the broker has caught up with the metadata
 * log and been unfenced by the controller.
 *
 * <p>{@link #prepare()} writes {@code server.properties} and formats the storage the first time only, so
 * {@link #start()} after {@link #kill()} restarts on the same log. Not thread-safe: one caller drives a broker.
 */
public final class KafkaBroker implements AutoCloseable {

    public static final String VERSION = "4.4.0";
    /** What KRaft logs when the broker serves (kafka.server.KafkaBroker.STARTED_MESSAGE). */
    static final String STARTED_MESSAGE = "Kafka Server started";

    private final int nodeId;
    private final String host;
    private final int port;
    private final int controllerPort;
    private final String voters;
    private final String clusterId;
    private final int clusterSize;
    private final Path dataDir;
    private final Path logFile;
    private final Path java;
    private final String classpath;
    private final List<String> jvmOptions;
    private final List<String> launcher;
    private final Path log4jConfig;
    private final Map<String, String> overrides;
    private final Duration readyTimeout;
    private ChildProcess process;

    private KafkaBroker(Builder b) {
        if (b.classpath == null || b.classpath.isBlank()) {
            throw new IllegalArgumentException("no class path for the Kafka broker (kafka_2.13 and a log4j2 binding)");
        }
        this.nodeId = b.nodeId;
        this.host = b.host;
        this.port = b.port > 0 ? b.port : Ports.free();
        this.controllerPort = b.controllerPort > 0 ? b.controllerPort : Ports.free();
        this.voters = b.voters != null ? b.voters : nodeId + "@" + host + ":" + controllerPort;
        this.clusterId = b.clusterId != null ? b.clusterId : newClusterId();
        this.clusterSize = b.clusterSize;
        this.dataDir = b.dataDir.toAbsolutePath().normalize();
        this.logFile = b.logFile != null ? b.logFile : dataDir.resolve("kafka.log");
        this.java = b.java != null ? b.java : Paths.get(System.getProperty("java.home"), "bin", "java");
        this.classpath = absolute(b.classpath);
        this.jvmOptions = List.copyOf(b.jvmOptions);
        this.launcher = List.copyOf(b.launcher);
        this.log4jConfig = b.log4jConfig;
        this.overrides = new LinkedHashMap<>(b.overrides);
        this.readyTimeout = b.readyTimeout;
    }

    /** Node {@code nodeId} (1 for a single node). */
    public static Builder builder(int nodeId) {
        return new Builder(nodeId);
    }

    /** controller.quorum.voters of nodes 1..n at these {@code host:port}s (their controller listeners). */
    public static String voters(List<String> controllerHostPorts) {
        List<String> v = new ArrayList<>();
        for (int i = 0; i < controllerHostPorts.size(); i++) {
            v.add((i + 1) + "@" + controllerHostPorts.get(i));
        }
        return String.join(",", v);
    }

    /** A cluster id in the form kafka-storage's format expects (a base64 UUID). */
    public static String newClusterId() {
        while (true) {
            UUID u = UUID.randomUUID();
            ByteBuffer b = ByteBuffer.allocate(16);
            b.putLong(u.getMostSignificantBits()).putLong(u.getLeastSignificantBits());
            String id = Base64.getUrlEncoder().withoutPadding().encodeToString(b.array());
            // as Kafka's Uuid.randomUuid(): an id starting with '-' would read as an option on a command line
            if (!id.startsWith("-")) {
                return id;
            }
        }
    }

    public int nodeId() {
        return nodeId;
    }

    public String host() {
        return host;
    }

    public int port() {
        return port;
    }

    public int controllerPort() {
        return controllerPort;
    }

    public String bootstrap() {
        return host + ":" + port;
    }

    public Path dataDir() {
        return dataDir;
    }

    public Path logFile() {
        return logFile;
    }

    /**
     * server.properties: the shipped config/server.properties values, single-node settings for the internal topics
     * of a single node (a cluster keeps Kafka's defaults: replication factor 3, min ISR 2), then the overrides.
     */
    public Map<String, String> serverProperties() {
        Map<String, String> p = new LinkedHashMap<>();
        p.put("process.roles", "broker,controller");
        p.put("node.id", Integer.toString(nodeId));
        p.put("controller.quorum.voters", voters);
        p.put("listeners", "PLAINTEXT://" + host + ":" + port + ",CONTROLLER://" + host + ":" + controllerPort);
        p.put("advertised.listeners", "PLAINTEXT://" + host + ":" + port);
        p.put("inter.broker.listener.name", "PLAINTEXT");
        p.put("controller.listener.names", "CONTROLLER");
        p.put("listener.security.protocol.map", "CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT");
        p.put("num.network.threads", "3");
        p.put("num.io.threads", "8");
        p.put("socket.send.buffer.bytes", "102400");
        p.put("socket.receive.buffer.bytes", "102400");
        p.put("socket.request.max.bytes", "104857600");
        p.put("log.dirs", dataDir.resolve("kraft-logs").toString());
        p.put("num.partitions", "1");
        p.put("num.recovery.threads.per.data.dir", "1");
        if (clusterSize == 1) {
            p.put("offsets.topic.replication.factor", "1");
            p.put("share.coordinator.state.topic.replication.factor", "1");
            p.put("share.coordinator.state.topic.min.isr", "1");
            p.put("transaction.state.log.replication.factor", "1");
            p.put("transaction.state.log.min.isr", "1");
        }
        p.put("log.retention.hours", "168");
        p.put("log.segment.bytes", "1073741824");
        p.put("auto.create.topics.enable", "true");
        p.put("group.initial.rebalance.delay.ms", "0");
        p.putAll(overrides);
        return p;
    }

    private Path propsFile() {
        return dataDir.resolve("server.properties");
    }

    /**
     * Writes server.properties and, unless the storage is formatted already, formats it with
     * {@code kafka.tools.StorageTool} (in this machine's network namespace: formatting opens no socket).
     */
    public void prepare() {
        try {
            Files.createDirectories(dataDir);
            Files.createDirectories(logFile.toAbsolutePath().getParent());
            String props = serverProperties().entrySet().stream().map(e -> e.getKey() + "=" + e.getValue())
                    .collect(Collectors.joining("\n", "", "\n"));
            Files.writeString(propsFile(), props, StandardCharsets.UTF_8);
            if (Files.exists(dataDir.resolve("kraft-logs").resolve("meta.properties"))) {
                return;
            }
            List<String> format = javaCommand(List.of("-Xmx256m", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC",
                    "-Dlog4j2.configurationFile=" + log4jConfig()), "kafka.tools.StorageTool",
                    List.of("format", "-t", clusterId, "-c", propsFile().toString()));
            ChildProcess formatting = ChildProcess.start(format, Map.of(), dataDir,
                    logFile.resolveSibling(logFile.getFileName() + ".format.log"));
            if (!formatting.waitFor(Duration.ofSeconds(120))) {
                formatting.kill();
                throw new IllegalStateException("kafka.tools.StorageTool format did not finish within 120 s");
            }
            if (formatting.exitCode().getAsInt() != 0) {
                throw new IllegalStateException("kafka.tools.StorageTool format failed (exit "
                        + formatting.exitCode().getAsInt() + "):\n" + formatting.output());
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The broker's command line, launcher included. */
    public List<String> command() {
        List<String> jvm = new ArrayList<>(jvmOptions);
        jvm.add("-Dlog4j2.configurationFile=" + log4jConfig());
        jvm.add("-Dkafka.logs.dir=" + logFile.toAbsolutePath().getParent());
        List<String> cmd = new ArrayList<>(launcher);
        cmd.addAll(javaCommand(jvm, "kafka.Kafka", List.of(propsFile().toString())));
        return cmd;
    }

    private List<String> javaCommand(List<String> jvm, String mainClass, List<String> args) {
        List<String> cmd = new ArrayList<>();
        cmd.add(java.toString());
        cmd.addAll(jvm);
        cmd.add("-cp");
        cmd.add(classpath);
        cmd.add(mainClass);
        cmd.addAll(args);
        return cmd;
    }

    /** {@link #prepare()}, launch, then waits until the broker serves (see the class comment). */
    public KafkaBroker start() {
        if (isRunning()) {
            throw new IllegalStateException("Kafka node " + nodeId + " is already running");
        }
        prepare();
        process = ChildProcess.start(command(), Map.of(), dataDir, logFile);
        awaitReady();
        return this;
    }

    private void awaitReady() {
        long deadline = System.nanoTime() + readyTimeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("Kafka node " + nodeId + " exited with code "
                        + process.exitCode().getAsInt() + " before it served\n" + ChildProcess.tail(logFile, 60));
            }
            if (process.output().contains(STARTED_MESSAGE) && accepts()) {
                return;
            }
            sleep(100);
        }
        throw new IllegalStateException("Kafka node " + nodeId + " did not serve within " + readyTimeout.toSeconds()
                + " s\n" + ChildProcess.tail(logFile, 60));
    }

    private boolean accepts() {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(host, port), 500);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    public boolean isRunning() {
        return process != null && process.isAlive();
    }

    public long pid() {
        if (!isRunning()) {
            throw new IllegalStateException("Kafka node " + nodeId + " is not running");
        }
        return process.pid();
    }

    /** SIGKILL. */
    public void kill() {
        if (process != null) {
            process.kill();
        }
    }

    /** SIGTERM, SIGKILL after {@code grace}; returns the exit code (0 if never started). */
    public int stop(Duration grace) {
        return process == null ? 0 : process.stop(grace);
    }

    /** SIGSTOP. */
    public void pause() {
        ChildProcess.stopOrContinue(pid(), true);
    }

    /** SIGCONT. */
    public void resume() {
        ChildProcess.stopOrContinue(pid(), false);
    }

    public String logTail(int lines) {
        return ChildProcess.tail(logFile, lines);
    }

    /** SIGTERM with 30 s of grace. */
    @Override
    public void close() {
        stop(Duration.ofSeconds(30));
    }

    @Override
    public String toString() {
        return "KafkaBroker[" + nodeId + ", " + bootstrap() + ", log " + logFile + "]";
    }

    private Path log4jConfig() {
        if (log4jConfig != null) {
            return log4jConfig;
        }
        Path config = dataDir.resolve("kafka-log4j2.xml");
        if (!Files.exists(config)) {
            try (InputStream in = KafkaBroker.class.getResourceAsStream("kafka-log4j2.xml")) {
                if (in == null) {
                    throw new IllegalStateException("kafka-log4j2.xml missing from test-support");
                }
                Files.createDirectories(dataDir);
                Files.copy(in, config, StandardCopyOption.REPLACE_EXISTING);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return config;
    }

    /** Child JVMs run in other working directories: every class path entry is made absolute. */
    private static String absolute(String classpath) {
        List<String> entries = new ArrayList<>();
        for (String e : classpath.split(File.pathSeparator)) {
            if (e.isEmpty()) {
                continue;
            }
            entries.add(e.endsWith("*") ? Path.of(e.substring(0, e.length() - 1)).toAbsolutePath() + "/*"
                    : Path.of(e).toAbsolutePath().toString());
        }
        return String.join(File.pathSeparator, entries);
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
        private final int nodeId;
        private String host = "127.0.0.1";
        private int port;
        private int controllerPort;
        private String voters;
        private String clusterId;
        private int clusterSize = 1;
        private Path dataDir;
        private Path logFile;
        private Path java;
        private String classpath = System.getProperty("strata.kafka.classpath");
        private final List<String> jvmOptions = new ArrayList<>(List.of("-Xms64m", "-Xmx1g"));
        private final List<String> launcher = new ArrayList<>();
        private Path log4jConfig;
        private final Map<String, String> overrides = new LinkedHashMap<>();
        private Duration readyTimeout = Duration.ofSeconds(120);

        private Builder(int nodeId) {
            this.nodeId = nodeId;
        }

        /** The address to listen on and advertise (default 127.0.0.1). */
        public Builder host(String host) {
            this.host = host;
            return this;
        }

        /** Kafka clients' port (default: a free one). */
        public Builder port(int port) {
            this.port = port;
            return this;
        }

        /** The controller listener's port (default: a free one). */
        public Builder controllerPort(int port) {
            this.controllerPort = port;
            return this;
        }

        /**
         * A cluster of {@code size} combined nodes: every node gets the same {@code voters} (see
         * {@link KafkaBroker#voters}) and {@code clusterId} (see {@link KafkaBroker#newClusterId()}).
         */
        public Builder cluster(int size, String voters, String clusterId) {
            this.clusterSize = size;
            this.voters = voters;
            this.clusterId = clusterId;
            return this;
        }

        /** Holds server.properties and the log directory {@code kraft-logs}. Required. */
        public Builder dataDir(Path dir) {
            this.dataDir = dir;
            return this;
        }

        /** Default: {@code <dataDir>/kafka.log}. */
        public Builder logFile(Path file) {
            this.logFile = file;
            return this;
        }

        public Builder java(Path java) {
            this.java = java;
            return this;
        }

        /** kafka_2.13 with its dependencies and a log4j2 SLF4J binding (default: {@code strata.kafka.classpath}). */
        public Builder classpath(String classpath) {
            this.classpath = classpath;
            return this;
        }

        /** Replaces the JVM options (default {@code -Xms64m -Xmx1g}). */
        public Builder jvmOptions(List<String> options) {
            jvmOptions.clear();
            jvmOptions.addAll(options);
            return this;
        }

        /** A command prefix that execs the JVM elsewhere, e.g. {@code ip netns exec <ns>}. */
        public Builder launcher(List<String> prefix) {
            launcher.clear();
            launcher.addAll(prefix);
            return this;
        }

        /** A log4j2 configuration of the caller's instead of the shipped one (it must log INFO to stdout). */
        public Builder log4jConfig(Path config) {
            this.log4jConfig = config;
            return this;
        }

        /** A server property, set after (and over) the defaults. */
        public Builder property(String key, String value) {
            overrides.put(key, value);
            return this;
        }

        public Builder properties(Map<String, String> properties) {
            overrides.putAll(properties);
            return this;
        }

        /** How long {@link KafkaBroker#start()} waits for the broker to serve (default 120 s). */
        public Builder readyTimeout(Duration timeout) {
            this.readyTimeout = timeout;
            return this;
        }

        public KafkaBroker build() {
            if (dataDir == null) {
                throw new IllegalArgumentException("no data directory for Kafka node " + nodeId);
            }
            return new KafkaBroker(this);
        }
    }
}
