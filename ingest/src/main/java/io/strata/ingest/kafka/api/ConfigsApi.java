package io.strata.ingest.kafka.api;

import io.strata.ingest.broker.TopicManager;
import io.strata.membership.topic.TopicDescriptor;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.errors.ApiException;
import org.apache.kafka.common.errors.InvalidConfigurationException;
import org.apache.kafka.common.errors.InvalidRequestException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.apache.kafka.common.message.DescribeConfigsRequestData.DescribeConfigsResource;
import org.apache.kafka.common.message.DescribeConfigsResponseData;
import org.apache.kafka.common.message.DescribeConfigsResponseData.DescribeConfigsResourceResult;
import org.apache.kafka.common.message.DescribeConfigsResponseData.DescribeConfigsResult;
import org.apache.kafka.common.message.DescribeConfigsResponseData.DescribeConfigsSynonym;
import org.apache.kafka.common.message.IncrementalAlterConfigsRequestData.AlterConfigsResource;
import org.apache.kafka.common.message.IncrementalAlterConfigsRequestData.AlterableConfig;
import org.apache.kafka.common.message.IncrementalAlterConfigsResponseData;
import org.apache.kafka.common.message.IncrementalAlterConfigsResponseData.AlterConfigsResourceResponse;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.DescribeConfigsRequest;
import org.apache.kafka.common.requests.DescribeConfigsResponse;
import org.apache.kafka.common.requests.IncrementalAlterConfigsRequest;
import org.apache.kafka.common.requests.IncrementalAlterConfigsResponse;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * DescribeConfigs and IncrementalAlterConfigs for topics, and a read-only description of this
 * node's own settings. Broker settings come from the node's configuration (application.properties
 * or environment) and cannot be changed at run time.
 */
public final class ConfigsApi {

    private final TopicManager topics;
    private final BrokerNode node;
    private final Set<String> nodeDefaults;
    private final Map<String, String> brokerConfigs;

    /**
     * @param brokerConfigs the node's settings under Kafka's broker config names, for describing
     */
    public ConfigsApi(TopicManager topics, BrokerNode node, Set<String> nodeDefaults, Map<String, String> brokerConfigs) {
        this.topics = topics;
        this.node = node;
        this.nodeDefaults = nodeDefaults;
        this.brokerConfigs = brokerConfigs;
    }

    public DescribeConfigsResponse describeConfigs(DescribeConfigsRequest request) {
        DescribeConfigsResponseData response = new DescribeConfigsResponseData();
        boolean synonyms = request.data().includeSynonyms();
        boolean docs = request.data().includeDocumentation();
        for (DescribeConfigsResource resource : request.data().resources()) {
            DescribeConfigsResult result = new DescribeConfigsResult()
                    .setResourceType(resource.resourceType())
                    .setResourceName(resource.resourceName());
            Set<String> keys = resource.configurationKeys() == null ? null : new HashSet<>(resource.configurationKeys());
            try {
                ConfigResource.Type type = ConfigResource.Type.forId(resource.resourceType());
                switch (type) {
                    case TOPIC -> describeTopic(resource.resourceName(), keys, synonyms, docs, result);
                    case BROKER -> describeBroker(resource.resourceName(), keys, result);
                    default -> throw new InvalidRequestException("Configs of resource type " + type + " are not supported.");
                }
            } catch (ApiException e) {
                result.setErrorCode(Errors.forException(e).code()).setErrorMessage(e.getMessage());
                result.setConfigs(new ArrayList<>());
            }
            response.results().add(result);
        }
        return new DescribeConfigsResponse(response);
    }

    private void describeTopic(String name, Set<String> keys, boolean synonyms, boolean docs, DescribeConfigsResult result) {
        TopicDescriptor topic = topics.topic(name)
                .orElseThrow(() -> new UnknownTopicOrPartitionException("Topic '" + name + "' does not exist."));
        for (TopicConfigs.Entry e : TopicConfigs.describe(topics.logConfig(topic.configs()), nodeDefaults)) {
            if (keys != null && !keys.contains(e.name())) {
                continue;
            }
            DescribeConfigsResourceResult config = new DescribeConfigsResourceResult()
                    .setName(e.name()).setValue(e.value()).setReadOnly(false).setIsSensitive(false)
                    .setConfigSource(e.source().id()).setConfigType(e.type().id())
                    .setDocumentation(docs ? e.documentation() : null);
            if (synonyms) {
                config.synonyms().add(new DescribeConfigsSynonym().setName(e.name()).setValue(e.value()).setSource(e.source().id()));
            }
            result.configs().add(config);
        }
    }

    private void describeBroker(String name, Set<String> keys, DescribeConfigsResult result) {
        if (!name.isEmpty() && !name.equals(Integer.toString(node.nodeId()))) {
            throw new InvalidRequestException("This node is broker " + node.nodeId() + ", not '" + name + "'.");
        }
        for (Map.Entry<String, String> e : brokerConfigs.entrySet()) {
            if (keys != null && !keys.contains(e.getKey())) {
                continue;
            }
            result.configs().add(new DescribeConfigsResourceResult()
                    .setName(e.getKey()).setValue(e.getValue()).setReadOnly(true).setIsSensitive(false)
                    .setConfigSource(DescribeConfigsResponse.ConfigSource.STATIC_BROKER_CONFIG.id())
                    .setConfigType(DescribeConfigsResponse.ConfigType.STRING.id()));
        }
    }

    public IncrementalAlterConfigsResponse incrementalAlterConfigs(IncrementalAlterConfigsRequest request) {
        IncrementalAlterConfigsResponseData response = new IncrementalAlterConfigsResponseData();
        Set<String> seen = new HashSet<>();
        for (AlterConfigsResource resource : request.data().resources()) {
            AlterConfigsResourceResponse result = new AlterConfigsResourceResponse()
                    .setResourceType(resource.resourceType())
                    .setResourceName(resource.resourceName());
            try {
                if (!seen.add(resource.resourceType() + "/" + resource.resourceName())) {
                    throw new InvalidRequestException("Resource " + resource.resourceName() + " appears more than once.");
                }
                ConfigResource.Type type = ConfigResource.Type.forId(resource.resourceType());
                if (type == ConfigResource.Type.BROKER) {
                    if (onlyClearsReplicationThrottles(resource)) {
                        response.responses().add(result); // nothing to clear: throttles are never set
                        continue;
                    }
                    throw new InvalidRequestException("Broker configs cannot be changed at run time: set them in the "
                            + "node's configuration (application.properties or STRATA_* environment variables).");
                }
                if (type != ConfigResource.Type.TOPIC) {
                    throw new InvalidRequestException("Configs of resource type " + type + " are not supported.");
                }
                alterTopic(resource, request.data().validateOnly());
            } catch (ApiException e) {
                result.setErrorCode(Errors.forException(e).code()).setErrorMessage(e.getMessage());
            }
            response.responses().add(result);
        }
        return new IncrementalAlterConfigsResponse(response);
    }

    /** Replication throttles (KIP-73) a node may be asked to clear; this node has none. */
    private static final Set<String> REPLICATION_THROTTLES = Set.of("leader.replication.throttled.rate",
            "follower.replication.throttled.rate", "replica.alter.log.dirs.io.max.bytes.per.second");

    /**
     * {@code kafka-reassign-partitions --verify} clears the broker-level throttles once a move is done;
     * deleting what was never set succeeds, as it does on Kafka. Setting a throttle is still refused.
     */
    private static boolean onlyClearsReplicationThrottles(AlterConfigsResource resource) {
        for (AlterableConfig c : resource.configs()) {
            if (AlterConfigOp.OpType.forId(c.configOperation()) != AlterConfigOp.OpType.DELETE
                    || !REPLICATION_THROTTLES.contains(c.name())) {
                return false;
            }
        }
        return true;
    }

    private void alterTopic(AlterConfigsResource resource, boolean validateOnly) {
        String name = resource.resourceName();
        TopicDescriptor topic = topics.topic(name)
                .orElseThrow(() -> new UnknownTopicOrPartitionException("Topic '" + name + "' does not exist."));
        Map<String, String> configs = new HashMap<>(topic.configs());
        for (AlterableConfig c : resource.configs()) {
            AlterConfigOp.OpType op = AlterConfigOp.OpType.forId(c.configOperation());
            if (op == null) {
                throw new InvalidRequestException("Unknown config operation " + c.configOperation() + ".");
            }
            switch (op) {
                case SET -> configs.put(c.name(), c.value());
                case DELETE -> configs.remove(c.name());
                case APPEND, SUBTRACT -> throw new InvalidConfigurationException(
                        op + " applies to list configs only; '" + c.name() + "' is not one.");
            }
        }
        topics.alterConfigs(name, configs, validateOnly);
    }

}
