package io.strata.membership.topic;

/**
 * Told about topic changes made anywhere in the cluster. Called on a Hazelcast event thread, in
 * order per topic; implementations must return quickly.
 */
public interface TopicListener {

    default void topicCreated(TopicDescriptor topic) {
    }

    default void topicUpdated(TopicDescriptor previous, TopicDescriptor current) {
    }

    default void topicDeleted(TopicDescriptor topic) {
    }
}
