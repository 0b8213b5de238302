package io.strata.ingest.http.produce;

/** The topic exists but has no such partition. */
public final class PartitionNotFoundException extends RuntimeException {
    public PartitionNotFoundException(String topic, int partition) {
        super("Partition " + partition + " of topic " + topic + " not found.");
    }
}
