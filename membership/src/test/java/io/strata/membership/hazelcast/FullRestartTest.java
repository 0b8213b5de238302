package io.strata.membership.hazelcast;

import io.strata.membership.cluster.ControllerState;
import io.strata.membership.group.CommittedOffset;
import io.strata.membership.partition.CasResult;
import io.strata.membership.partition.PartitionId;
import io.strata.membership.partition.PartitionState;
import io.strata.membership.topic.TopicDescriptor;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static io.strata.membership.hazelcast.TestCluster.await;
import static org.assertj.core.api.Assertions.assertThat;

/** Everything durable survives shutting down every member and starting new ones on the same store. */
class FullRestartTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(20);

    @TempDir
    Path dir;

    private TestCluster cluster;

    @AfterEach
    void stop() {
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    void fullClusterRestartKeepsTopicsEpochsOffsetsProducerIdsAndClusterId() {
        cluster = new TestCluster(dir, 2);
        List<ClusterMember> first = cluster.startAll(cluster.config(1, 0).build(), cluster.config(2, 1).build());
        ClusterMember a = first.get(0);
        ClusterMember b = first.get(1);
        String clusterId = a.identity().clusterId();

        TopicDescriptor orders = a.topics().create("orders", 3, Map.of("cleanup.policy", "compact"), 2, Map.of());
        TopicDescriptor clicks = b.topics().create("clicks", 2, Map.of());
        a.assigner().assign(orders);
        b.assigner().assign(clicks);
        PartitionId bumped = new PartitionId("orders", 1);
        PartitionState s = a.partitions().get(bumped).orElseThrow();
        for (int i = 0; i < 5; i++) { // epoch 0 -> 5, alternating between members
            ClusterMember m = i % 2 == 0 ? a : b;
            s = m.partitions().compareAndSet(bumped, s.leaderEpoch(), s.partitionEpoch(),
                    s.withLeader(s.leaderNodeId(), s.isr())).current();
        }
        assertThat(s.leaderEpoch()).isEqualTo(5);
        Map<PartitionId, PartitionState> statesBefore = a.partitions().all();
        assertThat(statesBefore).hasSize(5);

        Map<PartitionId, CommittedOffset> offsets = Map.of(
                new PartitionId("orders", 0), new CommittedOffset(100, 2, "x", 1L),
                new PartitionId("orders", 2), new CommittedOffset(7, -1, null, 2L));
        a.groupOffsets().commit("billing", offsets);
        b.groupOffsets().commit("group with spaces/and:odd*chars", Map.of(new PartitionId("clicks", 1), new CommittedOffset(3, 0, "", 3L)));

        Set<Long> producerIds = new HashSet<>();
        for (int i = 0; i < 150; i++) {
            producerIds.add((i % 2 == 0 ? a : b).producerIds().nextProducerId());
        }
        long highestProducerId = producerIds.stream().mapToLong(Long::longValue).max().orElseThrow();
        await("controller epoch claimed", TIMEOUT, () -> a.controller().controllerState().epoch() > 0);
        ControllerState controllerBefore = a.controller().controllerState();

        cluster.close(); // every member gone at once (terminated): only the metadata store remains

        List<ClusterMember> second = cluster.startAll(cluster.config(1, 0).build(), cluster.config(2, 1).build());
        ClusterMember c = second.get(0);
        ClusterMember d = second.get(1);

        for (ClusterMember m : second) {
            assertThat(m.identity().clusterId()).isEqualTo(clusterId);
            assertThat(m.topics().get("orders")).contains(orders);
            assertThat(m.topics().get(clicks.topicId())).contains(clicks);
            assertThat(m.topics().record("orders").orElseThrow().replicationFactor()).isEqualTo(2);
            assertThat(m.partitions().all()).isEqualTo(statesBefore);
            assertThat(m.groupOffsets().fetchAll("billing")).isEqualTo(offsets);
            assertThat(m.groupOffsets().groups()).containsExactlyInAnyOrder("billing", "group with spaces/and:odd*chars");
        }

        // epochs do not regress: the stale epoch is refused, the stored one is the base
        PartitionState restored = d.partitions().get(bumped).orElseThrow();
        assertThat(restored.leaderEpoch()).isEqualTo(5);
        assertThat(restored.partitionEpoch()).isEqualTo(5);
        assertThat(c.partitions().compareAndSet(bumped, 4, 4, restored.withLeader(2, List.of(2))).applied()).isFalse();
        CasResult next = c.partitions().compareAndSet(bumped, 5, 5, restored.withLeader(restored.leaderNodeId(), restored.isr()));
        assertThat(next.applied()).isTrue();
        assertThat(next.current().leaderEpoch()).isEqualTo(6);
        assertThat(next.current().partitionEpoch()).isEqualTo(6);

        // producer ids never repeat
        for (int i = 0; i < 50; i++) {
            long id = (i % 2 == 0 ? c : d).producerIds().nextProducerId();
            assertThat(id).isGreaterThan(highestProducerId);
            assertThat(producerIds.add(id)).isTrue();
        }

        // the new controller claims a higher controller epoch
        await("controller epoch claimed again", TIMEOUT,
                () -> c.controller().controllerState().epoch() > controllerBefore.epoch());
    }
}
