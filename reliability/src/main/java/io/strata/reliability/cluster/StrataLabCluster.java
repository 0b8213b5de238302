package io.strata.reliability.cluster;

import io.strata.testsupport.ObjectStoreProcess;
import io.strata.testsupport.Ports;
import io.strata.testsupport.StrataNode;

import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Strata nodes from the packaged jar ({@code strata.node.jar}), one per network namespace, sharing nothing but the
 * network: each binds and advertises its namespace address for Kafka ({@value LabCluster#KAFKA_PORT}), HTTP
 * ({@value #HTTP_PORT}) and the cluster port ({@value #CLUSTER_PORT}), keeps its data directory on a tmpfs of its
 * own, and finds the others' cluster metadata in the object store: one S3Proxy process listening on the host side
 * of the lab's bridge. Failure detection is short (heartbeat 1 s, a silent member removed after
 * {@link #FAILURE_DETECTION}), and the JVMs run C1-only with the serial collector, which start faster on two cores.
 *
 * <p>The node settings are an environment map given by the caller ({@link #settings(Safety)} gives the two presets);
 * it goes last, over the lab's own variables, and {@link #topicConfigs()} derives from it. Each node is a
 * test-support {@link StrataNode}: readiness is its {@code /q/health/ready} at the namespace address, its log is
 * under {@code <strata.test.target.dir>/node-logs/}, and its pid is the JVM's ({@code ip netns exec} execs it), so
 * SIGKILL, SIGSTOP and SIGCONT reach the node itself.
 *
 * <p>Not thread-safe: one nemesis drives a cluster at a time.
 */
public final class StrataLabCluster extends LabCluster {

    public static final int HTTP_PORT = 8080;
    public static final int CLUSTER_PORT = 5701;
    /** A silent (e.g. SIGSTOPped or cut off) member is removed after this long; a killed one is noticed at once. */
    public static final Duration FAILURE_DETECTION = Duration.ofSeconds(4);

    private final Map<String, String> settings;
    private final ObjectStoreProcess objectStore;
    private final Map<Integer, StrataNode> nodes = new LinkedHashMap<>();

    private StrataLabCluster(Builder b) {
        super(b.name, b.nodes, b.workDir, b.diskBytes);
        this.settings = Map.copyOf(b.settings);
        try {
            this.objectStore = createObjectStore();
            createNodes();
        } catch (RuntimeException | Error e) {
            closeAfterFailedStart(e);
            throw e;
        }
    }

    private ObjectStoreProcess createObjectStore() {
        return ObjectStoreProcess.builder(workDir.resolve("objects")).host(network.hostAddress())
                .port(Ports.free()).logFile(logFile("s3proxy")).build();
    }

    private void createNodes() {
        String members = nodeIds().stream().map(id -> address(id) + ":" + CLUSTER_PORT)
                .collect(Collectors.joining(","));
        for (int id : nodeIds()) {
            StrataNode.Builder node = StrataNode.builder(name + "-n" + id).nodeId(id)
                    .launcher(network.launcher(id)).host(address(id))
                    .kafkaPort(KAFKA_PORT).httpPort(HTTP_PORT).dataDir(dataDir(id))
                    // Several JVMs start at once on few cores: C1 only and the serial collector start them faster.
                    .jvmOption("-XX:TieredStopAtLevel=1").jvmOption("-XX:+UseSerialGC")
                    .env("STRATA_CLUSTER_PORT", Integer.toString(CLUSTER_PORT))
                    .env("STRATA_CLUSTER_MEMBERS", members)
                    .env("STRATA_CLUSTER_METADATA_STORE", "object-store")
                    .env("STRATA_CLUSTER_HEARTBEAT_INTERVAL", "1s")
                    .env("STRATA_CLUSTER_MAX_NO_HEARTBEAT", FAILURE_DETECTION.toSeconds() + "s");
            objectStore.nodeEnv().forEach(node::env);
            settings.forEach(node::env);
            nodes.put(id, node.build());
        }
    }

    public static Builder builder() {
        return new Builder();
    }

    /**
     * The node settings of a preset: replication factor 3 for every topic, and min.insync.replicas 2 with unclean
     * election off ({@link Safety#SAFE}) or min.insync.replicas 1 with unclean election on ({@link Safety#UNSAFE}).
     * Also small segments (8 MiB), so that a run seals and tiers some, no initial rebalance delay and a
     * replica lag time of 10 s.
     */
    public static Map<String, String> settings(Safety safety) {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("STRATA_KAFKA_DEFAULT_REPLICATION_FACTOR", "3");
        env.put("STRATA_LOG_MIN_INSYNC_REPLICAS", safety == Safety.SAFE ? "2" : "1");
        env.put("STRATA_LOG_UNCLEAN_LEADER_ELECTION_ENABLE", Boolean.toString(safety == Safety.UNSAFE));
        env.put("STRATA_LOG_SEGMENT_BYTES", Integer.toString(8 << 20));
        env.put("STRATA_GROUP_INITIAL_REBALANCE_DELAY", "0s");
        // A follower that cannot fetch leaves the ISR within a fault's hold time.
        env.put("STRATA_REPLICATION_REPLICA_LAG_TIME_MAX", "10s");
        return env;
    }

    @Override
    public String system() {
        return "strata";
    }

    /** Starts the object store, then every node together (each waits for a majority); returns when all serve. */
    @Override
    public void start() {
        if (!objectStore.isRunning()) {
            objectStore.start();
        }
        inParallel(nodeIds().stream().filter(id -> !node(id).isRunning()).toList(),
                id -> node(id).startProcess(), "start");
    }

    @Override
    public boolean isRunning(int nodeId) {
        return node(nodeId).isRunning();
    }

    @Override
    public void kill(int nodeId) {
        node(nodeId).kill9();
        forgetPause(nodeId);
    }

    @Override
    public void startNode(int nodeId) {
        node(nodeId).startProcess();
    }

    @Override
    public long pid(int nodeId) {
        return node(nodeId).pid();
    }

    /** The test-support handle of node {@code nodeId}: HTTP calls, its log file, SIGTERM with {@code stop()}. */
    public StrataNode node(int nodeId) {
        StrataNode node = nodes.get(nodeId);
        if (node == null) {
            throw new IllegalArgumentException("no node " + nodeId + " in " + this);
        }
        return node;
    }

    /** http://address:8080 of node {@code nodeId}. */
    public String httpBase(int nodeId) {
        return node(nodeId).httpBase();
    }

    @Override
    public boolean hasObjectStore() {
        return true;
    }

    @Override
    public void killObjectStore() {
        objectStore.kill();
    }

    @Override
    public void startObjectStore() {
        if (!objectStore.isRunning()) {
            objectStore.start();
        }
    }

    public ObjectStoreProcess objectStore() {
        return objectStore;
    }

    /** min.insync.replicas and unclean.leader.election.enable as the settings give them. */
    @Override
    public Map<String, String> topicConfigs() {
        Map<String, String> configs = new LinkedHashMap<>();
        String minIsr = settings.get("STRATA_LOG_MIN_INSYNC_REPLICAS");
        String unclean = settings.get("STRATA_LOG_UNCLEAN_LEADER_ELECTION_ENABLE");
        if (minIsr != null) {
            configs.put("min.insync.replicas", minIsr);
        }
        if (unclean != null) {
            configs.put("unclean.leader.election.enable", unclean);
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
        d.put("system", "strata");
        d.putAll(describeLab());
        d.put("object store", "S3Proxy (filesystem back end), one process on the host side; cluster metadata in it");
        d.put("failure detection", "heartbeat 1 s, member removed after " + FAILURE_DETECTION.toSeconds() + " s");
        d.put("node JVM", "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC, " + System.getProperty(
                "strata.node.jvm.options", "-Xms64m -Xmx1g -XX:+ExitOnOutOfMemoryError"));
        settings.forEach((k, v) -> d.put(k, k.contains("SECRET") ? "<set>" : v));
        return d;
    }

    @Override
    public String logTail(int nodeId, int lines) {
        return node(nodeId).logTail(lines);
    }

    /** Node {@code nodeId}'s log file. */
    public Path logFile(int nodeId) {
        return node(nodeId).logFile();
    }

    @Override
    protected void stopNodes() {
        // A node stops cleanly, its log complete, only if it reaches the object store.
        boolean anyRunning = nodes.values().stream().anyMatch(StrataNode::isRunning);
        if (objectStore != null && !objectStore.isRunning() && anyRunning) {
            objectStore.start();
        }
        inParallel(List.copyOf(nodes.keySet()), id -> node(id).close(), "stop");
    }

    @Override
    protected void killAll() {
        for (StrataNode node : nodes.values()) {
            if (node.isRunning()) {
                ProcessHandle.of(node.pid()).ifPresent(ProcessHandle::destroyForcibly);
            }
        }
        if (objectStore != null) {
            objectStore.kill();
        }
    }

    @Override
    protected void stopObjectStore() {
        if (objectStore != null) {
            objectStore.close();
        }
    }

    /** Options of a {@link StrataLabCluster} (default name "slab"); every one has a default. */
    public static final class Builder extends LabCluster.Builder<Builder> {
        private Builder() {
            super("slab", StrataLabCluster.settings(Safety.SAFE));
        }

        /** Creates the network and the disks; no process runs before {@link StrataLabCluster#start()}. */
        public StrataLabCluster build() {
            return new StrataLabCluster(this);
        }
    }
}
