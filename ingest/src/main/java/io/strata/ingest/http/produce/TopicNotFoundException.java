package io.strata.ingest.http.produce;

/** The topic does not exist (and could not or may not be created). */
public final class TopicNotFoundException extends RuntimeException {
    public TopicNotFoundException(String topic) {
        super("Topic " + topic + " not found.");
    }
}
