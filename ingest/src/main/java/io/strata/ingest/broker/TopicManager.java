package io.strata.ingest.broker;

import io.strata.ingest.observability.BrokerMetrics;
import io.strata.membership.topic.TopicAlreadyExistsException;
import io.strata.membership.topic.TopicDescriptor;
import io.strata.membership.topic.TopicRegistry;
import io.strata.storage.log.LogConfig;
import io.strata.storage.log.LogManager;
import io.strata.storage.log.PartitionLog;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.errors.InvalidConfigurationException;
import org.apache.kafka.common.errors.InvalidPartitionsException;
import org.apache.kafka.common.errors.InvalidTopicException;
import org.apache.kafka.common.errors.KafkaStorageException;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.apache.kafka.common.internals.Topic;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Topics and the partitions this node leads: the one place where the topic registry and the local
 * logs are kept in step.
 *
 * <p>Order of changes, chosen so a crash never leaves a registered topic without its logs being
 * creatable, nor a log that outlives its topic for good: create registers first, then opens logs
 * (missing logs are created on start-up); delete unregisters first, then removes logs (orphan log
 * directories are removed on start-up). Topic changes are serialised; lookups are lock-free.
 */
public final class TopicManager {

    private static final Logger LOG = Logger.getLogger(TopicManager.class);

    private final TopicRegistry registry;
    private final LogManager logs;
    private final Map<String, ?> brokerDefaults;
    private final BrokerMetrics metrics;
    private final int defaultPartitions;
    private final Map<TopicPartition, Partition> partitions = new ConcurrentHashMap<>();

    public TopicManager(TopicRegistry registry, LogManager logs, Map<String, ?> brokerDefaults,
                        BrokerMetrics metrics, int defaultPartitions) {
        this.registry = registry;
        this.logs = logs;
        this.brokerDefaults = brokerDefaults;
        this.metrics = metrics;
        this.defaultPartitions = defaultPartitions;
    }

    /** Opens the logs of every registered topic and removes log directories of deleted topics. */
    public synchronized void start() throws IOException {
        Set<TopicPartition> expected = new HashSet<>();
        for (TopicDescriptor topic : registry.all()) {
            openPartitions(topic);
            for (int p = 0; p < topic.partitions(); p++) {
                expected.add(new TopicPartition(topic.name(), p));
            }
        }
        for (TopicPartition orphan : logs.partitionsOnDisk()) {
            if (!expected.contains(orphan)) {
                LOG.infof("Removing log of deleted topic partition %s", orphan);
                logs.deleteLog(orphan);
            }
        }
        LOG.infof("Loaded %d topics with %d partitions", registry.all().size(), partitions.size());
    }

    public Optional<TopicDescriptor> topic(String name) {
        return registry.get(name);
    }

    public Optional<TopicDescriptor> topic(Uuid topicId) {
        return registry.get(new UUID(topicId.getMostSignificantBits(), topicId.getLeastSignificantBits()));
    }

    public Collection<TopicDescriptor> topics() {
        return registry.all();
    }

    /** The partition, or null when this node has no such partition. */
    public Partition partition(TopicPartition tp) {
        return partitions.get(tp);
    }

    public int defaultPartitions() {
        return defaultPartitions;
    }

    public static Uuid kafkaId(TopicDescriptor topic) {
        return new Uuid(topic.topicId().getMostSignificantBits(), topic.topicId().getLeastSignificantBits());
    }

    /** The effective log config for a set of topic overrides; throws InvalidConfigurationException. */
    public LogConfig logConfig(Map<String, String> overrides) {
        try {
            return LogConfig.create(brokerDefaults, overrides);
        } catch (ConfigException e) {
            throw new InvalidConfigurationException(e.getMessage());
        }
    }

    /**
     * Creates a topic.
     *
     * @param partitionCount -1 for the node default
     * @throws InvalidTopicException, TopicExistsException, InvalidPartitionsException, InvalidConfigurationException
     */
    public synchronized TopicDescriptor createTopic(String name, int partitionCount, Map<String, String> configs,
                                                    boolean validateOnly) {
        Topic.validate(name);
        if (Topic.isInternal(name)) {
            throw new InvalidTopicException("Topic '" + name + "' is reserved for internal use.");
        }
        int count = partitionCount == -1 ? defaultPartitions : partitionCount;
        if (count < 1) {
            throw new InvalidPartitionsException("Number of partitions must be at least 1, got " + partitionCount + ".");
        }
        logConfig(configs);
        if (registry.get(name).isPresent()) {
            throw new TopicExistsException("Topic '" + name + "' already exists.");
        }
        for (TopicDescriptor other : registry.all()) {
            if (Topic.hasCollision(name, other.name())) {
                throw new InvalidTopicException("Topic '" + name + "' collides with existing topic '" + other.name()
                        + "': '.' and '_' are treated alike in metric names.");
            }
        }
        if (validateOnly) {
            return new TopicDescriptor(name, UUID.randomUUID(), count, configs);
        }
        TopicDescriptor topic;
        try {
            topic = registry.create(name, count, configs);
        } catch (TopicAlreadyExistsException e) {
            throw new TopicExistsException(e.getMessage());
        }
        openPartitions(topic);
        LOG.infof("Created topic %s with %d partitions and configs %s", name, count, configs);
        return topic;
    }

    public synchronized TopicDescriptor deleteTopic(String name) {
        TopicDescriptor topic = registry.delete(name)
                .orElseThrow(() -> new UnknownTopicOrPartitionException("Topic '" + name + "' does not exist."));
        List<TopicPartition> removed = new ArrayList<>();
        for (int p = 0; p < topic.partitions(); p++) {
            TopicPartition tp = new TopicPartition(name, p);
            partitions.remove(tp);
            removed.add(tp);
            try {
                logs.deleteLog(tp);
            } catch (IOException e) {
                // The topic is gone from the registry; the directory is removed at the next start.
                LOG.warnf(e, "Could not delete the log of %s", tp);
            }
        }
        metrics.removeTopic(name, removed);
        LOG.infof("Deleted topic %s", name);
        return topic;
    }

    public synchronized TopicDescriptor createPartitions(String name, int newCount, boolean validateOnly) {
        TopicDescriptor topic = registry.get(name)
                .orElseThrow(() -> new UnknownTopicOrPartitionException("Topic '" + name + "' does not exist."));
        if (newCount <= topic.partitions()) {
            throw new InvalidPartitionsException("Topic '" + name + "' has " + topic.partitions()
                    + " partitions; the new count must be larger, got " + newCount + ".");
        }
        if (validateOnly) {
            return topic.withPartitions(newCount);
        }
        TopicDescriptor updated = registry.update(topic.withPartitions(newCount));
        openPartitions(updated);
        return updated;
    }

    public synchronized TopicDescriptor alterConfigs(String name, Map<String, String> newConfigs, boolean validateOnly) {
        TopicDescriptor topic = registry.get(name)
                .orElseThrow(() -> new UnknownTopicOrPartitionException("Topic '" + name + "' does not exist."));
        LogConfig config = logConfig(newConfigs);
        if (validateOnly) {
            return topic.withConfigs(newConfigs);
        }
        TopicDescriptor updated = registry.update(topic.withConfigs(newConfigs));
        for (int p = 0; p < updated.partitions(); p++) {
            Partition partition = partitions.get(new TopicPartition(name, p));
            if (partition != null) {
                partition.log().updateConfig(config);
            }
        }
        return updated;
    }

    private void openPartitions(TopicDescriptor topic) {
        LogConfig config = logConfig(topic.configs());
        Uuid id = kafkaId(topic);
        for (int p = 0; p < topic.partitions(); p++) {
            TopicPartition tp = new TopicPartition(topic.name(), p);
            if (partitions.containsKey(tp)) {
                continue;
            }
            try {
                PartitionLog log = logs.getOrCreateLog(tp, id, config);
                partitions.put(tp, new Partition(tp, id, log, 0));
                metrics.registerLog(log);
            } catch (IOException e) {
                throw new KafkaStorageException("Cannot open the log of " + tp + ": " + e.getMessage(), e);
            }
        }
    }
}
