package io.strata.ingest.kafka.api;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.strata.ingest.broker.FetchPurgatory;
import io.strata.ingest.broker.ProducePurgatory;
import io.strata.ingest.broker.ReplicaManager;
import io.strata.ingest.broker.TopicManager;
import io.strata.ingest.cluster.TestMembers;
import io.strata.ingest.observability.BrokerMetrics;
import io.strata.ingest.replication.ReplicaFetcherManager;
import io.strata.ingest.replication.ReplicationSettings;
import io.strata.membership.hazelcast.ClusterMember;
import io.strata.membership.partition.CasResult;
import io.strata.membership.partition.PartitionId;
import io.strata.membership.partition.PartitionState;
import io.strata.storage.log.LogConfig;
import io.strata.storage.log.LogManager;
import org.apache.kafka.common.message.MetadataResponseData.MetadataResponsePartition;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.MetadataRequest;
import org.apache.kafka.common.utils.Time;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Metadata answers from each node's local copy of the partition states: a node's own writes (CreateTopics, a
 * leader change) are in its very next answer, and another node's within a bounded wait. Two real members, each
 * with its own topic manager and Metadata handler.
 */
class MetadataFreshnessTest {

    private static final String TOPIC = "fresh";
    private static final int PARTITIONS = 8;
    /** Far below the periodic full read of the local copy (30 s): entry events must bring the change. */
    private static final Duration BOUND = Duration.ofSeconds(5);

    @TempDir
    Path dir;

    private TestMembers cluster;
    private final List<AutoCloseable> closing = new ArrayList<>();

    @AfterEach
    void stop() throws Exception {
        for (int i = closing.size() - 1; i >= 0; i--) {
            closing.get(i).close();
        }
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    void ownWritesAreAnsweredAtOnceAndOtherNodesWritesWithinABoundedWait() throws IOException {
        cluster = new TestMembers(dir.resolve("metadata"), 2);
        List<ClusterMember> members = cluster.start(1, 2);
        ClusterMember m1 = members.get(0);
        ClusterMember m2 = members.get(1);
        TopicManager topics1 = topicManager(m1);
        TopicManager topics2 = topicManager(m2);
        MetadataApi api1 = metadataApi(m1, topics1);
        MetadataApi api2 = metadataApi(m2, topics2);

        topics1.createTopic(TOPIC, PARTITIONS, 1, Map.of(), Map.of(), false);
        assertThat(partitions(api1)).as("node 1 right after its CreateTopics").hasSize(PARTITIONS)
                .allSatisfy(p -> assertThat(p.errorCode()).isEqualTo(Errors.NONE.code()));
        List<MetadataResponsePartition> seenBy1 = partitions(api1);
        TestMembers.await("node 2 answers the new topic's leaders", BOUND, () -> partitions(api2).equals(seenBy1));

        // A leader change written on node 2 (a new leader epoch): node 2 at once, node 1 soon.
        PartitionId p3 = new PartitionId(TOPIC, 3);
        PartitionState before = m2.partitions().get(p3).orElseThrow();
        CasResult changed = m2.partitions().compareAndSet(p3, before.leaderEpoch(), before.partitionEpoch(),
                before.withLeader(before.leaderNodeId(), before.isr()));
        assertThat(changed.applied()).isTrue();
        int newEpoch = changed.current().leaderEpoch();
        assertThat(partitions(api2).get(3).leaderEpoch()).as("node 2 right after its change").isEqualTo(newEpoch);
        TestMembers.await("node 1 answers leader epoch " + newEpoch, BOUND,
                () -> partitions(api1).get(3).leaderEpoch() == newEpoch);
    }

    private static List<MetadataResponsePartition> partitions(MetadataApi api) {
        var topic = api.metadata(new MetadataRequest.Builder(List.of(TOPIC), false).build()).data().topics().find(TOPIC);
        return topic == null ? List.of() : List.copyOf(topic.partitions());
    }

    private TopicManager topicManager(ClusterMember member) throws IOException {
        int nodeId = member.config().nodeId();
        LogManager logs = new LogManager(dir.resolve("logs-" + nodeId), Time.SYSTEM);
        ReplicationSettings settings = new ReplicationSettings(30_000, 500, 1 << 20, 10 << 20, 1_000, 30_000, 600_000);
        ReplicaFetcherManager fetchers = new ReplicaFetcherManager(nodeId, settings, id -> java.util.Optional.empty(),
                Time.SYSTEM);
        BrokerMetrics metrics = new BrokerMetrics(new SimpleMeterRegistry());
        ReplicaManager replicas = new ReplicaManager(nodeId, member.partitions(), logs,
                overrides -> LogConfig.create(Map.of(), overrides), metrics, null, null, t -> { }, new FetchPurgatory(),
                new ProducePurgatory(), fetchers, settings, Time.SYSTEM);
        TopicManager topics = new TopicManager(member.topics(), member.partitions(), member.assigner(), logs, Map.of(),
                metrics, 1, 1, () -> member.nodes().liveNodeIds(), replicas);
        closing.add(logs);
        closing.add(topics);
        topics.start();
        return topics;
    }

    private static MetadataApi metadataApi(ClusterMember member, TopicManager topics) {
        BrokerNode node = new BrokerNode(member.config().nodeId(), "127.0.0.1", 9092, member.identity().clusterId());
        return new MetadataApi(topics, node, member.nodes(), member.controller(), false, member::hasQuorum);
    }
}
