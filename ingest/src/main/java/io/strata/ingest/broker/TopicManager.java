package io.strata.ingest.broker;

import io.strata.ingest.observability.BrokerMetrics;
import io.strata.membership.partition.LeadershipListener;
import io.strata.membership.partition.PartitionAssigner;
import io.strata.membership.partition.PartitionId;
import io.strata.membership.partition.PartitionState;
import io.strata.membership.partition.PartitionStateStore;
import io.strata.membership.topic.TopicAlreadyExistsException;
import io.strata.membership.topic.TopicDescriptor;
import io.strata.membership.topic.TopicRegistry;
import io.strata.storage.log.LogConfig;
import io.strata.storage.log.LogManager;
import io.strata.storage.log.PartitionLog;
import io.strata.storage.log.RemoteLogBounds;
import io.strata.storage.remote.RemoteLogManager;
import io.strata.ingest.tiering.TieringBackpressure;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.errors.InvalidConfigurationException;
import org.apache.kafka.common.errors.InvalidPartitionsException;
import org.apache.kafka.common.errors.InvalidTopicException;
import org.apache.kafka.common.errors.KafkaStorageException;
import org.apache.kafka.common.errors.NotLeaderOrFollowerException;
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
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Topics, their partitions' leadership, and the logs of the partitions this node leads: the one
 * place where the cluster's topic registry and partition states are kept in step with local logs.
 *
 * <p>Order of changes, chosen so a crash never strands anything: create registers the topic, then
 * assigns partition leaders, then opens logs (start-up repeats the last two, both idempotent);
 * delete unregisters first, then removes logs (orphan log directories are removed at start-up).
 * Leadership changes arrive from the cluster on its event threads and are applied on this
 * manager's own thread. Topic changes are serialised; lookups are lock-free.
 */
public final class TopicManager implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(TopicManager.class);

    private final TopicRegistry registry;
    private final PartitionStateStore states;
    private final PartitionAssigner assigner;
    private final int nodeId;
    private final LogManager logs;
    private final Map<String, ?> brokerDefaults;
    private final BrokerMetrics metrics;
    private final int defaultPartitions;
    private final Map<TopicPartition, Partition> partitions = new ConcurrentHashMap<>();
    /** Names of topics by id, for the id-addressed requests of the hot path (no registry round trip). */
    private final Map<Uuid, String> topicNames = new ConcurrentHashMap<>();
    private final RemoteLogManager remote;
    private final TieringBackpressure backpressure;
    private final Consumer<TopicPartition> onSealed;
    private final ScheduledExecutorService leadershipChanges = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "strata-leadership");
        t.setDaemon(true);
        return t;
    });

    public TopicManager(TopicRegistry registry, PartitionStateStore states, PartitionAssigner assigner, int nodeId,
                        LogManager logs, Map<String, ?> brokerDefaults, BrokerMetrics metrics, int defaultPartitions) {
        this(registry, states, assigner, nodeId, logs, brokerDefaults, metrics, defaultPartitions, null, null, tp -> { });
    }

    /**
     * @param remote       tiered storage of the logs, or null when nothing is tiered
     * @param backpressure the disk budget of segments waiting for upload (with {@code remote})
     * @param onSealed     told when a roll sealed a segment of a tiered partition; must not block
     */
    public TopicManager(TopicRegistry registry, PartitionStateStore states, PartitionAssigner assigner, int nodeId,
                        LogManager logs, Map<String, ?> brokerDefaults, BrokerMetrics metrics, int defaultPartitions,
                        RemoteLogManager remote, TieringBackpressure backpressure, Consumer<TopicPartition> onSealed) {
        this.remote = remote;
        this.backpressure = backpressure;
        this.onSealed = onSealed;
        this.registry = registry;
        this.states = states;
        this.assigner = assigner;
        this.nodeId = nodeId;
        this.logs = logs;
        this.brokerDefaults = brokerDefaults;
        this.metrics = metrics;
        this.defaultPartitions = defaultPartitions;
    }

    /**
     * Follows leadership changes, opens the logs of every partition this node leads, and removes log
     * directories of deleted topics.
     */
    public synchronized void start() throws IOException {
        states.addLeadershipListener(nodeId, new LeadershipListener() {
            @Override
            public void becameLeader(PartitionId partition, PartitionState state) {
                leadershipChanges.execute(() -> lead(partition, state));
            }

            @Override
            public void stoppedLeading(PartitionId partition, PartitionState current) {
                leadershipChanges.execute(() -> resign(partition));
            }
        });
        Set<TopicPartition> known = new HashSet<>();
        for (TopicDescriptor topic : registry.all()) {
            openLedPartitions(topic, assigner.assign(topic));
            for (int p = 0; p < topic.partitions(); p++) {
                known.add(new TopicPartition(topic.name(), p));
            }
        }
        for (TopicPartition orphan : logs.partitionsOnDisk()) {
            if (!known.contains(orphan)) {
                LOG.infof("Removing log of deleted topic partition %s", orphan);
                logs.deleteLog(orphan);
            }
        }
        LOG.infof("Loaded %d topics; this node leads %d partitions", registry.all().size(), partitions.size());
    }

    public Optional<TopicDescriptor> topic(String name) {
        return registry.get(name);
    }

    public Optional<TopicDescriptor> topic(Uuid topicId) {
        return registry.get(new UUID(topicId.getMostSignificantBits(), topicId.getLeastSignificantBits()));
    }

    /** The name of the topic with this id, if there is one; answered locally for topics this node leads. */
    public Optional<String> topicName(Uuid topicId) {
        String name = topicNames.get(topicId);
        if (name != null) {
            return Optional.of(name);
        }
        return topic(topicId).map(TopicDescriptor::name);
    }

    public Collection<TopicDescriptor> topics() {
        return registry.all();
    }

    /** The partition if this node leads it, else null. */
    public Partition partition(TopicPartition tp) {
        return partitions.get(tp);
    }

    /**
     * The partition this node leads.
     *
     * @throws NotLeaderOrFollowerException when another node leads it (the client refreshes metadata)
     * @throws UnknownTopicOrPartitionException when there is no such partition
     */
    public Partition leaderPartition(TopicPartition tp) {
        Partition partition = partitions.get(tp);
        if (partition != null) {
            return partition;
        }
        Optional<TopicDescriptor> topic = registry.get(tp.topic());
        if (topic.isPresent() && tp.partition() >= 0 && tp.partition() < topic.get().partitions()) {
            throw new NotLeaderOrFollowerException("This node does not lead " + tp + ".");
        }
        throw new UnknownTopicOrPartitionException("This node has no partition " + tp + ".");
    }

    /** The cluster's view of a topic's partitions: leader, epoch and replicas. */
    public Map<PartitionId, PartitionState> partitionStates(TopicDescriptor topic) {
        return states.forTopic(topic.name(), topic.partitions());
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
     * Creates a topic and assigns its partitions' leaders.
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
        openLedPartitions(topic, assigner.assign(topic));
        LOG.infof("Created topic %s with %d partitions and configs %s", name, count, configs);
        return topic;
    }

    public synchronized TopicDescriptor deleteTopic(String name) {
        TopicDescriptor topic = registry.delete(name)
                .orElseThrow(() -> new UnknownTopicOrPartitionException("Topic '" + name + "' does not exist."));
        List<TopicPartition> removed = new ArrayList<>();
        topicNames.remove(kafkaId(topic));
        for (int p = 0; p < topic.partitions(); p++) {
            TopicPartition tp = new TopicPartition(name, p);
            partitions.remove(tp);
            if (remote != null) {
                remote.detach(tp);
                Uuid topicId = kafkaId(topic);
                leadershipChanges.execute(() -> {
                    try {
                        remote.deletePartitionData(tp, topicId);
                    } catch (RuntimeException e) {
                        LOG.warnf("Could not delete the tiered data of deleted partition %s: %s", tp, e.getMessage());
                    }
                });
            }
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
        openLedPartitions(updated, assigner.assign(updated));
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

    @Override
    public void close() {
        leadershipChanges.shutdownNow();
    }

    private void openLedPartitions(TopicDescriptor topic, Map<PartitionId, PartitionState> assignment) {
        for (Map.Entry<PartitionId, PartitionState> e : assignment.entrySet()) {
            if (e.getValue().leaderNodeId() == nodeId) {
                open(topic, e.getKey().partition(), e.getValue().leaderEpoch());
            }
        }
    }

    private synchronized void lead(PartitionId id, PartitionState state) {
        Optional<TopicDescriptor> topic = registry.get(id.topic());
        if (topic.isEmpty() || !topic.get().topicId().equals(state.topicId())) {
            return;
        }
        open(topic.get(), id.partition(), state.leaderEpoch());
    }

    private synchronized void resign(PartitionId id) {
        if (remote != null) {
            remote.detach(new TopicPartition(id.topic(), id.partition()));
        }
        Partition gone = partitions.remove(new TopicPartition(id.topic(), id.partition()));
        if (gone != null) {
            LOG.infof("No longer leading %s", gone.topicPartition());
        }
    }

    private void open(TopicDescriptor topic, int p, int leaderEpoch) {
        TopicPartition tp = new TopicPartition(topic.name(), p);
        Partition existing = partitions.get(tp);
        if (existing != null) {
            existing.becomeLeader(leaderEpoch);
            return;
        }
        RemoteLogBounds bounds = null;
        if (remote != null) {
            try {
                // The manifest decides where the log starts; without it an empty directory would restart at 0.
                bounds = remote.open(tp, kafkaId(topic));
            } catch (RuntimeException e) {
                LOG.errorf("Cannot read the object-store manifest of %s (%s); the partition stays offline, retrying in 5 s",
                        tp, e.getMessage());
                leadershipChanges.schedule(() -> reopen(topic.name(), p, leaderEpoch), 5, TimeUnit.SECONDS);
                return;
            }
        }
        try {
            PartitionLog log = logs.getOrCreateLog(tp, kafkaId(topic), logConfig(topic.configs()), bounds);
            if (remote != null) {
                remote.attach(log);
                log.setSealListener(() -> onSealed.accept(tp));
            }
            partitions.put(tp, new Partition(tp, kafkaId(topic), log, leaderEpoch, backpressure));
            topicNames.put(kafkaId(topic), topic.name());
            metrics.registerLog(log);
        } catch (IOException e) {
            throw new KafkaStorageException("Cannot open the log of " + tp + ": " + e.getMessage(), e);
        }
    }

    private synchronized void reopen(String topicName, int p, int leaderEpoch) {
        Optional<TopicDescriptor> topic = registry.get(topicName);
        if (topic.isPresent() && p < topic.get().partitions() && !partitions.containsKey(new TopicPartition(topicName, p))) {
            open(topic.get(), p, leaderEpoch);
        }
    }
}
