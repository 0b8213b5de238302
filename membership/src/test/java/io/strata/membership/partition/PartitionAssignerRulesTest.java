package io.strata.membership.partition;

import io.strata.membership.cluster.NodeInfo;
import io.strata.membership.partition.PartitionAssigner.Transition;
import io.strata.membership.topic.TopicDescriptor;
import io.strata.membership.topic.TopicRecord;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The controller's decisions as pure functions of a state and the live nodes. */
class PartitionAssignerRulesTest {

    private static final UUID TOPIC = UUID.randomUUID();

    private static PartitionState state(int leader, int le, int pe, List<Integer> replicas, List<Integer> isr) {
        return new PartitionState(TOPIC, leader, le, pe, replicas, isr);
    }

    @Test
    void failoverPicksTheFirstLiveIsrMemberInReplicaOrderNeverAnOutOfSyncReplica() {
        PartitionState st = state(1, 4, 9, List.of(1, 2, 3, 4), List.of(1, 4, 3));
        // 2 is live and earlier in replica order, but out of sync: 3 is chosen
        Transition t = PartitionAssigner.transition(st, Set.of(2, 3, 4), false);
        assertThat(t.kind()).isEqualTo(Transition.Kind.ELECT);
        assertThat(t.next()).isEqualTo(state(3, 5, 10, List.of(1, 2, 3, 4), List.of(4, 3)));

        // dead ISR members leave the ISR as the leader moves
        Transition t2 = PartitionAssigner.transition(st, Set.of(2, 4), false);
        assertThat(t2.next()).isEqualTo(state(4, 5, 10, List.of(1, 2, 3, 4), List.of(4)));
    }

    @Test
    void noLiveIsrMemberTakesThePartitionOfflineKeepingTheLastLeader() {
        PartitionState st = state(1, 4, 9, List.of(1, 2, 3), List.of(1, 3));
        Transition t = PartitionAssigner.transition(st, Set.of(2), false);
        assertThat(t.kind()).isEqualTo(Transition.Kind.OFFLINE);
        assertThat(t.next()).isEqualTo(state(PartitionState.NO_LEADER, 5, 10, List.of(1, 2, 3), List.of(1)));
        // offline stays offline while only the out-of-sync replica is live
        assertThat(PartitionAssigner.transition(t.next(), Set.of(2), false)).isNull();
        // the last ISR member returns: it is elected under the next leader epoch
        Transition back = PartitionAssigner.transition(t.next(), Set.of(1, 2), false);
        assertThat(back.kind()).isEqualTo(Transition.Kind.ELECT);
        assertThat(back.next()).isEqualTo(state(1, 6, 11, List.of(1, 2, 3), List.of(1)));
    }

    @Test
    void uncleanElectionOnlyWhenEnabledAndNoIsrMemberIsLive() {
        PartitionState st = state(1, 4, 9, List.of(1, 2, 3), List.of(1));
        Transition t = PartitionAssigner.transition(st, Set.of(3, 2), true);
        assertThat(t.kind()).isEqualTo(Transition.Kind.UNCLEAN_ELECTION);
        assertThat(t.next()).isEqualTo(state(2, 5, 10, List.of(1, 2, 3), List.of(2)));
        // a live ISR member is preferred even when unclean election is enabled
        PartitionState withIsr = state(1, 4, 9, List.of(1, 2, 3), List.of(1, 3));
        assertThat(PartitionAssigner.transition(withIsr, Set.of(2, 3), true).kind()).isEqualTo(Transition.Kind.ELECT);
        assertThat(PartitionAssigner.transition(withIsr, Set.of(2, 3), true).next().leaderNodeId()).isEqualTo(3);
        // also from offline
        PartitionState offline = state(PartitionState.NO_LEADER, 5, 10, List.of(1, 2, 3), List.of(1));
        assertThat(PartitionAssigner.transition(offline, Set.of(3), true).next().leaderNodeId()).isEqualTo(3);
        assertThat(PartitionAssigner.transition(offline, Set.of(3), false)).isNull();
        // nothing live at all: offline regardless
        assertThat(PartitionAssigner.transition(st, Set.of(7), true).kind()).isEqualTo(Transition.Kind.OFFLINE);
    }

    @Test
    void aDeadFollowerLeavesTheIsrUnderTheSameLeaderEpoch() {
        PartitionState st = state(2, 4, 9, List.of(1, 2, 3), List.of(2, 1, 3));
        Transition t = PartitionAssigner.transition(st, Set.of(2, 3), false);
        assertThat(t.kind()).isEqualTo(Transition.Kind.SHRINK_ISR);
        assertThat(t.next()).isEqualTo(state(2, 4, 10, List.of(1, 2, 3), List.of(2, 3)));
        // all live: nothing to do (a live out-of-sync replica is the leader's business)
        assertThat(PartitionAssigner.transition(state(2, 4, 9, List.of(1, 2, 3), List.of(2)), Set.of(1, 2, 3), false)).isNull();
    }

    @Test
    void rackAwareAssignmentPutsReplicasOnDistinctRacksAndSpreadsLeaders() {
        // 6 nodes on 3 racks, ids not grouped by rack
        List<NodeInfo> nodes = List.of(node(1, "a"), node(2, "a"), node(3, "b"), node(4, "b"), node(5, "c"), node(6, "c"));
        Map<Integer, String> rack = new HashMap<>();
        nodes.forEach(n -> rack.put(n.nodeId(), n.rack()));
        Map<Integer, Integer> leaders = new HashMap<>();
        Map<Integer, Integer> replicaCount = new HashMap<>();
        for (int p = 0; p < 12; p++) {
            List<Integer> replicas = PartitionAssigner.rackAwareReplicas("orders", p, nodes, 3);
            assertThat(replicas).hasSize(3).doesNotHaveDuplicates();
            assertThat(replicas.stream().map(rack::get).distinct()).as("racks of " + replicas).hasSize(3);
            leaders.merge(replicas.get(0), 1, Integer::sum);
            replicas.forEach(r -> replicaCount.merge(r, 1, Integer::sum));
            // deterministic: every node computes the same
            List<NodeInfo> shuffled = new ArrayList<>(nodes);
            java.util.Collections.reverse(shuffled);
            assertThat(PartitionAssigner.rackAwareReplicas("orders", p, shuffled, 3))
                    .isEqualTo(replicas);
        }
        assertThat(leaders).hasSize(6).allSatisfy((node, n) -> assertThat(n).isEqualTo(2));
        assertThat(replicaCount).allSatisfy((node, n) -> assertThat(n).isEqualTo(6));

        // two racks, replication factor 2: each partition on both racks
        List<NodeInfo> two = List.of(node(1, "x"), node(2, "x"), node(3, "x"), node(4, "y"));
        for (int p = 0; p < 8; p++) {
            List<Integer> replicas = PartitionAssigner.rackAwareReplicas("t", p, two, 2);
            assertThat(replicas).contains(4);
        }
        // no racks: still distinct replicas, leaders spread
        List<NodeInfo> plain = List.of(node(1, null), node(2, null), node(3, null));
        Set<Integer> plainLeaders = new HashSet<>();
        for (int p = 0; p < 3; p++) {
            List<Integer> replicas = PartitionAssigner.rackAwareReplicas("t", p, plain, 3);
            assertThat(replicas).containsExactlyInAnyOrder(1, 2, 3);
            plainLeaders.add(replicas.get(0));
        }
        assertThat(plainLeaders).containsExactlyInAnyOrder(1, 2, 3);
    }

    @Test
    void initialStatesComeFromTheRecordAndNeverLowerTheReplicationFactor() {
        TopicDescriptor t = new TopicDescriptor("t", TOPIC, 3, Map.of());
        List<NodeInfo> live = List.of(node(1, null), node(2, null));
        assertThat(PartitionAssigner.initialState(new TopicRecord(t, 3), 0, live, 1)).isNull();
        assertThat(PartitionAssigner.initialState(new TopicRecord(t, 0), 0, live, 3)).isNull();
        PartitionState rf2 = PartitionAssigner.initialState(new TopicRecord(t, 2), 1, live, 1);
        assertThat(rf2.replicas()).containsExactlyInAnyOrder(1, 2);
        assertThat(rf2.isr()).isEqualTo(rf2.replicas());
        assertThat(rf2.leaderNodeId()).isEqualTo(rf2.replicas().get(0));
        assertThat(rf2.leaderEpoch()).isZero();
        assertThat(rf2.partitionEpoch()).isZero();

        // a manual assignment is honoured as given, whatever is live; partitions beyond it are computed
        TopicRecord manual = new TopicRecord(t, 0, Map.of(0, List.of(7, 8, 9), 1, List.of(9, 8, 7)));
        assertThat(manual.replicationFactor()).isEqualTo(3);
        assertThat(PartitionAssigner.initialState(manual, 1, live, 1))
                .isEqualTo(new PartitionState(TOPIC, 9, 0, 0, List.of(9, 8, 7), List.of(9, 8, 7)));
        assertThat(PartitionAssigner.initialState(manual, 2, live, 1)).isNull(); // rf 3, two live nodes

        assertThatThrownBy(() -> new TopicRecord(t, 0, Map.of(0, List.of(1, 2), 1, List.of(1))))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new TopicRecord(t, 0, Map.of(1, List.of(1))))
                .hasMessageContaining("consecutively");
        assertThatThrownBy(() -> new TopicRecord(t, 2, Map.of(0, List.of(1, 2, 3))))
                .hasMessageContaining("does not match");
    }

    private static NodeInfo node(int id, String rack) {
        return new NodeInfo(id, "h", 9092, "h", 8080, rack);
    }
}
