package io.strata.reliability.nemesis;

import java.util.Arrays;

/** The kinds of fault a run injects; each is started at a random moment and healed after a while. */
public enum Fault {
    /** kill -9 of the leader of a random partition; started again at the heal. */
    KILL_LEADER("kill-leader", false),
    /** kill -9 of a node that follows a random partition. */
    KILL_FOLLOWER("kill-follower", false),
    /** SIGSTOP of a random node for longer than failure detection, then SIGCONT. */
    PAUSE("pause", false),
    /** The leader of a random partition loses its links to the other nodes; clients still reach it. */
    ISOLATE_LEADER("isolate-leader", true),
    /** A random node on one side, the two others on the other. */
    SPLIT("split", true),
    /** kill -9 of the object store; started again at the heal. */
    OBJECT_STORE("object-store", false),
    /** kill -9 of every node, then all of them start again. */
    RESTART_CLUSTER("restart-cluster", false),
    /**
     * The followers of a random partition cannot fetch from its leader until they drop out of the ISR, then the
     * leader is killed: only a leader elected outside the ISR could take over, which loses what the old leader
     * alone acknowledged.
     */
    LAGGING_ISR("lagging-isr", true),
    /** The file system of a node's data directory is full. */
    DISK_FULL("disk-full", false);

    private final String label;
    private final boolean network;

    Fault(String label, boolean network) {
        this.label = label;
        this.network = network;
    }

    public String label() {
        return label;
    }

    /** Whether it changes the network (two such faults are never combined). */
    public boolean network() {
        return network;
    }

    /** Whether it may run together with another fault in one round. */
    public boolean combinable() {
        return this != RESTART_CLUSTER && this != LAGGING_ISR;
    }

    public static Fault of(String label) {
        return Arrays.stream(values()).filter(f -> f.label.equals(label) || f.name().equalsIgnoreCase(label))
                .findFirst().orElseThrow(() -> new IllegalArgumentException("unknown fault " + label + "; known: "
                        + Arrays.stream(values()).map(Fault::label).toList()));
    }
}
