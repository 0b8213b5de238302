package io.strata.membership.topic;

import java.util.Collection;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * The cluster's catalogue of topics. Implementations are durable: a topic that {@link #create}
 * returned survives a restart. All methods are thread-safe.
 */
public interface TopicRegistry {

    Optional<TopicDescriptor> get(String name);

    Optional<TopicDescriptor> get(UUID topicId);

    Collection<TopicDescriptor> all();

    /**
     * Creates a topic with a fresh id.
     *
     * @throws TopicAlreadyExistsException when a topic of that name exists
     */
    TopicDescriptor create(String name, int partitions, Map<String, String> configs);

    /** Removes a topic; returns the removed descriptor, empty when there was none. */
    Optional<TopicDescriptor> delete(String name);

    /**
     * Replaces a topic's descriptor (partition count or configs); the id must match.
     *
     * @throws UnknownTopicException when the topic is gone or was re-created under another id
     */
    TopicDescriptor update(TopicDescriptor updated);
}
