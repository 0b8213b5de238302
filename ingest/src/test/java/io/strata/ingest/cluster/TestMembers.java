package io.strata.ingest.cluster;

import io.strata.membership.cluster.NodeInfo;
import io.strata.membership.hazelcast.ClusterMember;
import io.strata.membership.hazelcast.MembershipConfig;
import io.strata.testsupport.Ports;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.function.BooleanSupplier;

/**
 * Real embedded cluster members on 127.0.0.1 for tests of the node's parts that act on the cluster
 * metadata: node ids 1..n on free ports, one shared metadata directory, heartbeats tuned for fast
 * failure detection, the default majority quorum. Not thread-safe; one instance per test.
 */
public final class TestMembers implements AutoCloseable {

    private final Path metadataDir;
    private final String clusterName = "test-" + UUID.randomUUID();
    private final List<Integer> ports = new ArrayList<>();
    private final List<String> addresses = new ArrayList<>();
    private final List<ClusterMember> started = new ArrayList<>();

    public TestMembers(Path metadataDir, int size) {
        this.metadataDir = metadataDir;
        for (int i = 0; i < size; i++) {
            int port = Ports.free();
            ports.add(port);
            addresses.add("127.0.0.1:" + port);
        }
    }

    /** The configuration of node {@code nodeId} (1-based). */
    public MembershipConfig config(int nodeId) {
        return MembershipConfig.builder(nodeId)
                .clusterName(clusterName)
                .bindHost("127.0.0.1")
                .port(ports.get(nodeId - 1))
                .members(addresses)
                .heartbeatInterval(Duration.ofSeconds(1))
                .maxNoHeartbeat(Duration.ofSeconds(3))
                .partitionCount(13)
                .joinWait(Duration.ofSeconds(1))
                .quorumWait(Duration.ofSeconds(60))
                .autoLeaderRebalance(false)
                .metadataDirectory(metadataDir)
                .build();
    }

    /**
     * Starts the given nodes together (a member waits for the majority before its start returns) and
     * waits until each sees all of them; returns them in the order given.
     */
    public List<ClusterMember> start(int... nodeIds) {
        List<CompletableFuture<ClusterMember>> starting = new ArrayList<>();
        for (int nodeId : nodeIds) {
            MembershipConfig config = config(nodeId);
            starting.add(CompletableFuture.supplyAsync(() -> ClusterMember.start(config, info(nodeId)),
                    r -> new Thread(r, "start-node-" + nodeId).start()));
        }
        List<ClusterMember> members = new ArrayList<>();
        starting.forEach(f -> members.add(f.join()));
        started.addAll(members);
        await("the started members see each other", Duration.ofSeconds(60),
                () -> members.stream().allMatch(m -> m.nodes().liveNodes().size() >= nodeIds.length));
        return members;
    }

    /** Stops a member as a crash would (no graceful leave). */
    public static void kill(ClusterMember member) {
        member.hazelcast().getLifecycleService().terminate();
    }

    /** Nothing listens on the advertised Kafka and HTTP ports: what a test needs is the metadata. */
    private static NodeInfo info(int nodeId) {
        return new NodeInfo(nodeId, "127.0.0.1", Ports.free(), "127.0.0.1", Ports.free(), null);
    }

    public static void await(String what, Duration timeout, BooleanSupplier condition) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("Timed out after " + timeout + " waiting until " + what);
            }
            sleep(Duration.ofMillis(50));
        }
    }

    public static void sleep(Duration d) {
        try {
            Thread.sleep(d.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    /** Stops every member still running, fast (the durable state is already written through). */
    @Override
    public void close() {
        for (ClusterMember m : started) {
            if (m.isRunning()) {
                kill(m);
            }
            m.close();
        }
        started.clear();
    }
}
