package io.strata.loadtests.node;

import io.strata.loadtests.ChildJvm;
import org.apache.kafka.common.Uuid;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Apache Kafka (from the kafka_2.13 jars) in KRaft combined mode (broker and controller in one process): a single
 * node, or one of the nodes of a cluster whose controllers form a static voter quorum.
 */
public final class KafkaBroker extends Node {

    public static final String VERSION = "4.4.0";

    private final int nodeId;
    private final int port;
    private final int controllerPort;
    private final String voters;
    private final String clusterId;
    private final int clusterSize;
    private final Path log4jConfig;

    /** A single node. */
    public KafkaBroker(Spec spec, int port, int controllerPort, Path log4jConfig) {
        this(spec, 1, port, controllerPort, voters(new int[] {controllerPort}), Uuid.randomUuid().toString(), 1,
                log4jConfig);
    }

    /**
     * Node {@code nodeId} of a cluster of {@code clusterSize} combined nodes: all of them get the same
     * {@code voters} (see {@link #voters(int[])}) and {@code clusterId}.
     */
    public KafkaBroker(Spec spec, int nodeId, int port, int controllerPort, String voters, String clusterId,
                       int clusterSize, Path log4jConfig) {
        super(spec);
        this.nodeId = nodeId;
        this.port = port;
        this.controllerPort = controllerPort;
        this.voters = voters;
        this.clusterId = clusterId;
        this.clusterSize = clusterSize;
        this.log4jConfig = log4jConfig;
    }

    /** controller.quorum.voters of nodes 1..n with these controller ports. */
    public static String voters(int[] controllerPorts) {
        List<String> v = new ArrayList<>();
        for (int i = 0; i < controllerPorts.length; i++) {
            v.add((i + 1) + "@127.0.0.1:" + controllerPorts[i]);
        }
        return String.join(",", v);
    }

    @Override
    public String system() {
        return "kafka";
    }

    @Override
    protected List<Integer> ports() {
        return List.of(port, controllerPort);
    }

    @Override
    public String bootstrap() {
        return "127.0.0.1:" + port;
    }

    /**
     * server.properties: the shipped config/server.properties values, plus single-node settings for a single node;
     * a cluster node keeps Kafka's defaults for the internal topics (replication factor 3, min ISR 2).
     */
    public Map<String, String> serverProperties() {
        Map<String, String> p = new LinkedHashMap<>();
        p.put("process.roles", "broker,controller");
        p.put("node.id", Integer.toString(nodeId));
        p.put("controller.quorum.voters", voters);
        p.put("listeners", "PLAINTEXT://127.0.0.1:" + port + ",CONTROLLER://127.0.0.1:" + controllerPort);
        p.put("advertised.listeners", "PLAINTEXT://127.0.0.1:" + port);
        p.put("inter.broker.listener.name", "PLAINTEXT");
        p.put("controller.listener.names", "CONTROLLER");
        p.put("listener.security.protocol.map", "CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT");
        p.put("num.network.threads", "3");
        p.put("num.io.threads", "8");
        p.put("socket.send.buffer.bytes", "102400");
        p.put("socket.receive.buffer.bytes", "102400");
        p.put("socket.request.max.bytes", "104857600");
        p.put("log.dirs", spec.dataDir().resolve("kraft-logs").toString());
        p.put("num.partitions", Integer.toString(spec.partitions()));
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
        if (spec.durability() == Durability.FLUSH_EVERY_BATCH) {
            p.put("log.flush.interval.messages", "1");
        }
        return p;
    }

    @Override
    public Map<String, String> describeSettings() {
        Map<String, String> s = new LinkedHashMap<>();
        s.put("version", VERSION);
        s.putAll(serverProperties());
        s.remove("log.dirs");
        s.replaceAll((k, v) -> v.replaceAll(":\\d{2,5}\\b", ":<port>"));
        return s;
    }

    private Path propsFile() {
        return spec.dataDir().resolve("server.properties");
    }

    private List<String> jvmArgs() {
        List<String> a = new ArrayList<>(spec.jvmArgs());
        a.add("-Dlog4j2.configurationFile=" + log4jConfig);
        a.add("-Dkafka.logs.dir=" + spec.logFile().getParent());
        return a;
    }

    @Override
    protected void prepare() throws Exception {
        Files.createDirectories(spec.dataDir());
        String props = serverProperties().entrySet().stream()
                .map(e -> e.getKey() + "=" + e.getValue())
                .collect(Collectors.joining("\n", "", "\n"));
        Files.writeString(propsFile(), props, StandardCharsets.UTF_8);
        Path formatLog = spec.logFile().resolveSibling(spec.logFile().getFileName() + ".format.log");
        List<String> format = spec.jvm().command(List.of("-Xmx256m", "-Dlog4j2.configurationFile=" + log4jConfig),
                "kafka.tools.StorageTool",
                List.of("format", "-t", clusterId, "-c", propsFile().toString()));
        ChildJvm.Outcome out = ChildJvm.run(format, Map.of(), spec.dataDir(), formatLog, Duration.ofSeconds(60));
        if (out.exitCode() != 0) {
            throw new IllegalStateException("kafka.tools.StorageTool format failed (exit " + out.exitCode() + "): "
                    + out.tail(10));
        }
    }

    @Override
    protected List<String> command() {
        return spec.jvm().command(jvmArgs(), "kafka.Kafka", List.of(propsFile().toString()));
    }

    @Override
    protected Map<String, String> environment() {
        return Map.of();
    }
}
