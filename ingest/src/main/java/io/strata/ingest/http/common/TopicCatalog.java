package io.strata.ingest.http.common;

import io.strata.ingest.broker.TopicManager;
import io.strata.ingest.node.StrataNode;
import io.strata.membership.partition.PartitionId;
import io.strata.membership.partition.PartitionState;
import io.strata.membership.topic.TopicDescriptor;
import io.strata.storage.log.LogConfig;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.apache.kafka.common.config.ConfigDef;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.IntStream;

/** The cluster's topics and partitions as the HTTP API describes them. */
@ApplicationScoped
public class TopicCatalog {

    /** A partition: its leader and replicas (every replica is in sync while partitions are not replicated). */
    public record PartitionView(int partition, int leader, List<Integer> replicas, List<Integer> inSyncReplicas) {
    }

    @Inject
    StrataNode node;

    public List<String> topicNames() {
        return topics().topics().stream().map(TopicDescriptor::name).sorted().toList();
    }

    /** Every topic config with its effective value (overrides, then node defaults, then Kafka's defaults). */
    public Map<String, String> effectiveConfigs(TopicDescriptor topic) {
        LogConfig config = topics().logConfig(topic.configs());
        ConfigDef def = LogConfig.configDef();
        Map<String, String> out = new TreeMap<>();
        config.values().forEach((k, v) -> {
            ConfigDef.ConfigKey key = def.configKeys().get(k);
            out.put(k, key == null ? String.valueOf(v) : ConfigDef.convertToString(v, key.type));
        });
        return out;
    }

    public List<PartitionView> partitions(TopicDescriptor topic) {
        Map<PartitionId, PartitionState> states = topics().partitionStates(topic);
        return IntStream.range(0, topic.partitions()).mapToObj(p -> {
            PartitionState state = states.get(new PartitionId(topic.name(), p));
            if (state == null) {
                return new PartitionView(p, -1, List.of(), List.of());
            }
            return new PartitionView(p, state.leaderNodeId(), state.replicas(), state.isr());
        }).toList();
    }

    /** Replicas per partition: the most any partition of the topic has (they are assigned alike). */
    public int replicationFactor(TopicDescriptor topic) {
        return partitions(topic).stream().mapToInt(p -> p.replicas().size()).max().orElse(0);
    }

    public String clusterId() {
        return node.brokerNode().clusterId();
    }

    public int nodeId() {
        return node.brokerNode().nodeId();
    }

    private TopicManager topics() {
        return node.topics();
    }
}
