package io.strata.ingest.group;

import io.strata.ingest.cluster.TestMembers;
import io.strata.membership.group.CommittedOffset;
import io.strata.membership.hazelcast.ClusterMember;
import io.strata.membership.partition.PartitionId;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Which node coordinates a group, and that a node cut off from the cluster majority coordinates none:
 * commits it acknowledged would be dropped when the split heals (the majority's committed offsets win).
 */
class CoordinatorLocatorTest {

    private static final PartitionId P0 = new PartitionId("t", 0);
    /** One group id per coordinator slot, so every slot (and so every node) is covered. */
    private static final List<String> GROUPS = List.copyOf(IntStream.range(0, 10_000).mapToObj(i -> "group-" + i)
            .collect(Collectors.toMap(CoordinatorLocator::slotOf, g -> g, (first, later) -> first, TreeMap::new))
            .values());

    @TempDir
    Path dir;

    @Test
    void groupsSpreadOverTheLiveNodesAndNoneIsCoordinatedWithoutAMajority() {
        assertThat(GROUPS).hasSize(CoordinatorLocator.SLOTS);
        AtomicBoolean inMajority = new AtomicBoolean(true);
        CoordinatorLocator locator = new CoordinatorLocator(1, () -> List.of(3, 1, 2), inMajority::get);
        MemoryOffsetStore store = new MemoryOffsetStore();
        TestTopics topics = new TestTopics().with("t", 1);
        try (GroupCoordinator coordinator = new GroupCoordinator(store, topics, topics, GroupConfig.defaults(),
                new ManualTimer(), locator)) {
            assertThat(GROUPS.stream().map(locator::coordinatorOf).distinct()).containsExactlyInAnyOrder(1, 2, 3);
            String local = GROUPS.stream().filter(locator::isLocal).findFirst().orElseThrow();
            String remote = GROUPS.stream().filter(g -> !locator.isLocal(g)).findFirst().orElseThrow();
            assertThat(coordinator.checkCoordinator(local)).isEqualTo(GroupError.NONE);
            assertThat(coordinator.checkCoordinator(remote)).isEqualTo(GroupError.NOT_COORDINATOR);
            assertThat(coordinator.commitOffsets(local, -1, "", null, Map.of(P0, offset(5)), true))
                    .isEqualTo(GroupError.NONE);
            assertThat(coordinator.listGroups(List.of(), List.of())).extracting(GroupListing::groupId).containsExactly(local);

            inMajority.set(false);
            assertThat(GROUPS).allSatisfy(g -> {
                assertThat(locator.coordinatorOf(g)).as(g).isEqualTo(CoordinatorLocator.NONE);
                assertThat(coordinator.checkCoordinator(g)).as(g).isEqualTo(GroupError.COORDINATOR_NOT_AVAILABLE);
            });
            assertThat(coordinator.listGroups(List.of(), List.of())).isEmpty();

            inMajority.set(true);
            assertThat(coordinator.checkCoordinator(local)).isEqualTo(GroupError.NONE);
            assertThat(coordinator.checkCoordinator(remote)).isEqualTo(GroupError.NOT_COORDINATOR);
        }
    }

    /** The locator wired as the node wires it, to a real member's live nodes and split-brain quorum. */
    @Test
    void theSurvivorOfATwoNodeClusterCoordinatesNoGroupUntilItsPeerReturns() {
        try (TestMembers cluster = new TestMembers(dir, 2)) {
            List<ClusterMember> members = cluster.start(1, 2);
            ClusterMember a = members.get(0);
            CoordinatorLocator locator = new CoordinatorLocator(1, () -> List.copyOf(a.nodes().liveNodeIds()),
                    a::hasQuorum);
            TestTopics topics = new TestTopics().with("t", 1);
            try (GroupCoordinator coordinator = new GroupCoordinator(a.groupOffsets(), topics, topics,
                    GroupConfig.defaults(), new ManualTimer(), locator)) {
                String group = GROUPS.stream().filter(locator::isLocal).findFirst().orElseThrow();
                assertThat(coordinator.commitOffsets(group, -1, "", null, Map.of(P0, offset(7)), true))
                        .isEqualTo(GroupError.NONE);

                TestMembers.kill(members.get(1));
                TestMembers.await("node 1 has lost the majority", Duration.ofSeconds(30), () -> !a.hasQuorum());
                assertThat(GROUPS).allSatisfy(g -> {
                    assertThat(locator.coordinatorOf(g)).as(g).isEqualTo(CoordinatorLocator.NONE);
                    assertThat(coordinator.checkCoordinator(g)).as(g).isEqualTo(GroupError.COORDINATOR_NOT_AVAILABLE);
                });

                cluster.start(2);
                TestMembers.await("node 1 has the majority again", Duration.ofSeconds(30), a::hasQuorum);
                assertThat(coordinator.checkCoordinator(group)).isEqualTo(GroupError.NONE);
                assertThat(coordinator.fetchOffsets(group, null, -1, null).offsets()).containsEntry(P0, offset(7));
            }
        }
    }

    private static CommittedOffset offset(long offset) {
        return new CommittedOffset(offset, -1, "", 0);
    }
}
