package io.strata.loadtests.node;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/** What the workloads run against: one broker ({@link Node}) or several as one cluster ({@link NodeCluster}). */
public interface SystemUnderTest extends AutoCloseable {

    /** "kafka" or "strata". */
    String system();

    /** bootstrap.servers for clients. */
    String bootstrap();

    /** Settings that differ between the two systems, for the report. */
    Map<String, String> describeSettings();

    /** Starts the processes and returns once clients can use the system. */
    void start() throws Exception;

    long startupMs();

    /** Resident memory right after startup, summed over the nodes. */
    long idleRssKiB();

    /** Peak resident memory, summed over the nodes, or -1. */
    long peakRssKiB();

    /** Live processes whose CPU time belongs to the system under test. */
    List<Long> pids();

    /** True while every process of the system runs. */
    boolean alive();

    String exitDescription();

    /** Logs worth quoting when something fails. */
    List<Path> logFiles();

    @Override
    void close() throws Exception;
}
