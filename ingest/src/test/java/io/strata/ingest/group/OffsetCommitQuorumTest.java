package io.strata.ingest.group;

import io.strata.ingest.group.consumer.HeartbeatRequest;
import io.strata.ingest.group.consumer.HeartbeatResult;
import io.strata.membership.group.CommittedOffset;
import io.strata.membership.group.GroupOffsetStore;
import io.strata.membership.partition.PartitionId;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * An offset commit is acknowledged only if this node still sees the cluster majority once the write has
 * returned: a node cut off while the write ran answers COORDINATOR_NOT_AVAILABLE (the client finds the
 * coordinator again and retries), for simple consumers, classic groups and consumer groups alike.
 */
class OffsetCommitQuorumTest {

    private static final PartitionId P0 = new PartitionId("t", 0);

    private final AtomicBoolean majority = new AtomicBoolean(true);
    private final AtomicBoolean cutOffDuringWrite = new AtomicBoolean();
    private final MemoryOffsetStore written = new MemoryOffsetStore();
    private final TestTopics topics = new TestTopics().with("t", 2);
    private final GroupCoordinator coordinator = new GroupCoordinator(new CuttingStore(), topics, topics,
            GroupConfig.defaults(), new ManualTimer(), new CoordinatorLocator(1, () -> List.of(1, 2, 3), majority::get));

    @AfterEach
    void close() {
        coordinator.close();
    }

    @Test
    void aSimpleConsumersCommitIsNotAcknowledgedWhenTheMajorityWentWhileItWasWritten() {
        assertThat(coordinator.commitOffsets("simple", -1, "", null, offsets(8817), true)).isEqualTo(GroupError.NONE);

        cutOffDuringWrite.set(true);
        assertThat(coordinator.commitOffsets("simple", -1, "", null, offsets(8818), true))
                .isEqualTo(GroupError.COORDINATOR_NOT_AVAILABLE);
        assertThat(written.fetch("simple", P0).orElseThrow().offset()).as("the write itself went through").isEqualTo(8818);
        assertThat(coordinator.checkCoordinator("simple")).isEqualTo(GroupError.COORDINATOR_NOT_AVAILABLE);
    }

    @Test
    void aConsumerGroupMembersCommitIsNotAcknowledgedWhenTheMajorityWentWhileItWasWritten() {
        HeartbeatResult joined = coordinator.consumer().heartbeat(new HeartbeatRequest("cg", "m", 0, null, null, 60_000,
                List.of("t"), null, null, Map.of(), "client", "/127.0.0.1"));
        assertThat(joined.error()).isEqualTo(GroupError.NONE);
        assertThat(coordinator.commitOffsets("cg", joined.memberEpoch(), "m", null, offsets(10), true))
                .isEqualTo(GroupError.NONE);

        cutOffDuringWrite.set(true);
        assertThat(coordinator.commitOffsets("cg", joined.memberEpoch(), "m", null, offsets(11), true))
                .isEqualTo(GroupError.COORDINATOR_NOT_AVAILABLE);
    }

    @Test
    void aCommitThatKeepsTheMajorityIsAcknowledged() {
        assertThat(coordinator.commitOffsets("simple", -1, "", null, offsets(1), false)).isEqualTo(GroupError.NONE);
        assertThat(coordinator.fetchOffsets("simple", null, -1, List.of(P0)).offsets().get(P0).offset()).isEqualTo(1);
    }

    private static Map<PartitionId, CommittedOffset> offsets(long offset) {
        return Map.of(P0, new CommittedOffset(offset, -1, "", 0));
    }

    /**
     * Writes to {@link #written}; when {@link #cutOffDuringWrite} is set, the majority is gone once the write
     * returns, as for a node whose peers became unreachable mid-commit.
     */
    private final class CuttingStore implements GroupOffsetStore {
        @Override
        public void commit(String groupId, Map<PartitionId, CommittedOffset> offsets) {
            written.commit(groupId, offsets);
            if (cutOffDuringWrite.get()) {
                majority.set(false);
            }
        }

        @Override
        public Optional<CommittedOffset> fetch(String groupId, PartitionId partition) {
            return written.fetch(groupId, partition);
        }

        @Override
        public Map<PartitionId, CommittedOffset> fetchAll(String groupId) {
            return written.fetchAll(groupId);
        }

        @Override
        public void delete(String groupId, Collection<PartitionId> partitions) {
            written.delete(groupId, partitions);
        }

        @Override
        public Set<String> groups() {
            return written.groups();
        }

        @Override
        public boolean deleteGroup(String groupId) {
            return written.deleteGroup(groupId);
        }
    }
}
