package io.strata.membership.hazelcast;

import io.strata.membership.partition.CasResult;
import io.strata.membership.partition.PartitionAssigner;
import io.strata.membership.partition.PartitionId;
import io.strata.membership.partition.PartitionState;
import io.strata.membership.partition.ReassignmentResult;
import io.strata.membership.topic.TopicDescriptor;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static io.strata.membership.hazelcast.TestCluster.await;
import static org.assertj.core.api.Assertions.assertThat;

/** Reassignment and preferred-leader rebalance on a real three-member cluster. */
class ReassignmentTest {

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
    void theControllerCompletesAMoveWhenTheLeaderAddsTheNewReplicaToTheIsr() {
        cluster = new TestCluster(dir, 3);
        List<ClusterMember> all = cluster.startAll(cluster.config(1, 0).build(), cluster.config(2, 1).build(),
                cluster.config(3, 2).build());
        for (ClusterMember m : all) {
            await("three live nodes", TIMEOUT, () -> m.nodes().liveNodes().size() == 3);
        }
        ClusterMember any = all.get(1);
        TopicDescriptor t = any.topics().create("moved", 1, Map.of(), 0, Map.of(0, List.of(1, 2)));
        assertThat(any.assigner().assign(t)).hasSize(1);
        PartitionId id = new PartitionId("moved", 0);

        assertThat(any.assigner().alterReassignment(id, List.of(1, 9)).status())
                .isEqualTo(ReassignmentResult.Status.INVALID_REPLICA_ASSIGNMENT);
        assertThat(any.assigner().alterReassignment(id, null).status())
                .isEqualTo(ReassignmentResult.Status.NO_REASSIGNMENT_IN_PROGRESS);
        ReassignmentResult started = any.assigner().alterReassignment(id, List.of(3, 2));
        assertThat(started.accepted()).as(started.message()).isTrue();
        PartitionState moving = started.state();
        assertThat(moving.replicas()).containsExactly(1, 2, 3);
        assertThat(any.assigner().reassignments()).containsOnlyKeys(id);

        // The leader (1) adds the caught-up replica 3: the controller then completes the move, electing 3.
        CasResult expanded = all.get(0).partitions().alterIsr(id, 1, moving.leaderEpoch(), moving.partitionEpoch(),
                List.of(1, 2, 3));
        assertThat(expanded.applied()).isTrue();
        await("the move completes", TIMEOUT, () -> !any.partitions().get(id).orElseThrow().isReassigning());
        PartitionState done = any.partitions().get(id).orElseThrow();
        assertThat(done.replicas()).containsExactly(3, 2);
        assertThat(done.isr()).containsExactlyInAnyOrder(2, 3);
        assertThat(done.leaderNodeId()).isEqualTo(3);
        assertThat(done.leaderEpoch()).isEqualTo(moving.leaderEpoch() + 1);
        assertThat(any.assigner().reassignments()).isEmpty();

        // Cancel of a move that cannot complete (3 never catches up here) restores the original.
        ReassignmentResult again = any.assigner().alterReassignment(id, List.of(1, 2));
        assertThat(again.state().replicas()).containsExactly(3, 2, 1);
        ReassignmentResult cancelled = any.assigner().alterReassignment(id, null);
        assertThat(cancelled.accepted()).isTrue();
        assertThat(cancelled.state().replicas()).containsExactly(3, 2);
        assertThat(cancelled.state().isReassigning()).isFalse();
    }

    @Test
    void automaticRebalanceMovesLeadershipBackToTheInSyncPreferredReplica() {
        cluster = new TestCluster(dir, 3);
        List<ClusterMember> all = cluster.startAll(
                cluster.config(1, 0).leaderImbalanceCheckInterval(Duration.ofMillis(300)).build(),
                cluster.config(2, 1).leaderImbalanceCheckInterval(Duration.ofMillis(300)).build(),
                cluster.config(3, 2).leaderImbalanceCheckInterval(Duration.ofMillis(300)).build());
        for (ClusterMember m : all) {
            await("three live nodes", TIMEOUT, () -> m.nodes().liveNodes().size() == 3);
        }
        ClusterMember any = all.get(0);
        TopicDescriptor t = any.topics().create("balanced", 1, Map.of(), 0, Map.of(0, List.of(2, 3)));
        assertThat(any.assigner().assign(t)).hasSize(1);
        PartitionId id = new PartitionId("balanced", 0);
        PartitionState st = any.partitions().get(id).orElseThrow();
        // as after a failover: 3 leads, 2 (preferred) is back in the ISR
        assertThat(any.partitions().compareAndSet(id, st.leaderEpoch(), st.partitionEpoch(),
                st.withLeader(3, List.of(3, 2))).applied()).isTrue();
        await("the preferred replica leads again", TIMEOUT,
                () -> any.partitions().get(id).orElseThrow().leaderNodeId() == 2);
        assertThat(any.partitions().get(id).orElseThrow().leaderEpoch()).isEqualTo(st.leaderEpoch() + 2);
    }
}
