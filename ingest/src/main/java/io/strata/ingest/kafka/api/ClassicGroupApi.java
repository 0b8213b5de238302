package io.strata.ingest.kafka.api;

import io.strata.ingest.group.GroupCoordinator;
import io.strata.ingest.group.GroupError;
import io.strata.ingest.group.classic.JoinRequest;
import io.strata.ingest.group.classic.JoinResult;
import io.strata.ingest.group.classic.LeaveResult;
import io.strata.ingest.group.classic.SyncRequest;
import io.strata.ingest.group.classic.SyncResult;
import org.apache.kafka.common.message.HeartbeatResponseData;
import org.apache.kafka.common.message.JoinGroupRequestData;
import org.apache.kafka.common.message.JoinGroupResponseData;
import org.apache.kafka.common.message.LeaveGroupRequestData.MemberIdentity;
import org.apache.kafka.common.message.LeaveGroupResponseData.MemberResponse;
import org.apache.kafka.common.message.SyncGroupRequestData;
import org.apache.kafka.common.message.SyncGroupResponseData;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.HeartbeatRequest;
import org.apache.kafka.common.requests.HeartbeatResponse;
import org.apache.kafka.common.requests.JoinGroupRequest;
import org.apache.kafka.common.requests.JoinGroupResponse;
import org.apache.kafka.common.requests.LeaveGroupRequest;
import org.apache.kafka.common.requests.LeaveGroupResponse;
import org.apache.kafka.common.requests.RequestContext;
import org.apache.kafka.common.requests.SyncGroupRequest;
import org.apache.kafka.common.requests.SyncGroupResponse;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * The classic group protocol: JoinGroup and SyncGroup (answered when the rebalance gets there,
 * without holding the handler thread), Heartbeat and LeaveGroup (batched from v3), all versions.
 */
public final class ClassicGroupApi {

    private final GroupCoordinator coordinator;

    public ClassicGroupApi(GroupCoordinator coordinator) {
        this.coordinator = coordinator;
    }

    public CompletableFuture<AbstractResponse> joinGroup(RequestContext context, JoinGroupRequest request) {
        JoinGroupRequestData data = request.data();
        short version = request.version();
        GroupError notHere = coordinator.checkCoordinator(data.groupId());
        if (notHere != GroupError.NONE) {
            return CompletableFuture.completedFuture(joinResponse(JoinResult.error(notHere, data.memberId()), version));
        }
        List<JoinRequest.Protocol> protocols = new ArrayList<>();
        data.protocols().forEach(p -> protocols.add(new JoinRequest.Protocol(p.name(), p.metadata())));
        JoinRequest join = new JoinRequest(data.groupId(), data.memberId(),
                version >= 5 ? data.groupInstanceId() : null, context.clientId(), context.clientAddress.toString(),
                data.sessionTimeoutMs(), version == 0 ? data.sessionTimeoutMs() : data.rebalanceTimeoutMs(),
                data.protocolType(), protocols, JoinGroupRequest.requiresKnownMemberId(version),
                version >= 8 ? data.reason() : null);
        return coordinator.classic().join(join).thenApply(result -> joinResponse(result, version));
    }

    private static AbstractResponse joinResponse(JoinResult result, short version) {
        JoinGroupResponseData data = new JoinGroupResponseData()
                .setErrorCode(GroupErrors.code(result.error()))
                .setGenerationId(result.generationId())
                .setLeader(result.leaderId() == null ? "" : result.leaderId())
                .setMemberId(result.memberId() == null ? "" : result.memberId());
        if (version >= 7) {
            data.setProtocolType(result.protocolType()).setProtocolName(result.protocolName());
        } else {
            data.setProtocolName(result.protocolName() == null ? "" : result.protocolName());
        }
        if (version >= 9) {
            data.setSkipAssignment(result.skipAssignment());
        }
        for (JoinResult.MemberMetadata m : result.members()) {
            JoinGroupResponseData.JoinGroupResponseMember member = new JoinGroupResponseData.JoinGroupResponseMember()
                    .setMemberId(m.memberId()).setMetadata(m.metadata());
            if (version >= 5) {
                member.setGroupInstanceId(m.groupInstanceId());
            }
            data.members().add(member);
        }
        return new JoinGroupResponse(data, version);
    }

    public CompletableFuture<AbstractResponse> syncGroup(SyncGroupRequest request) {
        SyncGroupRequestData data = request.data();
        short version = request.version();
        GroupError notHere = coordinator.checkCoordinator(data.groupId());
        if (notHere != GroupError.NONE) {
            return CompletableFuture.completedFuture(syncResponse(SyncResult.error(notHere), version));
        }
        Map<String, byte[]> assignments = new HashMap<>();
        data.assignments().forEach(a -> assignments.put(a.memberId(), a.assignment()));
        SyncRequest sync = new SyncRequest(data.groupId(), data.memberId(),
                version >= 3 ? data.groupInstanceId() : null, data.generationId(),
                version >= 5 ? data.protocolType() : null, version >= 5 ? data.protocolName() : null, assignments);
        return coordinator.classic().sync(sync).thenApply(result -> syncResponse(result, version));
    }

    private static AbstractResponse syncResponse(SyncResult result, short version) {
        SyncGroupResponseData data = new SyncGroupResponseData()
                .setErrorCode(GroupErrors.code(result.error()))
                .setAssignment(result.assignment() == null ? new byte[0] : result.assignment());
        if (version >= 5) {
            data.setProtocolType(result.protocolType()).setProtocolName(result.protocolName());
        }
        return new SyncGroupResponse(data);
    }

    public HeartbeatResponse heartbeat(HeartbeatRequest request) {
        var data = request.data();
        GroupError error = coordinator.checkCoordinator(data.groupId());
        if (error == GroupError.NONE) {
            error = coordinator.classic().heartbeat(data.groupId(), data.memberId(),
                    request.version() >= 3 ? data.groupInstanceId() : null, data.generationId());
        }
        return new HeartbeatResponse(new HeartbeatResponseData().setErrorCode(GroupErrors.code(error)));
    }

    public LeaveGroupResponse leaveGroup(LeaveGroupRequest request) {
        String groupId = request.data().groupId();
        List<MemberIdentity> identities = request.members();
        GroupError notHere = coordinator.checkCoordinator(groupId);
        if (notHere != GroupError.NONE) {
            return new LeaveGroupResponse(List.of(), GroupErrors.toKafka(notHere), 0, request.version());
        }
        List<LeaveResult.LeavingMember> leaving = new ArrayList<>();
        identities.forEach(m -> leaving.add(new LeaveResult.LeavingMember(m.memberId(), m.groupInstanceId())));
        LeaveResult result = coordinator.classic().leave(groupId, leaving);
        List<MemberResponse> members = new ArrayList<>();
        for (LeaveResult.MemberOutcome o : result.members()) {
            members.add(new MemberResponse().setMemberId(o.memberId()).setGroupInstanceId(o.groupInstanceId())
                    .setErrorCode(GroupErrors.code(o.error())));
        }
        return new LeaveGroupResponse(members, GroupErrors.toKafka(result.error()), 0, request.version());
    }
}
