package io.strata.loadtests.node;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Apache Kafka as a benchmarked node: test-support's {@link io.strata.testsupport.KafkaBroker} (KRaft combined
 * mode, the kafka_2.13 jars on the harness's class path) describes and formats it, {@link Node} runs and measures
 * it. A single node, or one of the nodes of a cluster whose controllers form a static voter quorum.
 */
public final class KafkaBroker extends Node {

    public static final String VERSION = io.strata.testsupport.KafkaBroker.VERSION;

    private final io.strata.testsupport.KafkaBroker broker;

    /** A single node. */
    public KafkaBroker(Spec spec, int port, int controllerPort) {
        this(spec, port, controllerPort, Map.of());
    }

    /** A single node with these server properties over the defaults (e.g. more listeners). */
    public KafkaBroker(Spec spec, int port, int controllerPort, Map<String, String> properties) {
        this(spec, 1, port, controllerPort, voters(new int[] {controllerPort}),
                io.strata.testsupport.KafkaBroker.newClusterId(), 1, properties);
    }

    /**
     * Node {@code nodeId} of a cluster of {@code clusterSize} combined nodes: all of them get the same
     * {@code voters} (see {@link #voters(int[])}) and {@code clusterId}.
     */
    public KafkaBroker(Spec spec, int nodeId, int port, int controllerPort, String voters, String clusterId,
                       int clusterSize) {
        this(spec, nodeId, port, controllerPort, voters, clusterId, clusterSize, Map.of());
    }

    private KafkaBroker(Spec spec, int nodeId, int port, int controllerPort, String voters, String clusterId,
                        int clusterSize, Map<String, String> properties) {
        super(spec);
        io.strata.testsupport.KafkaBroker.Builder b = io.strata.testsupport.KafkaBroker.builder(nodeId)
                .port(port).controllerPort(controllerPort).cluster(clusterSize, voters, clusterId)
                .dataDir(spec.dataDir()).logFile(spec.logFile())
                .java(spec.jvm().java()).classpath(spec.jvm().classpath()).jvmOptions(spec.jvmArgs())
                .property("num.partitions", Integer.toString(spec.partitions()));
        if (spec.durability() == Durability.FLUSH_EVERY_BATCH) {
            b.property("log.flush.interval.messages", "1");
        }
        b.properties(properties);
        this.broker = b.build();
    }

    /** controller.quorum.voters of nodes 1..n on loopback with these controller ports. */
    public static String voters(int[] controllerPorts) {
        return io.strata.testsupport.KafkaBroker.voters(
                Arrays.stream(controllerPorts).mapToObj(p -> "127.0.0.1:" + p).toList());
    }

    @Override
    public String system() {
        return "kafka";
    }

    @Override
    protected List<Integer> ports() {
        return List.of(broker.port(), broker.controllerPort());
    }

    @Override
    public String bootstrap() {
        return broker.bootstrap();
    }

    /** server.properties as test-support's KafkaBroker writes it for this node. */
    public Map<String, String> serverProperties() {
        return broker.serverProperties();
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

    @Override
    protected void prepare() {
        broker.prepare();
    }

    @Override
    protected List<String> command() {
        return broker.command();
    }

    @Override
    protected Map<String, String> environment() {
        return Map.of();
    }
}
