package io.strata.ingest.kafka.api;

import io.strata.ingest.group.GroupCoordinator;
import io.strata.ingest.group.GroupError;
import io.strata.ingest.group.GroupListing;
import io.strata.ingest.group.classic.ClassicGroupDescription;
import org.apache.kafka.common.message.DeleteGroupsResponseData;
import org.apache.kafka.common.message.DeleteGroupsResponseData.DeletableGroupResult;
import org.apache.kafka.common.message.DescribeGroupsResponseData;
import org.apache.kafka.common.message.DescribeGroupsResponseData.DescribedGroup;
import org.apache.kafka.common.message.DescribeGroupsResponseData.DescribedGroupMember;
import org.apache.kafka.common.message.ListGroupsResponseData;
import org.apache.kafka.common.message.ListGroupsResponseData.ListedGroup;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.DeleteGroupsRequest;
import org.apache.kafka.common.requests.DeleteGroupsResponse;
import org.apache.kafka.common.requests.DescribeGroupsRequest;
import org.apache.kafka.common.requests.DescribeGroupsResponse;
import org.apache.kafka.common.requests.ListGroupsRequest;
import org.apache.kafka.common.requests.ListGroupsResponse;

import java.util.List;
import java.util.Map;

/** ListGroups (state and type filters), DescribeGroups (classic groups) and DeleteGroups. */
public final class GroupAdminApi {

    private final GroupCoordinator coordinator;

    public GroupAdminApi(GroupCoordinator coordinator) {
        this.coordinator = coordinator;
    }

    public ListGroupsResponse listGroups(ListGroupsRequest request) {
        short version = request.version();
        List<String> states = version >= 4 ? request.data().statesFilter() : List.of();
        List<String> types = version >= 5 ? request.data().typesFilter() : List.of();
        ListGroupsResponseData response = new ListGroupsResponseData();
        for (GroupListing g : coordinator.listGroups(states, types)) {
            ListedGroup listed = new ListedGroup().setGroupId(g.groupId()).setProtocolType(g.protocolType());
            if (version >= 4) {
                listed.setGroupState(g.state());
            }
            if (version >= 5) {
                listed.setGroupType(g.type().label());
            }
            response.groups().add(listed);
        }
        return new ListGroupsResponse(response);
    }

    public DescribeGroupsResponse describeGroups(DescribeGroupsRequest request) {
        short version = request.version();
        boolean withOperations = version >= 3 && request.data().includeAuthorizedOperations();
        DescribeGroupsResponseData response = new DescribeGroupsResponseData();
        for (String groupId : request.data().groups()) {
            GroupError check = coordinator.checkCoordinator(groupId);
            if (check != GroupError.NONE) {
                response.groups().add(DescribeGroupsResponse.groupError(groupId, GroupErrors.toKafka(check)));
                continue;
            }
            ClassicGroupDescription desc = coordinator.describeClassic(groupId);
            if (desc == null) {
                if (version >= 6) {
                    boolean exists = coordinator.exists(groupId);
                    response.groups().add(new DescribedGroup().setGroupId(groupId)
                            .setErrorCode(Errors.GROUP_ID_NOT_FOUND.code())
                            .setErrorMessage(exists ? "Group " + groupId + " is not a classic group."
                                    : "Group " + groupId + " not found."));
                } else {
                    response.groups().add(new DescribedGroup().setGroupId(groupId).setGroupState("Dead")
                            .setProtocolType("").setProtocolData(""));
                }
                continue;
            }
            DescribedGroup out = new DescribedGroup().setGroupId(groupId).setGroupState(desc.state())
                    .setProtocolType(desc.protocolType()).setProtocolData(desc.protocolName())
                    .setAuthorizedOperations(withOperations ? GroupErrors.GROUP_OPERATIONS
                            : DescribeGroupsResponse.AUTHORIZED_OPERATIONS_OMITTED);
            for (ClassicGroupDescription.Member m : desc.members()) {
                DescribedGroupMember member = new DescribedGroupMember().setMemberId(m.memberId())
                        .setClientId(m.clientId()).setClientHost(m.clientHost())
                        .setMemberMetadata(m.metadata()).setMemberAssignment(m.assignment());
                if (version >= 4) {
                    member.setGroupInstanceId(m.groupInstanceId());
                }
                out.members().add(member);
            }
            response.groups().add(out);
        }
        return new DescribeGroupsResponse(response);
    }

    public DeleteGroupsResponse deleteGroups(DeleteGroupsRequest request) {
        DeleteGroupsResponseData response = new DeleteGroupsResponseData();
        Map<String, GroupError> results = coordinator.deleteGroups(request.data().groupsNames());
        results.forEach((groupId, error) -> response.results().add(
                new DeletableGroupResult().setGroupId(groupId).setErrorCode(GroupErrors.code(error))));
        return new DeleteGroupsResponse(response);
    }
}
