package io.strata.ingest.group.classic;

import io.strata.ingest.group.GroupError;

import java.util.List;

/**
 * The answer to a JoinGroup: the new generation, its protocol and leader; the leader also gets every
 * member's metadata so it can compute the assignment.
 */
public record JoinResult(GroupError error, int generationId, String protocolType, String protocolName, String leaderId,
                         String memberId, boolean skipAssignment, List<MemberMetadata> members) {

    public static final int NO_GENERATION = -1;

    public static JoinResult error(GroupError error, String memberId) {
        return new JoinResult(error, NO_GENERATION, null, null, "", memberId, false, List.of());
    }

    /** A member's metadata for the selected protocol. */
    public record MemberMetadata(String memberId, String groupInstanceId, byte[] metadata) {
    }
}
