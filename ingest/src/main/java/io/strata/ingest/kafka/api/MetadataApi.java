package io.strata.ingest.kafka.api;

import io.strata.ingest.broker.TopicManager;
import io.strata.membership.cluster.ControllerElection;
import io.strata.membership.cluster.NodeInfo;
import io.strata.membership.cluster.NodeRegistry;
import io.strata.membership.partition.PartitionState;
import io.strata.membership.topic.TopicDescriptor;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.errors.ApiException;
import org.apache.kafka.common.errors.InvalidRequestException;
import org.apache.kafka.common.internals.Topic;
import org.apache.kafka.common.message.DescribeClusterResponseData;
import org.apache.kafka.common.message.DescribeClusterResponseData.DescribeClusterBroker;
import org.apache.kafka.common.message.DescribeTopicPartitionsRequestData;
import org.apache.kafka.common.message.DescribeTopicPartitionsResponseData;
import org.apache.kafka.common.message.DescribeTopicPartitionsResponseData.DescribeTopicPartitionsResponsePartition;
import org.apache.kafka.common.message.DescribeTopicPartitionsResponseData.DescribeTopicPartitionsResponseTopic;
import org.apache.kafka.common.message.MetadataRequestData.MetadataRequestTopic;
import org.apache.kafka.common.message.MetadataResponseData;
import org.apache.kafka.common.message.MetadataResponseData.MetadataResponseBroker;
import org.apache.kafka.common.message.MetadataResponseData.MetadataResponsePartition;
import org.apache.kafka.common.message.MetadataResponseData.MetadataResponseTopic;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.DescribeClusterRequest;
import org.apache.kafka.common.requests.DescribeClusterResponse;
import org.apache.kafka.common.requests.DescribeTopicPartitionsRequest;
import org.apache.kafka.common.requests.DescribeTopicPartitionsResponse;
import org.apache.kafka.common.requests.MetadataRequest;
import org.apache.kafka.common.requests.MetadataResponse;
import org.jboss.logging.Logger;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.BooleanSupplier;

/**
 * Cluster and topic metadata: Metadata (with auto topic creation), DescribeCluster and
 * DescribeTopicPartitions, answered from the cluster's live nodes and partition states: leader,
 * leader epoch, replicas, in-sync replicas, and replicas whose node is not in the cluster (offline).
 *
 * <p>No authorizer is configured, so every client may do everything: when authorized operations
 * are asked for, all of them are reported.
 */
public final class MetadataApi {

    private static final Logger LOG = Logger.getLogger(MetadataApi.class);
    private static final int TOPIC_OPERATIONS = bitField(EnumSet.of(AclOperation.READ, AclOperation.WRITE,
            AclOperation.CREATE, AclOperation.DELETE, AclOperation.ALTER, AclOperation.DESCRIBE,
            AclOperation.DESCRIBE_CONFIGS, AclOperation.ALTER_CONFIGS));
    private static final int CLUSTER_OPERATIONS = bitField(EnumSet.of(AclOperation.CREATE, AclOperation.ALTER,
            AclOperation.DESCRIBE, AclOperation.CLUSTER_ACTION, AclOperation.DESCRIBE_CONFIGS,
            AclOperation.ALTER_CONFIGS, AclOperation.IDEMPOTENT_WRITE));

    /** The listener of a node with a single one. */
    static final String DEFAULT_LISTENER = "PLAINTEXT";

    private final TopicManager topics;
    private final BrokerNode node;
    private final NodeRegistry nodes;
    private final ControllerElection controller;
    private final boolean autoCreateTopics;
    private final BooleanSupplier inMajority;

    /**
     * @param inMajority whether this node sees a majority of the cluster; cut off from it, its view of
     *                   leaders and ISRs may be stale, so it names no leader and clients ask another node
     */
    public MetadataApi(TopicManager topics, BrokerNode node, NodeRegistry nodes, ControllerElection controller,
                       boolean autoCreateTopics, BooleanSupplier inMajority) {
        this.inMajority = inMajority;
        this.topics = topics;
        this.node = node;
        this.nodes = nodes;
        this.controller = controller;
        this.autoCreateTopics = autoCreateTopics;
    }

    private List<NodeInfo> liveNodes() {
        List<NodeInfo> live = new ArrayList<>(nodes.liveNodes());
        live.sort(Comparator.comparingInt(NodeInfo::nodeId));
        return live;
    }

    public MetadataResponse metadata(MetadataRequest request) {
        return metadata(request, DEFAULT_LISTENER);
    }

    /**
     * Metadata as seen through one listener: brokers are described by their endpoint of that listener
     * (as Kafka does), and brokers without it are left out.
     */
    public MetadataResponse metadata(MetadataRequest request, String listener) {
        var data = request.data();
        MetadataResponseData response = new MetadataResponseData()
                .setClusterId(node.clusterId())
                .setControllerId(controller.controllerNodeId())
                .setClusterAuthorizedOperations(data.includeClusterAuthorizedOperations()
                        ? CLUSTER_OPERATIONS : MetadataResponse.AUTHORIZED_OPERATIONS_OMITTED);
        for (NodeInfo n : liveNodes()) {
            n.endpoint(listener).ifPresent(e -> response.brokers().add(new MetadataResponseBroker().setNodeId(n.nodeId())
                    .setHost(e.host()).setPort(e.port()).setRack(n.rack())));
        }
        int topicOps = data.includeTopicAuthorizedOperations() ? TOPIC_OPERATIONS : MetadataResponse.AUTHORIZED_OPERATIONS_OMITTED;

        if (request.isAllTopics()) {
            topics.topics().stream().sorted(Comparator.comparing(TopicDescriptor::name))
                    .forEach(t -> response.topics().add(describe(t, topicOps)));
        } else {
            boolean mayCreate = data.allowAutoTopicCreation() && autoCreateTopics;
            for (MetadataRequestTopic requested : data.topics()) {
                MetadataResponseTopic out = requested.name() == null
                        ? byId(requested.topicId(), topicOps, request.version())
                        : byName(requested.name(), mayCreate, topicOps);
                if (out.name() == null || response.topics().find(out.name()) == null) {
                    response.topics().add(out);
                }
            }
        }
        return new MetadataResponse(response, request.version());
    }

    private MetadataResponseTopic byId(Uuid topicId, int topicOps, short version) {
        // Before v12 a response topic must have a name (v10 and v11 requests may name topics by id alone).
        return topics.topic(topicId).map(t -> describe(t, topicOps))
                .orElseGet(() -> new MetadataResponseTopic().setTopicId(topicId).setName(version < 12 ? "" : null)
                        .setErrorCode(Errors.UNKNOWN_TOPIC_ID.code()));
    }

    private MetadataResponseTopic byName(String name, boolean mayCreate, int topicOps) {
        Optional<TopicDescriptor> topic = topics.topic(name);
        if (topic.isPresent()) {
            return describe(topic.get(), topicOps);
        }
        MetadataResponseTopic missing = new MetadataResponseTopic().setName(name).setTopicId(Uuid.ZERO_UUID);
        if (!Topic.isValid(name)) {
            return missing.setErrorCode(Errors.INVALID_TOPIC_EXCEPTION.code());
        }
        if (!mayCreate) {
            return missing.setErrorCode(Errors.UNKNOWN_TOPIC_OR_PARTITION.code());
        }
        try {
            return describe(topics.createTopic(name, Map.of()), topicOps);
        } catch (ApiException e) {
            // Lost a race with another creator: describe what is there now.
            Optional<TopicDescriptor> raced = topics.topic(name);
            if (raced.isPresent()) {
                return describe(raced.get(), topicOps);
            }
            LOG.debugf("Auto-creation of %s failed: %s", name, e.getMessage());
            return missing.setErrorCode(Errors.forException(e).code());
        }
    }

    private MetadataResponseTopic describe(TopicDescriptor topic, int topicOps) {
        MetadataResponseTopic out = new MetadataResponseTopic()
                .setName(topic.name())
                .setTopicId(TopicManager.kafkaId(topic))
                .setIsInternal(false)
                .setTopicAuthorizedOperations(topicOps);
        PartitionState[] states = topics.partitionStateArray(topic);
        boolean current = inMajority.getAsBoolean();
        Set<Integer> live = nodes.liveNodeIds(); // once per topic, not per partition
        for (int p = 0; p < topic.partitions(); p++) {
            PartitionState state = current ? states[p] : null;
            MetadataResponsePartition mp = new MetadataResponsePartition().setPartitionIndex(p);
            if (state == null || !state.hasLeader() || !live.contains(state.leaderNodeId())) {
                mp.setErrorCode(Errors.LEADER_NOT_AVAILABLE.code()).setLeaderId(MetadataResponse.NO_LEADER_ID)
                        .setLeaderEpoch(state == null ? -1 : state.leaderEpoch())
                        .setReplicaNodes(state == null ? List.of() : state.replicas())
                        .setIsrNodes(state == null ? List.of() : state.isr())
                        .setOfflineReplicas(state == null ? List.of() : offline(state, live));
            } else {
                mp.setLeaderId(state.leaderNodeId()).setLeaderEpoch(state.leaderEpoch())
                        .setReplicaNodes(state.replicas()).setIsrNodes(state.isr()).setOfflineReplicas(offline(state, live));
            }
            out.partitions().add(mp);
        }
        return out;
    }

    public DescribeClusterResponse describeCluster(DescribeClusterRequest request) {
        return describeCluster(request, DEFAULT_LISTENER);
    }

    /** DescribeCluster as seen through one listener (see {@link #metadata(MetadataRequest, String)}). */
    public DescribeClusterResponse describeCluster(DescribeClusterRequest request, String listener) {
        DescribeClusterResponseData response = new DescribeClusterResponseData()
                .setClusterId(node.clusterId())
                .setControllerId(controller.controllerNodeId())
                .setEndpointType(request.data().endpointType())
                .setClusterAuthorizedOperations(request.data().includeClusterAuthorizedOperations()
                        ? CLUSTER_OPERATIONS : MetadataResponse.AUTHORIZED_OPERATIONS_OMITTED);
        if (request.data().endpointType() != 1) {
            return new DescribeClusterResponse(response.setErrorCode(Errors.UNSUPPORTED_ENDPOINT_TYPE.code())
                    .setErrorMessage("Only broker endpoints can be described."));
        }
        for (NodeInfo n : liveNodes()) {
            n.endpoint(listener).ifPresent(e -> response.brokers().add(new DescribeClusterBroker().setBrokerId(n.nodeId())
                    .setHost(e.host()).setPort(e.port()).setRack(n.rack())));
        }
        return new DescribeClusterResponse(response);
    }

    public DescribeTopicPartitionsResponse describeTopicPartitions(DescribeTopicPartitionsRequest request) {
        DescribeTopicPartitionsRequestData data = request.data();
        if (data.cursor() != null && data.cursor().partitionIndex() < 0) {
            return (DescribeTopicPartitionsResponse) request.getErrorResponse(new InvalidRequestException(
                    "The cursor's partition index must not be negative, got " + data.cursor().partitionIndex() + "."));
        }
        Map<String, Optional<TopicDescriptor>> wanted = new TreeMap<>();
        if (data.topics().isEmpty()) {
            topics.topics().forEach(t -> wanted.put(t.name(), Optional.of(t)));
        } else {
            data.topics().forEach(t -> wanted.put(t.name(), topics.topic(t.name())));
        }
        DescribeTopicPartitionsResponseData response = new DescribeTopicPartitionsResponseData();
        int budget = Math.max(1, data.responsePartitionLimit());
        String cursorTopic = data.cursor() == null ? null : data.cursor().topicName();
        int cursorPartition = data.cursor() == null ? 0 : data.cursor().partitionIndex();
        for (Map.Entry<String, Optional<TopicDescriptor>> entry : wanted.entrySet()) {
            String name = entry.getKey();
            if (cursorTopic != null && name.compareTo(cursorTopic) < 0) {
                continue;
            }
            DescribeTopicPartitionsResponseTopic out = new DescribeTopicPartitionsResponseTopic().setName(name)
                    .setTopicAuthorizedOperations(TOPIC_OPERATIONS);
            if (entry.getValue().isEmpty()) {
                response.topics().add(out.setErrorCode(Errors.UNKNOWN_TOPIC_OR_PARTITION.code()).setTopicId(Uuid.ZERO_UUID));
                continue;
            }
            TopicDescriptor topic = entry.getValue().get();
            out.setTopicId(TopicManager.kafkaId(topic)).setIsInternal(false);
            int first = name.equals(cursorTopic) ? cursorPartition : 0;
            PartitionState[] states = topics.partitionStateArray(topic);
            boolean current = inMajority.getAsBoolean();
            Set<Integer> live = nodes.liveNodeIds();
            for (int p = first; p < topic.partitions(); p++) {
                if (budget == 0) {
                    response.topics().add(out);
                    response.setNextCursor(new DescribeTopicPartitionsResponseData.Cursor().setTopicName(name).setPartitionIndex(p));
                    return new DescribeTopicPartitionsResponse(response);
                }
                PartitionState state = current ? states[p] : null;
                boolean led = state != null && state.hasLeader() && live.contains(state.leaderNodeId());
                out.partitions().add(new DescribeTopicPartitionsResponsePartition()
                        .setPartitionIndex(p)
                        .setErrorCode(led ? Errors.NONE.code() : Errors.LEADER_NOT_AVAILABLE.code())
                        .setLeaderId(led ? state.leaderNodeId() : MetadataResponse.NO_LEADER_ID)
                        .setLeaderEpoch(state == null ? -1 : state.leaderEpoch())
                        .setReplicaNodes(state == null ? List.of() : state.replicas())
                        .setIsrNodes(state == null ? List.of() : state.isr())
                        .setOfflineReplicas(state == null ? List.of() : offline(state, live))
                        .setEligibleLeaderReplicas(new ArrayList<>())
                        .setLastKnownElr(new ArrayList<>()));
                budget--;
            }
            response.topics().add(out);
        }
        return new DescribeTopicPartitionsResponse(response);
    }

    /** Replicas whose node is not among the live ones. */
    private static List<Integer> offline(PartitionState state, Set<Integer> live) {
        List<Integer> out = new ArrayList<>();
        for (int replica : state.replicas()) {
            if (!live.contains(replica)) {
                out.add(replica);
            }
        }
        return out;
    }

    private static int bitField(Set<AclOperation> operations) {
        int bits = 0;
        for (AclOperation op : operations) {
            bits |= 1 << op.code();
        }
        return bits;
    }
}
