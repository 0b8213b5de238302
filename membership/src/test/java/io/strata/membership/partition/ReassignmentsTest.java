package io.strata.membership.partition;

import io.strata.membership.partition.PartitionState.Reassignment;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Set;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The reassignment transitions as pure functions, and their durable format. */
class ReassignmentsTest {

    private static final UUID TOPIC = UUID.randomUUID();
    private static final Set<Integer> ALL_LIVE = Set.of(1, 2, 3, 4);

    @Test
    void startAddsTheTargetsThenCompletionKeepsOnlyThemUnderTheSameLeader() {
        PartitionState st = new PartitionState(TOPIC, 1, 3, 7, List.of(1, 2), List.of(1, 2));
        PartitionState moving = Reassignments.start(st, List.of(1, 3), ALL_LIVE, 1000);
        assertThat(moving.replicas()).containsExactly(1, 2, 3);
        assertThat(moving.isr()).containsExactly(1, 2);
        assertThat(moving.reassignment()).isEqualTo(new Reassignment(List.of(1, 2), List.of(1, 3), 1000));
        assertThat(moving.reassignment().adding()).containsExactly(3);
        assertThat(moving.reassignment().removing()).containsExactly(2);
        assertThat(moving.leaderEpoch()).isEqualTo(3);
        assertThat(moving.partitionEpoch()).isEqualTo(8);

        assertThat(Reassignments.complete(moving, ALL_LIVE)).as("3 is not in sync yet").isNull();
        PartitionState caughtUp = moving.withIsr(List.of(1, 2, 3));
        PartitionState done = Reassignments.complete(caughtUp, ALL_LIVE);
        assertThat(done).isEqualTo(new PartitionState(TOPIC, 1, 3, 10, List.of(1, 3), List.of(1, 3)));
    }

    @Test
    void completionElectsATargetWhenTheLeaderIsRemoved() {
        PartitionState st = new PartitionState(TOPIC, 1, 3, 7, List.of(1, 2), List.of(1, 2));
        PartitionState moving = Reassignments.start(st, List.of(3, 2), ALL_LIVE, 0).withIsr(List.of(1, 2, 3));
        PartitionState done = Reassignments.complete(moving, ALL_LIVE);
        assertThat(done.replicas()).containsExactly(3, 2);
        assertThat(done.leaderNodeId()).isEqualTo(3);
        assertThat(done.leaderEpoch()).isEqualTo(4);
        assertThat(done.isr()).containsExactlyInAnyOrder(2, 3);
        assertThat(done.isReassigning()).isFalse();
        // a target that is not live does not lead: wait
        assertThat(Reassignments.complete(moving, Set.of(1, 2))).extracting(PartitionState::leaderNodeId).isEqualTo(2);
        assertThat(Reassignments.complete(moving, Set.of(1))).isNull();
    }

    @Test
    void cancelRestoresTheOriginalReplicasInTheirOrder() {
        PartitionState st = new PartitionState(TOPIC, 2, 0, 0, List.of(2, 1), List.of(2, 1));
        PartitionState moving = Reassignments.start(st, List.of(3, 4), ALL_LIVE, 0).withIsr(List.of(2, 1, 3));
        assertThat(moving.replicas()).containsExactly(2, 1, 3, 4);
        PartitionState back = Reassignments.cancel(moving, ALL_LIVE);
        assertThat(back.replicas()).containsExactly(2, 1);
        assertThat(back.isr()).containsExactly(2, 1);
        assertThat(back.leaderNodeId()).isEqualTo(2);
        assertThat(back.isReassigning()).isFalse();
        assertThat(Reassignments.cancel(back, ALL_LIVE)).isNull();
        // the same target as the original is a cancel too; the current assignment is nothing to do
        assertThat(Reassignments.start(moving, List.of(2, 1), ALL_LIVE, 5).replicas()).containsExactly(2, 1);
        assertThat(Reassignments.start(st, List.of(2, 1), ALL_LIVE, 5)).isNull();
    }

    @Test
    void redirectingAMoveDropsReplicasNoLongerWantedAndKeepsTheStartTime() {
        PartitionState st = new PartitionState(TOPIC, 1, 0, 0, List.of(1, 2), List.of(1, 2));
        PartitionState moving = Reassignments.start(st, List.of(1, 3), ALL_LIVE, 100).withIsr(List.of(1, 2, 3));
        PartitionState redirected = Reassignments.start(moving, List.of(1, 4), ALL_LIVE, 999);
        assertThat(redirected.replicas()).containsExactly(1, 2, 4);
        assertThat(redirected.isr()).containsExactly(1, 2);
        assertThat(redirected.reassignment()).isEqualTo(new Reassignment(List.of(1, 2), List.of(1, 4), 100));
    }

    @Test
    void aMoveThatWouldLeaveNoInSyncReplicaIsRefused() {
        PartitionState st = new PartitionState(TOPIC, 1, 0, 0, List.of(1, 2), List.of(1, 2));
        PartitionState moving = Reassignments.start(st, List.of(3), ALL_LIVE, 0);
        // the original replicas are out of sync (say they fell behind): cancelling cannot keep an ISR
        PartitionState weird = new PartitionState(TOPIC, 3, 1, 9, moving.replicas(), List.of(3), moving.reassignment());
        assertThatThrownBy(() -> Reassignments.cancel(weird, ALL_LIVE)).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void theReassignmentSurvivesTheDurableFormatAndStatesWithoutOneKeepVersionTwo() {
        PartitionState st = new PartitionState(TOPIC, 1, 2, 3, List.of(1, 2, 3), List.of(1, 2),
                new Reassignment(List.of(1, 2), List.of(3, 1), 12345L));
        assertThat(PartitionState.fromBytes(st.toBytes())).isEqualTo(st);
        PartitionState plain = new PartitionState(TOPIC, 1, 2, 3, List.of(1, 2), List.of(1, 2));
        assertThat(plain.toBytes()[0]).isEqualTo((byte) 2);
        assertThat(PartitionState.fromBytes(plain.toBytes())).isEqualTo(plain);
        assertThatThrownBy(() -> new PartitionState(TOPIC, 1, 0, 0, List.of(1, 2), List.of(1),
                new Reassignment(List.of(1), List.of(3), 0))).isInstanceOf(IllegalArgumentException.class);
        // epochs and leader changes keep the move
        assertThat(st.withIsr(List.of(1)).reassignment()).isEqualTo(st.reassignment());
        assertThat(st.withLeader(2, List.of(2)).reassignment()).isEqualTo(st.reassignment());
    }
}
