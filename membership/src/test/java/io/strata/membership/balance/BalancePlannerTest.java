package io.strata.membership.balance;

import io.strata.membership.partition.PartitionId;
import io.strata.membership.partition.PartitionState;
import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

class BalancePlannerTest {
    private static final UUID TOPIC = UUID.randomUUID();

    private static Map<PartitionId, PartitionState> singleReplicas(int partitions, int node) {
        Map<PartitionId, PartitionState> states = new HashMap<>();
        for (int p = 0; p < partitions; p++) {
            states.put(new PartitionId("t", p), PartitionState.initial(TOPIC, List.of(node)));
        }
        return states;
    }

    @Test
    void newNodesReceiveReplicasAFewMovesAtATime() {
        Map<PartitionId, PartitionState> states = singleReplicas(6, 1);
        BalancePlanner.Plan plan = BalancePlanner.plan(states, Set.of(1, 2, 3), Set.of(), 2, true);
        assertThat(plan.moves()).hasSize(2);
        assertThat(plan.moves()).allSatisfy(m -> assertThat(m.from()).containsExactly(1));
        assertThat(plan.moves().stream().map(m -> m.to().get(0)).toList()).containsExactlyInAnyOrder(2, 3);
        assertThat(plan.leaderMoves()).isEmpty();
    }

    @Test
    void balancedClusterNeedsNothingAndMovesInProgressUseTheBudget() {
        Map<PartitionId, PartitionState> states = new HashMap<>();
        for (int p = 0; p < 6; p++) {
            states.put(new PartitionId("t", p), PartitionState.initial(TOPIC, List.of(1 + p % 3)));
        }
        assertThat(BalancePlanner.plan(states, Set.of(1, 2, 3), Set.of(), 2, true).isEmpty()).isTrue();

        Map<PartitionId, PartitionState> skewed = singleReplicas(6, 1);
        PartitionId moving = new PartitionId("t", 0);
        skewed.put(moving, skewed.get(moving).withReassignment(
                new PartitionState.Reassignment(List.of(1), List.of(2), 0), List.of(1, 2), 1, List.of(1)));
        BalancePlanner.Plan plan = BalancePlanner.plan(skewed, Set.of(1, 2, 3), Set.of(), 2, true);
        assertThat(plan.inProgress()).isEqualTo(1);
        assertThat(plan.moves()).hasSize(1);
        assertThat(plan.moves().get(0).to()).containsExactly(3);
    }

    @Test
    void drainKeepsTheReplicationFactorOrReportsWhyItCannot() {
        Map<PartitionId, PartitionState> states = new HashMap<>();
        states.put(new PartitionId("r2", 0), PartitionState.initial(TOPIC, List.of(3, 1)));
        states.put(new PartitionId("r1", 0), PartitionState.initial(TOPIC, List.of(3)));
        BalancePlanner.Plan plan = BalancePlanner.plan(states, Set.of(1, 2, 3), Set.of(3), 5, false);
        assertThat(plan.blocked()).isEmpty();
        assertThat(plan.moves()).extracting(BalancePlanner.Move::to)
                .containsExactlyInAnyOrder(List.of(2, 1), List.of(2));
        assertThat(BalancePlanner.drainBlockers(states, Set.of(1, 2, 3), Set.of(), 3)).isEmpty();

        assertThat(BalancePlanner.drainBlockers(states, Set.of(1, 3), Set.of(), 3))
                .singleElement().asString().contains("r2-0").contains("replication factor 2");
        BalancePlanner.Plan blocked = BalancePlanner.plan(states, Set.of(1, 3), Set.of(3), 5, false);
        assertThat(blocked.blocked()).singleElement().asString().contains("r2-0");
        assertThat(blocked.moves()).extracting(BalancePlanner.Move::to).containsExactly(List.of(1));
    }

    @Test
    void leadersSpreadOnceReplicasAreBalanced() {
        Map<PartitionId, PartitionState> states = new HashMap<>();
        for (int p = 0; p < 4; p++) {
            states.put(new PartitionId("t", p), PartitionState.initial(TOPIC, List.of(1, 2)));
        }
        BalancePlanner.Plan plan = BalancePlanner.plan(states, Set.of(1, 2), Set.of(), 4, true);
        assertThat(plan.moves()).isEmpty();
        assertThat(plan.leaderMoves()).hasSize(2);
        assertThat(plan.leaderMoves()).allSatisfy(m -> {
            assertThat(m.to()).isEqualTo(2);
            assertThat(m.reordered()).containsExactly(2, 1);
        });
    }

    @Test
    void movesKeepReplicasOnDistinctRacks() {
        Map<Integer, String> racks = Map.of(1, "a", 2, "a", 3, "b", 4, "b");
        Map<PartitionId, PartitionState> states = new HashMap<>();
        states.put(new PartitionId("t", 0), PartitionState.initial(TOPIC, List.of(1, 3)));
        // node 2 is emptier, but in the rack of the other replica: node 4 takes node 3's replica
        states.put(new PartitionId("u", 0), PartitionState.initial(TOPIC, List.of(4)));
        states.put(new PartitionId("u", 1), PartitionState.initial(TOPIC, List.of(4)));
        BalancePlanner.Plan plan = BalancePlanner.plan(states, Set.of(1, 2, 3, 4), Set.of(3), racks, 5, false);
        assertThat(plan.moves()).singleElement().satisfies(m -> assertThat(m.to()).containsExactly(1, 4));

        // balance never moves a replica next to another of the same partition in one rack
        Map<PartitionId, PartitionState> skewed = new HashMap<>();
        for (int p = 0; p < 4; p++) {
            skewed.put(new PartitionId("t", p), PartitionState.initial(TOPIC, List.of(1, 3)));
        }
        BalancePlanner.Plan balance = BalancePlanner.plan(skewed, Set.of(1, 2, 3, 4), Set.of(), racks, 8, true);
        assertThat(balance.moves()).isNotEmpty().allSatisfy(m -> {
            List<Integer> to = m.to();
            assertThat(to.stream().map(racks::get).distinct()).as("racks of %s", to).hasSize(2);
        });
    }

    @Test
    void leadershipsMoveAlongAChainOfInSyncReplicas() {
        Map<PartitionId, PartitionState> states = new HashMap<>();
        // node 2 is alone in its rack, so it keeps a replica of everything: replicas 3 / 6 / 3 cannot move.
        // Node 1 leads three partitions, shared with 2 only; node 2 leads two shared with 3; node 3 leads one.
        for (int p = 0; p < 3; p++) {
            states.put(new PartitionId("a", p), PartitionState.initial(TOPIC, List.of(1, 2)));
        }
        states.put(new PartitionId("b", 0), PartitionState.initial(TOPIC, List.of(2, 3)));
        states.put(new PartitionId("b", 1), PartitionState.initial(TOPIC, List.of(2, 3)));
        states.put(new PartitionId("c", 0), PartitionState.initial(TOPIC, List.of(3, 2)));
        BalancePlanner.Plan plan = BalancePlanner.plan(states, Set.of(1, 2, 3), Set.of(),
                Map.of(1, "x", 2, "y", 3, "x"), 4, true);
        assertThat(plan.moves()).isEmpty();
        assertThat(plan.leaderMoves()).extracting(BalancePlanner.LeaderMove::from, BalancePlanner.LeaderMove::to)
                .containsExactly(org.assertj.core.groups.Tuple.tuple(1, 2), org.assertj.core.groups.Tuple.tuple(2, 3));
    }
}
