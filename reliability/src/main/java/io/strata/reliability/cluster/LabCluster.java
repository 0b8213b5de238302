package io.strata.reliability.cluster;

import io.strata.reliability.net.NetworkLab;
import io.strata.testsupport.ChildProcess;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.function.IntConsumer;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * What the lab clusters share: one {@link NetworkLab} namespace per node, a {@link TmpfsDisk} per node holding its
 * data directory, and the bookkeeping of paused nodes. Subclasses launch the broker processes.
 *
 * <p>Everything lives under a fixed work directory ({@code <strata.test.target.dir>/lab/<name>} by default), so a
 * new cluster of the same name finds and removes what a crashed run left: the network lab kills the processes still
 * in its namespaces, then this class unmounts the old disks. {@link #close()} heals the network, resumes paused
 * nodes and frees full disks (so every process can stop cleanly and write its last log lines), stops the processes,
 * removes the namespaces and unmounts the disks; a JVM shutdown hook does the same, faster, for a cluster left open.
 *
 * <p>Not thread-safe, as {@link ClusterUnderTest} says: one nemesis drives a cluster at a time.
 */
public abstract class LabCluster implements ClusterUnderTest {

    /** Every node serves Kafka on this port at its own address. */
    public static final int KAFKA_PORT = 9092;
    public static final long DEFAULT_DISK_BYTES = 384L << 20;

    protected final String name;
    protected final Path workDir;
    private final String started = java.time.format.DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")
            .format(java.time.LocalDateTime.now());
    protected final NetworkLab network;
    private final Map<Integer, TmpfsDisk> disks = new LinkedHashMap<>();
    private final Set<Integer> paused = new HashSet<>();
    private final Thread exitHook;
    private boolean closed;

    /**
     * Creates the network and mounts the disks (no process starts before {@link #start()}).
     *
     * @param name      the lab's name: namespaces are {@code <name>1..n} (see {@link NetworkLab#create})
     * @param workDir   the cluster's own directory (null: {@code <strata.test.target.dir>/lab/<name>}); emptied
     * @param diskBytes the size of each node's file system
     */
    protected LabCluster(String name, int nodes, Path workDir, long diskBytes) {
        this.name = name;
        this.workDir = (workDir != null ? workDir : defaultWorkDir(name)).toAbsolutePath().normalize();
        this.network = NetworkLab.create(name, nodes);
        this.exitHook = new Thread(this::closeAtExit, "lab-cluster-" + name + "-cleanup");
        try {
            TmpfsDisk.unmountAllUnder(this.workDir);
            deleteRecursively(this.workDir);
            Files.createDirectories(this.workDir);
            for (int id : network.nodeIds()) {
                disks.put(id, TmpfsDisk.mount(this.workDir.resolve("node-" + id), diskBytes));
            }
            Runtime.getRuntime().addShutdownHook(exitHook);
        } catch (IOException | RuntimeException e) {
            RuntimeException failure = e instanceof IOException io ? new UncheckedIOException(io)
                    : (RuntimeException) e;
            try {
                releaseResources();
            } catch (RuntimeException suppressed) {
                failure.addSuppressed(suppressed);
            }
            throw failure;
        }
    }

    /** {@code <strata.test.target.dir>/node-logs/<name>-<what>-<time this cluster was made>.log}: kept after close. */
    protected Path logFile(String what) {
        return Path.of(System.getProperty("strata.test.target.dir", "target")).toAbsolutePath().normalize()
                .resolve("node-logs").resolve(name + "-" + what + "-" + started + ".log");
    }

    /** For a subclass whose constructor failed after this one succeeded: releases what this one made. */
    protected void closeAfterFailedStart(Throwable failure) {
        try {
            close();
        } catch (RuntimeException e) {
            failure.addSuppressed(e);
        }
    }

    static Path defaultWorkDir(String name) {
        return Path.of(System.getProperty("strata.test.target.dir", "target")).resolve("lab").resolve(name);
    }

    // ---------------------------------------------------------------- what subclasses provide

    /** The running node's process id. */
    public abstract long pid(int nodeId);

    /** Stops every node process (SIGTERM, then SIGKILL after a grace period), in parallel. */
    protected abstract void stopNodes();

    /** SIGKILL to every node process and the object store, at once: the JVM is exiting. */
    protected abstract void killAll();

    /** Stops the object store, if there is one. */
    protected abstract void stopObjectStore();

    // ---------------------------------------------------------------- shared behaviour

    @Override
    public List<Integer> nodeIds() {
        return network.nodeIds();
    }

    @Override
    public NetworkLab network() {
        return network;
    }

    /** The address of node {@code nodeId} in its namespace. */
    public String address(int nodeId) {
        return network.address(nodeId);
    }

    @Override
    public int kafkaPort() {
        return KAFKA_PORT;
    }

    @Override
    public String bootstrap() {
        return nodeIds().stream().map(id -> address(id) + ":" + KAFKA_PORT).collect(Collectors.joining(","));
    }

    public Path workDir() {
        return workDir;
    }

    /** Node {@code nodeId}'s data directory (on its own file system). */
    public Path dataDir(int nodeId) {
        return disk(nodeId).dataDir();
    }

    @Override
    public void pause(int nodeId) {
        ChildProcess.stopOrContinue(pid(nodeId), true);
        paused.add(nodeId);
    }

    @Override
    public void resume(int nodeId) {
        ChildProcess.stopOrContinue(pid(nodeId), false);
        paused.remove(nodeId);
    }

    /** Whether the node is SIGSTOPped by {@link #pause}. */
    public boolean isPaused(int nodeId) {
        return paused.contains(nodeId);
    }

    /** Called by subclasses when a node's process is gone (a paused process that is killed is not paused). */
    protected void forgetPause(int nodeId) {
        paused.remove(nodeId);
    }

    @Override
    public boolean supportsDiskFull() {
        return true;
    }

    @Override
    public void fillDisk(int nodeId) {
        disk(nodeId).fill();
    }

    @Override
    public void freeDisk(int nodeId) {
        disk(nodeId).free();
    }

    /** Bytes still free on node {@code nodeId}'s file system. */
    public long freeDiskBytes(int nodeId) {
        return disk(nodeId).usableBytes();
    }

    private TmpfsDisk disk(int nodeId) {
        TmpfsDisk disk = disks.get(nodeId);
        if (disk == null) {
            throw new IllegalArgumentException("no node " + nodeId + " in " + this);
        }
        return disk;
    }

    /** Settings shared by both systems' {@link #describe()}. */
    protected Map<String, String> describeLab() {
        Map<String, String> d = new LinkedHashMap<>();
        d.put("nodes", Integer.toString(nodeIds().size()));
        d.put("network", "one network namespace per node, bridged; faults are nftables drop rules in the nodes");
        d.put("data directory", "a tmpfs of " + (disks.values().iterator().next().sizeBytes() >> 20)
                + " MiB per node");
        return d;
    }

    /** Runs {@code action} for every node in parallel; rethrows the first failure with the others suppressed. */
    protected void inParallel(List<Integer> ids, IntConsumer action, String what) {
        List<CompletableFuture<Void>> futures = new ArrayList<>();
        for (int id : ids) {
            futures.add(CompletableFuture.runAsync(() -> action.accept(id),
                    r -> new Thread(r, name + "-" + what + "-" + id).start()));
        }
        List<Throwable> failures = new ArrayList<>();
        for (CompletableFuture<Void> f : futures) {
            try {
                f.join();
            } catch (RuntimeException e) {
                failures.add(e.getCause() != null ? e.getCause() : e);
            }
        }
        if (!failures.isEmpty()) {
            RuntimeException e = new IllegalStateException(what + " failed on " + failures.size() + " node(s): "
                    + failures.get(0).getMessage(), failures.get(0));
            failures.stream().skip(1).forEach(e::addSuppressed);
            throw e;
        }
    }

    /**
     * Heals the network, resumes paused nodes and frees full disks, stops every process, then removes the namespaces
     * and the disks. Idempotent.
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        List<RuntimeException> failures = new ArrayList<>();
        step(failures, network::heal);
        for (int id : new ArrayList<>(paused)) {
            step(failures, () -> resume(id));
        }
        paused.clear();
        for (TmpfsDisk disk : disks.values()) {
            step(failures, disk::free);
        }
        step(failures, this::stopNodes);
        step(failures, this::stopObjectStore);
        step(failures, this::releaseResources);
        try {
            Runtime.getRuntime().removeShutdownHook(exitHook);
        } catch (IllegalStateException | IllegalArgumentException exiting) {
            // the JVM is exiting, or the hook was never added
        }
        if (!failures.isEmpty()) {
            RuntimeException e = new IllegalStateException("closing " + this + " failed: " + failures.get(0)
                    .getMessage(), failures.get(0));
            failures.stream().skip(1).forEach(e::addSuppressed);
            throw e;
        }
    }

    /** The namespaces (killing what still runs in them), the disks and the work directory. */
    private void releaseResources() {
        List<RuntimeException> failures = new ArrayList<>();
        step(failures, network::close);
        for (TmpfsDisk disk : disks.values()) {
            step(failures, disk::unmount);
        }
        disks.clear();
        step(failures, () -> TmpfsDisk.unmountAllUnder(workDir));
        if (!Boolean.getBoolean("strata.keep.data")) {
            step(failures, () -> deleteRecursively(workDir));
        }
        if (!failures.isEmpty()) {
            RuntimeException e = failures.get(0);
            failures.stream().skip(1).forEach(e::addSuppressed);
            throw e;
        }
    }

    private void closeAtExit() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            killAll();
        } catch (RuntimeException e) {
            System.err.println(this + ": killing processes at exit failed: " + e);
        }
        try {
            releaseResources();
        } catch (RuntimeException e) {
            System.err.println(this + ": cleanup at exit failed: " + e);
        }
    }

    private static void step(List<RuntimeException> failures, Runnable step) {
        try {
            step.run();
        } catch (RuntimeException e) {
            failures.add(e);
        } catch (AssertionError e) {
            failures.add(new IllegalStateException(e.getMessage(), e));
        }
    }

    static void deleteRecursively(Path root) {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete " + root, e);
        }
    }

    @Override
    public String toString() {
        return getClass().getSimpleName() + "[" + name + ", " + bootstrap() + "]";
    }

    /**
     * Options every lab cluster has; each has a default.
     *
     * @param <B> the concrete builder, returned by every option
     */
    public abstract static class Builder<B extends Builder<B>> {
        String name;
        int nodes = 3;
        Path workDir;
        long diskBytes = DEFAULT_DISK_BYTES;
        Map<String, String> settings;

        protected Builder(String defaultName, Map<String, String> defaultSettings) {
            this.name = defaultName;
            this.settings = defaultSettings;
        }

        /** The lab's name: namespaces are {@code <name>1..n}. */
        public B name(String name) {
            this.name = name;
            return self();
        }

        /** Default 3. */
        public B nodes(int nodes) {
            this.nodes = nodes;
            return self();
        }

        /** The nodes' settings, replacing the default {@code settings(Safety.SAFE)}. */
        public B settings(Map<String, String> settings) {
            this.settings = new LinkedHashMap<>(settings);
            return self();
        }

        /** Default: {@code <strata.test.target.dir>/lab/<name>}, emptied first. */
        public B workDir(Path dir) {
            this.workDir = dir;
            return self();
        }

        /** The size of each node's file system (default 384 MiB). */
        public B diskBytes(long bytes) {
            this.diskBytes = bytes;
            return self();
        }

        @SuppressWarnings("unchecked")
        private B self() {
            return (B) this;
        }
    }
}
