package io.strata.ingest.broker;

import com.hazelcast.cluster.ClusterState;
import com.hazelcast.cluster.Member;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.instance.impl.HazelcastInstanceProxy;
import com.hazelcast.instance.impl.Node;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.strata.ingest.cluster.TestMembers;
import io.strata.ingest.observability.BrokerMetrics;
import io.strata.ingest.replication.ReplicaFetcherManager;
import io.strata.ingest.replication.ReplicationSettings;
import io.strata.membership.hazelcast.ClusterMember;
import io.strata.membership.partition.PartitionId;
import io.strata.membership.partition.PartitionState;
import io.strata.storage.log.LogConfig;
import io.strata.storage.log.LogManager;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.utils.Time;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.BooleanSupplier;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A node cut off from the cluster misses the partition-state changes made without it: when it merges
 * back, Hazelcast hands it the current entries by migration and merge, which fire no entry events.
 * Three real members; the split is injected by making each side suspect the other (as a network
 * partition would after the failure detector's timeout), held open by freezing the cut-off side, and
 * healed by Hazelcast's own merge.
 */
class ReplicaReconciliationTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(60);
    private static final String TOPIC = "orders";

    @TempDir
    Path dir;

    private TestMembers cluster;
    private List<ClusterMember> members;
    private LogManager logs;
    private ReplicaManager replicas;

    @AfterEach
    void stop() throws IOException {
        if (replicas != null) {
            replicas.close();
        }
        if (logs != null) {
            logs.close();
        }
        if (cluster != null) {
            cluster.close();
        }
    }

    /**
     * The cut-off node led one partition and followed another. Without it the majority moves the
     * leadership of the first and changes the ISR of the second. Once merged back, the node must follow
     * the new leader and know the new ISR: at the merge itself (membership change), or at the next
     * periodic reconciliation when nothing tells it about the merge.
     */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"at the merge", "periodically"})
    void aNodeThatRejoinsAfterASplitAppliesTheStatesChangedWithoutIt(String when) {
        boolean atMerge = when.equals("at the merge");
        cluster = new TestMembers(dir.resolve("metadata"), 3);
        members = cluster.start(1, 2, 3);
        // The youngest member is cut off: the other two keep the majority (and the oldest of them stays master).
        ClusterMember cut = youngest();
        List<ClusterMember> majority = members.stream().filter(m -> m != cut).toList();
        ClusterMember a = majority.get(0);
        int cutId = cut.config().nodeId();
        int aId = a.config().nodeId();
        int bId = majority.get(1).config().nodeId();
        a.topics().create(TOPIC, 2, Map.of(), 3, Map.of(0, List.of(cutId, aId, bId), 1, List.of(aId, bId, cutId)));
        a.assigner().assign(a.topics().get(TOPIC).orElseThrow());
        PartitionId led = new PartitionId(TOPIC, 0);
        PartitionId followed = new PartitionId(TOPIC, 1);
        TopicPartition ledTp = new TopicPartition(TOPIC, 0);
        TopicPartition followedTp = new TopicPartition(TOPIC, 1);

        // Only a periodic round far beyond the test, or only the membership trigger: one path at a time.
        replicas = replicaManager(cut, atMerge ? 600_000 : 1_000);
        if (atMerge) {
            cut.addMembershipChangeListener(replicas::reconcileSoon);
        }
        replicas.start(cut.topics()::get);
        replicas.applyNow(cut.partitions().replicatedBy(cutId));
        assertThat(replicas.hosted(ledTp).isLeader()).isTrue();
        assertThat(replicas.hosted(followedTp).isLeader()).isFalse();

        splitAndHold(cut, majority);
        // The controller reacts at once (new leader of the first, smaller ISR of the second). While the split
        // settles, events may still reach the cut-off node, so further changes are made until one is missed.
        await("the majority elects another leader", () -> a.partitions().get(led)
                .map(s -> s.leaderNodeId() != cutId).orElse(false));
        await("the majority drops the cut-off node from the ISR", () -> a.partitions().get(followed)
                .map(s -> !s.isInSync(cutId)).orElse(false));
        PartitionState elected = null;
        PartitionState shrunk = null;
        for (int attempt = 0; attempt < 5 && (elected == null || !missed(elected, shrunk)); attempt++) {
            PartitionState current = a.partitions().get(led).orElseThrow();
            int next = current.leaderNodeId() == aId ? bId : aId;
            elected = current.withLeader(next, List.of(aId, bId));
            assertThat(a.partitions().compareAndSet(led, current.leaderEpoch(), current.partitionEpoch(), elected)
                    .applied()).isTrue();
            PartitionState isr = a.partitions().get(followed).orElseThrow();
            shrunk = isr.withIsr(isr.isr().size() == 1 ? List.of(aId, bId) : List.of(isr.leaderNodeId()));
            assertThat(a.partitions().compareAndSet(followed, isr.leaderEpoch(), isr.partitionEpoch(), shrunk)
                    .applied()).isTrue();
            TestMembers.sleep(Duration.ofSeconds(1)); // events, were any on their way, would arrive within this
        }
        assertThat(replicas.hosted(ledTp).leaderEpoch()).as("the cut-off node missed the election")
                .isLessThan(elected.leaderEpoch());
        assertThat(replicas.hosted(followedTp).state().partitionEpoch()).as("the cut-off node missed the ISR change")
                .isLessThan(shrunk.partitionEpoch());
        int newLeader = elected.leaderNodeId();
        PartitionState finalElected = elected;
        PartitionState finalShrunk = shrunk;

        await("the cut-off side unfreezes", () -> setClusterState(cut, ClusterState.ACTIVE));
        await("the cut-off node merged back into the cluster", () -> members.stream()
                .allMatch(m -> m.hazelcast().getCluster().getMembers().size() == 3));
        long merged = System.nanoTime();
        TestMembers.await("node " + cutId + " follows node " + newLeader + " under epoch " + finalElected.leaderEpoch()
                + " and knows the ISR " + finalShrunk.isr() + " of " + followedTp, Duration.ofSeconds(15), () -> {
            Partition p = replicas.hosted(ledTp);
            return p != null && !p.isLeader() && p.leaderEpoch() == finalElected.leaderEpoch()
                    && Integer.valueOf(newLeader).equals(replicas.fetchers().followed().get(ledTp))
                    && replicas.hosted(followedTp).state().partitionEpoch() == finalShrunk.partitionEpoch();
        });
        assertThat(replicas.hosted(followedTp).state().isr()).isEqualTo(finalShrunk.isr());
        assertThat(Duration.ofNanos(System.nanoTime() - merged)).as("time from the merge to the catch-up")
                .isLessThan(Duration.ofSeconds(15));

        // Change events reach the merged node again (its listener was carried over by the merge).
        PartitionState current = a.partitions().get(followed).orElseThrow();
        PartitionState grown = current.withIsr(List.of(aId, bId, cutId));
        assertThat(a.partitions().compareAndSet(followed, current.leaderEpoch(), current.partitionEpoch(), grown)
                .applied()).isTrue();
        TestMembers.await("node " + cutId + " applies a change made after the merge", Duration.ofSeconds(atMerge ? 5 : 15),
                () -> replicas.hosted(followedTp).state().partitionEpoch() == grown.partitionEpoch());
    }

    /** Whether the cut-off node has applied neither the election of partition 0 nor the ISR change of partition 1. */
    private boolean missed(PartitionState elected, PartitionState shrunk) {
        return replicas.hosted(new TopicPartition(TOPIC, 0)).state().leaderEpoch() < elected.leaderEpoch()
                && replicas.hosted(new TopicPartition(TOPIC, 1)).state().partitionEpoch() < shrunk.partitionEpoch();
    }

    /**
     * Splits the cluster and keeps it split: the cut-off side's one-member cluster is frozen, and a
     * frozen cluster does not start a merge. The split-brain handler may have started one before the
     * freeze took (it is refused while the cut-off member still moves partitions); then the split is
     * made again.
     */
    private static void splitAndHold(ClusterMember cut, List<ClusterMember> majority) {
        for (int attempt = 1; attempt <= 5; attempt++) {
            split(cut, majority);
            await("both sides see the split", () -> cut.hazelcast().getCluster().getMembers().size() == 1
                    && majority.stream().allMatch(m -> m.hazelcast().getCluster().getMembers().size() == 2));
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (cut.hazelcast().getCluster().getMembers().size() == 1 && System.nanoTime() < deadline) {
                if (setClusterState(cut, ClusterState.FROZEN)) {
                    // A merge already under way (Hazelcast freezes the merging side itself) completes in this time.
                    TestMembers.sleep(Duration.ofSeconds(3));
                    if (cut.hazelcast().getCluster().getMembers().size() == 1
                            && cut.hazelcast().getCluster().getClusterState() == ClusterState.FROZEN) {
                        return;
                    }
                    // merged meanwhile: the whole cluster was frozen
                    await("the merged cluster unfreezes", () -> setClusterState(cut, ClusterState.ACTIVE));
                    break;
                }
                TestMembers.sleep(Duration.ofMillis(50));
            }
        }
        throw new AssertionError("Could not hold a split for 5 attempts");
    }

    /** Changes the cluster state as seen from {@code member}; false when refused (e.g. while partitions move). */
    private static boolean setClusterState(ClusterMember member, ClusterState state) {
        try {
            member.hazelcast().getCluster().changeClusterState(state);
            return true;
        } catch (RuntimeException e) {
            return false;
        }
    }

    private ClusterMember youngest() {
        List<Member> oldestFirst = List.copyOf(members.get(0).hazelcast().getCluster().getMembers());
        UUID youngest = oldestFirst.get(oldestFirst.size() - 1).getUuid();
        return members.stream().filter(m -> m.hazelcast().getCluster().getLocalMember().getUuid().equals(youngest))
                .findFirst().orElseThrow();
    }

    // ------------------------------------------------------------------ cluster

    /**
     * Cuts {@code cut} (not the master) off from {@code rest}: the master and the cut member declare
     * each other failed and close their connections, as their failure detectors would during a network
     * partition; the master tells the rest. The sides then run as two clusters until Hazelcast's
     * split-brain handler merges the smaller into the larger.
     */
    private static void split(ClusterMember cut, List<ClusterMember> rest) {
        Node cutNode = node(cut.hazelcast());
        for (ClusterMember m : rest) {
            Node other = node(m.hazelcast());
            if (other.isMaster()) {
                other.getClusterService().suspectMember(member(other, cutNode), "injected network partition", true);
            }
        }
        for (ClusterMember m : rest) {
            Member other = member(cutNode, node(m.hazelcast()));
            if (other != null) { // unless the cut member already learnt that it was removed
                cutNode.getClusterService().suspectMember(other, "injected network partition", true);
            }
        }
    }

    private static Member member(Node seenBy, Node node) {
        return seenBy.getClusterService().getMember(node.getLocalMember().getUuid());
    }

    private static Node node(HazelcastInstance hz) {
        return ((HazelcastInstanceProxy) hz).getOriginal().node;
    }

    private ReplicaManager replicaManager(ClusterMember member, long reconcileIntervalMs) {
        int nodeId = member.config().nodeId();
        logs = new LogManager(dir.resolve("logs-" + nodeId), Time.SYSTEM);
        // A lag limit beyond the test: a deposed leader's failed ISR shrink would also tell it the current state.
        ReplicationSettings settings = new ReplicationSettings(600_000, 500, 1 << 20, 10 << 20, 1_000, 30_000,
                reconcileIntervalMs);
        ReplicaFetcherManager fetchers = new ReplicaFetcherManager(nodeId, settings,
                id -> member.nodes().node(id).map(n -> new org.apache.kafka.common.Node(n.nodeId(), n.kafkaHost(),
                        n.kafkaPort())), Time.SYSTEM);
        return new ReplicaManager(nodeId, member.partitions(), logs, overrides -> LogConfig.create(Map.of(), overrides),
                new BrokerMetrics(new SimpleMeterRegistry()), null, null, t -> { }, new FetchPurgatory(),
                new ProducePurgatory(), fetchers, settings, Time.SYSTEM);
    }

    private static void await(String what, BooleanSupplier condition) {
        TestMembers.await(what, TIMEOUT, condition);
    }
}
