package io.strata.ingest.group.classic;

import java.util.Map;

/**
 * A SyncGroup request; only the leader's carries assignments.
 *
 * @param protocolType null when the client did not send it (before v5)
 * @param protocolName null when the client did not send it (before v5)
 */
public record SyncRequest(String groupId, String memberId, String groupInstanceId, int generationId,
                          String protocolType, String protocolName, Map<String, byte[]> assignments) {
}
