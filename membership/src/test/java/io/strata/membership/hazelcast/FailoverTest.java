package io.strata.membership.hazelcast;

import com.hazelcast.splitbrainprotection.SplitBrainProtectionException;
import io.strata.membership.group.CommittedOffset;
import io.strata.membership.partition.LeadershipListener;
import io.strata.membership.partition.PartitionId;
import io.strata.membership.partition.PartitionState;
import io.strata.membership.topic.TopicDescriptor;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

import static io.strata.membership.hazelcast.TestCluster.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Members that die or leave. */
class FailoverTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(20);

    @TempDir
    Path dir;

    private TestCluster cluster;

    @AfterEach
    void stop() {
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    void killingOneOfTwoMembersLosesNoCommittedOffsetAndTheMinorityRefusesWrites() {
        cluster = new TestCluster(dir, 2);
        List<ClusterMember> members = cluster.startAll(cluster.config(1, 0).build(), cluster.config(2, 1).build());
        ClusterMember a = members.get(0);
        ClusterMember b = members.get(1);
        assertThat(a.config().effectiveQuorum()).isEqualTo(2);

        // enough groups that both members own some of them (and back up the others)
        Map<String, CommittedOffset> committed = new HashMap<>();
        for (int g = 0; g < 40; g++) {
            CommittedOffset o = new CommittedOffset(1000L + g, g % 3, "m" + g, 5000L + g);
            (g % 2 == 0 ? a : b).groupOffsets().commit("group-" + g, Map.of(new PartitionId("t", g % 4), o));
            committed.put("group-" + g, o);
        }
        ClusterMember victim = a.controller().isController() ? a : b;
        ClusterMember survivor = victim == a ? b : a;
        TestCluster.kill(victim);
        await("dead member removed", TIMEOUT, () -> survivor.nodes().liveNodes().size() == 1);

        committed.forEach((group, o) -> {
            int g = Integer.parseInt(group.substring("group-".length()));
            assertThat(survivor.groupOffsets().fetch(group, new PartitionId("t", g % 4))).as(group).contains(o);
        });
        assertThat(survivor.groupOffsets().groups()).containsAll(committed.keySet());

        // one of two is a minority: it keeps serving reads but refuses metadata writes
        await("quorum lost", TIMEOUT, () -> !survivor.hasQuorum());
        assertThatThrownBy(() -> survivor.groupOffsets().commit("group-0",
                Map.of(new PartitionId("t", 0), new CommittedOffset(1, -1, null, 1))))
                .isInstanceOf(SplitBrainProtectionException.class);
        assertThatThrownBy(() -> survivor.topics().create("minority-topic", 1, Map.of()))
                .isInstanceOf(SplitBrainProtectionException.class);
    }

    @Test
    void controllerIsTheOldestAndLeadershipMovesOffADeadNodeWithTheNextEpoch() {
        cluster = new TestCluster(dir, 3);
        ClusterMember n1 = cluster.start(cluster.config(1, 0).splitBrainQuorum(1).build());
        List<ClusterMember> rest = cluster.startAll(cluster.config(2, 1).splitBrainQuorum(2).build(),
                cluster.config(3, 2).splitBrainQuorum(2).build());
        ClusterMember n2 = rest.get(0);
        ClusterMember n3 = rest.get(1);
        for (ClusterMember m : List.of(n1, n2, n3)) {
            await("three live nodes", TIMEOUT, () -> m.nodes().liveNodes().size() == 3);
            assertThat(m.controller().controllerNodeId()).isEqualTo(1);
        }
        assertThat(n1.controller().isController()).isTrue();
        await("controller epoch claimed", TIMEOUT, () -> n2.controller().controllerState().nodeId() == 1);
        int firstControllerEpoch = n2.controller().controllerState().epoch();

        // node 2 and 3 learn about controllership and their leaderships
        List<Integer> controllerSeenBy2 = new CopyOnWriteArrayList<>();
        n2.controller().addListener((nodeId, local) -> controllerSeenBy2.add(local ? -nodeId : nodeId));
        Map<PartitionId, PartitionState> ledBy2 = new ConcurrentHashMap<>();
        Map<PartitionId, PartitionState> ledBy3 = new ConcurrentHashMap<>();
        n2.partitions().addLeadershipListener(2, recorder(ledBy2));
        n3.partitions().addLeadershipListener(3, recorder(ledBy3));

        TopicDescriptor topic = n3.topics().create("events", 6, 2, Map.of());
        Map<PartitionId, PartitionState> before = n3.assigner().assign(topic);
        assertThat(before).hasSize(6);
        assertThat(before.values()).extracting(PartitionState::leaderNodeId).containsOnly(1, 2, 3);
        long ledByNode1 = before.values().stream().filter(s -> s.leaderNodeId() == 1).count();
        assertThat(ledByNode1).isEqualTo(2);
        await("leadership events", TIMEOUT, () -> ledBy2.size() + ledBy3.size() == 4);

        TestCluster.kill(n1); // the controller, and leader of two partitions

        for (ClusterMember m : List.of(n2, n3)) {
            await("node 1 gone", TIMEOUT, () -> m.nodes().liveNodes().size() == 2);
            assertThat(m.controller().controllerNodeId()).isEqualTo(2);
        }
        assertThat(n2.controller().isController()).isTrue();
        await("controller change seen by node 2", TIMEOUT, () -> controllerSeenBy2.contains(-2));
        await("new controller epoch", TIMEOUT, () -> n3.controller().controllerState().nodeId() == 2);
        assertThat(n3.controller().controllerState().epoch()).isEqualTo(firstControllerEpoch + 1);

        await("partitions of node 1 moved", TIMEOUT, () -> n3.partitions().forTopic("events", 6).values().stream()
                .noneMatch(s -> s.leaderNodeId() == 1));
        Map<PartitionId, PartitionState> after = n3.partitions().forTopic("events", 6);
        before.forEach((id, old) -> {
            PartitionState now = after.get(id);
            if (old.leaderNodeId() == 1) {
                assertThat(now.leaderEpoch()).as(id.key()).isEqualTo(old.leaderEpoch() + 1);
                // rf 2: the other replica takes over
                assertThat(now.leaderNodeId()).isEqualTo(old.replicas().get(1));
                assertThat(now.replicas()).isEqualTo(old.replicas());
            } else {
                assertThat(now).as(id.key()).isEqualTo(old);
            }
        });
        await("leadership events of the new leaders", TIMEOUT, () -> ledBy2.size() + ledBy3.size() == 6);
        after.forEach((id, s) -> assertThat((s.leaderNodeId() == 2 ? ledBy2 : ledBy3).get(id)).isEqualTo(s));
    }

    @Test
    void controllerMovesWhenTheOldestLeavesGracefully() {
        cluster = new TestCluster(dir, 2);
        ClusterMember a = cluster.start(cluster.config(1, 0).splitBrainQuorum(1).build());
        ClusterMember b = cluster.start(cluster.config(2, 1).splitBrainQuorum(1).build());
        await("two nodes", TIMEOUT, () -> b.nodes().liveNodes().size() == 2);
        assertThat(b.controller().controllerNodeId()).isEqualTo(1);
        List<Integer> seen = new CopyOnWriteArrayList<>();
        b.controller().addListener((nodeId, local) -> seen.add(nodeId));
        a.close();
        await("controller moved", TIMEOUT, () -> b.controller().isController());
        await("listener told", TIMEOUT, () -> seen.contains(2));
        assertThat(b.nodes().liveNodeIds()).containsExactly(2);
    }

    private static LeadershipListener recorder(Map<PartitionId, PartitionState> led) {
        return new LeadershipListener() {
            @Override
            public void becameLeader(PartitionId partition, PartitionState state) {
                led.put(partition, state);
            }

            @Override
            public void stoppedLeading(PartitionId partition, PartitionState current) {
                led.remove(partition);
            }
        };
    }
}
