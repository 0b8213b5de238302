package io.strata.reliability.net;

import java.util.List;
import java.util.Set;

/**
 * Network namespaces for the nodes of a fault run, joined by a bridge, with faults as firewall rules inside the
 * node namespaces. (API outline; the implementation follows.)
 */
public final class NetworkLab implements AutoCloseable {

    /** Creates {@code nodes} namespaces, the bridge and the host-side address. Needs root. */
    public static NetworkLab create(String name, int nodes) {
        throw new UnsupportedOperationException("not yet");
    }

    /** Whether this machine lets the suite create namespaces (root, ip and nft present). */
    public static boolean available() {
        return false;
    }

    /** The address of node {@code nodeId} (1..n) inside its namespace. */
    public String address(int nodeId) {
        throw new UnsupportedOperationException();
    }

    /** The host side's address on the bridge: clients and the object store live here. */
    public String hostAddress() {
        throw new UnsupportedOperationException();
    }

    /** The command prefix that runs a program inside node {@code nodeId}'s namespace. */
    public List<String> launcher(int nodeId) {
        throw new UnsupportedOperationException();
    }

    /** Cuts every link between the node and the other nodes, both ways; the host still reaches it. */
    public void isolate(int nodeId) {
        throw new UnsupportedOperationException();
    }

    /** Cuts every link between a node of {@code side} and a node of {@code other}, both ways. */
    public void partition(Set<Integer> side, Set<Integer> other) {
        throw new UnsupportedOperationException();
    }

    /** Drops TCP traffic from {@code from} to {@code to}'s port {@code port} only (one way). */
    public void blockPort(int from, int to, int port) {
        throw new UnsupportedOperationException();
    }

    /** Removes every fault. */
    public void heal() {
        throw new UnsupportedOperationException();
    }

    @Override
    public void close() {
    }
}
