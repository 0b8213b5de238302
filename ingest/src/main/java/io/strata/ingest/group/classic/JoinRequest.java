package io.strata.ingest.group.classic;

import java.util.List;

/**
 * A JoinGroup request.
 *
 * @param memberId             "" for a member that has none yet
 * @param groupInstanceId      static membership id, or null
 * @param requireKnownMemberId v4+: a new member first gets MEMBER_ID_REQUIRED with its id, then joins with it
 */
public record JoinRequest(String groupId, String memberId, String groupInstanceId, String clientId, String clientHost,
                          int sessionTimeoutMs, int rebalanceTimeoutMs, String protocolType, List<Protocol> protocols,
                          boolean requireKnownMemberId, String reason) {

    /** One protocol a member supports, in its order of preference, with its metadata (e.g. the subscription). */
    public record Protocol(String name, byte[] metadata) {
    }
}
