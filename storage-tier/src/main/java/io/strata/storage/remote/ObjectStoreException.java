package io.strata.storage.remote;

import org.apache.kafka.common.errors.KafkaStorageException;

/**
 * An object-store call failed (after its retries), or the circuit breaker refused it. A
 * {@link KafkaStorageException}, so a request that needed the object gets KAFKA_STORAGE_ERROR and
 * clients retry.
 */
public class ObjectStoreException extends KafkaStorageException {
    public ObjectStoreException(String message, Throwable cause) {
        super(message, cause);
    }

    public ObjectStoreException(String message) {
        super(message);
    }
}
