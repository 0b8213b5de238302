package io.strata.membership.cluster;

/**
 * Hands out producer ids for idempotent producers. An id is never handed out twice, also not
 * across restarts. Thread-safe.
 */
public interface ProducerIdAllocator {
    long nextProducerId();
}
