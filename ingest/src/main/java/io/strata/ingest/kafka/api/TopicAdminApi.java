package io.strata.ingest.kafka.api;

import io.strata.ingest.broker.TopicManager;
import io.strata.membership.topic.TopicDescriptor;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.errors.ApiException;
import org.apache.kafka.common.errors.InvalidPartitionsException;
import org.apache.kafka.common.errors.InvalidReplicaAssignmentException;
import org.apache.kafka.common.errors.InvalidRequestException;
import org.apache.kafka.common.errors.UnknownTopicIdException;
import org.apache.kafka.common.message.CreatePartitionsRequestData.CreatePartitionsTopic;
import org.apache.kafka.common.message.CreatePartitionsResponseData;
import org.apache.kafka.common.message.CreatePartitionsResponseData.CreatePartitionsTopicResult;
import org.apache.kafka.common.message.CreateTopicsRequestData.CreatableReplicaAssignment;
import org.apache.kafka.common.message.CreateTopicsRequestData.CreatableTopic;
import org.apache.kafka.common.message.CreateTopicsRequestData.CreatableTopicConfig;
import org.apache.kafka.common.message.CreateTopicsResponseData;
import org.apache.kafka.common.message.CreateTopicsResponseData.CreatableTopicConfigs;
import org.apache.kafka.common.message.CreateTopicsResponseData.CreatableTopicResult;
import org.apache.kafka.common.message.DeleteTopicsRequestData.DeleteTopicState;
import org.apache.kafka.common.message.DeleteTopicsResponseData;
import org.apache.kafka.common.message.DeleteTopicsResponseData.DeletableTopicResult;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.CreatePartitionsRequest;
import org.apache.kafka.common.requests.CreatePartitionsResponse;
import org.apache.kafka.common.requests.CreateTopicsRequest;
import org.apache.kafka.common.requests.CreateTopicsResponse;
import org.apache.kafka.common.requests.DeleteTopicsRequest;
import org.apache.kafka.common.requests.DeleteTopicsResponse;
import org.jboss.logging.Logger;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * CreateTopics, DeleteTopics and CreatePartitions. Each topic in a request succeeds or fails on its
 * own, with Kafka's error for the reason; a name given twice in one request is rejected for both.
 * One request adds at most {@code maxPartitionsPerRequest} partitions over all its topics: a topic
 * that would go past it fails with INVALID_PARTITIONS, before anything of it is created.
 */
public final class TopicAdminApi {

    private static final Logger LOG = Logger.getLogger(TopicAdminApi.class);

    private final TopicManager topics;
    private final BrokerNode node;
    private final Set<String> nodeDefaults;
    private final int maxPartitionsPerRequest;

    public TopicAdminApi(TopicManager topics, BrokerNode node, Set<String> nodeDefaults, int maxPartitionsPerRequest) {
        this.topics = topics;
        this.node = node;
        this.nodeDefaults = nodeDefaults;
        this.maxPartitionsPerRequest = maxPartitionsPerRequest;
    }

    public CreateTopicsResponse createTopics(CreateTopicsRequest request) {
        boolean validateOnly = request.data().validateOnly();
        Set<String> duplicates = duplicates(request.data().topics().stream().map(CreatableTopic::name).toList());
        CreateTopicsResponseData response = new CreateTopicsResponseData();
        int budget = maxPartitionsPerRequest;
        for (CreatableTopic t : request.data().topics()) {
            CreatableTopicResult result = new CreatableTopicResult().setName(t.name()).setTopicId(Uuid.ZERO_UUID)
                    .setNumPartitions(-1).setReplicationFactor((short) -1);
            if (duplicates.contains(t.name())) {
                result.setErrorCode(Errors.INVALID_REQUEST.code())
                        .setErrorMessage("Topic '" + t.name() + "' appears more than once in the request.");
                response.topics().add(result);
                continue;
            }
            try {
                int asked = !t.assignments().isEmpty() ? t.assignments().size()
                        : t.numPartitions() == -1 ? topics.defaultPartitions() : t.numPartitions();
                checkBudget(t.name(), asked, budget);
                Map<Integer, List<Integer>> assignment = assignment(t);
                Map<String, String> configs = new HashMap<>();
                for (CreatableTopicConfig c : t.configs()) {
                    if (c.value() != null) {
                        configs.put(c.name(), c.value());
                    }
                }
                TopicDescriptor created = topics.createTopic(t.name(), t.numPartitions(), t.replicationFactor(),
                        assignment, configs, validateOnly);
                short rf = (short) (!assignment.isEmpty() ? assignment.get(0).size()
                        : t.replicationFactor() == -1 ? topics.defaultReplicationFactor() : t.replicationFactor());
                budget -= created.partitions();
                result.setTopicId(validateOnly ? Uuid.ZERO_UUID : TopicManager.kafkaId(created))
                        .setNumPartitions(created.partitions())
                        .setReplicationFactor(rf);
                for (TopicConfigs.Entry e : TopicConfigs.describe(topics.logConfig(created.configs()), nodeDefaults)) {
                    result.configs().add(new CreatableTopicConfigs().setName(e.name()).setValue(e.value())
                            .setConfigSource(e.source().id()).setReadOnly(false).setIsSensitive(false));
                }
            } catch (ApiException e) {
                LOG.debugf("CreateTopics %s rejected: %s", t.name(), e.getMessage());
                result.setErrorCode(Errors.forException(e).code()).setErrorMessage(e.getMessage());
            }
            response.topics().add(result);
        }
        return new CreateTopicsResponse(response);
    }

    /** The manual replica assignment by partition index; empty when numPartitions and replicationFactor are given. */
    private static Map<Integer, List<Integer>> assignment(CreatableTopic t) {
        if (t.assignments().isEmpty()) {
            return Map.of();
        }
        if (t.numPartitions() != -1 || t.replicationFactor() != -1) {
            throw new InvalidRequestException("Give either a replica assignment or numPartitions and replicationFactor, not both.");
        }
        Map<Integer, List<Integer>> out = new HashMap<>();
        for (CreatableReplicaAssignment a : t.assignments()) {
            if (out.put(a.partitionIndex(), List.copyOf(a.brokerIds())) != null) {
                throw new InvalidReplicaAssignmentException("Partition " + a.partitionIndex() + " is assigned twice.");
            }
        }
        return out;
    }

    public DeleteTopicsResponse deleteTopics(DeleteTopicsRequest request) {
        List<DeleteTopicState> targets = new ArrayList<>(request.data().topics());
        for (String name : request.data().topicNames()) {
            targets.add(new DeleteTopicState().setName(name).setTopicId(Uuid.ZERO_UUID));
        }
        DeleteTopicsResponseData response = new DeleteTopicsResponseData();
        for (DeleteTopicState target : targets) {
            DeletableTopicResult result = new DeletableTopicResult().setName(target.name()).setTopicId(target.topicId());
            try {
                String name = target.name();
                if (name == null) {
                    name = topics.topic(target.topicId()).map(TopicDescriptor::name)
                            .orElseThrow(() -> new UnknownTopicIdException("No topic with id " + target.topicId() + "."));
                }
                TopicDescriptor deleted = topics.deleteTopic(name);
                result.setName(deleted.name()).setTopicId(TopicManager.kafkaId(deleted));
            } catch (ApiException e) {
                result.setErrorCode(Errors.forException(e).code()).setErrorMessage(e.getMessage());
            }
            response.responses().add(result);
        }
        return new DeleteTopicsResponse(response);
    }

    public CreatePartitionsResponse createPartitions(CreatePartitionsRequest request) {
        Set<String> duplicates = duplicates(request.data().topics().stream().map(CreatePartitionsTopic::name).toList());
        CreatePartitionsResponseData response = new CreatePartitionsResponseData();
        int budget = maxPartitionsPerRequest;
        for (CreatePartitionsTopic t : request.data().topics()) {
            CreatePartitionsTopicResult result = new CreatePartitionsTopicResult().setName(t.name());
            try {
                if (duplicates.contains(t.name())) {
                    throw new InvalidRequestException("Topic '" + t.name() + "' appears more than once in the request.");
                }
                if (t.assignments() != null && !t.assignments().isEmpty()) {
                    throw new InvalidReplicaAssignmentException("New partitions are assigned by the cluster; "
                            + "a manual assignment of new partitions is not supported.");
                }
                int current = topics.topic(t.name()).map(TopicDescriptor::partitions).orElse(0);
                checkBudget(t.name(), t.count() - current, budget);
                topics.createPartitions(t.name(), t.count(), request.data().validateOnly());
                budget -= t.count() - current;
            } catch (ApiException e) {
                result.setErrorCode(Errors.forException(e).code()).setErrorMessage(e.getMessage());
            }
            response.results().add(result);
        }
        return new CreatePartitionsResponse(response);
    }

    /** Rejects adding {@code asked} partitions when fewer than that are left of the request's allowance. */
    private void checkBudget(String topic, int asked, int left) {
        if (asked > left) {
            throw new InvalidPartitionsException("Topic '" + topic + "' would add " + asked + " partitions; one request "
                    + "may add at most " + maxPartitionsPerRequest + " (strata.kafka.max-partitions-per-request)"
                    + (left < maxPartitionsPerRequest ? ", and its earlier topics took " + (maxPartitionsPerRequest - left) : "")
                    + ".");
        }
    }

    private static Set<String> duplicates(List<String> names) {
        Set<String> seen = new HashSet<>();
        Set<String> dup = new HashSet<>();
        for (String n : names) {
            if (!seen.add(n)) {
                dup.add(n);
            }
        }
        return dup;
    }
}
