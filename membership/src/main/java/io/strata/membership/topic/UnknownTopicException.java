package io.strata.membership.topic;

/** No topic of that name (or id) exists. */
public final class UnknownTopicException extends RuntimeException {
    public UnknownTopicException(String topic) {
        super("Topic '" + topic + "' does not exist.");
    }
}
