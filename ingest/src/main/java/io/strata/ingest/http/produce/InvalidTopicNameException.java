package io.strata.ingest.http.produce;

/** The topic name is not a valid Kafka topic name. */
public final class InvalidTopicNameException extends RuntimeException {
    public InvalidTopicNameException(String message) {
        super(message);
    }
}
