package io.strata.ingest.kafka.api;

import io.strata.ingest.broker.TopicManager;
import io.strata.ingest.group.GroupCoordinator;
import io.strata.ingest.group.GroupError;
import io.strata.ingest.group.consumer.ConsumerGroupDescription;
import io.strata.ingest.group.consumer.HeartbeatRequest;
import io.strata.ingest.group.consumer.HeartbeatResult;
import io.strata.membership.topic.TopicDescriptor;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.message.ConsumerGroupDescribeResponseData;
import org.apache.kafka.common.message.ConsumerGroupDescribeResponseData.DescribedGroup;
import org.apache.kafka.common.message.ConsumerGroupDescribeResponseData.TopicPartitions;
import org.apache.kafka.common.message.ConsumerGroupHeartbeatRequestData;
import org.apache.kafka.common.message.ConsumerGroupHeartbeatResponseData;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.ConsumerGroupDescribeRequest;
import org.apache.kafka.common.requests.ConsumerGroupDescribeResponse;
import org.apache.kafka.common.requests.ConsumerGroupHeartbeatRequest;
import org.apache.kafka.common.requests.ConsumerGroupHeartbeatResponse;
import org.apache.kafka.common.requests.RequestContext;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The consumer group protocol of KIP-848 ({@code group.protocol=consumer}): ConsumerGroupHeartbeat
 * and ConsumerGroupDescribe. Assignments travel by topic id on the wire and by name inside the
 * coordinator; this class translates.
 */
public final class ConsumerGroupApi {

    /** ConsumerGroupDescribe member type of a member that speaks the consumer protocol. */
    private static final byte CONSUMER_MEMBER_TYPE = 1;

    private final GroupCoordinator coordinator;
    private final TopicManager topics;

    public ConsumerGroupApi(GroupCoordinator coordinator, TopicManager topics) {
        this.coordinator = coordinator;
        this.topics = topics;
    }

    public ConsumerGroupHeartbeatResponse heartbeat(RequestContext context, ConsumerGroupHeartbeatRequest request) {
        ConsumerGroupHeartbeatRequestData data = request.data();
        GroupError check = coordinator.checkCoordinator(data.groupId());
        if (check != GroupError.NONE) {
            return new ConsumerGroupHeartbeatResponse(new ConsumerGroupHeartbeatResponseData()
                    .setErrorCode(GroupErrors.code(check)));
        }
        Map<String, Set<Integer>> owned = null;
        if (data.topicPartitions() != null) {
            owned = new TreeMap<>();
            for (ConsumerGroupHeartbeatRequestData.TopicPartitions tp : data.topicPartitions()) {
                Optional<TopicDescriptor> topic = topics.topic(tp.topicId());
                if (topic.isPresent()) {
                    owned.computeIfAbsent(topic.get().name(), k -> new TreeSet<>()).addAll(tp.partitions());
                }
            }
        }
        HeartbeatResult result = coordinator.consumer().heartbeat(new HeartbeatRequest(data.groupId(),
                data.memberId(), data.memberEpoch(), data.instanceId(), data.rackId(), data.rebalanceTimeoutMs(),
                data.subscribedTopicNames(), data.subscribedTopicRegex(), data.serverAssignor(), owned,
                context.clientId(), context.clientAddress.toString()));
        ConsumerGroupHeartbeatResponseData response = new ConsumerGroupHeartbeatResponseData()
                .setErrorCode(GroupErrors.code(result.error()))
                .setErrorMessage(result.errorMessage());
        if (result.error() == GroupError.NONE) {
            response.setMemberId(result.memberId()).setMemberEpoch(result.memberEpoch())
                    .setHeartbeatIntervalMs(result.heartbeatIntervalMs());
            if (result.assignment() != null) {
                ConsumerGroupHeartbeatResponseData.Assignment assignment = new ConsumerGroupHeartbeatResponseData.Assignment();
                result.assignment().forEach((name, partitions) -> topics.topic(name).ifPresent(t ->
                        assignment.topicPartitions().add(new ConsumerGroupHeartbeatResponseData.TopicPartitions()
                                .setTopicId(TopicManager.kafkaId(t)).setPartitions(new ArrayList<>(partitions)))));
                response.setAssignment(assignment);
            }
        }
        return new ConsumerGroupHeartbeatResponse(response);
    }

    public ConsumerGroupDescribeResponse describe(ConsumerGroupDescribeRequest request) {
        boolean withOperations = request.data().includeAuthorizedOperations();
        short version = request.version();
        ConsumerGroupDescribeResponseData response = new ConsumerGroupDescribeResponseData();
        for (String groupId : request.data().groupIds()) {
            GroupError check = coordinator.checkCoordinator(groupId);
            if (check != GroupError.NONE) {
                response.groups().add(new DescribedGroup().setGroupId(groupId).setErrorCode(GroupErrors.code(check)));
                continue;
            }
            ConsumerGroupDescription desc = coordinator.consumer().describe(groupId);
            if (desc == null) {
                boolean exists = coordinator.exists(groupId);
                response.groups().add(new DescribedGroup().setGroupId(groupId)
                        .setErrorCode(Errors.GROUP_ID_NOT_FOUND.code())
                        .setErrorMessage(exists ? "Group " + groupId + " is not a consumer group."
                                : "Group " + groupId + " not found."));
                continue;
            }
            DescribedGroup out = new DescribedGroup().setGroupId(groupId).setGroupState(desc.state())
                    .setGroupEpoch(desc.groupEpoch()).setAssignmentEpoch(desc.assignmentEpoch())
                    .setAssignorName(desc.assignorName())
                    .setAuthorizedOperations(withOperations ? GroupErrors.GROUP_OPERATIONS : Integer.MIN_VALUE);
            for (ConsumerGroupDescription.Member m : desc.members()) {
                ConsumerGroupDescribeResponseData.Member member = new ConsumerGroupDescribeResponseData.Member()
                        .setMemberId(m.memberId()).setInstanceId(m.groupInstanceId()).setRackId(m.rackId())
                        .setMemberEpoch(m.memberEpoch()).setClientId(m.clientId()).setClientHost(m.clientHost())
                        .setSubscribedTopicNames(new ArrayList<>(m.subscribedTopicNames()))
                        .setSubscribedTopicRegex(m.subscribedTopicRegex())
                        .setAssignment(assignment(m.assignment()))
                        .setTargetAssignment(assignment(m.targetAssignment()));
                if (version >= 1) {
                    member.setMemberType(CONSUMER_MEMBER_TYPE);
                }
                out.members().add(member);
            }
            response.groups().add(out);
        }
        return new ConsumerGroupDescribeResponse(response);
    }

    private ConsumerGroupDescribeResponseData.Assignment assignment(Map<String, Set<Integer>> byTopic) {
        List<TopicPartitions> list = new ArrayList<>();
        byTopic.forEach((name, partitions) -> {
            Uuid id = GroupOffsetsApi.topicId(topics, name);
            list.add(new TopicPartitions().setTopicId(id).setTopicName(name).setPartitions(new ArrayList<>(partitions)));
        });
        return new ConsumerGroupDescribeResponseData.Assignment().setTopicPartitions(list);
    }
}
