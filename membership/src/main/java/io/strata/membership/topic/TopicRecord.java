package io.strata.membership.topic;

/**
 * What the cluster stores about a topic: its descriptor and the replication factor its partitions
 * are assigned with.
 *
 * @param descriptor        the topic
 * @param replicationFactor replicas per partition requested at creation; {@link #DEFAULT_REPLICATION}
 *                          for the cluster default
 */
public record TopicRecord(TopicDescriptor descriptor, int replicationFactor) {

    public static final int DEFAULT_REPLICATION = 0;

    public TopicRecord {
        if (replicationFactor < 0) {
            throw new IllegalArgumentException("replicationFactor must be >= 0");
        }
    }
}
