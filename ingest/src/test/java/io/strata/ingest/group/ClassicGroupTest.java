package io.strata.ingest.group;

import io.strata.ingest.group.classic.ClassicGroupDescription;
import io.strata.ingest.group.classic.JoinRequest;
import io.strata.ingest.group.classic.JoinResult;
import io.strata.ingest.group.classic.LeaveResult;
import io.strata.ingest.group.classic.SyncRequest;
import io.strata.ingest.group.classic.SyncResult;
import io.strata.membership.group.CommittedOffset;
import io.strata.membership.partition.PartitionId;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

import static org.assertj.core.api.Assertions.assertThat;

/** The classic group state machine, driven with a manual clock. */
class ClassicGroupTest {

    private static final int SESSION = 10_000;
    private static final int REBALANCE = 30_000;
    private static final long INITIAL_DELAY = 3_000;
    private static final String G = "group";

    private final ManualTimer timer = new ManualTimer();
    private final MemoryOffsetStore store = new MemoryOffsetStore();
    private final TestTopics topics = new TestTopics().with("t", 6);
    private final GroupCoordinator coordinator = new GroupCoordinator(store, topics, topics,
            GroupConfig.defaults(), timer, CoordinatorLocator.singleNode(1));

    @AfterEach
    void close() {
        coordinator.close();
    }

    private JoinRequest join(String memberId, String instanceId, String... protocols) {
        List<JoinRequest.Protocol> list = new java.util.ArrayList<>();
        for (String p : protocols.length == 0 ? new String[] {"range"} : protocols) {
            list.add(new JoinRequest.Protocol(p, TestTopics.subscription("t")));
        }
        return new JoinRequest(G, memberId, instanceId, "client", "/127.0.0.1", SESSION, REBALANCE, "consumer",
                list, true, null);
    }

    /** Joins a new dynamic member through MEMBER_ID_REQUIRED; returns its id and pending join. */
    private Joined newMember() {
        JoinResult first = coordinator.classic().join(join("", null)).join();
        assertThat(first.error()).isEqualTo(GroupError.MEMBER_ID_REQUIRED);
        assertThat(first.memberId()).startsWith("client-");
        return new Joined(first.memberId(), coordinator.classic().join(join(first.memberId(), null)));
    }

    private record Joined(String memberId, CompletableFuture<JoinResult> join) {
    }

    private SyncResult syncLeader(String leader, int generation, Map<String, String> assignments) {
        Map<String, byte[]> bytes = new java.util.HashMap<>();
        assignments.forEach((m, a) -> bytes.put(m, a.getBytes(StandardCharsets.UTF_8)));
        return coordinator.classic().sync(new SyncRequest(G, leader, null, generation, "consumer", "range", bytes)).join();
    }

    private CompletableFuture<SyncResult> sync(String member, int generation) {
        return coordinator.classic().sync(new SyncRequest(G, member, null, generation, null, null, Map.of()));
    }

    private String stableSingleMember() {
        Joined a = newMember();
        assertThat(a.join()).isNotDone();
        timer.advance(INITIAL_DELAY);
        JoinResult joined = a.join().join();
        assertThat(joined.error()).isEqualTo(GroupError.NONE);
        assertThat(joined.generationId()).isEqualTo(1);
        assertThat(joined.leaderId()).isEqualTo(a.memberId());
        assertThat(joined.protocolName()).isEqualTo("range");
        assertThat(joined.members()).extracting(JoinResult.MemberMetadata::memberId).containsExactly(a.memberId());
        SyncResult synced = syncLeader(a.memberId(), 1, Map.of(a.memberId(), "all"));
        assertThat(synced.error()).isEqualTo(GroupError.NONE);
        assertThat(new String(synced.assignment(), StandardCharsets.UTF_8)).isEqualTo("all");
        return a.memberId();
    }

    @Test
    void firstMemberWaitsForTheInitialDelayThenLeadsAStableGroup() {
        String a = stableSingleMember();
        assertThat(coordinator.classic().heartbeat(G, a, null, 1)).isEqualTo(GroupError.NONE);
        ClassicGroupDescription desc = coordinator.describeClassic(G);
        assertThat(desc.state()).isEqualTo("Stable");
        assertThat(desc.protocolName()).isEqualTo("range");
        assertThat(desc.members()).hasSize(1);
        assertThat(coordinator.listGroups(List.of("stable"), List.of("classic")))
                .extracting(GroupListing::groupId).containsExactly(G);
        assertThat(coordinator.listGroups(List.of("Empty"), List.of())).isEmpty();
    }

    @Test
    void aNewMemberRebalancesTheGroupAndTheLeaderAssignsBoth() {
        String a = stableSingleMember();
        Joined b = newMember();
        assertThat(b.join()).isNotDone();
        assertThat(coordinator.classic().heartbeat(G, a, null, 1)).isEqualTo(GroupError.REBALANCE_IN_PROGRESS);
        assertThat(coordinator.describeClassic(G).state()).isEqualTo("PreparingRebalance");

        CompletableFuture<JoinResult> aRejoin = coordinator.classic().join(join(a, null));
        JoinResult aJoined = aRejoin.join();
        JoinResult bJoined = b.join().join();
        assertThat(aJoined.generationId()).isEqualTo(2);
        assertThat(bJoined.generationId()).isEqualTo(2);
        assertThat(aJoined.leaderId()).isEqualTo(a);
        assertThat(aJoined.members()).hasSize(2);
        assertThat(bJoined.members()).isEmpty();

        CompletableFuture<SyncResult> bSync = sync(b.memberId(), 2);
        assertThat(bSync).isNotDone();
        syncLeader(a, 2, Map.of(a, "p0-p2", b.memberId(), "p3-p5"));
        assertThat(new String(bSync.join().assignment(), StandardCharsets.UTF_8)).isEqualTo("p3-p5");
        assertThat(coordinator.classic().heartbeat(G, b.memberId(), null, 2)).isEqualTo(GroupError.NONE);
        assertThat(coordinator.classic().heartbeat(G, a, null, 1)).isEqualTo(GroupError.ILLEGAL_GENERATION);
    }

    @Test
    void aMemberThatStopsHeartbeatingIsEvictedAndThenUnknown() {
        String a = stableSingleMember();
        Joined b = newMember();
        coordinator.classic().join(join(a, null)).join();
        b.join().join();
        syncLeader(a, 2, Map.of(a, "x", b.memberId(), "y"));
        sync(b.memberId(), 2).join();

        GroupError last = GroupError.NONE;
        for (int i = 0; i < 4; i++) {
            timer.advance(SESSION / 3);
            last = coordinator.classic().heartbeat(G, a, null, 2);
        }
        // b missed its session timeout: it is removed and the group rebalances without it.
        assertThat(last).isEqualTo(GroupError.REBALANCE_IN_PROGRESS);
        assertThat(coordinator.classic().heartbeat(G, b.memberId(), null, 2)).isEqualTo(GroupError.UNKNOWN_MEMBER_ID);
        JoinResult alone = coordinator.classic().join(join(a, null)).join();
        assertThat(alone.generationId()).isEqualTo(3);
        assertThat(alone.members()).extracting(JoinResult.MemberMetadata::memberId).containsExactly(a);
    }

    @Test
    void membersThatDoNotRejoinWithinTheRebalanceTimeoutAreRemoved() {
        String a = stableSingleMember();
        Joined b = newMember();
        coordinator.classic().join(join(a, null)).join();
        b.join().join();
        syncLeader(a, 2, Map.of());
        sync(b.memberId(), 2).join();

        Joined c = newMember();
        CompletableFuture<JoinResult> aRejoin = coordinator.classic().join(join(a, null));
        for (int t = 0; t < REBALANCE; t += 2_000) {
            timer.advance(2_000);
            coordinator.classic().heartbeat(G, b.memberId(), null, 2);
        }
        JoinResult aJoined = aRejoin.join();
        assertThat(aJoined.generationId()).isEqualTo(3);
        assertThat(aJoined.members()).extracting(JoinResult.MemberMetadata::memberId)
                .containsExactlyInAnyOrder(a, c.memberId());
        assertThat(coordinator.classic().heartbeat(G, b.memberId(), null, 3)).isEqualTo(GroupError.UNKNOWN_MEMBER_ID);
    }

    @Test
    void leavingMembersRebalanceAndTheLastLeavesAnEmptyGroup() {
        String a = stableSingleMember();
        LeaveResult left = coordinator.classic().leave(G, List.of(new LeaveResult.LeavingMember(a, null),
                new LeaveResult.LeavingMember("nobody", null)));
        assertThat(left.members()).extracting(LeaveResult.MemberOutcome::error)
                .containsExactly(GroupError.NONE, GroupError.UNKNOWN_MEMBER_ID);
        assertThat(coordinator.describeClassic(G).state()).isEqualTo("Empty");
        assertThat(coordinator.classic().heartbeat(G, a, null, 1)).isEqualTo(GroupError.UNKNOWN_MEMBER_ID);
        assertThat(coordinator.deleteGroups(List.of(G, "never-existed")))
                .containsEntry(G, GroupError.NONE).containsEntry("never-existed", GroupError.GROUP_ID_NOT_FOUND);
    }

    @Test
    void protocolAndInputErrors() {
        String a = stableSingleMember();
        JoinRequest otherType = new JoinRequest(G, "", null, "c", "h", SESSION, REBALANCE, "connect",
                List.of(new JoinRequest.Protocol("range", new byte[0])), true, null);
        assertThat(coordinator.classic().join(otherType).join().error()).isEqualTo(GroupError.INCONSISTENT_GROUP_PROTOCOL);
        assertThat(coordinator.classic().join(join("", null, "roundrobin")).join().error())
                .isEqualTo(GroupError.INCONSISTENT_GROUP_PROTOCOL);
        JoinRequest shortSession = new JoinRequest(G, "", null, "c", "h", 1_000, REBALANCE, "consumer",
                List.of(new JoinRequest.Protocol("range", new byte[0])), true, null);
        assertThat(coordinator.classic().join(shortSession).join().error()).isEqualTo(GroupError.INVALID_SESSION_TIMEOUT);
        assertThat(coordinator.classic().join(join("ghost", null)).join().error()).isEqualTo(GroupError.UNKNOWN_MEMBER_ID);
        assertThat(sync("ghost", 1).join().error()).isEqualTo(GroupError.UNKNOWN_MEMBER_ID);
        assertThat(sync(a, 7).join().error()).isEqualTo(GroupError.ILLEGAL_GENERATION);
        assertThat(coordinator.classic().heartbeat("no-such-group", a, null, 1)).isEqualTo(GroupError.UNKNOWN_MEMBER_ID);
        assertThat(coordinator.deleteGroups(List.of(G))).containsEntry(G, GroupError.NON_EMPTY_GROUP);
    }

    @Test
    void aStaticMemberRejoiningUnderANewIdFencesTheOldOneWithoutARebalance() {
        JoinResult joined = coordinator.classic().join(join("", "instance-1")).toCompletableFuture().getNow(null);
        assertThat(joined).isNull();
        timer.advance(INITIAL_DELAY);
        String first = coordinator.describeClassic(G).members().get(0).memberId();
        syncLeader(first, 1, Map.of(first, "mine"));

        JoinResult again = coordinator.classic().join(join("", "instance-1")).join();
        assertThat(again.error()).isEqualTo(GroupError.NONE);
        assertThat(again.generationId()).isEqualTo(1);
        assertThat(again.memberId()).isNotEqualTo(first);
        assertThat(coordinator.describeClassic(G).state()).isEqualTo("Stable");
        assertThat(coordinator.classic().heartbeat(G, first, "instance-1", 1)).isEqualTo(GroupError.FENCED_INSTANCE_ID);
        assertThat(coordinator.classic().heartbeat(G, again.memberId(), "instance-1", 1)).isEqualTo(GroupError.NONE);
        SyncResult kept = coordinator.classic().sync(new SyncRequest(G, again.memberId(), "instance-1", 1, null, null,
                Map.of())).join();
        assertThat(new String(kept.assignment(), StandardCharsets.UTF_8)).isEqualTo("mine");
        assertThat(coordinator.commitOffsets(G, 1, first, "instance-1", offsets(5), true))
                .isEqualTo(GroupError.FENCED_INSTANCE_ID);
    }

    @Test
    void offsetCommitsAreCheckedAgainstTheGeneration() {
        PartitionId p0 = new PartitionId("t", 0);
        // No group: a simple consumer commits with generation -1.
        assertThat(coordinator.commitOffsets("simple", -1, "", null, offsets(7), false)).isEqualTo(GroupError.NONE);
        assertThat(coordinator.fetchOffsets("simple", null, -1, List.of(p0)).offsets().get(p0).offset()).isEqualTo(7);
        assertThat(coordinator.commitOffsets("unknown", 3, "m", null, offsets(1), false))
                .isEqualTo(GroupError.ILLEGAL_GENERATION);
        assertThat(coordinator.commitOffsets("unknown", 3, "m", null, offsets(1), true))
                .isEqualTo(GroupError.UNKNOWN_MEMBER_ID);
        assertThat(coordinator.commitOffsets("unknown", 3, "", null, offsets(1), true))
                .isEqualTo(GroupError.GROUP_ID_NOT_FOUND);
        assertThat(coordinator.listGroups(List.of(), List.of())).extracting(GroupListing::groupId).contains("simple");
        assertThat(coordinator.describeClassic("simple").state()).isEqualTo("Empty");

        String a = stableSingleMember();
        assertThat(coordinator.commitOffsets(G, 1, a, null, offsets(10), false)).isEqualTo(GroupError.NONE);
        assertThat(coordinator.commitOffsets(G, 2, a, null, offsets(11), false)).isEqualTo(GroupError.ILLEGAL_GENERATION);
        assertThat(coordinator.commitOffsets(G, 1, "ghost", null, offsets(12), false)).isEqualTo(GroupError.UNKNOWN_MEMBER_ID);
        assertThat(coordinator.commitOffsets(G, -1, "", null, offsets(13), false)).isEqualTo(GroupError.UNKNOWN_MEMBER_ID);
        assertThat(store.fetch(G, p0).orElseThrow().offset()).isEqualTo(10);

        // During the sync phase the member must wait for its assignment.
        Joined b = newMember();
        coordinator.classic().join(join(a, null)).join();
        b.join().join();
        assertThat(coordinator.commitOffsets(G, 2, a, null, offsets(14), false)).isEqualTo(GroupError.REBALANCE_IN_PROGRESS);

        assertThat(coordinator.deleteOffsets(G, List.of(p0)).partitions())
                .containsEntry(p0, GroupError.GROUP_SUBSCRIBED_TO_TOPIC);
        assertThat(coordinator.deleteOffsets("simple", List.of(p0)).partitions()).containsEntry(p0, GroupError.NONE);
        assertThat(coordinator.deleteOffsets("simple", List.of(p0)).error()).isEqualTo(GroupError.GROUP_ID_NOT_FOUND);
    }

    /**
     * The group's coordinator moved to another node, which knows its committed offsets but not its
     * members. A member's commit (OffsetCommit v9+) must tell it to rejoin (UNKNOWN_MEMBER_ID), not
     * that the group does not exist (GROUP_ID_NOT_FOUND, fatal for the Java client); after rejoining
     * it commits again.
     */
    @Test
    void aMemberOfAGroupForgottenByACoordinatorMoveIsToldToRejoin() {
        String a = stableSingleMember();
        assertThat(coordinator.commitOffsets(G, 1, a, null, offsets(10), true)).isEqualTo(GroupError.NONE);

        ManualTimer movedTimer = new ManualTimer();
        try (GroupCoordinator moved = new GroupCoordinator(store, topics, topics, GroupConfig.defaults(), movedTimer,
                CoordinatorLocator.singleNode(2))) {
            assertThat(moved.commitOffsets(G, 1, a, null, offsets(11), true)).isEqualTo(GroupError.UNKNOWN_MEMBER_ID);
            assertThat(moved.commitOffsets(G, 1, a, null, offsets(11), false)).isEqualTo(GroupError.ILLEGAL_GENERATION);
            assertThat(store.fetch(G, new PartitionId("t", 0)).orElseThrow().offset()).isEqualTo(10);

            // What the Java client does on UNKNOWN_MEMBER_ID: forget its member id and join again.
            JoinResult first = moved.classic().join(join("", null)).join();
            assertThat(first.error()).isEqualTo(GroupError.MEMBER_ID_REQUIRED);
            CompletableFuture<JoinResult> rejoin = moved.classic().join(join(first.memberId(), null));
            movedTimer.advance(INITIAL_DELAY);
            JoinResult joined = rejoin.join();
            assertThat(joined.error()).isEqualTo(GroupError.NONE);
            SyncResult synced = moved.classic().sync(new SyncRequest(G, joined.memberId(), null, joined.generationId(),
                    "consumer", "range", Map.of(joined.memberId(), "all".getBytes(StandardCharsets.UTF_8)))).join();
            assertThat(synced.error()).isEqualTo(GroupError.NONE);
            assertThat(moved.commitOffsets(G, joined.generationId(), joined.memberId(), null, offsets(11), true))
                    .isEqualTo(GroupError.NONE);
            assertThat(moved.fetchOffsets(G, null, -1, null).offsets().get(new PartitionId("t", 0)).offset())
                    .isEqualTo(11);
        }
    }

    @Test
    void aLeaderThatNeverSyncsIsRemoved() {
        String a = stableSingleMember();
        Joined b = newMember();
        coordinator.classic().join(join(a, null)).join();
        b.join().join();
        CompletableFuture<SyncResult> bSync = sync(b.memberId(), 2);
        timer.advance(REBALANCE);
        assertThat(bSync.join().error()).isIn(GroupError.REBALANCE_IN_PROGRESS);
        assertThat(coordinator.classic().heartbeat(G, a, null, 2)).isEqualTo(GroupError.UNKNOWN_MEMBER_ID);
    }

    private static Map<PartitionId, CommittedOffset> offsets(long offset) {
        return Map.of(new PartitionId("t", 0), new CommittedOffset(offset, -1, "", 0));
    }
}
