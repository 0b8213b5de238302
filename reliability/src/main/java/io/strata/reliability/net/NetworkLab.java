package io.strata.reliability.net;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Network namespaces for the nodes of a fault run, joined by a bridge, with faults as firewall rules inside the
 * node namespaces.
 *
 * <p>Layout, on the dedicated subnet {@value #SUBNET}: node {@code i} (1..n) lives in namespace {@code <name><i>}
 * with address {@code 10.213.77.(10+i)} on its {@code eth0}, one end of a veth pair whose other end
 * ({@code <name><i>v}) is a port of the bridge {@code <name>br}. The bridge holds the host side's address
 * {@value #HOST_ADDRESS}: clients in this JVM and an object store started normally reach every node through it, and
 * every node reaches them. Each node namespace has its loopback up and the subnet's route only (no default route),
 * so a node can address nothing outside the lab and nothing it sends leaves the machine. From the first lab until
 * this JVM exits, the host also holds a low-priority {@code unreachable} route for the subnet (metric
 * {@value #GUARD_METRIC}): a client that outlives the lab gets "no route to host" instead of sending to the subnet
 * through the default route.
 *
 * <p>Faults are nftables rules in table {@code inet strata_lab} of the node namespaces only; the host's firewall is
 * never touched, and the host's address is never the subject of a rule, so the host reaches every node whatever
 * the faults. Rules drop packets (no reset), as a broken link or a switch failure would.
 *
 * <p>One lab at a time per machine (the subnet is fixed): {@link #create} takes an exclusive lock file, refuses to
 * start while another process holds it or while the machine has another address or route in the subnet, and
 * first removes what a crashed earlier run with the same name left (killing the processes still inside its
 * namespaces). {@link #close()}, or failing that a JVM shutdown hook, removes the namespaces, veth pairs and bridge.
 *
 * <p>Needs root, {@code ip} (iproute2) and {@code nft} (nftables): see {@link #available()}. Thread-safe: every
 * method that changes the network is synchronized.
 */
public final class NetworkLab implements AutoCloseable {

    public static final String SUBNET = "10.213.77.0/24";
    public static final String HOST_ADDRESS = "10.213.77.1";
    private static final String NET_PREFIX = "10.213.77.";
    private static final int FIRST_NODE_OCTET = 10;
    public static final int MAX_NODES = 99;
    static final String GUARD_METRIC = "4242";
    private static final String TABLE = "strata_lab";
    private static final Pattern NAME = Pattern.compile("[a-z][a-z0-9]{0,6}");
    private static final Path LOCK_FILE = Path.of(Files.isDirectory(Path.of("/run")) ? "/run" : "/tmp",
            "strata-network-lab.lock");

    private static NetworkLab open;
    private static boolean exitHookAdded;
    private static Optional<String> unavailable;

    private final String name;
    private final int nodes;
    /** Holds the machine-wide lock (held while the channel is open). */
    private final FileChannel lockChannel;
    private final List<String> faults = new ArrayList<>();
    private boolean closed;

    private NetworkLab(String name, int nodes, FileChannel lockChannel) {
        this.name = name;
        this.nodes = nodes;
        this.lockChannel = lockChannel;
    }

    /**
     * Creates {@code nodes} namespaces, the bridge and the host-side address, after removing leftovers of an earlier
     * run named {@code name} (1 to 7 lower-case letters and digits, starting with a letter). Needs root.
     *
     * @throws IllegalStateException when this machine cannot host a lab (see {@link #unavailableReason()}), another
     *                               lab runs, or something else holds an address or route in {@value #SUBNET}
     */
    public static NetworkLab create(String name, int nodes) {
        if (!NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("lab name must be 1 to 7 lower-case letters or digits, starting with a "
                    + "letter (namespace, veth and bridge names derive from it): " + name);
        }
        if (nodes < 1 || nodes > MAX_NODES) {
            throw new IllegalArgumentException("nodes must be 1.." + MAX_NODES + ": " + nodes);
        }
        unavailableReason().ifPresent(reason -> {
            throw new IllegalStateException("cannot create network lab " + name + ": " + reason);
        });
        synchronized (NetworkLab.class) {
            if (open != null) {
                throw new IllegalStateException("network lab " + open.name + " is still open in this JVM: one lab "
                        + "at a time (the subnet " + SUBNET + " is fixed)");
            }
            FileChannel channel = null;
            FileLock lock;
            try {
                channel = FileChannel.open(LOCK_FILE, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                lock = channel.tryLock();
            } catch (IOException | OverlappingFileLockException e) {
                closeQuietly(channel);
                throw new IllegalStateException("cannot lock " + LOCK_FILE + ": " + e, e);
            }
            if (lock == null) {
                closeQuietly(channel);
                throw new IllegalStateException("another process on this machine runs a network lab (it holds "
                        + LOCK_FILE + "); one lab at a time, since the subnet " + SUBNET + " is fixed");
            }
            NetworkLab lab = new NetworkLab(name, nodes, channel);
            try {
                lab.removeLeftovers();
                lab.requireSubnetFree();
                if (!exitHookAdded) {
                    Runtime.getRuntime().addShutdownHook(new Thread(NetworkLab::cleanUpAtExit, "network-lab-cleanup"));
                    exitHookAdded = true;
                }
                HostCommand.run("ip", "route", "replace", "unreachable", SUBNET, "metric", GUARD_METRIC);
                open = lab;
                lab.build();
                return lab;
            } catch (RuntimeException e) {
                try {
                    lab.close();
                } catch (RuntimeException suppressed) {
                    e.addSuppressed(suppressed);
                }
                throw e;
            }
        }
    }

    /** Whether this machine lets the suite create namespaces (Linux, root, {@code ip} and {@code nft} that work). */
    public static boolean available() {
        return unavailableReason().isEmpty();
    }

    /**
     * Why {@link #available()} is false, or empty when it is true. The check creates and deletes a probe namespace
     * with an nftables table in it, once per JVM.
     */
    public static synchronized Optional<String> unavailableReason() {
        if (unavailable == null) {
            unavailable = probe();
        }
        return unavailable;
    }

    private static Optional<String> probe() {
        if (!System.getProperty("os.name", "").toLowerCase().contains("linux")) {
            return Optional.of("network namespaces need Linux");
        }
        if (!isRoot()) {
            return Optional.of("network namespaces need root");
        }
        HostCommand.Result ip = HostCommand.attempt("ip", "-V");
        if (!ip.ok()) {
            return Optional.of("iproute2's ip is missing (bin/install-test-tools installs it): " + ip);
        }
        HostCommand.Result nft = HostCommand.attempt("nft", "--version");
        if (!nft.ok()) {
            return Optional.of("nftables' nft is missing (bin/install-test-tools installs it): " + nft);
        }
        String probe = "slprobe" + ProcessHandle.current().pid() % 100_000;
        try {
            HostCommand.Result add = HostCommand.attempt("ip", "netns", "add", probe);
            if (!add.ok()) {
                return Optional.of("cannot create a network namespace: " + add);
            }
            HostCommand.Result table = HostCommand.attempt("ip", "netns", "exec", probe, "nft", "add", "table", "inet",
                    TABLE);
            if (!table.ok()) {
                return Optional.of("cannot create an nftables table in a network namespace: " + table);
            }
            return Optional.empty();
        } finally {
            HostCommand.attempt("ip", "netns", "del", probe);
        }
    }

    private static boolean isRoot() {
        try {
            return Files.readAllLines(Path.of("/proc/self/status")).stream().filter(l -> l.startsWith("Uid:"))
                    .map(l -> l.split("\\s+")[1]).anyMatch("0"::equals);
        } catch (IOException e) {
            return false;
        }
    }

    public String name() {
        return name;
    }

    /** Node ids 1..n. */
    public List<Integer> nodeIds() {
        List<Integer> ids = new ArrayList<>();
        for (int i = 1; i <= nodes; i++) {
            ids.add(i);
        }
        return ids;
    }

    /** The address of node {@code nodeId} (1..n) inside its namespace: {@code 10.213.77.(10+nodeId)}. */
    public String address(int nodeId) {
        check(nodeId);
        return NET_PREFIX + (FIRST_NODE_OCTET + nodeId);
    }

    /** The host side's address on the bridge ({@value #HOST_ADDRESS}): clients and the object store live here. */
    public String hostAddress() {
        return HOST_ADDRESS;
    }

    /** The name of node {@code nodeId}'s network namespace. */
    public String namespace(int nodeId) {
        check(nodeId);
        return name + nodeId;
    }

    public String bridge() {
        return name + "br";
    }

    /** The command prefix that runs a program inside node {@code nodeId}'s namespace (it execs the program). */
    public List<String> launcher(int nodeId) {
        return List.of("ip", "netns", "exec", namespace(nodeId));
    }

    /** Cuts every link between the node and the other nodes, both ways; the host still reaches it. */
    public synchronized void isolate(int nodeId) {
        Set<Integer> others = new TreeSet<>(nodeIds());
        others.remove(nodeId);
        cut(Set.of(nodeId), others);
        faults.add("isolate " + nodeId);
    }

    /** Cuts every link between a node of {@code side} and a node of {@code other}, both ways. */
    public synchronized void partition(Set<Integer> side, Set<Integer> other) {
        cut(side, other);
        faults.add("partition " + new TreeSet<>(side) + " | " + new TreeSet<>(other));
    }

    /**
     * Drops TCP traffic from node {@code from} to node {@code to}'s port {@code port} only (one way): {@code from}
     * can open no connection to that port, and its packets on connections already open there are lost. Everything
     * else between the two still flows.
     */
    public synchronized void blockPort(int from, int to, int port) {
        check(from);
        check(to);
        if (from == to || port < 1 || port > 65535) {
            throw new IllegalArgumentException("blockPort(" + from + ", " + to + ", " + port + ")");
        }
        nft(from, "add rule inet " + TABLE + " output ip daddr " + address(to) + " tcp dport " + port + " drop\n");
        faults.add("block " + from + " -> " + to + ":" + port);
    }

    /**
     * Makes the connections node {@code nodeId} opens to {@code address:port} reach port {@code hostPort} of the host
     * side instead: a route for the address towards the host and a DNAT rule in the node's namespace (table
     * {@code ip strata_redirect}, apart from the fault rules, so {@link #heal()} keeps it). A service an instance
     * expects at a fixed address, such as the EC2 instance metadata service at 169.254.169.254:80, can so be a stub in
     * this JVM, which tells the nodes apart by their source addresses. Lasts until the lab is closed.
     */
    public synchronized void redirect(int nodeId, String address, int port, int hostPort) {
        check(nodeId);
        requireOpen();
        HostCommand.run("ip", "-n", namespace(nodeId), "route", "replace", address + "/32", "via", HOST_ADDRESS);
        nft(nodeId, "add table ip strata_redirect\n"
                + "add chain ip strata_redirect output { type nat hook output priority -100; policy accept; }\n"
                + "add rule ip strata_redirect output ip daddr " + address + " tcp dport " + port + " dnat to "
                + HOST_ADDRESS + ":" + hostPort + "\n");
    }

    /** Removes every fault. */
    public synchronized void heal() {
        requireOpen();
        for (int id : nodeIds()) {
            nft(id, "flush chain inet " + TABLE + " input\nflush chain inet " + TABLE + " output\n");
        }
        faults.clear();
    }

    /** The faults in force, oldest first, e.g. {@code isolate 1}, {@code block 2 -> 1:9092}. */
    public synchronized List<String> faults() {
        return List.copyOf(faults);
    }

    /** The rules in node {@code nodeId}'s namespace, as {@code nft list table} prints them (for failure reports). */
    public synchronized String rules(int nodeId) {
        requireOpen();
        return HostCommand.run("ip", "netns", "exec", namespace(nodeId), "nft", "list", "table", "inet", TABLE);
    }

    /** The processes running inside node {@code nodeId}'s namespace. */
    public List<Long> pids(int nodeId) {
        return pidsIn(namespace(nodeId));
    }

    /**
     * Kills whatever still runs in the namespaces, then removes them, the veth pairs and the bridge. The guard route
     * stays until this JVM exits. Idempotent.
     */
    @Override
    public void close() {
        synchronized (NetworkLab.class) {
            synchronized (this) {
                if (closed) {
                    return;
                }
                closed = true;
                try {
                    removeAll();
                } finally {
                    closeQuietly(lockChannel);
                    if (open == this) {
                        open = null;
                    }
                }
            }
        }
    }

    @Override
    public String toString() {
        return "NetworkLab[" + name + ", " + nodes + " nodes on " + SUBNET + ", host " + HOST_ADDRESS + "]";
    }

    // ---------------------------------------------------------------- building and removing

    private void build() {
        String bridge = bridge();
        HostCommand.run("ip", "link", "add", bridge, "type", "bridge");
        HostCommand.run("ip", "link", "set", bridge, "up");
        HostCommand.run("ip", "addr", "add", HOST_ADDRESS + "/24", "dev", bridge);
        for (int id : nodeIds()) {
            String ns = namespace(id);
            String veth = ns + "v";
            HostCommand.run("ip", "netns", "add", ns);
            HostCommand.run("ip", "link", "add", veth, "type", "veth", "peer", "name", "eth0", "netns", ns);
            HostCommand.run("ip", "link", "set", veth, "master", bridge, "up");
            HostCommand.run("ip", "-n", ns, "link", "set", "lo", "up");
            HostCommand.run("ip", "-n", ns, "addr", "add", address(id) + "/24", "dev", "eth0");
            HostCommand.run("ip", "-n", ns, "link", "set", "eth0", "up");
            nft(id, "add table inet " + TABLE + "\n"
                    + "add chain inet " + TABLE + " input { type filter hook input priority 0; policy accept; }\n"
                    + "add chain inet " + TABLE + " output { type filter hook output priority 0; policy accept; }\n");
        }
        awaitLinksUp();
    }

    /** A veth end reports its carrier a moment after both ends are up. */
    private void awaitLinksUp() {
        long deadline = System.nanoTime() + 10_000_000_000L;
        for (int id : nodeIds()) {
            while (!HostCommand.run("ip", "-n", namespace(id), "-o", "link", "show", "eth0").contains("LOWER_UP")) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("eth0 of " + namespace(id) + " did not come up within 10 s");
                }
                sleep(20);
            }
        }
    }

    /** Namespaces, veth pairs and the bridge of this name, from this run or a crashed earlier one. */
    private void removeLeftovers() {
        List<String> namespaces = namespacesOfThisName();
        List<String> links = linksOfThisName();
        if (!namespaces.isEmpty() || !links.isEmpty()) {
            System.err.println("NetworkLab " + name + ": removing leftovers of an earlier run: namespaces "
                    + namespaces + ", links " + links);
            removeAll();
        }
    }

    private void removeAll() {
        List<RuntimeException> failures = new ArrayList<>();
        List<String> namespaces = namespacesOfThisName();
        for (String ns : namespaces) {
            for (long pid : pidsIn(ns)) {
                ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
            }
        }
        for (String ns : namespaces) {
            awaitEmpty(ns);
            HostCommand.Result del = HostCommand.attempt("ip", "netns", "del", ns);
            if (!del.ok()) {
                failures.add(new HostCommand.Failed(del));
            }
        }
        // A namespace goes, and its veth ends with it, once its last process has: wait for the kernel to catch up.
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (linksOfThisName().stream().anyMatch(l -> !l.equals(bridge())) && System.nanoTime() < deadline) {
            sleep(50);
        }
        for (String link : linksOfThisName()) {
            HostCommand.Result del = HostCommand.attempt("ip", "link", "del", link);
            if (!del.ok() && linksOfThisName().contains(link)) {
                failures.add(new HostCommand.Failed(del));
            }
        }
        if (!failures.isEmpty()) {
            RuntimeException e = new IllegalStateException("could not remove all of network lab " + name);
            failures.forEach(e::addSuppressed);
            throw e;
        }
    }

    private void awaitEmpty(String ns) {
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (!pidsIn(ns).isEmpty() && System.nanoTime() < deadline) {
            sleep(20);
        }
    }

    /** At JVM exit: the lab still open, if any, then the guard route. */
    private static void cleanUpAtExit() {
        NetworkLab lab;
        synchronized (NetworkLab.class) {
            lab = open;
        }
        try {
            if (lab != null) {
                lab.close();
            }
        } catch (RuntimeException e) {
            System.err.println("NetworkLab " + lab.name + ": cleanup at exit failed: " + e);
        } finally {
            HostCommand.attempt("ip", "route", "del", "unreachable", SUBNET, "metric", GUARD_METRIC);
        }
    }

    private List<String> namespacesOfThisName() {
        Pattern ours = Pattern.compile(Pattern.quote(name) + "\\d+");
        return HostCommand.run("ip", "netns", "list").lines().map(l -> l.split("\\s+")[0])
                .filter(n -> ours.matcher(n).matches()).toList();
    }

    /** The bridge and the host-side veth ends of this name, as {@code ip -o link} lists them. */
    private List<String> linksOfThisName() {
        Pattern ours = Pattern.compile(Pattern.quote(name) + "(br|\\d+v)");
        List<String> links = new ArrayList<>();
        for (String line : HostCommand.run("ip", "-o", "link", "show").lines().toList()) {
            String[] parts = line.split(":\\s+", 3);
            if (parts.length >= 2) {
                String link = parts[1].split("@")[0];
                if (ours.matcher(link).matches()) {
                    links.add(link);
                }
            }
        }
        return links;
    }

    private static List<Long> pidsIn(String ns) {
        HostCommand.Result r = HostCommand.attempt("ip", "netns", "pids", ns);
        if (!r.ok()) {
            return List.of();
        }
        return r.stdout().lines().map(String::trim).filter(s -> !s.isEmpty()).map(Long::parseLong).toList();
    }

    /** Refuses a machine that has an address or route of its own in the subnet (besides this class's guard). */
    private void requireSubnetFree() {
        List<String> conflicts = new ArrayList<>();
        for (String line : HostCommand.run("ip", "-o", "-4", "addr", "show").lines().toList()) {
            String[] t = line.trim().split("\\s+");
            for (int i = 0; i + 1 < t.length; i++) {
                if (t[i].equals("inet") && inSubnet(t[i + 1])) {
                    conflicts.add("address: " + line.trim());
                }
            }
        }
        for (String line : HostCommand.run("ip", "-o", "-4", "route", "show", "table", "all").lines().toList()) {
            String l = line.trim();
            if (l.equals("unreachable " + SUBNET + " metric " + GUARD_METRIC)) {
                continue;
            }
            String[] t = l.split("\\s+");
            String dst = t.length > 1 && ROUTE_TYPES.contains(t[0]) ? t[1] : t[0];
            if (inSubnet(dst)) {
                conflicts.add("route: " + l);
            }
        }
        if (!conflicts.isEmpty()) {
            throw new IllegalStateException("this machine already uses the lab's subnet " + SUBNET
                    + "; remove these (or what made them) first:\n  " + String.join("\n  ", conflicts));
        }
    }

    private static final Set<String> ROUTE_TYPES = Set.of("unicast", "local", "broadcast", "multicast", "throw",
            "unreachable", "prohibit", "blackhole", "nat", "anycast");

    private static boolean inSubnet(String cidrOrAddress) {
        String address = cidrOrAddress.split("/")[0];
        int prefix = cidrOrAddress.contains("/") ? Integer.parseInt(cidrOrAddress.split("/")[1]) : 32;
        return address.startsWith(NET_PREFIX) && prefix >= 24;
    }

    // ---------------------------------------------------------------- rules

    private void cut(Set<Integer> side, Set<Integer> other) {
        requireOpen();
        if (side.isEmpty() || other.isEmpty()) {
            throw new IllegalArgumentException("both sides of a partition need a node: " + side + " | " + other);
        }
        side.forEach(this::check);
        other.forEach(this::check);
        Set<Integer> overlap = new TreeSet<>(side);
        overlap.retainAll(other);
        if (!overlap.isEmpty()) {
            throw new IllegalArgumentException("nodes " + overlap + " are on both sides of the partition");
        }
        // Rules at both ends, so that each end alone already drops the link's traffic.
        Map<Integer, Collection<Integer>> peers = new LinkedHashMap<>();
        side.forEach(id -> peers.put(id, other));
        other.forEach(id -> peers.put(id, side));
        peers.forEach((id, cutFrom) -> {
            String addresses = cutFrom.stream().sorted().map(this::address).collect(Collectors.joining(", "));
            nft(id, "add rule inet " + TABLE + " input ip saddr { " + addresses + " } drop\n"
                    + "add rule inet " + TABLE + " output ip daddr { " + addresses + " } drop\n");
        });
    }

    /** Runs an nft script in node {@code nodeId}'s namespace, as one transaction. */
    private void nft(int nodeId, String script) {
        requireOpen();
        HostCommand.runWithInput(script, "ip", "netns", "exec", namespace(nodeId), "nft", "-f", "-");
    }

    private void requireOpen() {
        if (closed) {
            throw new IllegalStateException(this + " is closed");
        }
    }

    private void check(int nodeId) {
        if (nodeId < 1 || nodeId > nodes) {
            throw new IllegalArgumentException("no node " + nodeId + " in " + this);
        }
    }

    private static void closeQuietly(FileChannel channel) {
        if (channel != null) {
            try {
                channel.close();
            } catch (IOException ignored) {
                // releasing the lock is all that matters, and closing the channel does that
            }
        }
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
