package io.strata.ingest.broker;

import io.strata.ingest.observability.BrokerMetrics;
import io.strata.membership.partition.PartitionAssigner;
import io.strata.membership.partition.PartitionId;
import io.strata.membership.partition.PartitionState;
import io.strata.membership.partition.PartitionStateStore;
import io.strata.membership.topic.TopicAlreadyExistsException;
import io.strata.membership.topic.TopicDescriptor;
import io.strata.membership.topic.HazelcastTopicRegistry;
import io.strata.storage.log.LogConfig;
import io.strata.storage.log.LogManager;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.errors.InvalidConfigurationException;
import org.apache.kafka.common.errors.InvalidPartitionsException;
import org.apache.kafka.common.errors.InvalidReplicaAssignmentException;
import org.apache.kafka.common.errors.InvalidReplicationFactorException;
import org.apache.kafka.common.errors.InvalidTopicException;
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
import java.util.TreeMap;
import java.util.UUID;
import java.util.function.Supplier;

/**
 * Topics and the cluster's view of their partitions: the one place where the cluster's topic registry
 * and partition states are changed by clients (create, delete, grow, configure). The replicas this
 * node hosts follow those states through the {@link ReplicaManager}.
 *
 * <p>Order of changes, chosen so a crash never strands anything: create registers the topic, then
 * assigns the partitions' replicas and leaders, then opens this node's replicas (start-up repeats the
 * last two, both idempotent); delete unregisters first, then removes logs (orphan log directories
 * are removed at start-up). Topic changes are serialised; lookups are lock-free.
 */
public final class TopicManager implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(TopicManager.class);

    private final HazelcastTopicRegistry registry;
    private final PartitionStateStore states;
    private final PartitionAssigner assigner;
    private final LogManager logs;
    private final Map<String, ?> brokerDefaults;
    private final BrokerMetrics metrics;
    private final int defaultPartitions;
    private final int defaultReplicationFactor;
    private final Supplier<Set<Integer>> liveNodes;
    private final ReplicaManager replicas;
    private final int nodeId;

    /**
     * @param defaultPartitions        partitions of a topic created without a count (num.partitions)
     * @param defaultReplicationFactor replicas of a topic created without a factor (default.replication.factor)
     * @param liveNodes                the ids of the nodes currently in the cluster
     */
    public TopicManager(HazelcastTopicRegistry registry, PartitionStateStore states, PartitionAssigner assigner,
                        LogManager logs, Map<String, ?> brokerDefaults, BrokerMetrics metrics, int defaultPartitions,
                        int defaultReplicationFactor, Supplier<Set<Integer>> liveNodes, ReplicaManager replicas) {
        this.nodeId = replicas.nodeId();
        this.defaultReplicationFactor = defaultReplicationFactor;
        this.liveNodes = liveNodes;
        this.registry = registry;
        this.states = states;
        this.assigner = assigner;
        this.logs = logs;
        this.brokerDefaults = brokerDefaults;
        this.metrics = metrics;
        this.defaultPartitions = defaultPartitions;
        this.replicas = replicas;
    }

    /**
     * Follows partition state changes, opens the replicas this node hosts (as leader or follower), and
     * removes log directories of deleted topics.
     */
    public synchronized void start() throws IOException {
        replicas.start(registry::get);
        Set<TopicPartition> known = new HashSet<>();
        Set<TopicPartition> movedAway = new HashSet<>();
        for (TopicDescriptor topic : registry.all()) {
            Map<PartitionId, PartitionState> assignment = assigner.assign(topic);
            replicas.applyNow(assignment);
            for (int p = 0; p < topic.partitions(); p++) {
                TopicPartition tp = new TopicPartition(topic.name(), p);
                known.add(tp);
                PartitionState state = assignment.get(new PartitionId(topic.name(), p));
                if (state != null && !state.isReplica(nodeId) && !state.isReassigning()) {
                    movedAway.add(tp);
                }
            }
        }
        for (TopicPartition orphan : logs.partitionsOnDisk()) {
            if (!known.contains(orphan)) {
                LOG.infof("Removing log of deleted topic partition %s", orphan);
                logs.deleteLog(orphan);
            } else if (movedAway.contains(orphan)) {
                // Reassigned away while this node was down: a stale copy must not come back if it is assigned again.
                LOG.infof("Removing log of %s: this node is no longer one of its replicas", orphan);
                logs.deleteLog(orphan);
            }
        }
        LOG.infof("Loaded %d topics; this node hosts %d replicas", registry.all().size(),
                replicas.hostedPartitions().size());
    }

    public Optional<TopicDescriptor> topic(String name) {
        return lookup(name);
    }

    /**
     * The topic registered under {@code name}. A name no topic can have (empty, too long, characters
     * outside Kafka's set, "." or "..") is answered as unknown without asking the cluster: the durable
     * store behind the registry keys its entries by name and rejects such keys.
     */
    private Optional<TopicDescriptor> lookup(String name) {
        if (!isLegalName(name)) {
            return Optional.empty();
        }
        return registry.get(name);
    }

    private static boolean isLegalName(String name) {
        if (name == null) {
            return false;
        }
        try {
            Topic.validate(name);
            return true;
        } catch (InvalidTopicException e) {
            return false;
        }
    }

    public Optional<TopicDescriptor> topic(Uuid topicId) {
        return registry.get(new UUID(topicId.getMostSignificantBits(), topicId.getLeastSignificantBits()));
    }

    /** The name of the topic with this id, if there is one; answered locally for topics this node leads. */
    public Optional<String> topicName(Uuid topicId) {
        Optional<String> hostedName = replicas.topicName(topicId);
        return hostedName.isPresent() ? hostedName : topic(topicId).map(TopicDescriptor::name);
    }

    public Collection<TopicDescriptor> topics() {
        return registry.all();
    }

    /** The partition if this node leads it, else null. */
    public Partition partition(TopicPartition tp) {
        return replicas.leading(tp);
    }

    /** The replicas this node hosts. */
    public ReplicaManager replicas() {
        return replicas;
    }

    /**
     * The partition this node leads.
     *
     * @throws NotLeaderOrFollowerException when another node leads it (the client refreshes metadata)
     * @throws UnknownTopicOrPartitionException when there is no such partition
     */
    public Partition leaderPartition(TopicPartition tp) {
        Partition partition = replicas.leading(tp);
        if (partition != null) {
            return partition;
        }
        Optional<TopicDescriptor> topic = lookup(tp.topic());
        if (topic.isPresent() && tp.partition() >= 0 && tp.partition() < topic.get().partitions()) {
            throw new NotLeaderOrFollowerException("This node does not lead " + tp + ".");
        }
        throw new UnknownTopicOrPartitionException("This node has no partition " + tp + ".");
    }

    /**
     * A replica that may answer a consumer's fetch: the leader, or a follower (KIP-392, which a
     * consumer reads only after the leader named it the preferred read replica).
     *
     * @throws NotLeaderOrFollowerException when this node hosts no replica of it
     * @throws UnknownTopicOrPartitionException when there is no such partition
     */
    public Partition readablePartition(TopicPartition tp) {
        Partition partition = replicas.hosted(tp);
        return partition != null ? partition : leaderPartition(tp);
    }

    /**
     * The cluster's view of a topic's partitions: leader, epoch and replicas, from this node's local copy (no
     * cluster read): never older than this node's own writes, current with other nodes' writes within the
     * time their events take to arrive.
     */
    public Map<PartitionId, PartitionState> partitionStates(TopicDescriptor topic) {
        return states.local().forTopic(topic.name(), topic.partitions());
    }

    /** The topic's partition states as this node knows them, indexed by partition (null where none). */
    public PartitionState[] partitionStateArray(TopicDescriptor topic) {
        return states.local().statesOf(topic.name(), topic.partitions());
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

    public int defaultReplicationFactor() {
        return defaultReplicationFactor;
    }

    /** Creates a topic with the node's default partition count and replication factor (auto-creation). */
    public TopicDescriptor createTopic(String name, Map<String, String> configs) {
        return createTopic(name, -1, -1, Map.of(), configs, false);
    }

    /**
     * Creates a topic, assigns its partitions' replicas and leaders, and opens this node's replicas.
     *
     * @param partitionCount    -1 for the node default (ignored with a manual assignment)
     * @param replicationFactor -1 for the node default (ignored with a manual assignment)
     * @param assignment        replicas per partition index, preferred leader first; empty to have them assigned
     * @throws InvalidTopicException, TopicExistsException, InvalidPartitionsException, InvalidConfigurationException,
     *         InvalidReplicationFactorException (more replicas than live nodes), InvalidReplicaAssignmentException
     */
    public synchronized TopicDescriptor createTopic(String name, int partitionCount, int replicationFactor,
                                                    Map<Integer, List<Integer>> assignment, Map<String, String> configs,
                                                    boolean validateOnly) {
        Topic.validate(name);
        if (Topic.isInternal(name)) {
            throw new InvalidTopicException("Topic '" + name + "' is reserved for internal use.");
        }
        Set<Integer> live = liveNodes.get();
        int count;
        int rf;
        if (!assignment.isEmpty()) {
            validateAssignment(assignment, live);
            count = assignment.size();
            rf = assignment.get(0).size();
        } else {
            count = partitionCount == -1 ? defaultPartitions : partitionCount;
            rf = replicationFactor == -1 ? defaultReplicationFactor : replicationFactor;
            if (count < 1) {
                throw new InvalidPartitionsException("Number of partitions must be at least 1, got " + partitionCount + ".");
            }
            if (rf < 1) {
                throw new InvalidReplicationFactorException("Replication factor must be at least 1, got " + rf + ".");
            }
            if (rf > live.size()) {
                throw new InvalidReplicationFactorException("Replication factor: " + rf
                        + " larger than available brokers: " + live.size() + ".");
            }
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
            topic = registry.create(name, count, configs, rf, new TreeMap<>(assignment));
        } catch (TopicAlreadyExistsException e) {
            throw new TopicExistsException(e.getMessage());
        }
        replicas.applyNow(assigner.assign(topic));
        LOG.infof("Created topic %s with %d partitions, replication factor %d and configs %s", name, count, rf, configs);
        return topic;
    }

    /** A manual assignment names every partition from 0, the same number of distinct live replicas for each. */
    private static void validateAssignment(Map<Integer, List<Integer>> assignment, Set<Integer> live) {
        int rf = -1;
        for (int p = 0; p < assignment.size(); p++) {
            List<Integer> replicas = assignment.get(p);
            if (replicas == null) {
                throw new InvalidReplicaAssignmentException("Partitions must be numbered consecutively from 0; "
                        + "partition " + p + " is missing.");
            }
            if (replicas.isEmpty() || new HashSet<>(replicas).size() != replicas.size()) {
                throw new InvalidReplicaAssignmentException("Partition " + p + " needs distinct replicas, got " + replicas + ".");
            }
            if (rf != -1 && replicas.size() != rf) {
                throw new InvalidReplicaAssignmentException("All partitions need the same number of replicas; partition "
                        + p + " has " + replicas.size() + ", partition 0 has " + rf + ".");
            }
            rf = replicas.size();
            for (int node : replicas) {
                if (!live.contains(node)) {
                    throw new InvalidReplicaAssignmentException("Partition " + p + " is assigned to broker " + node
                            + ", which is not in the cluster (live brokers: " + live + ").");
                }
            }
        }
    }

    public synchronized TopicDescriptor deleteTopic(String name) {
        TopicDescriptor topic = (isLegalName(name) ? registry.delete(name) : Optional.<TopicDescriptor>empty())
                .orElseThrow(() -> new UnknownTopicOrPartitionException("Topic '" + name + "' does not exist."));
        replicas.removeTopic(topic);
        List<TopicPartition> removed = new ArrayList<>();
        for (int p = 0; p < topic.partitions(); p++) {
            removed.add(new TopicPartition(name, p));
        }
        metrics.removeTopic(name, removed);
        LOG.infof("Deleted topic %s", name);
        return topic;
    }

    public synchronized TopicDescriptor createPartitions(String name, int newCount, boolean validateOnly) {
        TopicDescriptor topic = lookup(name)
                .orElseThrow(() -> new UnknownTopicOrPartitionException("Topic '" + name + "' does not exist."));
        if (newCount <= topic.partitions()) {
            throw new InvalidPartitionsException("Topic '" + name + "' has " + topic.partitions()
                    + " partitions; the new count must be larger, got " + newCount + ".");
        }
        if (validateOnly) {
            return topic.withPartitions(newCount);
        }
        TopicDescriptor updated = registry.update(topic.withPartitions(newCount));
        replicas.applyNow(assigner.assign(updated));
        return updated;
    }

    public synchronized TopicDescriptor alterConfigs(String name, Map<String, String> newConfigs, boolean validateOnly) {
        TopicDescriptor topic = lookup(name)
                .orElseThrow(() -> new UnknownTopicOrPartitionException("Topic '" + name + "' does not exist."));
        LogConfig config = logConfig(newConfigs);
        if (validateOnly) {
            return topic.withConfigs(newConfigs);
        }
        TopicDescriptor updated = registry.update(topic.withConfigs(newConfigs));
        for (int p = 0; p < updated.partitions(); p++) {
            Partition partition = replicas.hosted(new TopicPartition(name, p));
            if (partition != null) {
                partition.log().updateConfig(config);
            }
        }
        return updated;
    }

    @Override
    public void close() {
        replicas.close();
    }
}
