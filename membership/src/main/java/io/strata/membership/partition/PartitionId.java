package io.strata.membership.partition;

import java.util.Objects;

/**
 * A topic partition. Its map key (and durable key) is {@code <topic>-<partition>}, as Kafka names
 * partition directories; unambiguous because the partition is the digits after the last dash.
 */
public record PartitionId(String topic, int partition) {

    public PartitionId {
        Objects.requireNonNull(topic, "topic");
        if (partition < 0) {
            throw new IllegalArgumentException("partition must be >= 0, got " + partition);
        }
    }

    public String key() {
        return topic + "-" + partition;
    }

    public static PartitionId fromKey(String key) {
        int dash = key.lastIndexOf('-');
        if (dash <= 0) {
            throw new IllegalArgumentException("Not a partition key: '" + key + "'");
        }
        return new PartitionId(key.substring(0, dash), Integer.parseInt(key.substring(dash + 1)));
    }

    @Override
    public String toString() {
        return key();
    }
}
