package io.strata.reliability.cluster;

import io.strata.testsupport.KafkaBroker;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The control system: Apache Kafka {@value KafkaBroker#VERSION} brokers in KRaft combined mode (every node a broker
 * and one of the controller quorum's voters), one per network namespace of the lab, each listening on and
 * advertising its namespace address (Kafka on {@value LabCluster#KAFKA_PORT}, the controller on
 * {@value #CONTROLLER_PORT}) with its log directory on a tmpfs of its own. Kafka keeps no data in an object store,
 * so {@link #hasObjectStore()} is false.
 *
 * <p>The brokers run test-support's {@link KafkaBroker} on a class path the caller resolves ({@code kafka_2.13}
 * with a log4j2 binding): {@link Builder#kafkaClasspath}, by default the system property
 * {@code strata.kafka.classpath}, which this module's build points at {@code target/kafka-lib/*}. The broker
 * settings are server properties given by the caller ({@link #settings(Safety)} gives the two presets), set over
 * the lab's own; {@link #topicConfigs()} derives from them.
 *
 * <p>Not thread-safe: one nemesis drives a cluster at a time.
 */
public final class KafkaLabCluster extends LabCluster {

    public static final int CONTROLLER_PORT = 9093;
    private static final Duration STOP_GRACE = Duration.ofSeconds(30);

    private final Map<String, String> settings;
    private final Map<Integer, KafkaBroker> brokers = new LinkedHashMap<>();

    private KafkaLabCluster(Builder b) {
        super(b.name, b.nodes, b.workDir, b.diskBytes);
        this.settings = Map.copyOf(b.settings);
        try {
            String classpath = b.kafkaClasspath != null ? b.kafkaClasspath : defaultClasspath();
            String voters = KafkaBroker.voters(nodeIds().stream().map(id -> address(id) + ":" + CONTROLLER_PORT)
                    .toList());
            String clusterId = KafkaBroker.newClusterId();
            for (int id : nodeIds()) {
                brokers.put(id, KafkaBroker.builder(id).host(address(id)).port(KAFKA_PORT)
                        .controllerPort(CONTROLLER_PORT).cluster(nodeIds().size(), voters, clusterId)
                        .dataDir(dataDir(id)).logFile(logFile("kafka" + id)).classpath(classpath)
                        .launcher(network.launcher(id))
                        // the same JVM flags as the Strata lab's nodes: C1 only, serial collector
                        .jvmOptions(List.of("-Xms64m", "-Xmx1g", "-XX:+ExitOnOutOfMemoryError",
                                "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC"))
                        .properties(LAB_PROPERTIES).properties(settings).build());
            }
        } catch (RuntimeException | Error e) {
            closeAfterFailedStart(e);
            throw e;
        }
    }

    /**
     * What the lab sets on every broker before the caller's settings: failure detection as short as the Strata lab's
     * (heartbeat 1 s, fenced after 4 s), 8 MiB segments,
     * replica lag time 10 s and no initial rebalance delay, as in the Strata lab.
     */
    private static final Map<String, String> LAB_PROPERTIES = labProperties();

    private static Map<String, String> labProperties() {
        Map<String, String> p = new LinkedHashMap<>();
        p.put("broker.heartbeat.interval.ms", "1000");
        p.put("broker.session.timeout.ms", "4000");
        p.put("log.segment.bytes", Integer.toString(8 << 20));
        p.put("replica.lag.time.max.ms", "10000");
        p.put("group.initial.rebalance.delay.ms", "0");
        return p;
    }

    public static Builder builder() {
        return new Builder();
    }

    /**
     * The broker settings of a preset: replication factor 3 for every topic and for the offsets and transaction
     * topics, and min.insync.replicas 2 with unclean election off ({@link Safety#SAFE}) or min.insync.replicas 1
     * with unclean election on ({@link Safety#UNSAFE}).
     */
    public static Map<String, String> settings(Safety safety) {
        Map<String, String> p = new LinkedHashMap<>();
        p.put("default.replication.factor", "3");
        p.put("offsets.topic.replication.factor", "3");
        p.put("transaction.state.log.replication.factor", "3");
        p.put("transaction.state.log.min.isr", "2");
        p.put("min.insync.replicas", safety == Safety.SAFE ? "2" : "1");
        p.put("unclean.leader.election.enable", Boolean.toString(safety == Safety.UNSAFE));
        return p;
    }

    private static String defaultClasspath() {
        String configured = System.getProperty("strata.kafka.classpath");
        if (configured != null && !configured.isBlank()) {
            return configured;
        }
        Path lib = Path.of(System.getProperty("strata.test.target.dir", "target")).resolve("kafka-lib");
        if (Files.isDirectory(lib)) {
            return lib.toAbsolutePath() + "/*";
        }
        throw new IllegalStateException("no class path for the Kafka brokers: set strata.kafka.classpath (the "
                + "reliability build copies kafka_2.13 and log4j2 to reliability/target/kafka-lib)");
    }

    @Override
    public String system() {
        return "kafka";
    }

    /** Starts every broker together (each waits for a quorum of controllers); returns when all serve. */
    @Override
    public void start() {
        inParallel(nodeIds().stream().filter(id -> !broker(id).isRunning()).toList(), id -> broker(id).start(),
                "start");
    }

    @Override
    public boolean isRunning(int nodeId) {
        return broker(nodeId).isRunning();
    }

    @Override
    public void kill(int nodeId) {
        if (!broker(nodeId).isRunning()) {
            throw new IllegalStateException("Kafka node " + nodeId + " is not running");
        }
        broker(nodeId).kill();
        forgetPause(nodeId);
    }

    @Override
    public void startNode(int nodeId) {
        broker(nodeId).start();
    }

    @Override
    public long pid(int nodeId) {
        return broker(nodeId).pid();
    }

    /** The test-support handle of broker {@code nodeId}. */
    public KafkaBroker broker(int nodeId) {
        KafkaBroker broker = brokers.get(nodeId);
        if (broker == null) {
            throw new IllegalArgumentException("no node " + nodeId + " in " + this);
        }
        return broker;
    }

    @Override
    public boolean hasObjectStore() {
        return false;
    }

    @Override
    public void killObjectStore() {
        throw new UnsupportedOperationException("Kafka keeps no data in an object store");
    }

    @Override
    public void startObjectStore() {
        throw new UnsupportedOperationException("Kafka keeps no data in an object store");
    }

    /** min.insync.replicas and unclean.leader.election.enable as the settings give them. */
    @Override
    public Map<String, String> topicConfigs() {
        Map<String, String> configs = new LinkedHashMap<>();
        for (String key : List.of("min.insync.replicas", "unclean.leader.election.enable")) {
            if (settings.containsKey(key)) {
                configs.put(key, settings.get(key));
            }
        }
        return configs;
    }

    /** The caller's settings as given. */
    public Map<String, String> settings() {
        return settings;
    }

    @Override
    public Map<String, String> describe() {
        Map<String, String> d = new LinkedHashMap<>();
        d.put("system", "kafka");
        d.put("version", KafkaBroker.VERSION);
        d.putAll(describeLab());
        d.put("mode", "KRaft combined (broker and controller), every node a voter");
        d.put("node JVM", "-Xms64m -Xmx1g -XX:TieredStopAtLevel=1 -XX:+UseSerialGC");
        LAB_PROPERTIES.forEach(d::put);
        d.putAll(settings);
        return d;
    }

    @Override
    public String logTail(int nodeId, int lines) {
        return broker(nodeId).logTail(lines);
    }

    /** Broker {@code nodeId}'s log file. */
    public Path logFile(int nodeId) {
        return broker(nodeId).logFile();
    }

    @Override
    protected void stopNodes() {
        inParallel(List.copyOf(brokers.keySet()), id -> broker(id).stop(STOP_GRACE), "stop");
    }

    @Override
    protected void killAll() {
        brokers.values().forEach(KafkaBroker::kill);
    }

    @Override
    protected void stopObjectStore() {
        // none
    }

    /** Options of a {@link KafkaLabCluster} (default name "klab"); every one has a default. */
    public static final class Builder extends LabCluster.Builder<Builder> {
        private String kafkaClasspath;

        private Builder() {
            super("klab", KafkaLabCluster.settings(Safety.SAFE));
        }

        /** kafka_2.13 with its dependencies and a log4j2 binding (default: {@code strata.kafka.classpath}). */
        public Builder kafkaClasspath(String classpath) {
            this.kafkaClasspath = classpath;
            return this;
        }

        /** Creates the network and the disks; no process runs before {@link KafkaLabCluster#start()}. */
        public KafkaLabCluster build() {
            return new KafkaLabCluster(this);
        }
    }
}
