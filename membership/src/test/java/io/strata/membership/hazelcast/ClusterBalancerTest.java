package io.strata.membership.hazelcast;

import io.strata.membership.balance.ClusterBalancer;
import io.strata.membership.balance.DrainRegistry;
import io.strata.membership.partition.PartitionId;
import io.strata.membership.partition.PartitionState;
import io.strata.membership.topic.TopicDescriptor;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;

import static io.strata.membership.hazelcast.TestCluster.await;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The balancer on a real cluster: a third member joins two that hold a replication-factor-2 topic, and replicas and
 * leaders spread onto it with the factor and the rack spread kept; a drain moves everything off a member; a drain that would break the
 * factor is refused. The leaders' part of a move (adding a caught-up replica to the ISR) is played by the test.
 */
class ClusterBalancerTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    @TempDir
    Path dir;

    private TestCluster cluster;
    private final List<ClusterBalancer> balancers = new ArrayList<>();
    private final AtomicBoolean leadersAct = new AtomicBoolean(true);
    private Thread leaders;

    @AfterEach
    void stop() throws InterruptedException {
        leadersAct.set(false);
        if (leaders != null) {
            leaders.join(5_000);
        }
        balancers.forEach(ClusterBalancer::close);
        if (cluster != null) {
            cluster.close();
        }
    }

    private ClusterBalancer balancer(ClusterMember m) {
        ClusterBalancer b = new ClusterBalancer(m.nodes(), m.controller(), m.partitions(), m.assigner(),
                new DrainRegistry(m.hazelcast()), true, 2, 200);
        b.start();
        balancers.add(b);
        return b;
    }

    @Test
    void replicasAndLeadersFollowTheNodesKeepingTheReplicationFactor() {
        cluster = new TestCluster(dir, 3);
        List<ClusterMember> two = cluster.startAll(cluster.config(1, 0).splitBrainQuorum(1).build(),
                cluster.config(2, 1).splitBrainQuorum(1).build());
        ClusterMember first = two.get(0);
        two.forEach(this::balancer);
        TopicDescriptor t = first.topics().create("spread", 6, Map.of(), 2, Map.of());
        assertThat(first.assigner().assign(t)).hasSize(6);
        startLeaders(first);

        ClusterMember third = cluster.start(cluster.config(3, 2).splitBrainQuorum(1).build());
        balancer(third);
        awaitOrShow(first, "replicas and leaders balanced over three nodes", () -> {
            int[] replicas = new int[4];
            int[] leads = new int[4];
            for (PartitionState st : first.partitions().all().values()) {
                if (st.isReassigning()) {
                    return false;
                }
                st.replicas().forEach(r -> replicas[r]++);
                leads[st.leaderNodeId()]++;
            }
            // Node 2 is the only node in its rack (rack-0; 1 and 3 are in rack-1): replicas stay on distinct racks,
            // so node 2 keeps one replica of every partition and nodes 1 and 3 share the others.
            return replicas[1] == 3 && replicas[2] == 6 && replicas[3] == 3 && leads[1] == 2 && leads[2] == 2
                    && leads[3] == 2;
        });
        assertThat(first.partitions().all().values()).allSatisfy(st -> {
            assertThat(st.replicas()).as("replication factor kept").hasSize(2).contains(2);
            assertThat(st.leaderNodeId()).as("the leader is the preferred replica").isEqualTo(st.preferredLeader());
        });

        ClusterBalancer anyBalancer = balancers.get(2);
        assertThat(anyBalancer.drainBlockers(3)).isEmpty();
        // (node 3's replicas go to node 1: with one node per rack left the racks cannot stay distinct)
        new DrainRegistry(third.hazelcast()).drain(3, false);
        awaitOrShow(first, "node 3 drained", () -> anyBalancer.load(3).isEmpty()
                && first.partitions().all().values().stream().noneMatch(PartitionState::isReassigning));
        assertThat(first.partitions().all().values()).allSatisfy(st ->
                assertThat(st.replicas()).hasSize(2).containsExactlyInAnyOrder(1, 2));
        assertThat(anyBalancer.drainBlockers(2)).as("only node 1 would be left for factor-2 partitions")
                .hasSize(6).allSatisfy(line -> assertThat(line).contains("replication factor 2"));
        assertThat(anyBalancer.movesCompleted()).isGreaterThanOrEqualTo(3 + 3);
    }

    private static void awaitOrShow(ClusterMember member, String what, java.util.function.BooleanSupplier condition) {
        try {
            await(what, TIMEOUT, condition);
        } catch (AssertionError e) {
            throw new AssertionError(e.getMessage() + "; partition states: " + member.partitions().all(), e);
        }
    }

    /** Plays the leaders: adds every replica a move is waiting for to the ISR, as a caught-up follower would be. */
    private void startLeaders(ClusterMember member) {
        leaders = new Thread(() -> {
            while (leadersAct.get()) {
                try {
                    for (Map.Entry<PartitionId, PartitionState> e : member.partitions().all().entrySet()) {
                        PartitionState st = e.getValue();
                        if (st.isReassigning() && !st.isr().containsAll(st.replicas())) {
                            List<Integer> isr = new ArrayList<>(st.isr());
                            st.replicas().stream().filter(r -> !isr.contains(r)).forEach(isr::add);
                            member.partitions().alterIsr(e.getKey(), st.leaderNodeId(), st.leaderEpoch(),
                                    st.partitionEpoch(), isr);
                        }
                    }
                    Thread.sleep(100);
                } catch (InterruptedException ie) {
                    return;
                } catch (RuntimeException ignored) {
                    // a race with the controller: read again
                }
            }
        }, "test-leaders");
        leaders.start();
    }
}
