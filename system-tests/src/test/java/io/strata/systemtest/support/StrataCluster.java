package io.strata.systemtest.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.function.Predicate;
import java.util.stream.Collectors;

import io.strata.testsupport.ChildProcess;
import io.strata.testsupport.ObjectStoreProcess;
import io.strata.testsupport.Ports;
import io.strata.testsupport.StrataNode;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartitionInfo;

/**
 * Several Strata processes forming one cluster on loopback: one shared metadata directory, one S3Proxy process
 * shared by all (so tiered data stays readable whichever node leads), short failure detection. Node ids are
 * 1..size. Nodes start in parallel because each waits for a majority of the members before it serves.
 */
public final class StrataCluster implements AutoCloseable {
    /** Hazelcast removes a silent (e.g. SIGSTOPped) member after this long; a killed one is noticed at once. */
    public static final Duration FAILURE_DETECTION = Duration.ofSeconds(4);
    /** strata.s3.bucket's default; S3Proxy's filesystem store serves each directory under its base as a bucket. */
    private static final String BUCKET = "strata";

    private final String name;
    private final Path dir;
    private final ObjectStoreProcess s3;
    private final Map<Integer, StrataNode> nodes = new LinkedHashMap<>();
    private final Set<Integer> paused = new HashSet<>();

    private StrataCluster(String name, int size, Map<String, String> env) {
        this(name, size, env, (id, kafkaPort) -> Map.of());
    }

    /**
     * @param perNode more environment of node {@code id} whose PLAINTEXT Kafka port is {@code kafkaPort} (e.g. its
     *                {@code STRATA_KAFKA_LISTENERS})
     */
    private StrataCluster(String name, int size, Map<String, String> env,
                          java.util.function.BiFunction<Integer, Integer, Map<String, String>> perNode) {
        this.name = name;
        try {
            Path target = Paths.get(System.getProperty("strata.test.target.dir", "target")).toAbsolutePath();
            // Fresh per cluster: a metadata directory left by an earlier run would bring back its topics.
            this.dir = Files.createTempDirectory(Files.createDirectories(target.resolve("clusters")), name + "-");
            Files.createDirectories(dir.resolve("metadata"));
            // The bucket exists before the nodes start: members starting together would race to create it.
            Files.createDirectories(dir.resolve("objects").resolve(BUCKET));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        this.s3 = new ObjectStoreProcess(dir.resolve("objects"));
        List<Integer> clusterPorts = new ArrayList<>();
        for (int i = 0; i < size; i++) {
            clusterPorts.add(Ports.free());
        }
        String members = clusterPorts.stream().map(p -> "127.0.0.1:" + p).collect(Collectors.joining(","));
        for (int id = 1; id <= size; id++) {
            StrataNode.Builder builder = StrataNode.builder(name + "-n" + id).nodeId(id)
                    // Several JVMs start at once on few cores: C1 only and the serial collector start them faster.
                    .jvmOption("-XX:TieredStopAtLevel=1").jvmOption("-XX:+UseSerialGC")
                    .env("STRATA_KAFKA_HOST", "127.0.0.1")
                    .env("QUARKUS_HTTP_HOST", "127.0.0.1")
                    .env("STRATA_CLUSTER_PORT", Integer.toString(clusterPorts.get(id - 1)))
                    .env("STRATA_CLUSTER_MEMBERS", members)
                    .env("STRATA_CLUSTER_METADATA_DIR", dir.resolve("metadata").toString())
                    .env("STRATA_CLUSTER_HEARTBEAT_INTERVAL", "1s")
                    .env("STRATA_CLUSTER_MAX_NO_HEARTBEAT", FAILURE_DETECTION.toSeconds() + "s")
                    // One rack (zone) per node: replicas spread over racks, consumers can read in theirs.
                    .env("STRATA_CLUSTER_RACK", rackOf(id));
            s3.nodeEnv().forEach(builder::env);
            env.forEach(builder::env);
            int kafkaPort = Ports.free();
            builder.kafkaPort(kafkaPort);
            perNode.apply(id, kafkaPort).forEach(builder::env);
            nodes.put(id, builder.build());
        }
    }

    /** Starts an S3Proxy process and {@code size} nodes (ids 1..size) with the given extra environment. */
    public static StrataCluster start(String name, int size, Map<String, String> env) {
        return start(name, size, env, (id, kafkaPort) -> Map.of());
    }

    /**
     * As {@link #start(String, int, Map)}, with environment of each node's own from {@code perNode}: (node id, its
     * PLAINTEXT Kafka port) to variables.
     */
    public static StrataCluster start(String name, int size, Map<String, String> env,
                                      java.util.function.BiFunction<Integer, Integer, Map<String, String>> perNode) {
        StrataCluster cluster = new StrataCluster(name, size, env, perNode);
        try {
            cluster.s3.start();
            cluster.startTogether(cluster.nodes.keySet().stream().mapToInt(Integer::intValue).toArray());
            return cluster;
        } catch (RuntimeException | Error e) {
            cluster.close();
            throw e;
        }
    }

    /**
     * Starts the S3Proxy process only; the nodes (ids 1..size, each listing all as members) start when
     * {@link #startTogether} is called, e.g. one at first and more later, as a cluster that scales out.
     */
    public static StrataCluster create(String name, int size, Map<String, String> env) {
        StrataCluster cluster = new StrataCluster(name, size, env);
        try {
            cluster.s3.start();
            return cluster;
        } catch (RuntimeException | Error e) {
            cluster.close();
            throw e;
        }
    }

    /** The rack node {@code id} runs in. */
    public static String rackOf(int id) {
        return "rack-" + id;
    }

    public static StrataCluster start(String name, int size) {
        return start(name, size, Map.of());
    }

    public String name() {
        return name;
    }

    public StrataNode node(int id) {
        StrataNode node = nodes.get(id);
        if (node == null) {
            throw new IllegalArgumentException("no node " + id + " in " + nodes.keySet());
        }
        return node;
    }

    public List<StrataNode> nodes() {
        return List.copyOf(nodes.values());
    }

    public Set<Integer> nodeIds() {
        return Set.copyOf(nodes.keySet());
    }

    public ObjectStoreProcess objectStore() {
        return s3;
    }

    /** Every node, running or not: clients find the live ones. */
    public String bootstrap() {
        return nodes.values().stream().map(StrataNode::bootstrap).collect(Collectors.joining(","));
    }

    /** The running, not paused nodes. */
    public String liveBootstrap() {
        return nodes.entrySet().stream().filter(e -> e.getValue().isRunning() && !paused.contains(e.getKey()))
                .map(e -> e.getValue().bootstrap()).collect(Collectors.joining(","));
    }

    /** An admin client of the live nodes, with short request timeouts so a dead node costs little. */
    public Admin admin() {
        Properties props = new Properties();
        props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, liveBootstrap());
        props.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, "5000");
        props.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "15000");
        props.put(AdminClientConfig.RETRY_BACKOFF_MS_CONFIG, "200");
        props.put(AdminClientConfig.SOCKET_CONNECTION_SETUP_TIMEOUT_MS_CONFIG, "2000");
        props.put(AdminClientConfig.SOCKET_CONNECTION_SETUP_TIMEOUT_MAX_MS_CONFIG, "4000");
        return Admin.create(props);
    }

    /** Starts the given (stopped) nodes in parallel and waits until each is ready. */
    public void startTogether(int... ids) {
        CompletableFuture.allOf(Arrays.stream(ids).mapToObj(this::node)
                .map(n -> CompletableFuture.runAsync(n::startProcess, r -> new Thread(r, "start-" + n.name()).start()))
                .toArray(CompletableFuture[]::new)).join();
    }

    public void kill9(int id) {
        node(id).kill9();
        paused.remove(id);
    }

    /** SIGTERM and wait for the exit. */
    public void stop(int id) {
        resumeIfPaused(id);
        node(id).stop();
    }

    /** Starts a stopped or killed node again on its data directory (SIGTERM first if it runs). */
    public void restart(int id) {
        resumeIfPaused(id);
        node(id).restart();
    }

    /** SIGSTOP: the process hangs without closing a socket, as in a long GC pause or a frozen VM. */
    public void pause(int id) {
        ChildProcess.stopOrContinue(node(id).pid(), true);
        paused.add(id);
    }

    /** SIGCONT after {@link #pause(int)}. */
    public void resume(int id) {
        ChildProcess.stopOrContinue(node(id).pid(), false);
        paused.remove(id);
    }

    private void resumeIfPaused(int id) {
        if (paused.contains(id)) {
            resume(id);
        }
    }

    /** The partition as the cluster describes it now. */
    public TopicPartitionInfo describe(String topic, int partition) {
        try (Admin admin = admin()) {
            return describe(admin, topic, partition);
        }
    }

    public static TopicPartitionInfo describe(Admin admin, String topic, int partition) {
        TopicDescription description = Clients.get(admin.describeTopics(List.of(topic)).allTopicNames()).get(topic);
        return description.partitions().stream().filter(p -> p.partition() == partition).findFirst()
                .orElseThrow(() -> new AssertionError("no partition " + partition + " in " + description));
    }

    /** The id of the partition's leader, or empty while it has none. */
    public Optional<Integer> leaderOf(String topic, int partition) {
        Node leader = describe(topic, partition).leader();
        return leader == null || leader.isEmpty() || leader.id() < 0 ? Optional.empty() : Optional.of(leader.id());
    }

    /** Waits until the partition has a leader that satisfies {@code accept}; returns its id. */
    public int awaitLeader(String topic, int partition, Predicate<Integer> accept, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        String last = "nothing yet";
        while (true) {
            try {
                Optional<Integer> leader = leaderOf(topic, partition);
                if (leader.isPresent() && accept.test(leader.get())) {
                    return leader.get();
                }
                last = "leader " + leader.map(String::valueOf).orElse("none");
            } catch (RuntimeException e) {
                last = e.toString();
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError(topic + "-" + partition + ": no acceptable leader within " + timeout
                        + " (last: " + last + ")");
            }
            sleep(250);
        }
    }

    /** Waits until the partition's in-sync replica set has {@code size} members; returns their ids. */
    public Set<Integer> awaitIsr(String topic, int partition, int size, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        String last = "nothing yet";
        try (Admin admin = admin()) {
            while (true) {
                try {
                    TopicPartitionInfo info = describe(admin, topic, partition);
                    Set<Integer> isr = info.isr().stream().map(Node::id).collect(Collectors.toSet());
                    if (isr.size() == size) {
                        return isr;
                    }
                    last = "leader " + (info.leader() == null ? "none" : info.leader().id()) + ", isr " + isr;
                } catch (RuntimeException e) {
                    last = e.toString();
                }
                if (System.nanoTime() > deadline) {
                    throw new AssertionError(topic + "-" + partition + ": ISR did not reach " + size + " members within "
                            + timeout + " (last: " + last + ")");
                }
                sleep(250);
            }
        }
    }

    /** SIGTERM to every running node, in parallel, so their logs are complete and closed. */
    public void stopAll() {
        new HashSet<>(paused).forEach(this::resume);
        CompletableFuture.allOf(nodes.values().stream().filter(StrataNode::isRunning)
                .map(n -> CompletableFuture.runAsync(n::stop, r -> new Thread(r, "stop-" + n.name()).start()))
                .toArray(CompletableFuture[]::new)).join();
    }

    @Override
    public void close() {
        try {
            for (int id : new HashSet<>(paused)) {
                try {
                    resume(id);
                } catch (RuntimeException | AssertionError ignored) {
                    // the process may already be gone
                }
            }
            CompletableFuture.allOf(nodes.values().stream()
                    .map(n -> CompletableFuture.runAsync(n::close, r -> new Thread(r, "close-" + n.name()).start()))
                    .toArray(CompletableFuture[]::new)).exceptionally(e -> null).join();
        } finally {
            s3.close();
            if (!Boolean.getBoolean("strata.keep.data")) {
                deleteRecursively(dir);
            }
        }
    }

    private static void deleteRecursively(Path root) {
        try (java.util.stream.Stream<Path> paths = Files.walk(root)) {
            paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException | UncheckedIOException ignored) {
            // best effort: target/ is cleaned by the build anyway
        }
    }

    @Override
    public String toString() {
        return "StrataCluster[" + name + ", " + nodes.values() + "]";
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
