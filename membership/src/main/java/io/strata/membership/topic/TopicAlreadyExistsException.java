package io.strata.membership.topic;

/** A topic of that name exists already. */
public final class TopicAlreadyExistsException extends RuntimeException {
    public TopicAlreadyExistsException(String topic) {
        super("Topic '" + topic + "' already exists.");
    }
}
