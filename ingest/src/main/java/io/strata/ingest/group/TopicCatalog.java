package io.strata.ingest.group;

import java.util.Collection;

/** What the coordinator needs to know about topics: which exist and how many partitions they have. */
public interface TopicCatalog {

    /** Partition count of a topic, or -1 when it does not exist. */
    int partitionCount(String topic);

    /** Names of all topics (for regular-expression subscriptions). */
    Collection<String> topicNames();
}
