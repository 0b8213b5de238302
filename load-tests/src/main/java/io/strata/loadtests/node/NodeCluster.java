package io.strata.loadtests.node;

import io.strata.loadtests.ProcStats;
import io.strata.testsupport.ObjectStoreProcess;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * Several nodes of one system on this machine, run as one cluster. The nodes start in parallel, since each waits
 * for a quorum of the others (Kafka's KRaft voters, Strata's majority of members); the cluster is ready when every
 * node is and an Admin client sees all of them as brokers. An optional object store starts first and is not
 * counted in startup time or memory: it stands in for the S3 endpoint a deployment already has.
 */
public final class NodeCluster implements SystemUnderTest {

    private final List<? extends Node> nodes;
    private final ObjectStoreProcess objectStore;
    private final Duration startTimeout;
    private long startupMs = -1;
    private long idleRssKiB = -1;

    public NodeCluster(List<? extends Node> nodes, ObjectStoreProcess objectStore, Duration startTimeout) {
        if (nodes.isEmpty()) {
            throw new IllegalArgumentException("no nodes");
        }
        this.nodes = List.copyOf(nodes);
        this.objectStore = objectStore;
        this.startTimeout = startTimeout;
    }

    public List<? extends Node> nodes() {
        return nodes;
    }

    @Override
    public String system() {
        return nodes.get(0).system();
    }

    @Override
    public String bootstrap() {
        return nodes.stream().map(Node::bootstrap).collect(Collectors.joining(","));
    }

    /** The first node's settings with ports, paths and secrets left out: the others differ only in those. */
    @Override
    public Map<String, String> describeSettings() {
        Map<String, String> s = new LinkedHashMap<>();
        s.put("nodes", Integer.toString(nodes.size()));
        nodes.get(0).describeSettings().forEach((k, v) -> s.put(k, v.replaceAll(":\\d{2,5}\\b", ":<port>")));
        s.replaceAll((k, v) -> k.endsWith("_DIR") ? "<shared dir>" : k.endsWith("SECRET_KEY") ? "<set>" : v);
        if (objectStore != null) {
            s.put("object store", "S3Proxy (filesystem back end), one process shared by the nodes");
        }
        return s;
    }

    @Override
    public void start() throws Exception {
        if (objectStore != null) {
            objectStore.start();
        }
        ExecutorService pool = Executors.newFixedThreadPool(nodes.size());
        try {
            List<Future<?>> started = new ArrayList<>();
            for (Node n : nodes) {
                started.add(pool.submit(() -> {
                    n.start();
                    return null;
                }));
            }
            List<String> failures = new ArrayList<>();
            for (int i = 0; i < started.size(); i++) {
                try {
                    started.get(i).get();
                } catch (java.util.concurrent.ExecutionException e) {
                    failures.add("node " + (i + 1) + ": " + e.getCause().getMessage());
                }
            }
            if (!failures.isEmpty()) {
                throw new IllegalStateException(String.join("; ", failures));
            }
        } finally {
            pool.shutdownNow();
        }
        long firstLaunch = nodes.stream().mapToLong(Node::launchedAtNanos).min().orElseThrow();
        long deadline = firstLaunch + startTimeout.toNanos();
        int seen = 0;
        while (System.nanoTime() < deadline) {
            seen = Node.brokersSeen(bootstrap());
            if (seen >= nodes.size()) {
                startupMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - firstLaunch);
                idleRssKiB = nodes.stream().mapToLong(n -> ProcStats.rssKiB(n.pid())).sum();
                return;
            }
            Thread.sleep(50);
        }
        throw new IllegalStateException("every node is ready, but an Admin client sees " + seen + " of "
                + nodes.size() + " brokers after " + startTimeout.toSeconds() + " s");
    }

    @Override
    public long startupMs() {
        return startupMs;
    }

    @Override
    public long idleRssKiB() {
        return idleRssKiB;
    }

    @Override
    public long peakRssKiB() {
        long sum = 0;
        for (Node n : nodes) {
            long peak = n.peakRssKiB();
            if (peak < 0) {
                return -1;
            }
            sum += peak;
        }
        return sum;
    }

    /** The nodes and the object store: its CPU time is spent for the system under test. */
    @Override
    public List<Long> pids() {
        List<Long> pids = new ArrayList<>();
        nodes.forEach(n -> pids.addAll(n.pids()));
        if (objectStore != null && objectStore.pid() > 0) {
            pids.add(objectStore.pid());
        }
        return pids;
    }

    @Override
    public boolean alive() {
        return nodes.stream().allMatch(Node::alive) && (objectStore == null || objectStore.isRunning());
    }

    @Override
    public String exitDescription() {
        List<String> down = new ArrayList<>();
        for (int i = 0; i < nodes.size(); i++) {
            if (!nodes.get(i).alive()) {
                down.add("node " + (i + 1) + " " + nodes.get(i).exitDescription());
            }
        }
        if (objectStore != null && !objectStore.isRunning()) {
            down.add("the object store is not running");
        }
        return down.isEmpty() ? "running" : String.join(", ", down);
    }

    @Override
    public List<Path> logFiles() {
        List<Path> logs = new ArrayList<>();
        nodes.forEach(n -> logs.addAll(n.logFiles()));
        if (objectStore != null) {
            logs.add(objectStore.logFile());
        }
        return logs;
    }

    /** Stops the nodes together (one at a time would move leadership twice for nothing), then the object store. */
    @Override
    public void close() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(nodes.size());
        try {
            List<Future<?>> stopped = new ArrayList<>();
            for (Node n : nodes) {
                stopped.add(pool.submit(() -> {
                    n.close();
                    return null;
                }));
            }
            for (Future<?> f : stopped) {
                try {
                    f.get();
                } catch (java.util.concurrent.ExecutionException e) {
                    // each node is killed after its grace period; nothing more to do here
                }
            }
        } finally {
            pool.shutdownNow();
            if (objectStore != null) {
                objectStore.close();
            }
        }
    }
}
