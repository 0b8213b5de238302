package io.strata.ingest.group.consumer;

import io.strata.ingest.group.GroupError;

import java.util.Map;
import java.util.Set;

/**
 * The answer to a ConsumerGroupHeartbeat.
 *
 * @param assignment topic name → partitions the member now owns; null when unchanged since its last answer
 */
public record HeartbeatResult(GroupError error, String errorMessage, String memberId, int memberEpoch,
                              int heartbeatIntervalMs, Map<String, Set<Integer>> assignment) {

    public static HeartbeatResult error(GroupError error, String message) {
        return new HeartbeatResult(error, message, null, 0, 0, null);
    }
}
