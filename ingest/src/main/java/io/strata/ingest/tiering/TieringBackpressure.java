package io.strata.ingest.tiering;

import org.apache.kafka.common.errors.KafkaStorageException;

/**
 * The disk budget of segments waiting for upload. While the node's backlog (refreshed by the tiering
 * scan) is above {@code maxBacklogBytes}, appends to tiered partitions fail with
 * {@link KafkaStorageException} (KAFKA_STORAGE_ERROR, which producers retry) instead of filling the
 * disk; nothing acknowledged is ever dropped. Thread-safe (one volatile).
 */
public final class TieringBackpressure {

    private final long maxBacklogBytes;
    private volatile long backlogBytes;

    public TieringBackpressure(long maxBacklogBytes) {
        this.maxBacklogBytes = maxBacklogBytes;
    }

    public void update(long bytes) {
        backlogBytes = bytes;
    }

    public long backlogBytes() {
        return backlogBytes;
    }

    /** Throws when a tiered partition may not take appends now. */
    public void checkAppend(String partition) {
        long backlog = backlogBytes;
        if (backlog > maxBacklogBytes) {
            throw new KafkaStorageException("Produce to " + partition + " refused: " + backlog
                    + " bytes of sealed segments are waiting for the object store, above strata.tiering.max-backlog-bytes="
                    + maxBacklogBytes + "; retry once tiering catches up");
        }
    }
}
