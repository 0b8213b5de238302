package io.strata.membership.hazelcast;

import io.strata.membership.partition.CasResult;
import io.strata.membership.partition.ElectionResult;
import io.strata.membership.partition.LeadershipListener;
import io.strata.membership.partition.PartitionAssigner;
import io.strata.membership.partition.PartitionId;
import io.strata.membership.partition.PartitionState;
import io.strata.membership.topic.TopicDescriptor;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static io.strata.membership.hazelcast.TestCluster.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** ISR metadata on a real three-member cluster: assignment, the leader's ISR changes, the controller's elections. */
class IsrReplicationTest {

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

    private List<ClusterMember> startThree() {
        cluster = new TestCluster(dir, 3);
        List<ClusterMember> all = cluster.startAll(cluster.config(1, 0).build(), cluster.config(2, 1).build(),
                cluster.config(3, 2).build()); // majority quorum: 2 of 3
        for (ClusterMember m : all) {
            await("three live nodes", TIMEOUT, () -> m.nodes().liveNodes().size() == 3);
        }
        return all;
    }

    @Test
    void failoverOfflineUncleanAndFollowerRemovalFollowTheIsr() throws Exception {
        List<ClusterMember> all = startThree();
        int c = all.get(0).controller().controllerNodeId();
        ClusterMember controller = all.get(c - 1);
        List<ClusterMember> others = all.stream().filter(m -> m != controller).toList();
        ClusterMember xm = others.get(0); // the node that will die
        ClusterMember ym = others.get(1);
        int x = xm.config().nodeId();
        int y = ym.config().nodeId();

        List<String> seenByY = new CopyOnWriteArrayList<>();
        ym.partitions().addLeadershipListener(y, recorder(seenByY));

        PartitionId fo = new PartitionId("fo", 0);
        PartitionId off = new PartitionId("off", 0);
        PartitionId dirty = new PartitionId("dirty", 0);
        PartitionId shr = new PartitionId("shr", 0);
        create(ym, "fo", Map.of(), List.of(x, y, c));
        create(ym, "off", Map.of(), List.of(x, y));
        create(ym, "dirty", Map.of(PartitionAssigner.UNCLEAN_LEADER_ELECTION_ENABLE, "true"), List.of(x, y));
        create(ym, "shr", Map.of(), List.of(y, x));
        assertThat(ym.partitions().get(fo)).contains(PartitionState.initial(ym.partitions().get(fo).get().topicId(),
                List.of(x, y, c)));

        // the leader shrinks its ISR (AlterPartition), fenced by its leader and epochs
        for (PartitionId id : List.of(off, dirty)) {
            CasResult r = xm.partitions().alterIsr(id, x, 0, 0, List.of(x));
            assertThat(r.applied()).isTrue();
            assertThat(r.current().isr()).containsExactly(x);
            assertThat(r.current().partitionEpoch()).isEqualTo(1);
            assertThat(r.current().leaderEpoch()).isZero();
        }
        assertThat(xm.partitions().alterIsr(off, x, 0, 0, List.of(x, y)).applied()).isFalse(); // stale partition epoch
        assertThat(ym.partitions().alterIsr(off, y, 0, 1, List.of(y)).applied()).isFalse(); // not the leader
        assertThatThrownBy(() -> xm.partitions().alterIsr(off, x, 0, 1, List.of(y)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("leader");
        assertThatThrownBy(() -> xm.partitions().alterIsr(off, x, 0, 1, List.of(x, c)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("subset");
        assertThat(ym.partitions().get(off).orElseThrow().isr()).containsExactly(x);
        await("initial roles seen", TIMEOUT, () -> seenByY.containsAll(List.of("becameLeader shr-0 " + y + "@0",
                "becameFollower fo-0 " + x + "@0", "becameFollower off-0 " + x + "@0", "becameFollower dirty-0 " + x + "@0")));
        assertThat(seenByY).hasSize(4); // the leader's ISR changes of partitions Y follows are not Y's business
        seenByY.clear();

        TestCluster.kill(xm);
        await("dead node gone", TIMEOUT, () -> controller.nodes().liveNodes().size() == 2);
        controller.assigner().reconcile().get(20, TimeUnit.SECONDS);

        await("failover", TIMEOUT, () -> ym.partitions().get(fo).orElseThrow().leaderNodeId() == y
                && ym.partitions().get(off).orElseThrow().leaderEpoch() == 1
                && ym.partitions().get(dirty).orElseThrow().leaderEpoch() == 1
                && ym.partitions().get(shr).orElseThrow().partitionEpoch() == 1);
        PartitionState foNow = ym.partitions().get(fo).orElseThrow();
        assertThat(foNow.leaderEpoch()).isEqualTo(1);
        assertThat(foNow.isr()).containsExactly(y, c);

        // no ISR member is live: offline, not moved to the live out-of-sync replica
        PartitionState offNow = ym.partitions().get(off).orElseThrow();
        assertThat(offNow.hasLeader()).isFalse();
        assertThat(offNow.isr()).containsExactly(x);
        assertThat(offNow.replicas()).containsExactly(x, y);

        // the same situation with unclean election enabled on the topic: the live replica leads, counted
        PartitionState dirtyNow = ym.partitions().get(dirty).orElseThrow();
        assertThat(dirtyNow.leaderNodeId()).isEqualTo(y);
        assertThat(dirtyNow.isr()).containsExactly(y);
        assertThat(controller.assigner().uncleanElections()).isEqualTo(1);
        assertThat(ym.assigner().uncleanElections()).isZero();

        // a live leader's dead follower leaves the ISR; the leader epoch stays
        PartitionState shrNow = ym.partitions().get(shr).orElseThrow();
        assertThat(shrNow.leaderNodeId()).isEqualTo(y);
        assertThat(shrNow.leaderEpoch()).isZero();
        assertThat(shrNow.isr()).containsExactly(y);

        await("role callbacks", TIMEOUT, () -> seenByY.size() >= 5);
        assertThat(seenByY).containsExactlyInAnyOrder(
                "stoppedFollowing fo-0 " + y + "@1", "becameLeader fo-0 " + y + "@1",
                "becameFollower off-0 -1@1",
                "stoppedFollowing dirty-0 " + y + "@1", "becameLeader dirty-0 " + y + "@1",
                "isrChanged shr-0 " + y + "@0");
        assertThat(seenByY.indexOf("stoppedFollowing dirty-0 " + y + "@1"))
                .isLessThan(seenByY.indexOf("becameLeader dirty-0 " + y + "@1"));

        // administrative elections
        assertThat(ym.assigner().electPreferred(fo).status()).isEqualTo(ElectionResult.Status.PREFERRED_LEADER_NOT_AVAILABLE);
        assertThat(ym.assigner().electPreferred(shr).status()).isEqualTo(ElectionResult.Status.ELECTION_NOT_NEEDED);
        assertThat(ym.assigner().electUnclean(fo).status()).isEqualTo(ElectionResult.Status.ELECTION_NOT_NEEDED);
        assertThat(ym.assigner().electPreferred(new PartitionId("nope", 0)).status())
                .isEqualTo(ElectionResult.Status.UNKNOWN_TOPIC_OR_PARTITION);
        seenByY.clear();

        // the last ISR member returns: it leads again, under the next leader epoch
        ClusterMember back = cluster.start(cluster.config(x, x - 1).build());
        await("offline partition back online", TIMEOUT, () -> back.partitions().get(off).orElseThrow().leaderNodeId() == x);
        PartitionState offBack = back.partitions().get(off).orElseThrow();
        assertThat(offBack.leaderEpoch()).isEqualTo(2);
        assertThat(offBack.isr()).containsExactly(x);
        await("follower told of the new leader", TIMEOUT, () -> seenByY.contains("becameFollower off-0 " + x + "@2"));
        // the unclean partition does not go back: its ISR is the new leader now
        assertThat(back.partitions().get(dirty).orElseThrow().leaderNodeId()).isEqualTo(y);

        // the preferred replica is live but not in sync: refused until the leader adds it back
        ElectionResult notInSync = ym.assigner().electPreferred(fo);
        assertThat(notInSync.status()).isEqualTo(ElectionResult.Status.PREFERRED_LEADER_NOT_AVAILABLE);
        assertThat(notInSync.message()).contains("not in the ISR");
        PartitionState foBefore = ym.partitions().get(fo).orElseThrow();
        assertThat(ym.partitions().alterIsr(fo, y, foBefore.leaderEpoch(), foBefore.partitionEpoch(), List.of(y, c, x))
                .applied()).isTrue();
        ElectionResult elected = ym.assigner().electPreferred(fo);
        assertThat(elected.status()).isEqualTo(ElectionResult.Status.ELECTED);
        assertThat(elected.state().leaderNodeId()).isEqualTo(x);
        assertThat(elected.state().leaderEpoch()).isEqualTo(foBefore.leaderEpoch() + 1);
    }

    @Test
    void initialAssignmentHonoursManualAssignmentsRacksAndTheReplicationFactor() throws Exception {
        List<ClusterMember> all = startThree();
        int c = all.get(0).controller().controllerNodeId();
        ClusterMember controller = all.get(c - 1);
        ClusterMember creator = all.stream().filter(m -> m != controller).findFirst().orElseThrow();

        // manual assignment, states written by the controller (the creator does not call assign)
        Map<Integer, List<Integer>> manual = Map.of(0, List.of(3, 1), 1, List.of(1, 2), 2, List.of(2, 3));
        TopicDescriptor placed = creator.topics().create("placed", 3, Map.of(), 0, manual);
        await("controller created the states", TIMEOUT, () -> creator.partitions().forTopic("placed", 3).size() == 3);
        manual.forEach((p, replicas) -> assertThat(creator.partitions().get(new PartitionId("placed", p)))
                .contains(PartitionState.initial(placed.topicId(), replicas)));
        assertThat(creator.topics().record("placed").orElseThrow().replicaAssignment()).isEqualTo(manual);

        // manual assignment, states written by the creator before the controller gets to it: the same
        TopicDescriptor placed2 = creator.topics().create("placed2", 3, Map.of(), 2, manual);
        Map<PartitionId, PartitionState> byCreator = creator.assigner().assign(placed2);
        manual.forEach((p, replicas) -> assertThat(byCreator.get(new PartitionId("placed2", p)))
                .isEqualTo(PartitionState.initial(placed2.topicId(), replicas)));

        // replication factor above the live nodes: no state, never a lower factor
        TopicDescriptor tooWide = creator.topics().create("too-wide", 2, Map.of(), 4, Map.of());
        assertThat(creator.assigner().assign(tooWide)).isEmpty();
        controller.assigner().reconcile().get(20, TimeUnit.SECONDS);
        assertThat(controller.partitions().forTopic("too-wide", 2)).isEmpty();

        // computed, rack-aware: node 2 is alone on rack-0 (TestCluster.info), so every partition has it
        TopicDescriptor spread = creator.topics().create("spread", 6, Map.of(), 2, Map.of());
        Map<PartitionId, PartitionState> states = creator.assigner().assign(spread);
        assertThat(states).hasSize(6);
        assertThat(states.values()).allSatisfy(s -> {
            assertThat(s.replicas()).hasSize(2).contains(2);
            assertThat(s.isr()).isEqualTo(s.replicas());
        });
        for (int node = 1; node <= 3; node++) {
            int n = node;
            assertThat(states.values().stream().filter(s -> s.leaderNodeId() == n).count()).as("led by " + n).isEqualTo(2);
        }
        controller.assigner().reconcile().get(20, TimeUnit.SECONDS);
        assertThat(controller.partitions().forTopic("spread", 6)).isEqualTo(states);
    }

    private static void create(ClusterMember m, String name, Map<String, String> configs, List<Integer> replicas) {
        TopicDescriptor t = m.topics().create(name, 1, configs, 0, Map.of(0, replicas));
        assertThat(m.assigner().assign(t)).hasSize(1);
    }

    private static LeadershipListener recorder(List<String> seen) {
        return new LeadershipListener() {
            @Override
            public void becameLeader(PartitionId partition, PartitionState state) {
                seen.add("becameLeader " + partition + " " + describe(state));
            }

            @Override
            public void stoppedLeading(PartitionId partition, PartitionState current) {
                seen.add("stoppedLeading " + partition + " " + describe(current));
            }

            @Override
            public void becameFollower(PartitionId partition, PartitionState state) {
                seen.add("becameFollower " + partition + " " + describe(state));
            }

            @Override
            public void stoppedFollowing(PartitionId partition, PartitionState current) {
                seen.add("stoppedFollowing " + partition + " " + describe(current));
            }

            @Override
            public void isrChanged(PartitionId partition, PartitionState state) {
                seen.add("isrChanged " + partition + " " + describe(state));
            }
        };
    }

    private static String describe(PartitionState s) {
        return s == null ? "null" : s.leaderNodeId() + "@" + s.leaderEpoch();
    }
}
