package io.strata.membership.hazelcast;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.instance.impl.HazelcastInstanceProxy;
import com.hazelcast.instance.impl.Node;
import com.hazelcast.internal.partition.PartitionReplica;
import com.hazelcast.spi.impl.PartitionSpecificRunnable;
import com.hazelcast.splitbrainprotection.SplitBrainProtectionException;
import io.strata.membership.group.CommittedOffset;
import io.strata.membership.group.GroupOffsetsCodec;
import io.strata.membership.partition.PartitionId;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static io.strata.membership.hazelcast.TestCluster.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A member that stops hearing from its peers, as one cut off by a network split does before its failure
 * detector removes them: its quorum goes with the heartbeats, and a write it made meanwhile is not
 * acknowledged. The peers' heartbeats are held back by occupying the threads that send them (Hazelcast's
 * cluster executor); the member list stays unchanged for the failure-detection time (10 s here).
 */
class CutOffMemberTest {

    /** Hazelcast's executor that sends heartbeats and detects failed members; two threads. */
    private static final String CLUSTER_EXECUTOR = "hz:cluster";
    private static final int CLUSTER_EXECUTOR_THREADS = 2;

    @TempDir
    Path dir;

    private TestCluster cluster;
    private final CountDownLatch release = new CountDownLatch(1);

    @AfterEach
    void stop() {
        release.countDown();
        if (cluster != null) {
            cluster.close();
        }
    }

    private List<ClusterMember> startThree() {
        cluster = new TestCluster(dir, 3);
        List<ClusterMember> all = cluster.startAll(config(1, 0), config(2, 1), config(3, 2));
        for (ClusterMember m : all) {
            await("three members", Duration.ofSeconds(20), () -> m.hazelcast().getCluster().getMembers().size() == 3);
            await("quorum", Duration.ofSeconds(20), m::hasQuorum);
        }
        return all;
    }

    /** A failure-detection time far longer than the quorum's heartbeat tolerance. */
    private MembershipConfig config(int nodeId, int slot) {
        return cluster.config(nodeId, slot).maxNoHeartbeat(Duration.ofSeconds(10)).build();
    }

    @Test
    void aMemberThatHearsNoHeartbeatsLosesTheQuorumLongBeforeItsMemberListChanges() throws Exception {
        List<ClusterMember> all = startThree();
        ClusterMember cut = all.get(0);
        Duration tolerance = cut.config().quorumHeartbeatTolerance();
        assertThat(tolerance).isEqualTo(Duration.ofMillis(2_500));

        long silentSince = System.nanoTime();
        holdHeartbeats(all.get(1));
        holdHeartbeats(all.get(2));
        // tolerance, plus up to one interval until Hazelcast evaluates the rule again, plus slack
        await("quorum lost", tolerance.plusSeconds(2), () -> !cut.hasQuorum());
        Duration lostAfter = Duration.ofNanos(System.nanoTime() - silentSince);
        assertThat(cut.hazelcast().getCluster().getMembers()).as("member list when the quorum went").hasSize(3);
        assertThat(lostAfter).isGreaterThanOrEqualTo(tolerance.minusSeconds(1));
        assertThatThrownBy(() -> cut.groupOffsets().commit("g", Map.of(new PartitionId("t", 0),
                new CommittedOffset(1, -1, null, 1)))).isInstanceOf(SplitBrainProtectionException.class);

        // heartbeats come back: so does the quorum, without a change of membership
        release.countDown();
        await("quorum back", Duration.ofSeconds(5), cut::hasQuorum);
        assertThat(cut.hazelcast().getCluster().getMembers()).hasSize(3);
        cut.groupOffsets().commit("g", Map.of(new PartitionId("t", 0), new CommittedOffset(2, -1, null, 2)));
        assertThat(all.get(1).groupOffsets().fetch("g", new PartitionId("t", 0)))
                .contains(new CommittedOffset(2, -1, null, 2));
    }

    @Test
    void aCommitWhoseBackupGoesUnansweredIsNotAcknowledgedOnceTheQuorumIsGone() throws Exception {
        List<ClusterMember> all = startThree();
        ClusterMember cut = all.get(0);
        // a group whose offsets this member owns; its backup is on one of the others
        String group = groupOwnedBy(cut);

        // cut off: the backup gets no further, and no peer's heartbeat arrives
        holdPartitionThread(backupOf(all, cut, group), partitionOf(cut, group));
        holdHeartbeats(all.get(1));
        holdHeartbeats(all.get(2));
        assertThat(cut.hasQuorum()).as("quorum still present when the commit starts").isTrue();

        PartitionId tp = new PartitionId("t", 0);
        CommittedOffset offset = new CommittedOffset(8818, -1, null, 1);
        String committedGroup = group;
        long start = System.nanoTime();
        assertThatThrownBy(() -> cut.groupOffsets().commit(committedGroup, Map.of(tp, offset)))
                .isInstanceOf(SplitBrainProtectionException.class)
                .hasMessageContaining("lost while it ran");
        Duration took = Duration.ofNanos(System.nanoTime() - start);
        // the write waited for the backup until the time-out, which outlasts the quorum's tolerance
        assertThat(took).isGreaterThanOrEqualTo(cut.config().backupTimeout().minusMillis(100));
        assertThat(cut.config().backupTimeout()).isGreaterThan(cut.config().quorumHeartbeatTolerance()
                .plus(cut.config().effectiveHeartbeatInterval()));
        // written on this side only, and not acknowledged; nor does a read return it
        assertThat(storedOnOwner(cut, group, tp)).contains(offset);
        assertThatThrownBy(() -> cut.groupOffsets().fetch(committedGroup, tp))
                .isInstanceOf(SplitBrainProtectionException.class);
        assertThat(cut.hazelcast().getCluster().getMembers()).hasSize(3);
    }

    @Test
    void aReadWhileACommitAwaitsItsBackupDoesNotReturnTheCommit() throws Exception {
        List<ClusterMember> all = startThree();
        ClusterMember cut = all.get(0);
        String group = groupOwnedBy(cut);
        PartitionId tp = new PartitionId("t", 0);
        CommittedOffset acknowledged = new CommittedOffset(100, -1, null, 1);
        cut.groupOffsets().commit(group, Map.of(tp, acknowledged));
        assertThat(cut.groupOffsets().fetch(group, tp)).contains(acknowledged);

        holdPartitionThread(backupOf(all, cut, group), partitionOf(cut, group));
        holdHeartbeats(all.get(1));
        holdHeartbeats(all.get(2));
        CommittedOffset open = new CommittedOffset(200, -1, null, 2);
        CompletableFuture<Void> commit = CompletableFuture.runAsync(() -> cut.groupOffsets().commit(group, Map.of(tp, open)));
        await("commit applied on its owner", Duration.ofSeconds(2), () -> storedOnOwner(cut, group, tp).equals(Optional.of(open)));
        assertThat(cut.hasQuorum()).as("quorum still present when the read starts").isTrue();

        // the commit's outcome is open: the read waits for the backup like the commit, and is refused with it
        assertThatThrownBy(() -> cut.groupOffsets().fetch(group, tp))
                .isInstanceOf(SplitBrainProtectionException.class)
                .hasMessageContaining("read not confirmed");
        assertThatThrownBy(commit::join).hasCauseInstanceOf(SplitBrainProtectionException.class);

        // heartbeats and backups flow again: reads are confirmed and see the map as it is
        release.countDown();
        await("quorum back", Duration.ofSeconds(5), cut::hasQuorum);
        assertThat(all.get(1).groupOffsets().fetch(group, tp)).isPresent();
    }

    /** The owner's own copy of a group's offset, read without any quorum or backup check. */
    private static Optional<CommittedOffset> storedOnOwner(ClusterMember owner, String group, PartitionId tp) {
        byte[] value = owner.hazelcast().<String, byte[]>getMap(MetadataMaps.GROUP_OFFSETS).get(group);
        return Optional.ofNullable(GroupOffsetsCodec.decode(value).get(tp));
    }

    private static String groupOwnedBy(ClusterMember member) {
        for (int i = 0; ; i++) {
            if (member.hazelcast().getPartitionService().getPartition("group-" + i).getOwner().localMember()) {
                return "group-" + i;
            }
        }
    }

    private static int partitionOf(ClusterMember member, String key) {
        return member.hazelcast().getPartitionService().getPartition(key).getPartitionId();
    }

    /** The member holding the first backup of the key's partition. */
    private static ClusterMember backupOf(List<ClusterMember> all, ClusterMember owner, String key) {
        PartitionReplica backup = node(owner.hazelcast()).getPartitionService().getPartition(partitionOf(owner, key))
                .getReplica(1);
        ClusterMember backupMember = all.stream().filter(m -> m.hazelcast().getCluster().getLocalMember().getUuid()
                .equals(backup.uuid())).findFirst().orElseThrow();
        assertThat(backupMember).isNotSameAs(owner);
        return backupMember;
    }

    /** Occupies both threads of the member's cluster executor, so that it sends no heartbeats, until release. */
    private void holdHeartbeats(ClusterMember member) throws InterruptedException {
        CountDownLatch held = new CountDownLatch(CLUSTER_EXECUTOR_THREADS);
        for (int i = 0; i < CLUSTER_EXECUTOR_THREADS; i++) {
            node(member.hazelcast()).getNodeEngine().getExecutionService().execute(CLUSTER_EXECUTOR, () -> {
                held.countDown();
                awaitRelease();
            });
        }
        assertThat(held.await(5, TimeUnit.SECONDS)).as("cluster executor held").isTrue();
    }

    /** Occupies the member's thread for a partition, so that operations on it (a backup) wait, until release. */
    private void holdPartitionThread(ClusterMember member, int partitionId) throws InterruptedException {
        CountDownLatch held = new CountDownLatch(1);
        node(member.hazelcast()).getNodeEngine().getOperationService().execute(new PartitionSpecificRunnable() {
            @Override
            public int getPartitionId() {
                return partitionId;
            }

            @Override
            public void run() {
                held.countDown();
                awaitRelease();
            }
        });
        assertThat(held.await(5, TimeUnit.SECONDS)).as("partition thread held").isTrue();
    }

    private void awaitRelease() {
        try {
            release.await(60, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static Node node(HazelcastInstance hz) {
        return ((HazelcastInstanceProxy) hz).getOriginal().node;
    }
}
