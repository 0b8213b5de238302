package io.strata.membership.topic;

import java.util.Map;
import java.util.Objects;
import java.util.UUID;

/**
 * A topic as the cluster knows it: its name, its immutable id, its partition count and the topic
 * configs it overrides. Immutable; a change produces a new descriptor.
 *
 * <p>Invariants: {@code partitions >= 1}; the id never changes for the life of the topic (a topic
 * deleted and re-created under the same name gets a new id, so stale readers can tell them apart).
 */
public record TopicDescriptor(String name, UUID topicId, int partitions, Map<String, String> configs) {

    public TopicDescriptor {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(topicId, "topicId");
        if (partitions < 1) {
            throw new IllegalArgumentException("A topic needs at least one partition, got " + partitions);
        }
        configs = Map.copyOf(configs);
    }

    public TopicDescriptor withPartitions(int newPartitions) {
        return new TopicDescriptor(name, topicId, newPartitions, configs);
    }

    public TopicDescriptor withConfigs(Map<String, String> newConfigs) {
        return new TopicDescriptor(name, topicId, partitions, newConfigs);
    }
}
