package io.strata.systemtest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;

import io.strata.systemtest.support.Clients;
import io.strata.testsupport.NodeLogOnFailure;
import io.strata.systemtest.support.ProtocolClient;
import io.strata.testsupport.StrataNode;
import org.apache.kafka.common.message.ConsumerGroupHeartbeatRequestData;
import org.apache.kafka.common.message.DeleteGroupsRequestData;
import org.apache.kafka.common.message.DescribeGroupsRequestData;
import org.apache.kafka.common.message.FindCoordinatorRequestData;
import org.apache.kafka.common.message.HeartbeatRequestData;
import org.apache.kafka.common.message.JoinGroupRequestData;
import org.apache.kafka.common.message.JoinGroupRequestData.JoinGroupRequestProtocol;
import org.apache.kafka.common.message.JoinGroupRequestData.JoinGroupRequestProtocolCollection;
import org.apache.kafka.common.message.OffsetCommitRequestData;
import org.apache.kafka.common.message.SyncGroupRequestData;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.ConsumerGroupHeartbeatRequest;
import org.apache.kafka.common.requests.ConsumerGroupHeartbeatResponse;
import org.apache.kafka.common.requests.DeleteGroupsRequest;
import org.apache.kafka.common.requests.DeleteGroupsResponse;
import org.apache.kafka.common.requests.DescribeGroupsRequest;
import org.apache.kafka.common.requests.DescribeGroupsResponse;
import org.apache.kafka.common.requests.FindCoordinatorRequest;
import org.apache.kafka.common.requests.FindCoordinatorResponse;
import org.apache.kafka.common.requests.HeartbeatRequest;
import org.apache.kafka.common.requests.HeartbeatResponse;
import org.apache.kafka.common.requests.JoinGroupRequest;
import org.apache.kafka.common.requests.JoinGroupResponse;
import org.apache.kafka.common.requests.OffsetCommitRequest;
import org.apache.kafka.common.requests.OffsetCommitResponse;
import org.apache.kafka.common.requests.SyncGroupRequest;
import org.apache.kafka.common.requests.SyncGroupResponse;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Group requests that must be refused, sent as raw protocol requests: stale generations, unknown members, commits
 * and heartbeats during a rebalance, fenced static members, evicted members, fenced member epochs.
 */
@ExtendWith(NodeLogOnFailure.class)
class GroupProtocolErrorsIT {
    private static final Duration ANSWER_TIMEOUT = Duration.ofSeconds(60);
    private static final String TOPIC = "group-errors-topic";
    private static StrataNode node;

    @BeforeAll
    static void startNode() {
        node = StrataNode.start("group-errors");
        Clients.createTopic(node.bootstrap(), TOPIC, 2);
    }

    @AfterAll
    static void stopNode() {
        if (node != null) {
            node.close();
        }
    }

    private static JoinGroupRequest join(String group, String memberId, String instanceId, int sessionTimeoutMs) {
        JoinGroupRequestProtocolCollection protocols = new JoinGroupRequestProtocolCollection();
        protocols.add(new JoinGroupRequestProtocol().setName("range").setMetadata(new byte[0]));
        return new JoinGroupRequest.Builder(new JoinGroupRequestData().setGroupId(group).setMemberId(memberId)
                .setGroupInstanceId(instanceId).setProtocolType("consumer").setProtocols(protocols)
                .setSessionTimeoutMs(sessionTimeoutMs).setRebalanceTimeoutMs(20_000)).build((short) 5);
    }

    /** A dynamic member through the two-step join; returns the response of the completed join. */
    private static JoinGroupResponse joinNew(ProtocolClient client, String group, int sessionTimeoutMs) {
        JoinGroupResponse first = client.send(join(group, "", null, sessionTimeoutMs));
        assertThat(first.error()).isEqualTo(Errors.MEMBER_ID_REQUIRED);
        assertThat(first.data().memberId()).isNotEmpty();
        JoinGroupResponse second = client.send(join(group, first.data().memberId(), null, sessionTimeoutMs));
        assertThat(second.error()).isEqualTo(Errors.NONE);
        return second;
    }

    private static SyncGroupResponse sync(ProtocolClient client, String group, String memberId, String instanceId,
                                          int generation) {
        return client.send(new SyncGroupRequest.Builder(new SyncGroupRequestData().setGroupId(group)
                .setMemberId(memberId).setGroupInstanceId(instanceId).setGenerationId(generation)
                .setAssignments(List.of(new SyncGroupRequestData.SyncGroupRequestAssignment().setMemberId(memberId)
                        .setAssignment(new byte[] {1, 2, 3})))).build((short) 3));
    }

    private static Errors heartbeat(ProtocolClient client, String group, String memberId, String instanceId,
                                    int generation) {
        HeartbeatResponse response = client.send(new HeartbeatRequest.Builder(new HeartbeatRequestData()
                .setGroupId(group).setMemberId(memberId).setGroupInstanceId(instanceId).setGenerationId(generation))
                .build((short) 4));
        return response.error();
    }

    private static Errors commit(ProtocolClient client, String group, String memberId, String instanceId,
                                 int generation) {
        OffsetCommitRequestData data = new OffsetCommitRequestData().setGroupId(group).setMemberId(memberId)
                .setGroupInstanceId(instanceId).setGenerationIdOrMemberEpoch(generation);
        data.topics().add(new OffsetCommitRequestData.OffsetCommitRequestTopic().setName(TOPIC).setPartitions(List.of(
                new OffsetCommitRequestData.OffsetCommitRequestPartition().setPartitionIndex(0).setCommittedOffset(1))));
        OffsetCommitResponse response = client.send(new OffsetCommitRequest(data, (short) 8));
        return Errors.forCode(response.data().topics().get(0).partitions().get(0).errorCode());
    }

    @Test
    void staleGenerationsUnknownMembersAndRebalances() {
        String group = "errors-generation";
        try (ProtocolClient a = new ProtocolClient(node, ANSWER_TIMEOUT);
             ProtocolClient b = new ProtocolClient(node, ANSWER_TIMEOUT)) {
            JoinGroupResponse joined = joinNew(a, group, 30_000);
            String memberA = joined.data().memberId();
            int generation = joined.data().generationId();
            assertThat(joined.data().leader()).isEqualTo(memberA);
            assertThat(sync(a, group, memberA, null, generation).error()).isEqualTo(Errors.NONE);

            assertThat(commit(a, group, memberA, null, generation + 7)).isEqualTo(Errors.ILLEGAL_GENERATION);
            assertThat(commit(a, group, "not-a-member", null, generation)).isEqualTo(Errors.UNKNOWN_MEMBER_ID);
            assertThat(commit(a, group, "", null, -1)).isEqualTo(Errors.UNKNOWN_MEMBER_ID);
            assertThat(commit(a, group, memberA, null, generation)).isEqualTo(Errors.NONE);
            assertThat(heartbeat(a, group, memberA, null, generation + 7)).isEqualTo(Errors.ILLEGAL_GENERATION);
            assertThat(heartbeat(a, group, "not-a-member", null, generation)).isEqualTo(Errors.UNKNOWN_MEMBER_ID);
            assertThat(sync(a, group, "not-a-member", null, generation).error()).isEqualTo(Errors.UNKNOWN_MEMBER_ID);

            // A second member starts a rebalance; its join is answered once a has rejoined.
            JoinGroupResponse bFirst = b.send(join(group, "", null, 30_000));
            ProtocolClient.Pending bJoin = b.sendLater(join(group, bFirst.data().memberId(), null, 30_000));
            await("a is told to rejoin").atMost(ANSWER_TIMEOUT)
                    .until(() -> heartbeat(a, group, memberA, null, generation) == Errors.REBALANCE_IN_PROGRESS);
            JoinGroupResponse aAgain = a.send(join(group, memberA, null, 30_000));
            JoinGroupResponse bJoined = (JoinGroupResponse) bJoin.await();
            assertThat(aAgain.data().generationId()).isEqualTo(generation + 1);
            assertThat(bJoined.data().generationId()).isEqualTo(generation + 1);
            assertThat(aAgain.data().members()).hasSize(2);
            assertThat(commit(a, group, memberA, null, generation + 1)).isEqualTo(Errors.REBALANCE_IN_PROGRESS);

            DeleteGroupsResponse delete = a.send(new DeleteGroupsRequest.Builder(new DeleteGroupsRequestData()
                    .setGroupsNames(List.of(group))).build((short) 2));
            assertThat(delete.get(group)).isEqualTo(Errors.NON_EMPTY_GROUP);
        }
    }

    @Test
    void aReplacedStaticMemberIsFenced() {
        String group = "errors-static";
        try (ProtocolClient first = new ProtocolClient(node, ANSWER_TIMEOUT);
             ProtocolClient second = new ProtocolClient(node, ANSWER_TIMEOUT)) {
            JoinGroupResponse joined = first.send(join(group, "", "instance-1", 30_000));
            assertThat(joined.error()).isEqualTo(Errors.NONE);
            String oldId = joined.data().memberId();
            int generation = joined.data().generationId();
            assertThat(sync(first, group, oldId, "instance-1", generation).error()).isEqualTo(Errors.NONE);

            JoinGroupResponse replaced = second.send(join(group, "", "instance-1", 30_000));
            assertThat(replaced.error()).isEqualTo(Errors.NONE);
            String newId = replaced.data().memberId();
            assertThat(newId).isNotEqualTo(oldId);
            assertThat(heartbeat(first, group, oldId, "instance-1", generation)).isEqualTo(Errors.FENCED_INSTANCE_ID);
            assertThat(commit(first, group, oldId, "instance-1", generation)).isEqualTo(Errors.FENCED_INSTANCE_ID);
            assertThat(sync(first, group, oldId, "instance-1", generation).error()).isEqualTo(Errors.FENCED_INSTANCE_ID);
            assertThat(heartbeat(second, group, newId, "instance-1", replaced.data().generationId()))
                    .isEqualTo(Errors.NONE);
        }
    }

    @Test
    void anEvictedMemberIsUnknown() {
        String group = "errors-eviction";
        try (ProtocolClient client = new ProtocolClient(node, ANSWER_TIMEOUT)) {
            JoinGroupResponse joined = joinNew(client, group, 6_000);
            String member = joined.data().memberId();
            int generation = joined.data().generationId();
            assertThat(sync(client, group, member, null, generation).error()).isEqualTo(Errors.NONE);
            // No heartbeats: the session timeout evicts the member and the group becomes empty.
            await("eviction").atMost(ANSWER_TIMEOUT).pollInterval(Duration.ofMillis(500)).until(() -> {
                DescribeGroupsResponse described = client.send(new DescribeGroupsRequest.Builder(
                        new DescribeGroupsRequestData().setGroups(List.of(group))).build((short) 5));
                return described.data().groups().get(0).groupState().equals("Empty");
            });
            assertThat(heartbeat(client, group, member, null, generation)).isEqualTo(Errors.UNKNOWN_MEMBER_ID);
            assertThat(commit(client, group, member, null, generation)).isEqualTo(Errors.UNKNOWN_MEMBER_ID);
            assertThat(sync(client, group, member, null, generation).error()).isEqualTo(Errors.UNKNOWN_MEMBER_ID);
        }
    }

    @Test
    void consumerGroupHeartbeatFencesBadEpochsAndUnknownMembers() {
        String group = "errors-kip848";
        try (ProtocolClient client = new ProtocolClient(node, ANSWER_TIMEOUT)) {
            ConsumerGroupHeartbeatResponse joined = client.send(heartbeat(group, "member-1", 0, "uniform"));
            assertThat(joined.data().errorCode()).isEqualTo(Errors.NONE.code());
            int epoch = joined.data().memberEpoch();
            assertThat(epoch).isPositive();
            assertThat(joined.data().assignment().topicPartitions()).hasSize(1);

            ConsumerGroupHeartbeatResponse ahead = client.send(heartbeat(group, "member-1", epoch + 5, null));
            assertThat(ahead.data().errorCode()).isEqualTo(Errors.FENCED_MEMBER_EPOCH.code());
            ConsumerGroupHeartbeatResponse unknown = client.send(heartbeat(group, "member-2", 3, null));
            assertThat(unknown.data().errorCode()).isEqualTo(Errors.UNKNOWN_MEMBER_ID.code());
            ConsumerGroupHeartbeatResponse badAssignor = client.send(heartbeat(group, "member-3", 0, "sticky"));
            assertThat(badAssignor.data().errorCode()).isEqualTo(Errors.UNSUPPORTED_ASSIGNOR.code());
            OffsetCommitRequestData data = new OffsetCommitRequestData().setGroupId(group).setMemberId("member-1")
                    .setGenerationIdOrMemberEpoch(epoch - 1);
            data.topics().add(new OffsetCommitRequestData.OffsetCommitRequestTopic().setName(TOPIC).setPartitions(
                    List.of(new OffsetCommitRequestData.OffsetCommitRequestPartition().setPartitionIndex(0)
                            .setCommittedOffset(1))));
            OffsetCommitResponse stale = client.send(new OffsetCommitRequest(data, (short) 9));
            assertThat(stale.data().topics().get(0).partitions().get(0).errorCode())
                    .isEqualTo(Errors.STALE_MEMBER_EPOCH.code());
        }
    }

    @Test
    void findCoordinator() {
        try (ProtocolClient client = new ProtocolClient(node, ANSWER_TIMEOUT)) {
            FindCoordinatorResponse batched = client.send(new FindCoordinatorRequest.Builder(
                    new FindCoordinatorRequestData().setKeyType((byte) 0).setCoordinatorKeys(List.of("g1", "g2")))
                    .build((short) 4));
            assertThat(batched.data().coordinators()).hasSize(2).allSatisfy(c -> {
                assertThat(c.errorCode()).isEqualTo(Errors.NONE.code());
                assertThat(c.port()).isEqualTo(node.advertisedPort());
            });
            FindCoordinatorResponse old = client.send(new FindCoordinatorRequest.Builder(
                    new FindCoordinatorRequestData().setKey("g1")).build((short) 0));
            assertThat(old.error()).isEqualTo(Errors.NONE);
            assertThat(old.data().port()).isEqualTo(node.advertisedPort());
            FindCoordinatorResponse txn = client.send(new FindCoordinatorRequest.Builder(
                    new FindCoordinatorRequestData().setKeyType((byte) 1).setCoordinatorKeys(List.of("tx")))
                    .build((short) 4));
            assertThat(txn.data().coordinators().get(0).errorCode()).isEqualTo(Errors.COORDINATOR_NOT_AVAILABLE.code());
        }
    }

    private static ConsumerGroupHeartbeatRequest heartbeat(String group, String memberId, int epoch, String assignor) {
        ConsumerGroupHeartbeatRequestData data = new ConsumerGroupHeartbeatRequestData().setGroupId(group)
                .setMemberId(memberId).setMemberEpoch(epoch).setServerAssignor(assignor);
        if (epoch == 0) {
            data.setRebalanceTimeoutMs(30_000).setSubscribedTopicNames(List.of(TOPIC)).setTopicPartitions(List.of());
        }
        return new ConsumerGroupHeartbeatRequest.Builder(data).build((short) 1);
    }
}
