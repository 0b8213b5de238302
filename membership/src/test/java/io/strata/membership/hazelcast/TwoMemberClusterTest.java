package io.strata.membership.hazelcast;

import io.strata.membership.cluster.DuplicateNodeIdException;
import io.strata.membership.cluster.NodeInfo;
import io.strata.membership.cluster.NodeListener;
import io.strata.membership.group.CommittedOffset;
import io.strata.membership.partition.CasResult;
import io.strata.membership.partition.PartitionId;
import io.strata.membership.partition.PartitionState;
import io.strata.membership.topic.TopicAlreadyExistsException;
import io.strata.membership.topic.TopicDescriptor;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static io.strata.membership.hazelcast.TestCluster.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Non-destructive behaviour of one two-member cluster, shared by the tests of this class. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TwoMemberClusterTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(20);

    @TempDir
    static Path dir;

    private TestCluster cluster;
    private ClusterMember a;
    private ClusterMember b;
    private final List<NodeInfo> joinedSeenByA = new CopyOnWriteArrayList<>();
    private ExecutorService pool;

    @BeforeAll
    void startCluster() {
        cluster = new TestCluster(dir, 3);
        // quorum 1 so that the members can start one after the other (the quorum itself is tested elsewhere)
        a = cluster.start(cluster.config(1, 0).splitBrainQuorum(1).build());
        a.nodes().addListener(new NodeListener() {
            @Override
            public void nodeJoined(NodeInfo node) {
                joinedSeenByA.add(node);
            }

            @Override
            public void nodeLeft(NodeInfo node) {
            }
        });
        b = cluster.start(cluster.config(2, 1).splitBrainQuorum(1).build());
        pool = Executors.newFixedThreadPool(2);
    }

    @AfterAll
    void stopCluster() {
        pool.shutdownNow();
        cluster.close();
    }

    @Test
    void bothMembersSeeBothNodesAndTheOldestIsController() {
        for (ClusterMember m : List.of(a, b)) {
            await("two live nodes", TIMEOUT, () -> m.nodes().liveNodes().size() == 2);
            assertThat(m.nodes().liveNodes()).containsExactly(TestCluster.info(1), TestCluster.info(2));
            assertThat(m.controller().controllerNodeId()).isEqualTo(1);
            assertThat(m.identity().clusterId()).isEqualTo(a.identity().clusterId()).hasSize(22);
        }
        assertThat(a.controller().isController()).isTrue();
        assertThat(b.controller().isController()).isFalse();
        assertThat(b.nodes().localNode()).isEqualTo(TestCluster.info(2));
        await("join event on node 1", TIMEOUT, () -> joinedSeenByA.contains(TestCluster.info(2)));
        assertThat(a.hasQuorum()).isTrue();
    }

    @Test
    void aSecondMemberWithTheSameNodeIdIsRefused() {
        assertThatThrownBy(() -> cluster.start(cluster.config(2, 2).splitBrainQuorum(1).build()))
                .isInstanceOf(DuplicateNodeIdException.class)
                .hasMessageContaining("Node id 2 is already used");
        await("refused member gone", TIMEOUT, () -> a.hazelcast().getCluster().getMembers().size() == 2);
        assertThat(a.nodes().liveNodes()).extracting(NodeInfo::nodeId).containsExactly(1, 2);
        assertThat(b.isRunning()).isTrue();
    }

    @Test
    void concurrentTopicCreationFromTwoMembersHasExactlyOneWinner() throws Exception {
        for (int round = 0; round < 10; round++) {
            String name = "race-" + round;
            CyclicBarrier barrier = new CyclicBarrier(2);
            List<Future<Object>> results = new ArrayList<>();
            for (ClusterMember m : List.of(a, b)) {
                results.add(pool.submit(() -> {
                    barrier.await();
                    try {
                        return m.topics().create(name, 3, Map.of("retention.ms", "1000"));
                    } catch (TopicAlreadyExistsException e) {
                        return e;
                    }
                }));
            }
            List<TopicDescriptor> winners = new ArrayList<>();
            int losers = 0;
            for (Future<Object> f : results) {
                Object r = f.get();
                if (r instanceof TopicDescriptor t) {
                    winners.add(t);
                } else {
                    assertThat(r).isInstanceOf(TopicAlreadyExistsException.class);
                    losers++;
                }
            }
            assertThat(winners).hasSize(1);
            assertThat(losers).isEqualTo(1);
            TopicDescriptor winner = winners.get(0);
            assertThat(a.topics().get(name)).contains(winner);
            assertThat(b.topics().get(name)).contains(winner);
            assertThat(b.topics().get(winner.topicId())).contains(winner);
        }
    }

    @Test
    void newTopicLeadersAreSpreadRoundRobinOverLiveNodes() {
        TopicDescriptor t = a.topics().create("spread", 4, Map.of());
        await("states assigned by the controller", TIMEOUT,
                () -> b.partitions().forTopic("spread", 4).size() == 4);
        Map<PartitionId, PartitionState> states = b.partitions().forTopic("spread", 4);
        List<Integer> leaders = new ArrayList<>();
        for (int p = 0; p < 4; p++) {
            PartitionState s = states.get(new PartitionId("spread", p));
            assertThat(s.topicId()).isEqualTo(t.topicId());
            assertThat(s.leaderEpoch()).isZero();
            assertThat(s.replicas()).containsExactly(s.leaderNodeId());
            assertThat(s.isr()).containsExactly(s.leaderNodeId());
            leaders.add(s.leaderNodeId());
        }
        assertThat(leaders).containsOnly(1, 2);
        assertThat(leaders.get(0)).isNotEqualTo(leaders.get(1));
        assertThat(leaders.stream().filter(l -> l == 1).count()).isEqualTo(2);

        // an explicit replication factor, stored with the topic; assign() (as a node handling CreateTopics does)
        TopicDescriptor rf2 = b.topics().create("replicated", 2, Map.of(), 2, Map.of());
        Map<PartitionId, PartitionState> assigned = b.assigner().assign(rf2);
        assertThat(assigned).hasSize(2);
        assigned.values().forEach(s -> {
            assertThat(s.replicas()).hasSize(2).containsExactlyInAnyOrder(1, 2).startsWith(s.leaderNodeId());
            assertThat(s.isr()).isEqualTo(s.replicas());
        });
    }

    @Test
    void partitionEpochsChangeOnlyByCompareAndSetAndNeverRegress() throws Exception {
        a.topics().create("cas", 1, Map.of());
        PartitionId p0 = new PartitionId("cas", 0);
        await("state assigned", TIMEOUT, () -> a.partitions().get(p0).isPresent());
        PartitionState s0 = a.partitions().get(p0).orElseThrow();
        assertThat(s0.leaderEpoch()).isZero();

        CasResult bumped = b.partitions().compareAndSet(p0, 0, 0, s0.withLeader(s0.leaderNodeId(), s0.isr()));
        assertThat(bumped.applied()).isTrue();
        assertThat(bumped.current().leaderEpoch()).isEqualTo(1);

        CasResult stale = a.partitions().compareAndSet(p0, 0, 0, new PartitionState(s0.topicId(), 2, 1, 1, List.of(2), List.of(2)));
        assertThat(stale.applied()).isFalse();
        assertThat(stale.current()).isEqualTo(bumped.current());

        PartitionState sameEpoch = new PartitionState(s0.topicId(), 2, 1, 1, List.of(2), List.of(2));
        assertThat(a.partitions().compareAndSet(p0, 1, 1, sameEpoch).applied()).isFalse();
        PartitionState lower = new PartitionState(s0.topicId(), 2, 0, 2, List.of(2), List.of(2));
        assertThat(a.partitions().compareAndSet(p0, 1, 1, lower).applied()).isFalse();
        assertThat(a.partitions().createIfAbsent(p0, s0).applied()).isFalse();
        assertThat(b.partitions().get(p0)).contains(bumped.current());

        // two members racing on the same expected epoch: exactly one wins
        CyclicBarrier barrier = new CyclicBarrier(2);
        List<Future<CasResult>> race = new ArrayList<>();
        for (ClusterMember m : List.of(a, b)) {
            int leader = m.config().nodeId();
            race.add(pool.submit(() -> {
                barrier.await();
                PartitionState cur = bumped.current();
                return m.partitions().compareAndSet(p0, 1, 1, new PartitionState(cur.topicId(), leader, 2, 2,
                        List.of(leader), List.of(leader)));
            }));
        }
        int applied = 0;
        for (Future<CasResult> f : race) {
            applied += f.get().applied() ? 1 : 0;
        }
        assertThat(applied).isEqualTo(1);
        assertThat(a.partitions().get(p0).orElseThrow().leaderEpoch()).isEqualTo(2);
    }

    @Test
    void eachMembersLocalPartitionStatesHaveItsOwnWritesAtOnceAndTheOtherMembersSoon() {
        TopicDescriptor t = a.topics().create("local-view", 6, Map.of());
        // b writes the first states in one batch (racing the controller on a, which writes the same ones)
        Map<PartitionId, PartitionState> created = b.assigner().assign(t);
        assertThat(created).hasSize(6);
        assertThat(b.partitions().local().forTopic("local-view", 6)).isEqualTo(created);
        created.forEach((id, st) -> assertThat(b.partitions().durableState(id)).contains(st));
        await("a's local states have the topic", TIMEOUT,
                () -> a.partitions().local().forTopic("local-view", 6).equals(created));

        // a batch create never overwrites a state
        PartitionId p0 = new PartitionId("local-view", 0);
        PartitionState s0 = created.get(p0);
        PartitionState other = new PartitionState(s0.topicId(), 2, 5, 5, List.of(2), List.of(2));
        CasResult again = a.partitions().createAllIfAbsent(Map.of(p0, other)).get(p0);
        assertThat(again.applied()).isFalse();
        assertThat(again.current()).isEqualTo(s0);

        // changes on either member: the writer's copy has them on return, the other's within a bounded wait
        for (ClusterMember[] writerAndReader : List.of(new ClusterMember[]{b, a}, new ClusterMember[]{a, b})) {
            ClusterMember writer = writerAndReader[0];
            ClusterMember reader = writerAndReader[1];
            PartitionState cur = writer.partitions().get(p0).orElseThrow();
            CasResult r = writer.partitions().compareAndSet(p0, cur.leaderEpoch(), cur.partitionEpoch(),
                    cur.withLeader(cur.leaderNodeId(), cur.isr()));
            assertThat(r.applied()).isTrue();
            assertThat(writer.partitions().local().get(p0)).contains(r.current());
            await("node " + reader.config().nodeId() + " sees leader epoch " + r.current().leaderEpoch(),
                    Duration.ofSeconds(5), () -> reader.partitions().local().get(p0).equals(java.util.Optional.of(r.current())));
        }
        // The by-partition view that Metadata reads agrees with the keyed one, on both members.
        for (var member : List.of(a, b)) {
            PartitionState[] byIndex = member.partitions().local().statesOf("local-view", 8);
            Map<PartitionId, PartitionState> keyed = member.partitions().local().forTopic("local-view", 6);
            for (int p = 0; p < 6; p++) {
                assertThat(byIndex[p]).isNotNull().isEqualTo(keyed.get(new PartitionId("local-view", p)));
            }
            assertThat(byIndex[6]).isNull();
            assertThat(byIndex[7]).isNull();
        }
        assertThat(a.partitions().local().statesOf("no-such-topic", 2)).containsOnlyNulls();
    }

    @Test
    void groupOffsetsCommitFetchDeleteAcrossMembers() {
        PartitionId t0 = new PartitionId("orders", 0);
        PartitionId t1 = new PartitionId("orders", 1);
        a.groupOffsets().commit("g1", Map.of(t0, new CommittedOffset(42, 3, "meta", 1000L),
                t1, new CommittedOffset(7, -1, null, 1001L)));
        b.groupOffsets().commit("g2", Map.of(t0, new CommittedOffset(1, 0, "", 1002L)));

        assertThat(b.groupOffsets().fetch("g1", t0)).contains(new CommittedOffset(42, 3, "meta", 1000L));
        assertThat(b.groupOffsets().fetchAll("g1")).containsEntry(t1, new CommittedOffset(7, -1, null, 1001L)).hasSize(2);
        assertThat(a.groupOffsets().groups()).contains("g1", "g2");

        b.groupOffsets().commit("g1", Map.of(t0, new CommittedOffset(50, 4, "meta2", 2000L)));
        assertThat(a.groupOffsets().fetch("g1", t0)).contains(new CommittedOffset(50, 4, "meta2", 2000L));

        a.groupOffsets().delete("g1", List.of(t1));
        assertThat(b.groupOffsets().fetchAll("g1")).containsOnlyKeys(t0);
        assertThat(b.groupOffsets().deleteGroup("g2")).isTrue();
        assertThat(a.groupOffsets().groups()).doesNotContain("g2");
        assertThat(a.groupOffsets().fetchAll("unknown")).isEmpty();
    }

    @Test
    void producerIdsAreDisjointAcrossNodes() throws Exception {
        List<Future<List<Long>>> futures = new ArrayList<>();
        for (ClusterMember m : List.of(a, b)) {
            futures.add(pool.submit(() -> {
                List<Long> ids = new ArrayList<>();
                for (int i = 0; i < 450; i++) {
                    ids.add(m.producerIds().nextProducerId());
                }
                return ids;
            }));
        }
        Set<Long> all = new HashSet<>();
        for (Future<List<Long>> f : futures) {
            all.addAll(f.get());
        }
        assertThat(all).hasSize(900);
        assertThat(a.producerIds().highWaterMark()).isGreaterThan(all.stream().mapToLong(Long::longValue).max().orElseThrow());
    }
}
