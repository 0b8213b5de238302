package io.strata.ingest.group;

import io.strata.ingest.group.consumer.ConsumerGroupDescription;
import io.strata.ingest.group.consumer.HeartbeatRequest;
import io.strata.ingest.group.consumer.HeartbeatResult;
import io.strata.membership.group.CommittedOffset;
import io.strata.membership.partition.PartitionId;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

import static org.assertj.core.api.Assertions.assertThat;

/** Consumer groups (KIP-848): epochs, target assignment, revocation before reassignment, timeouts. */
class ConsumerGroupTest {

    private static final String G = "cg";
    private static final int SESSION = 45_000;
    private static final int REBALANCE = 60_000;

    private final ManualTimer timer = new ManualTimer();
    private final MemoryOffsetStore store = new MemoryOffsetStore();
    private final TestTopics topics = new TestTopics().with("t", 6).with("u", 2);
    private final GroupCoordinator coordinator = new GroupCoordinator(store, topics, topics,
            GroupConfig.defaults(), timer, CoordinatorLocator.singleNode(1));

    @AfterEach
    void close() {
        coordinator.close();
    }

    private HeartbeatResult joinGroup(String memberId, String assignor, String... topicNames) {
        return coordinator.consumer().heartbeat(new HeartbeatRequest(G, memberId, 0, null, null, REBALANCE,
                List.of(topicNames), null, assignor, Map.of(), "client", "/127.0.0.1"));
    }

    private HeartbeatResult heartbeat(String memberId, int epoch, Map<String, Set<Integer>> owned) {
        return coordinator.consumer().heartbeat(new HeartbeatRequest(G, memberId, epoch, null, null, -1,
                null, null, null, owned, "client", "/127.0.0.1"));
    }

    private static Map<String, Set<Integer>> parts(String topic, Integer... partitions) {
        Map<String, Set<Integer>> m = new TreeMap<>();
        if (partitions.length > 0) {
            m.put(topic, new TreeSet<>(List.of(partitions)));
        }
        return m;
    }

    @Test
    void theFirstMemberGetsEveryPartition() {
        HeartbeatResult joined = joinGroup("a", null, "t");
        assertThat(joined.error()).isEqualTo(GroupError.NONE);
        assertThat(joined.memberEpoch()).isEqualTo(1);
        assertThat(joined.assignment()).isEqualTo(parts("t", 0, 1, 2, 3, 4, 5));
        assertThat(joined.heartbeatIntervalMs()).isEqualTo(5_000);
        HeartbeatResult again = heartbeat("a", 1, parts("t", 0, 1, 2, 3, 4, 5));
        assertThat(again.assignment()).as("unchanged assignment is not repeated").isNull();
        ConsumerGroupDescription desc = coordinator.consumer().describe(G);
        assertThat(desc.state()).isEqualTo("Stable");
        assertThat(desc.assignorName()).isEqualTo("uniform");
        assertThat(coordinator.listGroups(List.of(), List.of("consumer")))
                .extracting(GroupListing::state).containsExactly("Stable");
    }

    @Test
    void partitionsMoveOnlyAfterTheirOwnerRevokesThem() {
        HeartbeatResult a = joinGroup("a", null, "t");
        HeartbeatResult b = joinGroup("b", null, "t");
        assertThat(b.memberEpoch()).isEqualTo(2);
        assertThat(b.assignment()).as("b's partitions are still owned by a").isEmpty();

        HeartbeatResult aRevoking = heartbeat("a", 1, parts("t", 0, 1, 2, 3, 4, 5));
        assertThat(aRevoking.memberEpoch()).as("a stays at its epoch while revoking").isEqualTo(1);
        assertThat(aRevoking.assignment()).hasSize(1);
        Set<Integer> aKeeps = aRevoking.assignment().get("t");
        assertThat(aKeeps).hasSize(3);
        assertThat(coordinator.consumer().describe(G).state()).isEqualTo("Reconciling");

        // a still reports the revoked partitions as owned: nothing moves.
        assertThat(heartbeat("a", 1, parts("t", 0, 1, 2, 3, 4, 5)).memberEpoch()).isEqualTo(1);
        assertThat(heartbeat("b", 2, Map.of()).assignment()).isNull();

        HeartbeatResult aDone = heartbeat("a", 1, Map.of("t", aKeeps));
        assertThat(aDone.memberEpoch()).isEqualTo(2);
        HeartbeatResult bGets = heartbeat("b", 2, Map.of());
        Set<Integer> expected = new TreeSet<>(List.of(0, 1, 2, 3, 4, 5));
        expected.removeAll(aKeeps);
        assertThat(bGets.assignment()).isEqualTo(Map.of("t", expected));
        heartbeat("b", 2, bGets.assignment());
        assertThat(coordinator.consumer().describe(G).state()).isEqualTo("Stable");
    }

    @Test
    void aMemberThatMissesItsSessionIsRemovedAndItsPartitionsReassigned() {
        joinGroup("a", null, "t");
        heartbeat("a", 1, parts("t", 0, 1, 2, 3, 4, 5));
        HeartbeatResult b = joinGroup("b", null, "t");
        Set<Integer> aKeeps = heartbeat("a", 1, parts("t", 0, 1, 2, 3, 4, 5)).assignment().get("t");
        heartbeat("a", 1, Map.of("t", aKeeps));
        Set<Integer> bHas = heartbeat("b", 2, Map.of()).assignment().get("t");
        assertThat(bHas).hasSize(3);

        Map<String, Set<Integer>> aOwns = Map.of("t", aKeeps);
        int aEpoch = 2;
        for (int t = 0; t < SESSION + 5_000; t += 5_000) {
            timer.advance(5_000);
            HeartbeatResult r = heartbeat("a", aEpoch, aOwns);
            aEpoch = r.memberEpoch();
            if (r.assignment() != null) {
                aOwns = r.assignment();
            }
        }
        assertThat(aEpoch).isEqualTo(3);
        assertThat(aOwns).isEqualTo(parts("t", 0, 1, 2, 3, 4, 5));
        assertThat(heartbeat("b", 2, Map.of("t", bHas)).error()).isEqualTo(GroupError.UNKNOWN_MEMBER_ID);
    }

    @Test
    void aMemberThatDoesNotRevokeWithinItsRebalanceTimeoutIsRemoved() {
        joinGroup("a", null, "t");
        joinGroup("b", null, "t");
        heartbeat("a", 1, parts("t", 0, 1, 2, 3, 4, 5));
        Map<String, Set<Integer>> bOwns = Map.of();
        int bEpoch = 2;
        for (int t = 0; t < REBALANCE + 5_000; t += 5_000) {
            timer.advance(5_000);
            HeartbeatResult r = heartbeat("b", bEpoch, bOwns);
            bEpoch = r.memberEpoch();
            if (r.assignment() != null) {
                bOwns = r.assignment();
            }
        }
        assertThat(heartbeat("a", 1, parts("t", 0, 1, 2, 3, 4, 5)).error()).isEqualTo(GroupError.UNKNOWN_MEMBER_ID);
        assertThat(bOwns).isEqualTo(parts("t", 0, 1, 2, 3, 4, 5));
    }

    @Test
    void leavingGivesThePartitionsToTheOthers() {
        joinGroup("a", null, "t");
        joinGroup("b", null, "t");
        Set<Integer> aKeeps = heartbeat("a", 1, parts("t", 0, 1, 2, 3, 4, 5)).assignment().get("t");
        heartbeat("a", 1, Map.of("t", aKeeps));
        heartbeat("b", 2, Map.of());
        HeartbeatResult left = coordinator.consumer().heartbeat(new HeartbeatRequest(G, "a", -1, null, null, -1,
                null, null, null, null, "client", "h"));
        assertThat(left.memberEpoch()).isEqualTo(-1);
        HeartbeatResult b = heartbeat("b", 2, Map.of());
        assertThat(b.assignment()).isEqualTo(parts("t", 0, 1, 2, 3, 4, 5));
        assertThat(b.memberEpoch()).isEqualTo(3);
    }

    @Test
    void rangeAssignorOnRequestAndNewTopicsAreNoticed() {
        HeartbeatResult a = joinGroup("a", "range", "t", "u", "later");
        assertThat(a.assignment()).isEqualTo(Map.of("t", Set.of(0, 1, 2, 3, 4, 5), "u", Set.of(0, 1)));
        topics.with("later", 1);
        HeartbeatResult a2 = heartbeat("a", 1, a.assignment());
        assertThat(a2.memberEpoch()).isEqualTo(2);
        assertThat(a2.assignment()).containsEntry("later", Set.of(0));
        assertThat(coordinator.consumer().describe(G).assignorName()).isEqualTo("range");
    }

    @Test
    void invalidRequestsAndFencing() {
        assertThat(joinGroup("a", "sticky", "t").error()).isEqualTo(GroupError.UNSUPPORTED_ASSIGNOR);
        assertThat(coordinator.consumer().heartbeat(new HeartbeatRequest(G, "a", 0, null, null, REBALANCE,
                null, null, null, Map.of(), "c", "h")).error()).isEqualTo(GroupError.INVALID_REQUEST);
        assertThat(coordinator.consumer().heartbeat(new HeartbeatRequest(G, "a", 0, null, null, REBALANCE,
                null, "(", null, Map.of(), "c", "h")).error()).isEqualTo(GroupError.INVALID_REGULAR_EXPRESSION);
        assertThat(heartbeat("a", 1, Map.of()).error()).isEqualTo(GroupError.UNKNOWN_MEMBER_ID);
        joinGroup("a", null, "t");
        assertThat(heartbeat("a", 5, Map.of()).error()).isEqualTo(GroupError.FENCED_MEMBER_EPOCH);
        assertThat(heartbeat("zz", 1, Map.of()).error()).isEqualTo(GroupError.UNKNOWN_MEMBER_ID);
        assertThat(coordinator.deleteGroups(List.of(G))).containsEntry(G, GroupError.NON_EMPTY_GROUP);
        // A classic member cannot join while the consumer group has members.
        var join = new io.strata.ingest.group.classic.JoinRequest(G, "", null, "c", "h", 10_000, 10_000, "consumer",
                List.of(new io.strata.ingest.group.classic.JoinRequest.Protocol("range", new byte[0])), true, null);
        assertThat(coordinator.classic().join(join).join().error()).isEqualTo(GroupError.INCONSISTENT_GROUP_PROTOCOL);
    }

    @Test
    void offsetCommitsNeedTheCurrentMemberEpoch() {
        joinGroup("a", null, "t");
        Map<PartitionId, CommittedOffset> offsets = Map.of(new PartitionId("t", 0), new CommittedOffset(3, -1, "", 0));
        assertThat(coordinator.commitOffsets(G, 1, "a", null, offsets, true)).isEqualTo(GroupError.NONE);
        assertThat(coordinator.commitOffsets(G, 0, "a", null, offsets, true)).isEqualTo(GroupError.STALE_MEMBER_EPOCH);
        assertThat(coordinator.commitOffsets(G, 1, "b", null, offsets, true)).isEqualTo(GroupError.UNKNOWN_MEMBER_ID);
        assertThat(coordinator.commitOffsets(G, -1, "", null, offsets, true)).isEqualTo(GroupError.UNKNOWN_MEMBER_ID);
        assertThat(coordinator.fetchOffsets(G, "a", 0, null).error()).isEqualTo(GroupError.STALE_MEMBER_EPOCH);
        assertThat(coordinator.fetchOffsets(G, "a", 1, null).offsets()).hasSize(1);
    }
}
