package io.strata.ingest.kafka.api;

import io.strata.ingest.broker.TopicManager;
import io.strata.ingest.group.SubscriptionDecoder;
import io.strata.ingest.group.TopicCatalog;
import io.strata.membership.topic.TopicDescriptor;
import org.apache.kafka.clients.consumer.ConsumerPartitionAssignor;
import org.apache.kafka.clients.consumer.internals.ConsumerProtocol;

import java.nio.ByteBuffer;
import java.util.Collection;
import java.util.HashSet;
import java.util.Set;

/** What the group coordinator needs from the protocol layer: topics, and reading consumer subscriptions. */
public final class GroupTopics implements TopicCatalog, SubscriptionDecoder {

    private final TopicManager topics;

    public GroupTopics(TopicManager topics) {
        this.topics = topics;
    }

    @Override
    public int partitionCount(String topic) {
        return topics.topic(topic).map(TopicDescriptor::partitions).orElse(-1);
    }

    @Override
    public Collection<String> topicNames() {
        return topics.topics().stream().map(TopicDescriptor::name).toList();
    }

    /** Subscriptions of classic members with protocol type "consumer" (ConsumerProtocol); others have none. */
    @Override
    public Set<String> subscribedTopics(String protocolType, byte[] metadata) {
        if (!ConsumerProtocol.PROTOCOL_TYPE.equals(protocolType) || metadata == null || metadata.length == 0) {
            return Set.of();
        }
        try {
            ConsumerPartitionAssignor.Subscription subscription =
                    ConsumerProtocol.deserializeSubscription(ByteBuffer.wrap(metadata));
            return new HashSet<>(subscription.topics());
        } catch (RuntimeException e) {
            return Set.of();
        }
    }
}
