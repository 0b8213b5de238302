package io.strata.ingest.node;

import io.strata.ingest.config.StrataConfig;
import io.strata.storage.log.LogConfig;
import org.apache.kafka.common.config.TopicConfig;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

/** Translates the node's {@code strata.log.*} settings into topic-config defaults and Kafka broker config names. */
final class BrokerDefaults {

    private BrokerDefaults() {
    }

    /** Topic-config name to value, for every default this node's configuration sets. */
    static Map<String, Object> topicDefaults(StrataConfig.Log log) {
        Map<String, Object> defaults = new LinkedHashMap<>();
        log.flushMessages().ifPresent(v -> defaults.put(TopicConfig.FLUSH_MESSAGES_INTERVAL_CONFIG, v));
        log.flushMs().ifPresent(v -> defaults.put(TopicConfig.FLUSH_MS_CONFIG, v));
        log.segmentBytes().ifPresent(v -> defaults.put(TopicConfig.SEGMENT_BYTES_CONFIG, v));
        log.segmentMs().ifPresent(v -> defaults.put(TopicConfig.SEGMENT_MS_CONFIG, v));
        log.retentionMs().ifPresent(v -> defaults.put(TopicConfig.RETENTION_MS_CONFIG, v));
        log.retentionBytes().ifPresent(v -> defaults.put(TopicConfig.RETENTION_BYTES_CONFIG, v));
        log.messageTimestampType().ifPresent(v -> defaults.put(TopicConfig.MESSAGE_TIMESTAMP_TYPE_CONFIG, v));
        log.minInsyncReplicas().ifPresent(v -> defaults.put(TopicConfig.MIN_IN_SYNC_REPLICAS_CONFIG, v));
        log.uncleanLeaderElectionEnable().ifPresent(v -> defaults.put(TopicConfig.UNCLEAN_LEADER_ELECTION_ENABLE_CONFIG, v));
        return defaults;
    }

    /** The node's effective settings under Kafka's broker config names, for DescribeConfigs. */
    static Map<String, String> brokerConfigs(StrataConfig config, int nodeId, LogConfig defaults) {
        Map<String, String> out = new TreeMap<>();
        out.put("broker.id", Integer.toString(nodeId));
        out.put("node.id", Integer.toString(nodeId));
        out.put("num.partitions", Integer.toString(config.kafka().defaultPartitions()));
        out.put("auto.create.topics.enable", Boolean.toString(config.kafka().autoCreateTopics()));
        out.put("socket.request.max.bytes", Integer.toString(config.kafka().maxRequestBytes()));
        out.put("default.replication.factor", Integer.toString(config.kafka().defaultReplicationFactor()));
        out.put("min.insync.replicas", Integer.toString(defaults.minInsyncReplicas()));
        out.put("unclean.leader.election.enable", Boolean.toString(defaults.uncleanLeaderElectionEnable()));
        out.put("replica.lag.time.max.ms", Long.toString(config.replication().replicaLagTimeMax().toMillis()));
        out.put("message.max.bytes", Integer.toString(defaults.maxMessageBytes()));
        out.put("log.segment.bytes", Integer.toString(defaults.segmentBytes()));
        out.put("log.roll.ms", Long.toString(defaults.segmentMs()));
        out.put("log.retention.ms", Long.toString(defaults.retentionMs()));
        out.put("log.retention.bytes", Long.toString(defaults.retentionBytes()));
        out.put("log.flush.interval.messages", Long.toString(defaults.flushMessages()));
        out.put("log.flush.interval.ms", Long.toString(defaults.flushMs()));
        out.put("log.message.timestamp.type", defaults.messageTimestampType().name);
        return out;
    }
}
