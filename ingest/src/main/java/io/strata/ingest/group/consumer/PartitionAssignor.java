package io.strata.ingest.group.consumer;

import java.util.Map;
import java.util.Set;

/**
 * A server-side assignor of a consumer group (KIP-848): spreads the partitions of the subscribed
 * topics over the members. Deterministic for the same input; may use the previous target
 * assignment to move as few partitions as possible.
 */
public interface PartitionAssignor {

    /** The name clients select it by (group.remote.assignor). */
    String name();

    /**
     * @param subscriptions member id → topics it subscribes to (existing topics only)
     * @param partitionCounts topic → number of partitions
     * @param previous member id → topic → partitions of the last target assignment
     * @return member id → topic → partitions, for every member (possibly empty)
     */
    Map<String, Map<String, Set<Integer>>> assign(Map<String, Set<String>> subscriptions,
                                                 Map<String, Integer> partitionCounts,
                                                 Map<String, Map<String, Set<Integer>>> previous);
}
