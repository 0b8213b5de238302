package io.strata.ingest.group.classic;

import io.strata.ingest.group.GroupError;

import java.util.List;

/** The answer to a LeaveGroup: a group-level error, or one outcome per leaving member. */
public record LeaveResult(GroupError error, List<MemberOutcome> members) {

    /** A member that asked to leave (member id "" with a group instance id names a static member). */
    public record LeavingMember(String memberId, String groupInstanceId) {
    }

    public record MemberOutcome(String memberId, String groupInstanceId, GroupError error) {
    }
}
