package io.strata.storage.log;

import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Type;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.record.TimestampType;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

import static org.apache.kafka.common.config.ConfigDef.Range.atLeast;
import static org.apache.kafka.common.config.ConfigDef.ValidString.in;

/**
 * The effective configuration of one partition log: broker defaults overlaid with the topic's
 * overrides. Keys and meanings are Kafka's topic configs ({@link TopicConfig}), so DescribeConfigs
 * and IncrementalAlterConfigs speak the names every Kafka tool knows.
 *
 * <p>Immutable and thread-safe. A config change produces a new instance that the log swaps in.
 */
public final class LogConfig {

    /** Kafka's cap on a segment file: positions in the offset index are 32-bit. */
    public static final int MIN_SEGMENT_BYTES = 14;

    private static final ConfigDef DEF = new ConfigDef()
            .define(TopicConfig.SEGMENT_BYTES_CONFIG, Type.INT, 1024 * 1024 * 1024, atLeast(MIN_SEGMENT_BYTES),
                    Importance.MEDIUM, TopicConfig.SEGMENT_BYTES_DOC)
            .define(TopicConfig.SEGMENT_MS_CONFIG, Type.LONG, 7 * 24 * 60 * 60 * 1000L, atLeast(1),
                    Importance.MEDIUM, TopicConfig.SEGMENT_MS_DOC)
            .define(TopicConfig.SEGMENT_INDEX_BYTES_CONFIG, Type.INT, 10 * 1024 * 1024, atLeast(4 * 12),
                    Importance.LOW, TopicConfig.SEGMENT_INDEX_BYTES_DOC)
            .define(TopicConfig.INDEX_INTERVAL_BYTES_CONFIG, Type.INT, 4096, atLeast(0),
                    Importance.LOW, TopicConfig.INDEX_INTERVAL_BYTES_DOC)
            .define(TopicConfig.RETENTION_MS_CONFIG, Type.LONG, 7 * 24 * 60 * 60 * 1000L, atLeast(-1),
                    Importance.MEDIUM, TopicConfig.RETENTION_MS_DOC)
            .define(TopicConfig.RETENTION_BYTES_CONFIG, Type.LONG, -1L, atLeast(-1),
                    Importance.MEDIUM, TopicConfig.RETENTION_BYTES_DOC)
            .define(TopicConfig.CLEANUP_POLICY_CONFIG, Type.STRING, TopicConfig.CLEANUP_POLICY_DELETE,
                    in(TopicConfig.CLEANUP_POLICY_DELETE), Importance.MEDIUM,
                    "Only 'delete' is supported: log compaction is not implemented.")
            .define(TopicConfig.MAX_MESSAGE_BYTES_CONFIG, Type.INT, 1024 * 1024 + 12, atLeast(0),
                    Importance.MEDIUM, TopicConfig.MAX_MESSAGE_BYTES_DOC)
            .define(TopicConfig.MESSAGE_TIMESTAMP_TYPE_CONFIG, Type.STRING, "CreateTime",
                    in("CreateTime", "LogAppendTime"), Importance.MEDIUM, TopicConfig.MESSAGE_TIMESTAMP_TYPE_DOC)
            .define(TopicConfig.MESSAGE_TIMESTAMP_BEFORE_MAX_MS_CONFIG, Type.LONG, Long.MAX_VALUE, atLeast(0),
                    Importance.MEDIUM, TopicConfig.MESSAGE_TIMESTAMP_BEFORE_MAX_MS_DOC)
            .define(TopicConfig.MESSAGE_TIMESTAMP_AFTER_MAX_MS_CONFIG, Type.LONG, 60 * 60 * 1000L, atLeast(0),
                    Importance.MEDIUM, TopicConfig.MESSAGE_TIMESTAMP_AFTER_MAX_MS_DOC)
            .define(TopicConfig.FLUSH_MESSAGES_INTERVAL_CONFIG, Type.LONG, Long.MAX_VALUE, atLeast(1),
                    Importance.MEDIUM, TopicConfig.FLUSH_MESSAGES_INTERVAL_DOC)
            .define(TopicConfig.FLUSH_MS_CONFIG, Type.LONG, Long.MAX_VALUE, atLeast(0),
                    Importance.MEDIUM, TopicConfig.FLUSH_MS_DOC)
            .define(TopicConfig.FILE_DELETE_DELAY_MS_CONFIG, Type.LONG, 60_000L, atLeast(0),
                    Importance.LOW, TopicConfig.FILE_DELETE_DELAY_MS_DOC)
            .define(TopicConfig.COMPRESSION_TYPE_CONFIG, Type.STRING, "producer", in("producer"),
                    Importance.MEDIUM, "Only 'producer' is supported: batches are stored as the producer compressed them.")
            .define(TopicConfig.MIN_IN_SYNC_REPLICAS_CONFIG, Type.INT, 1, atLeast(1),
                    Importance.MEDIUM, TopicConfig.MIN_IN_SYNC_REPLICAS_DOC)
            .define(TopicConfig.UNCLEAN_LEADER_ELECTION_ENABLE_CONFIG, Type.BOOLEAN, false,
                    Importance.MEDIUM, TopicConfig.UNCLEAN_LEADER_ELECTION_ENABLE_DOC)
            .define(TopicConfig.REMOTE_LOG_STORAGE_ENABLE_CONFIG, Type.BOOLEAN, true,
                    Importance.MEDIUM, TopicConfig.REMOTE_LOG_STORAGE_ENABLE_DOC)
            .define(TopicConfig.LOCAL_LOG_RETENTION_MS_CONFIG, Type.LONG, -2L, atLeast(-2),
                    Importance.MEDIUM, TopicConfig.LOCAL_LOG_RETENTION_MS_DOC)
            .define(TopicConfig.LOCAL_LOG_RETENTION_BYTES_CONFIG, Type.LONG, -2L, atLeast(-2),
                    Importance.MEDIUM, TopicConfig.LOCAL_LOG_RETENTION_BYTES_DOC);

    private final Map<String, Object> values;
    private final Set<String> overridden;

    private LogConfig(Map<String, Object> values, Set<String> overridden) {
        this.values = values;
        this.overridden = overridden;
    }

    /** The supported topic configs, their types, defaults and validators. */
    public static ConfigDef configDef() {
        return DEF;
    }

    /** A config with Kafka's defaults and no overrides. */
    public static LogConfig defaults() {
        return create(Map.of(), Map.of());
    }

    /**
     * Builds the effective config.
     *
     * @param brokerDefaults values (keyed by topic-config name) that replace Kafka's defaults on this node
     * @param topicOverrides the topic's own settings
     * @throws ConfigException when a key is unknown or a value is invalid
     */
    public static LogConfig create(Map<String, ?> brokerDefaults, Map<String, String> topicOverrides) {
        for (String key : topicOverrides.keySet()) {
            if (!DEF.names().contains(key)) {
                throw new ConfigException("Unknown topic config '" + key + "'");
            }
        }
        Map<String, Object> merged = new HashMap<>(brokerDefaults);
        merged.putAll(topicOverrides);
        Map<String, ?> parsed = new AbstractConfig(DEF, merged, false).values();
        Map<String, Object> copy = new HashMap<>(parsed);
        return new LogConfig(Map.copyOf(copy), Set.copyOf(topicOverrides.keySet()));
    }

    /** Every effective value by config name, in a stable order. */
    public Map<String, Object> values() {
        return new LinkedHashMap<>(new java.util.TreeMap<>(values));
    }

    /** True when the topic sets this key itself rather than inheriting the default. */
    public boolean isOverridden(String key) {
        return overridden.contains(key);
    }

    public int segmentBytes() { return (Integer) values.get(TopicConfig.SEGMENT_BYTES_CONFIG); }
    public long segmentMs() { return (Long) values.get(TopicConfig.SEGMENT_MS_CONFIG); }
    public int maxIndexSize() { return (Integer) values.get(TopicConfig.SEGMENT_INDEX_BYTES_CONFIG); }
    public int indexIntervalBytes() { return (Integer) values.get(TopicConfig.INDEX_INTERVAL_BYTES_CONFIG); }
    public long retentionMs() { return (Long) values.get(TopicConfig.RETENTION_MS_CONFIG); }
    public long retentionBytes() { return (Long) values.get(TopicConfig.RETENTION_BYTES_CONFIG); }
    public int maxMessageBytes() { return (Integer) values.get(TopicConfig.MAX_MESSAGE_BYTES_CONFIG); }
    public long timestampBeforeMaxMs() { return (Long) values.get(TopicConfig.MESSAGE_TIMESTAMP_BEFORE_MAX_MS_CONFIG); }
    public long timestampAfterMaxMs() { return (Long) values.get(TopicConfig.MESSAGE_TIMESTAMP_AFTER_MAX_MS_CONFIG); }
    /** Fsync after this many messages since the last flush; 1 means every batch is fsynced before it is acknowledged. */
    public long flushMessages() { return (Long) values.get(TopicConfig.FLUSH_MESSAGES_INTERVAL_CONFIG); }
    /** Fsync when the oldest unflushed data is this old. */
    public long flushMs() { return (Long) values.get(TopicConfig.FLUSH_MS_CONFIG); }
    public long fileDeleteDelayMs() { return (Long) values.get(TopicConfig.FILE_DELETE_DELAY_MS_CONFIG); }
    /** min.insync.replicas: acks=all produce needs at least this many in-sync replicas. */
    public int minInsyncReplicas() { return (Integer) values.get(TopicConfig.MIN_IN_SYNC_REPLICAS_CONFIG); }
    /** unclean.leader.election.enable: elect a replica outside the ISR when none in it is alive (may lose records). */
    public boolean uncleanLeaderElectionEnable() { return (Boolean) values.get(TopicConfig.UNCLEAN_LEADER_ELECTION_ENABLE_CONFIG); }
    public boolean remoteStorageEnable() { return (Boolean) values.get(TopicConfig.REMOTE_LOG_STORAGE_ENABLE_CONFIG); }
    /** Local retention in ms; -2 means "same as retention.ms". */
    public long localRetentionMs() { return (Long) values.get(TopicConfig.LOCAL_LOG_RETENTION_MS_CONFIG); }
    /** Local retention in bytes; -2 means "same as retention.bytes". */
    public long localRetentionBytes() { return (Long) values.get(TopicConfig.LOCAL_LOG_RETENTION_BYTES_CONFIG); }

    public TimestampType messageTimestampType() {
        return "LogAppendTime".equals(values.get(TopicConfig.MESSAGE_TIMESTAMP_TYPE_CONFIG))
                ? TimestampType.LOG_APPEND_TIME : TimestampType.CREATE_TIME;
    }

    /** True when every batch must be on stable storage before it is acknowledged. */
    public boolean flushEveryBatch() {
        return flushMessages() <= 1;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof LogConfig other && values.equals(other.values) && overridden.equals(other.overridden);
    }

    @Override
    public int hashCode() {
        return values.hashCode();
    }

    @Override
    public String toString() {
        return "LogConfig" + values();
    }
}
