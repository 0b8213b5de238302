package io.strata.ingest.kafka.network;

/**
 * Completes a request's future when the only way to tell the client about a failure is to close
 * its connection: a produce with acks=0 that failed has no response to carry the error, so, as in
 * Apache Kafka, the connection is closed after the answers before it are written, and the client
 * refreshes its metadata and reconnects.
 */
public final class CloseConnectionException extends RuntimeException {

    public CloseConnectionException(String message) {
        super(message, null, false, false);
    }
}
