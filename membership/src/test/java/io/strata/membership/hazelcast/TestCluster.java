package io.strata.membership.hazelcast;

import io.strata.membership.cluster.NodeInfo;
import io.strata.testsupport.Ports;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.function.BooleanSupplier;

/** Real embedded members on 127.0.0.1 with explicit free ports, sharing one metadata directory. */
final class TestCluster implements AutoCloseable {

    final Path metadataDir;
    final String clusterName = "test-" + UUID.randomUUID();
    final List<String> addresses = new ArrayList<>();
    final List<Integer> ports = new ArrayList<>();
    private final List<ClusterMember> started = new ArrayList<>();

    TestCluster(Path metadataDir, int size) {
        this.metadataDir = metadataDir;
        for (int i = 0; i < size; i++) {
            int port = Ports.free();
            ports.add(port);
            addresses.add("127.0.0.1:" + port);
        }
    }

    /** Tuned for fast tests: short heartbeats, few partitions, short join wait. */
    MembershipConfig.Builder config(int nodeId, int slot) {
        return MembershipConfig.builder(nodeId)
                .clusterName(clusterName)
                .bindHost("127.0.0.1")
                .port(ports.get(slot))
                .members(addresses)
                .heartbeatInterval(Duration.ofSeconds(1))
                .maxNoHeartbeat(Duration.ofSeconds(3))
                .partitionCount(13)
                .joinWait(Duration.ofSeconds(1))
                .producerIdBlockSize(100)
                .quorumWait(Duration.ofSeconds(30))
                .metadataDirectory(metadataDir);
    }

    ClusterMember start(int nodeId, int slot) {
        return start(config(nodeId, slot).build());
    }

    /** Starts members concurrently (a majority quorum needs several members before any start returns). */
    List<ClusterMember> startAll(MembershipConfig... configs) {
        // one thread per member: each start blocks until the others have joined
        java.util.concurrent.ExecutorService threads = java.util.concurrent.Executors.newFixedThreadPool(configs.length);
        try {
            List<java.util.concurrent.Future<ClusterMember>> futures = new ArrayList<>();
            for (MembershipConfig c : configs) {
                futures.add(threads.submit(() -> start(c)));
            }
            List<ClusterMember> members = new ArrayList<>();
            for (var f : futures) {
                members.add(f.get());
            }
            return members;
        } catch (InterruptedException | java.util.concurrent.ExecutionException e) {
            throw new AssertionError("Members did not start", e);
        } finally {
            threads.shutdown();
        }
    }

    ClusterMember start(MembershipConfig config) {
        ClusterMember m = ClusterMember.start(config, info(config.nodeId()));
        synchronized (started) {
            started.add(m);
        }
        return m;
    }

    static NodeInfo info(int nodeId) {
        return new NodeInfo(nodeId, "kafka-" + nodeId + ".local", 9092 + nodeId, "http-" + nodeId + ".local",
                8080 + nodeId, "rack-" + (nodeId % 2));
    }

    /** Hard kill (no graceful leave), as a crashed process. */
    static void kill(ClusterMember member) {
        member.hazelcast().getLifecycleService().terminate();
    }

    static void await(String what, Duration timeout, BooleanSupplier condition) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("Timed out after " + timeout + " waiting for " + what);
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
    }

    /** Stops every member still running, fast (terminate: the durable state is already written through). */
    @Override
    public void close() {
        synchronized (started) {
            for (ClusterMember m : started) {
                if (m.isRunning()) {
                    kill(m);
                }
                m.close();
            }
            started.clear();
        }
    }
}
