package io.strata.ingest.group.consumer;

import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A ConsumerGroupHeartbeat. Nullable fields are "unchanged since the last heartbeat".
 *
 * @param memberEpoch      0 to join, -1 to leave, -2 for a static member's temporary leave, else the current epoch
 * @param ownedPartitions  topic name → partitions the member owns now (null: not sent)
 */
public record HeartbeatRequest(String groupId, String memberId, int memberEpoch, String groupInstanceId,
                               String rackId, int rebalanceTimeoutMs, List<String> subscribedTopicNames,
                               String subscribedTopicRegex, String serverAssignor,
                               Map<String, Set<Integer>> ownedPartitions, String clientId, String clientHost) {

    public static final int JOIN_EPOCH = 0;
    public static final int LEAVE_EPOCH = -1;
    public static final int STATIC_LEAVE_EPOCH = -2;
}
