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

        assertThat(survivor.groupOffsets().groups()).containsAll(committed.keySet());

        // one of two is a minority: it refuses metadata writes, and offset reads, which could be stale there
        await("quorum lost", TIMEOUT, () -> !survivor.hasQuorum());
        assertThatThrownBy(() -> survivor.groupOffsets().commit("group-0",
                Map.of(new PartitionId("t", 0), new CommittedOffset(1, -1, null, 1))))
                .isInstanceOf(SplitBrainProtectionException.class);
        assertThatThrownBy(() -> survivor.topics().create("minority-topic", 1, Map.of()))
                .isInstanceOf(SplitBrainProtectionException.class);
        assertThatThrownBy(() -> survivor.groupOffsets().fetch("group-0", new PartitionId("t", 0)))
                .isInstanceOf(SplitBrainProtectionException.class);
        assertThat(survivor.groupOffsets().groups()).hasSize(committed.size()); // listing groups keeps working

        // the node comes back: the quorum is restored, every committed offset is there, and writes work again
        int victimId = victim.config().nodeId();
        ClusterMember back = cluster.start(cluster.config(victimId, victimId - 1).build());
        await("quorum back", TIMEOUT, survivor::hasQuorum);
        committed.forEach((group, o) -> {
            int g = Integer.parseInt(group.substring("group-".length()));
            assertThat(survivor.groupOffsets().fetch(group, new PartitionId("t", g % 4))).as(group).contains(o);
        });
        back.groupOffsets().commit("group-0", Map.of(new PartitionId("t", 0), new CommittedOffset(2000, 5, null, 9)));
        assertThat(survivor.groupOffsets().fetch("group-0", new PartitionId("t", 0)))
                .contains(new CommittedOffset(2000, 5, null, 9));
        assertThat(back.groupOffsets().groups()).hasSize(committed.size());
    }

    @Test
    void controllerIsTheOldestAndLeadershipMovesOffADeadNodeWithTheNextEpoch() {
        cluster = new TestCluster(dir, 3);
        List<ClusterMember> all = cluster.startAll(cluster.config(1, 0).build(), cluster.config(2, 1).build(),
                cluster.config(3, 2).build()); // default quorum: 2 of 3
        for (ClusterMember m : all) {
            await("three live nodes", TIMEOUT, () -> m.nodes().liveNodes().size() == 3);
        }
        // members started together: their join order decides who is oldest
        List<Integer> oldestFirst = all.get(0).hazelcast().getCluster().getMembers().stream()
                .map(mb -> Integer.parseInt(mb.getAttribute("strata.node.id"))).toList();
        ClusterMember oldest = all.get(oldestFirst.get(0) - 1);
        ClusterMember next = all.get(oldestFirst.get(1) - 1);
        ClusterMember youngest = all.get(oldestFirst.get(2) - 1);
        int dead = oldestFirst.get(0);
        for (ClusterMember m : all) {
            assertThat(m.controller().controllerNodeId()).isEqualTo(dead);
            assertThat(m.controller().isController()).isEqualTo(m == oldest);
        }
        await("controller epoch claimed", TIMEOUT, () -> next.controller().controllerState().nodeId() == dead);
        int firstControllerEpoch = next.controller().controllerState().epoch();

        List<Integer> controllerSeenByNext = new CopyOnWriteArrayList<>();
        next.controller().addListener((nodeId, local) -> controllerSeenByNext.add(local ? -nodeId : nodeId));
        Map<PartitionId, PartitionState> ledByNext = new ConcurrentHashMap<>();
        Map<PartitionId, PartitionState> ledByYoungest = new ConcurrentHashMap<>();
        next.partitions().addLeadershipListener(next.config().nodeId(), recorder(ledByNext));
        youngest.partitions().addLeadershipListener(youngest.config().nodeId(), recorder(ledByYoungest));

        TopicDescriptor topic = youngest.topics().create("events", 6, Map.of(), 2, Map.of());
        Map<PartitionId, PartitionState> before = youngest.assigner().assign(topic);
        assertThat(before).hasSize(6);
        for (int node = 1; node <= 3; node++) {
            int n = node;
            assertThat(before.values().stream().filter(s -> s.leaderNodeId() == n).count()).as("led by " + n).isEqualTo(2);
        }
        assertThat(before.values()).allSatisfy(s -> assertThat(s.replicas()).hasSize(2).doesNotHaveDuplicates());
        await("leadership events", TIMEOUT, () -> ledByNext.size() + ledByYoungest.size() == 4);

        TestCluster.kill(oldest); // the controller, and leader of two partitions

        for (ClusterMember m : List.of(next, youngest)) {
            await("dead node gone", TIMEOUT, () -> m.nodes().liveNodes().size() == 2);
            assertThat(m.controller().controllerNodeId()).isEqualTo(next.config().nodeId());
        }
        assertThat(next.controller().isController()).isTrue();
        await("controller change seen", TIMEOUT, () -> controllerSeenByNext.contains(-next.config().nodeId()));
        await("new controller epoch", TIMEOUT,
                () -> youngest.controller().controllerState().nodeId() == next.config().nodeId());
        assertThat(youngest.controller().controllerState().epoch()).isEqualTo(firstControllerEpoch + 1);

        // leaderships move and the dead follower leaves the ISRs: separate changes, done in no fixed order
        await("partitions of the dead node moved", TIMEOUT, () -> youngest.partitions().forTopic("events", 6).values()
                .stream().noneMatch(s -> s.leaderNodeId() == dead || s.isr().contains(dead)));
        Map<PartitionId, PartitionState> after = youngest.partitions().forTopic("events", 6);
        before.forEach((id, old) -> {
            PartitionState now = after.get(id);
            List<Integer> liveIsr = old.isr().stream().filter(n -> n != dead).toList();
            if (old.leaderNodeId() == dead) {
                assertThat(now.leaderEpoch()).as(id.key()).isEqualTo(old.leaderEpoch() + 1);
                assertThat(now.leaderNodeId()).isEqualTo(old.replicas().get(1)); // the other replica takes over
                assertThat(now.replicas()).isEqualTo(old.replicas());
                assertThat(now.isr()).containsExactly(now.leaderNodeId());
                assertThat(now.partitionEpoch()).isEqualTo(old.partitionEpoch() + 1);
            } else if (old.isr().contains(dead)) {
                // the dead follower leaves the ISR; same leader, same leader epoch
                assertThat(now).as(id.key()).isEqualTo(new PartitionState(old.topicId(), old.leaderNodeId(),
                        old.leaderEpoch(), old.partitionEpoch() + 1, old.replicas(), liveIsr));
            } else {
                assertThat(now).as(id.key()).isEqualTo(old);
            }
        });
        await("leadership events of the new leaders", TIMEOUT, () -> ledByNext.size() + ledByYoungest.size() == 6);
        after.forEach((id, s) -> assertThat((s.leaderNodeId() == next.config().nodeId() ? ledByNext : ledByYoungest).get(id))
                .isEqualTo(s));
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

            @Override
            public void isrChanged(PartitionId partition, PartitionState state) {
                led.put(partition, state);
            }
        };
    }
}
