package io.strata.reliability.net;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The network lab with real namespaces: every node reaches the host side and the others; isolation, partitions and
 * a blocked port cut exactly the links they name while the host still reaches every node; healing restores them;
 * closing removes every namespace and link; leftovers of a crashed run are cleared, and a second lab is refused.
 * Skipped where the machine allows no namespaces (not root, no ip or nft).
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class NetworkLabIT {

    private static final String NAME = "labit";
    private static final int PORT = 7000;

    @BeforeAll
    static void needsNamespaces() {
        assumeTrue(NetworkLab.available(), () -> "no network namespaces here: "
                + NetworkLab.unavailableReason().orElse(""));
    }

    @Test
    void faultsCutTheLinksTheyNameAndTheHostReachesEveryNodeThroughout() throws Exception {
        List<Process> listeners = new ArrayList<>();
        NetworkLab lab = NetworkLab.create(NAME, 3);
        try {
            for (int id : lab.nodeIds()) {
                assertThat(HostCommand.run("ip", "-n", lab.namespace(id), "route")).as("routes of node " + id)
                        .doesNotContain("default").contains(NetworkLab.SUBNET);
                assertThat(HostCommand.run("ip", "-n", lab.namespace(id), "-o", "link", "show", "lo"))
                        .contains("UP");
                listeners.add(TcpProbe.listen(lab.launcher(id), lab.address(id), PORT));
            }
            for (int id : lab.nodeIds()) {
                awaitHostConnects(lab.address(id));
            }
            assertThat(lab.address(1)).isEqualTo("10.213.77.11");
            assertThat(lab.hostAddress()).isEqualTo("10.213.77.1");
            assertThat(connects(lab, 1, 2)).as("1 -> 2 before any fault").isTrue();
            assertThat(connects(lab, 3, 1)).as("3 -> 1 before any fault").isTrue();

            lab.isolate(1);
            assertThat(lab.faults()).containsExactly("isolate 1");
            assertThat(connects(lab, 1, 2)).as("1 -> 2 with 1 isolated").isFalse();
            assertThat(connects(lab, 2, 1)).as("2 -> 1 with 1 isolated").isFalse();
            assertThat(connects(lab, 3, 1)).as("3 -> 1 with 1 isolated").isFalse();
            assertThat(connects(lab, 2, 3)).as("2 -> 3 with 1 isolated").isTrue();
            assertThat(TcpProbe.hostConnects(lab.address(1), PORT)).as("host -> 1 with 1 isolated").isTrue();
            assertThat(lab.rules(1)).contains("drop");

            lab.heal();
            assertThat(lab.faults()).isEmpty();
            assertThat(connects(lab, 1, 2)).as("1 -> 2 after heal").isTrue();
            assertThat(connects(lab, 2, 1)).as("2 -> 1 after heal").isTrue();

            lab.blockPort(2, 3, PORT);
            assertThat(connects(lab, 2, 3)).as("2 -> 3:" + PORT + " blocked").isFalse();
            assertThat(connects(lab, 3, 2)).as("3 -> 2 (the other way)").isTrue();
            assertThat(connects(lab, 1, 3)).as("1 -> 3 (another node)").isTrue();
            assertThat(TcpProbe.hostConnects(lab.address(3), PORT)).as("host -> 3").isTrue();
            lab.heal();

            lab.partition(Set.of(1, 2), Set.of(3));
            assertThat(connects(lab, 1, 3)).as("1 -> 3 across the partition").isFalse();
            assertThat(connects(lab, 3, 2)).as("3 -> 2 across the partition").isFalse();
            assertThat(connects(lab, 1, 2)).as("1 -> 2 on the same side").isTrue();
            assertThat(TcpProbe.hostConnects(lab.address(3), PORT)).as("host -> 3 in the minority").isTrue();
            assertThatThrownBy(() -> lab.partition(Set.of(1), Set.of(1, 2)))
                    .isInstanceOf(IllegalArgumentException.class);
            lab.heal();
            assertThat(connects(lab, 1, 3)).as("1 -> 3 after heal").isTrue();
        } finally {
            lab.close();
        }
        // close() killed the listeners still inside the namespaces and removed every namespace and link
        for (Process listener : listeners) {
            assertThat(listener.waitFor(10, TimeUnit.SECONDS)).as("listener killed by close()").isTrue();
        }
        assertGone(lab);
        assertThat(TcpProbe.hostConnects(lab.address(1), PORT)).as("host -> a node of a closed lab").isFalse();
        assertThat(HostCommand.run("ip", "-o", "-4", "addr", "show")).doesNotContain("10.213.77.");
    }

    @Test
    void leftoversOfACrashedRunAreRemovedAndASecondLabIsRefused() throws Exception {
        // what a run killed before its close() leaves: a namespace with a process in it, and the bridge
        HostCommand.run("ip", "netns", "add", NAME + "1");
        HostCommand.run("ip", "link", "add", NAME + "br", "type", "bridge");
        Process leftover = new ProcessBuilder("ip", "netns", "exec", NAME + "1", "sleep", "600").start();
        try (NetworkLab lab = NetworkLab.create(NAME, 2)) {
            assertThat(leftover.waitFor(10, TimeUnit.SECONDS)).as("process of the earlier run killed").isTrue();
            assertThat(HostCommand.run("ip", "-n", lab.namespace(1), "-o", "addr", "show", "eth0"))
                    .contains(lab.address(1) + "/24");
            assertThatThrownBy(() -> NetworkLab.create(NAME, 2)).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("one lab at a time");
            assertThatThrownBy(() -> lab.isolate(3)).isInstanceOf(IllegalArgumentException.class);
            lab.close();
            assertGone(lab);
            assertThatThrownBy(lab::heal).isInstanceOf(IllegalStateException.class);
        }
    }

    @Test
    void refusesToStartWhileTheMachineUsesTheSubnet() {
        // another link, with no port, holding an address in the subnet
        HostCommand.run("ip", "link", "add", "labitother", "type", "bridge");
        try {
            HostCommand.run("ip", "addr", "add", "10.213.77.200/32", "dev", "labitother");
            assertThatThrownBy(() -> NetworkLab.create(NAME, 2)).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("already uses the lab's subnet").hasMessageContaining("10.213.77.200");
            assertThat(HostCommand.run("ip", "netns", "list")).doesNotContain(NAME + "1");
        } finally {
            HostCommand.run("ip", "link", "del", "labitother");
        }
        NetworkLab.create(NAME, 1).close();
    }

    private static boolean connects(NetworkLab lab, int from, int to) throws Exception {
        return TcpProbe.connects(lab.launcher(from), lab.address(to), PORT);
    }

    private static void awaitHostConnects(String address) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!TcpProbe.hostConnects(address, PORT)) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("no listener answered at " + address + ":" + PORT + " from the host");
            }
            Thread.sleep(100);
        }
    }

    private static void assertGone(NetworkLab lab) {
        String namespaces = HostCommand.run("ip", "netns", "list");
        String links = HostCommand.run("ip", "-o", "link", "show");
        for (int id : lab.nodeIds()) {
            assertThat(namespaces).as("namespaces").doesNotContain(lab.namespace(id));
            assertThat(links).as("links").doesNotContain(lab.namespace(id) + "v");
        }
        assertThat(links).as("links").doesNotContain(lab.bridge());
    }
}
