package io.strata.reliability.cluster;

import java.util.List;
import java.util.Map;

/**
 * A cluster of broker processes that a fault run drives: Strata nodes or, as a control, Apache Kafka brokers.
 * Each node runs in its own network namespace (see {@link io.strata.reliability.net.NetworkLab}), so links between
 * nodes can be cut while clients, which run on the host side of the lab's bridge, still reach every node.
 *
 * <p>Node ids are 1..n. Methods that change a process wait until the change took effect (a started node serves,
 * a killed one is gone). Not thread-safe: one nemesis drives a cluster at a time.
 */
public interface ClusterUnderTest extends AutoCloseable {

    /** "strata" or "kafka". */
    String system();

    List<Integer> nodeIds();

    /** Bootstrap servers naming every node. */
    String bootstrap();

    /**
     * The port every node serves Kafka clients and replica fetches on, at its own address: what
     * {@link io.strata.reliability.net.NetworkLab#blockPort} blocks to keep a follower from fetching. The lab
     * clusters use 9092 on every node.
     */
    default int kafkaPort() {
        return 9092;
    }

    /** Starts the object store (if any) and every node together; returns when all of them serve. */
    void start();

    boolean isRunning(int nodeId);

    /** SIGKILL. */
    void kill(int nodeId);

    /** Starts a stopped node again on its data directory and waits until it serves. */
    void startNode(int nodeId);

    /** SIGSTOP. */
    void pause(int nodeId);

    /** SIGCONT. */
    void resume(int nodeId);

    /** The network between the nodes, to cut and heal links. */
    io.strata.reliability.net.NetworkLab network();

    /** Whether the cluster depends on an object store process that can be killed. */
    boolean hasObjectStore();

    /** SIGKILL of the object store. */
    void killObjectStore();

    /** Starts the object store again over the same directory (nothing to do if it runs). */
    void startObjectStore();

    /** Whether {@link #fillDisk} works: each node's data directory is a small file system of its own. */
    boolean supportsDiskFull();

    /** Fills the file system of the node's data directory, so its writes fail with "no space left". */
    void fillDisk(int nodeId);

    /** Frees what {@link #fillDisk} took. */
    void freeDisk(int nodeId);

    /** Broker-side settings to create the workload's topics with, e.g. min.insync.replicas. */
    Map<String, String> topicConfigs();

    /** Settings for the run summary (no ports or paths). */
    Map<String, String> describe();

    /** The last lines of a node's log, for failure reports. */
    String logTail(int nodeId, int lines);

    /** Stops every process and removes what the cluster made (namespaces, mounts, directories it owns). */
    @Override
    void close();
}
