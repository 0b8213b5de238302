package io.strata.ingest.kafka.network;

import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.message.AlterPartitionReassignmentsRequestData;
import org.apache.kafka.common.message.ConsumerGroupDescribeRequestData;
import org.apache.kafka.common.message.ConsumerGroupHeartbeatRequestData;
import org.apache.kafka.common.message.CreatePartitionsRequestData;
import org.apache.kafka.common.message.CreateTopicsRequestData;
import org.apache.kafka.common.message.DeleteGroupsRequestData;
import org.apache.kafka.common.message.DeleteRecordsRequestData;
import org.apache.kafka.common.message.DeleteTopicsRequestData;
import org.apache.kafka.common.message.DescribeConfigsRequestData;
import org.apache.kafka.common.message.DescribeGroupsRequestData;
import org.apache.kafka.common.message.DescribeLogDirsRequestData;
import org.apache.kafka.common.message.DescribeTopicPartitionsRequestData;
import org.apache.kafka.common.message.DescribeUserScramCredentialsRequestData;
import org.apache.kafka.common.message.ElectLeadersRequestData;
import org.apache.kafka.common.message.FetchRequestData;
import org.apache.kafka.common.message.FindCoordinatorRequestData;
import org.apache.kafka.common.message.HeartbeatRequestData;
import org.apache.kafka.common.message.IncrementalAlterConfigsRequestData;
import org.apache.kafka.common.message.InitProducerIdRequestData;
import org.apache.kafka.common.message.JoinGroupRequestData;
import org.apache.kafka.common.message.LeaveGroupRequestData;
import org.apache.kafka.common.message.ListGroupsRequestData;
import org.apache.kafka.common.message.ListOffsetsRequestData;
import org.apache.kafka.common.message.ListPartitionReassignmentsRequestData;
import org.apache.kafka.common.message.MetadataRequestData;
import org.apache.kafka.common.message.OffsetCommitRequestData;
import org.apache.kafka.common.message.OffsetDeleteRequestData;
import org.apache.kafka.common.message.OffsetFetchRequestData;
import org.apache.kafka.common.message.OffsetForLeaderEpochRequestData;
import org.apache.kafka.common.message.ProduceRequestData;
import org.apache.kafka.common.message.RequestHeaderData;
import org.apache.kafka.common.message.SyncGroupRequestData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.SimpleRecord;
import org.apache.kafka.common.requests.RequestUtils;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes the seed corpus of {@link KafkaRequestFuzzTest}: one well-formed request frame (header and
 * body, no length prefix) per API the node implements, at its oldest and newest version, about the
 * topic {@value KafkaRequestFuzzTest#TOPIC} and a group {@code g}. Run by hand when the set of APIs
 * changes: {@code java -cp <test classpath> io.strata.ingest.kafka.network.KafkaRequestSeeds <inputs dir>}.
 * The fuzzer mutates these; regression inputs ({@link #regressions()} and what the fuzzer found) are
 * kept beside them.
 */
final class KafkaRequestSeeds {

    private static final String TOPIC = KafkaRequestFuzzTest.TOPIC;

    private KafkaRequestSeeds() {
    }

    public static void main(String[] args) throws IOException {
        Path dir = Path.of(args[0]);
        Files.createDirectories(dir);
        for (ApiMessage data : requests()) {
            ApiKeys api = ApiKeys.forId(data.apiKey());
            for (short version : List.of(api.oldestVersion(), api.latestVersion())) {
                ByteBuffer frame;
                try {
                    frame = frame(api, version, data);
                } catch (RuntimeException notExpressible) {
                    continue; // e.g. a field the oldest version does not have
                }
                byte[] bytes = new byte[frame.remaining()];
                frame.get(bytes);
                Files.write(dir.resolve("seed-" + api.name.toLowerCase() + "-v" + version), bytes);
            }
        }
        for (Map.Entry<String, ByteBuffer> regression : regressions().entrySet()) {
            ByteBuffer frame = regression.getValue();
            byte[] bytes = new byte[frame.remaining()];
            frame.get(bytes);
            Files.write(dir.resolve(regression.getKey()), bytes);
        }
    }

    /**
     * Frames that once made the node fail (an exception out of the handler, UNKNOWN_SERVER_ERROR, a
     * response that did not serialise, a handler held for seconds), by the file name they are kept under.
     */
    static Map<String, ByteBuffer> regressions() {
        Map<String, ByteBuffer> out = new LinkedHashMap<>();
        out.put("regression-produce-v9-batch-size-overflow", frame(ApiKeys.PRODUCE, (short) 9, produce(TOPIC, overflowingBatch())));
        out.put("regression-produce-v9-empty-topic-name", frame(ApiKeys.PRODUCE, (short) 9, produce("", validBatch())));
        out.put("regression-metadata-v12-empty-topic-name", frame(ApiKeys.METADATA, (short) 12, metadataByName("")));
        out.put("regression-describeconfigs-v4-empty-topic-name", frame(ApiKeys.DESCRIBE_CONFIGS, (short) 4,
                new DescribeConfigsRequestData().setResources(List.of(new DescribeConfigsRequestData.DescribeConfigsResource()
                        .setResourceType((byte) 2).setResourceName("")))));
        out.put("regression-metadata-v10-unknown-topic-id", frame(ApiKeys.METADATA, (short) 10, metadataById(UNKNOWN_ID)));
        out.put("regression-metadata-v11-unknown-topic-id", frame(ApiKeys.METADATA, (short) 11, metadataById(UNKNOWN_ID)));
        out.put("regression-describeuserscramcredentials-v0-null-users", frame(ApiKeys.DESCRIBE_USER_SCRAM_CREDENTIALS,
                (short) 0, new DescribeUserScramCredentialsRequestData().setUsers(null)));
        out.put("regression-electleaders-v2-unknown-election-type", frame(ApiKeys.ELECT_LEADERS, (short) 2,
                electLeaders((byte) 7, TOPIC, 0)));
        out.put("regression-electleaders-v2-negative-partition", frame(ApiKeys.ELECT_LEADERS, (short) 2,
                electLeaders((byte) 0, TOPIC, -1)));
        out.put("regression-alterpartitionreassignments-v0-negative-partition", frame(ApiKeys.ALTER_PARTITION_REASSIGNMENTS,
                (short) 0, reassign(TOPIC, -1)));
        out.put("regression-createtopics-v7-max-int-partitions", frame(ApiKeys.CREATE_TOPICS, (short) 7,
                createTopics(Integer.MAX_VALUE, "huge")));
        out.put("regression-createtopics-v7-partitions-past-request-limit", frame(ApiKeys.CREATE_TOPICS, (short) 7,
                createTopics(KafkaRequestFuzzTest.MAX_PARTITIONS_PER_REQUEST / 2 + 1, "many-a", "many-b", "many-c")));
        out.put("regression-createpartitions-v3-million", frame(ApiKeys.CREATE_PARTITIONS, (short) 3,
                new CreatePartitionsRequestData().setTimeoutMs(1000).setTopics(createPartitions(TOPIC, 1_000_000))));
        out.put("regression-offsetfetch-v1-empty-group-id", frame(ApiKeys.OFFSET_FETCH, (short) 1,
                new OffsetFetchRequestData().setGroupId("").setTopics(List.of(new OffsetFetchRequestData.OffsetFetchRequestTopic()
                        .setName(TOPIC).setPartitionIndexes(List.of(0))))));
        out.put("regression-deletegroups-v2-empty-group-id", frame(ApiKeys.DELETE_GROUPS, (short) 2,
                new DeleteGroupsRequestData().setGroupsNames(List.of(""))));
        out.put("regression-describetopicpartitions-v0-negative-cursor-partition", frame(ApiKeys.DESCRIBE_TOPIC_PARTITIONS,
                (short) 0, new DescribeTopicPartitionsRequestData().setResponsePartitionLimit(10)
                        .setTopics(List.of(new DescribeTopicPartitionsRequestData.TopicRequest().setName(TOPIC)))
                        .setCursor(new DescribeTopicPartitionsRequestData.Cursor().setTopicName(TOPIC).setPartitionIndex(-1))));
        out.put("regression-consumergroupheartbeat-v1-unclosed-regex", frame(ApiKeys.CONSUMER_GROUP_HEARTBEAT, (short) 1,
                new ConsumerGroupHeartbeatRequestData().setGroupId("regex-group").setMemberId(Uuid.randomUuid().toString())
                        .setMemberEpoch(0).setRebalanceTimeoutMs(10000).setSubscribedTopicRegex("f[uzz")
                        .setTopicPartitions(List.of())));
        return out;
    }

    static final Uuid UNKNOWN_ID = Uuid.fromString("AAAAAAAAAAAAAAAAAAAAAQ");

    static ProduceRequestData produce(String topic, ByteBuffer records) {
        ProduceRequestData.TopicProduceDataCollection topics = new ProduceRequestData.TopicProduceDataCollection();
        topics.add(new ProduceRequestData.TopicProduceData().setName(topic).setPartitionData(List.of(
                new ProduceRequestData.PartitionProduceData().setIndex(0)
                        .setRecords(MemoryRecords.readableRecords(records)))));
        return new ProduceRequestData().setAcks((short) 1).setTimeoutMs(1000).setTopicData(topics);
    }

    static ByteBuffer validBatch() {
        return MemoryRecords.withRecords(Compression.NONE, new SimpleRecord(System.currentTimeMillis(),
                "k".getBytes(StandardCharsets.UTF_8), "v".getBytes(StandardCharsets.UTF_8))).buffer();
    }

    /** A batch header whose size field makes size + log overhead overflow an int. */
    static ByteBuffer overflowingBatch() {
        ByteBuffer b = ByteBuffer.allocate(61);
        b.putLong(0L).putInt(Integer.MAX_VALUE).putInt(0).put((byte) 2);
        return b.rewind();
    }

    static MetadataRequestData metadataByName(String name) {
        return new MetadataRequestData().setAllowAutoTopicCreation(true).setTopics(List.of(
                new MetadataRequestData.MetadataRequestTopic().setName(name).setTopicId(Uuid.ZERO_UUID)));
    }

    static MetadataRequestData metadataById(Uuid id) {
        return new MetadataRequestData().setAllowAutoTopicCreation(false).setTopics(List.of(
                new MetadataRequestData.MetadataRequestTopic().setName(null).setTopicId(id)));
    }

    static ElectLeadersRequestData electLeaders(byte type, String topic, int partition) {
        ElectLeadersRequestData.TopicPartitionsCollection elect = new ElectLeadersRequestData.TopicPartitionsCollection();
        elect.add(new ElectLeadersRequestData.TopicPartitions().setTopic(topic).setPartitions(List.of(partition)));
        return new ElectLeadersRequestData().setElectionType(type).setTimeoutMs(1000).setTopicPartitions(elect);
    }

    static AlterPartitionReassignmentsRequestData reassign(String topic, int partition) {
        return new AlterPartitionReassignmentsRequestData().setTimeoutMs(1000).setTopics(List.of(
                new AlterPartitionReassignmentsRequestData.ReassignableTopic().setName(topic).setPartitions(List.of(
                        new AlterPartitionReassignmentsRequestData.ReassignablePartition().setPartitionIndex(partition)
                                .setReplicas(List.of(0))))));
    }

    static CreateTopicsRequestData createTopics(int partitions, String... names) {
        CreateTopicsRequestData.CreatableTopicCollection create = new CreateTopicsRequestData.CreatableTopicCollection();
        for (String name : names) {
            create.add(new CreateTopicsRequestData.CreatableTopic().setName(name).setNumPartitions(partitions)
                    .setReplicationFactor((short) 1));
        }
        return new CreateTopicsRequestData().setTimeoutMs(1000).setTopics(create);
    }

    static ByteBuffer frame(ApiKeys api, short version, ApiMessage data) {
        RequestHeaderData header = new RequestHeaderData().setRequestApiKey(api.id).setRequestApiVersion(version)
                .setClientId("seed").setCorrelationId(7);
        return RequestUtils.serialize(header, api.requestHeaderVersion(version), data, version);
    }

    private static List<ApiMessage> requests() {
        List<ApiMessage> out = new ArrayList<>();
        out.add(new org.apache.kafka.common.message.ApiVersionsRequestData().setClientSoftwareName("seed")
                .setClientSoftwareVersion("1"));
        out.add(new MetadataRequestData().setAllowAutoTopicCreation(true).setTopics(List.of(
                new MetadataRequestData.MetadataRequestTopic().setName(TOPIC).setTopicId(Uuid.ZERO_UUID))));
        ByteBuffer records = MemoryRecords.withRecords(Compression.NONE,
                new SimpleRecord(System.currentTimeMillis(), "k".getBytes(StandardCharsets.UTF_8),
                        "v".getBytes(StandardCharsets.UTF_8))).buffer();
        ProduceRequestData.TopicProduceDataCollection produceTopics = new ProduceRequestData.TopicProduceDataCollection();
        produceTopics.add(new ProduceRequestData.TopicProduceData().setName(TOPIC).setPartitionData(List.of(
                new ProduceRequestData.PartitionProduceData().setIndex(0)
                        .setRecords(MemoryRecords.readableRecords(records)))));
        out.add(new ProduceRequestData().setAcks((short) 1).setTimeoutMs(1000).setTopicData(produceTopics));
        out.add(new FetchRequestData().setMaxWaitMs(100).setMinBytes(1).setMaxBytes(1 << 20).setReplicaId(-1)
                .setTopics(List.of(new FetchRequestData.FetchTopic().setTopic(TOPIC).setPartitions(List.of(
                        new FetchRequestData.FetchPartition().setPartition(0).setFetchOffset(0)
                                .setPartitionMaxBytes(1 << 20))))));
        out.add(new ListOffsetsRequestData().setReplicaId(-1).setTopics(List.of(
                new ListOffsetsRequestData.ListOffsetsTopic().setName(TOPIC).setPartitions(List.of(
                        new ListOffsetsRequestData.ListOffsetsPartition().setPartitionIndex(0).setTimestamp(-1))))));
        OffsetForLeaderEpochRequestData.OffsetForLeaderTopicCollection epochTopics =
                new OffsetForLeaderEpochRequestData.OffsetForLeaderTopicCollection();
        epochTopics.add(new OffsetForLeaderEpochRequestData.OffsetForLeaderTopic().setTopic(TOPIC).setPartitions(List.of(
                new OffsetForLeaderEpochRequestData.OffsetForLeaderPartition().setPartition(0).setLeaderEpoch(0))));
        out.add(new OffsetForLeaderEpochRequestData().setTopics(epochTopics));
        out.add(new InitProducerIdRequestData().setTransactionTimeoutMs(60000).setProducerId(-1).setProducerEpoch((short) -1));
        CreateTopicsRequestData.CreatableTopicCollection create = new CreateTopicsRequestData.CreatableTopicCollection();
        create.add(new CreateTopicsRequestData.CreatableTopic().setName("created").setNumPartitions(3)
                .setReplicationFactor((short) 1));
        out.add(new CreateTopicsRequestData().setTimeoutMs(1000).setTopics(create));
        out.add(new DeleteTopicsRequestData().setTimeoutMs(1000).setTopicNames(List.of("created"))
                .setTopics(List.of(new DeleteTopicsRequestData.DeleteTopicState().setName("created"))));
        out.add(new CreatePartitionsRequestData().setTimeoutMs(1000).setTopics(createPartitions(TOPIC, 3)));
        out.add(new DescribeConfigsRequestData().setResources(List.of(
                new DescribeConfigsRequestData.DescribeConfigsResource().setResourceType((byte) 2).setResourceName(TOPIC),
                new DescribeConfigsRequestData.DescribeConfigsResource().setResourceType((byte) 4).setResourceName("0"))));
        IncrementalAlterConfigsRequestData.AlterConfigsResourceCollection alter =
                new IncrementalAlterConfigsRequestData.AlterConfigsResourceCollection();
        IncrementalAlterConfigsRequestData.AlterableConfigCollection configs =
                new IncrementalAlterConfigsRequestData.AlterableConfigCollection();
        configs.add(new IncrementalAlterConfigsRequestData.AlterableConfig().setName("retention.ms")
                .setConfigOperation((byte) 0).setValue("86400000"));
        alter.add(new IncrementalAlterConfigsRequestData.AlterConfigsResource().setResourceType((byte) 2)
                .setResourceName(TOPIC).setConfigs(configs));
        out.add(new IncrementalAlterConfigsRequestData().setResources(alter));
        out.add(new org.apache.kafka.common.message.DescribeClusterRequestData());
        out.add(new DescribeTopicPartitionsRequestData().setResponsePartitionLimit(100).setTopics(List.of(
                        new DescribeTopicPartitionsRequestData.TopicRequest().setName(TOPIC)))
                .setCursor(new DescribeTopicPartitionsRequestData.Cursor().setTopicName(TOPIC).setPartitionIndex(1)));
        out.add(new FindCoordinatorRequestData().setKey("g").setKeyType((byte) 0).setCoordinatorKeys(List.of("g")));
        JoinGroupRequestData.JoinGroupRequestProtocolCollection protocols =
                new JoinGroupRequestData.JoinGroupRequestProtocolCollection();
        protocols.add(new JoinGroupRequestData.JoinGroupRequestProtocol().setName("range").setMetadata(new byte[0]));
        out.add(new JoinGroupRequestData().setGroupId("g").setSessionTimeoutMs(10000).setRebalanceTimeoutMs(10000)
                .setMemberId("").setProtocolType("consumer").setProtocols(protocols));
        out.add(new SyncGroupRequestData().setGroupId("g").setGenerationId(1).setMemberId("m")
                .setProtocolType("consumer").setProtocolName("range"));
        out.add(new HeartbeatRequestData().setGroupId("g").setGenerationId(1).setMemberId("m"));
        out.add(new LeaveGroupRequestData().setGroupId("g").setMemberId("m").setMembers(List.of(
                new LeaveGroupRequestData.MemberIdentity().setMemberId("m"))));
        out.add(new OffsetCommitRequestData().setGroupId("g").setGenerationIdOrMemberEpoch(-1).setMemberId("")
                .setTopics(List.of(new OffsetCommitRequestData.OffsetCommitRequestTopic().setName(TOPIC).setPartitions(
                        List.of(new OffsetCommitRequestData.OffsetCommitRequestPartition().setPartitionIndex(0)
                                .setCommittedOffset(1))))));
        out.add(new OffsetFetchRequestData().setGroupId("g").setTopics(List.of(
                new OffsetFetchRequestData.OffsetFetchRequestTopic().setName(TOPIC).setPartitionIndexes(List.of(0)))));
        out.add(new OffsetFetchRequestData().setGroups(List.of(
                new OffsetFetchRequestData.OffsetFetchRequestGroup().setGroupId("g").setTopics(null))));
        OffsetDeleteRequestData.OffsetDeleteRequestTopicCollection deleteOffsets =
                new OffsetDeleteRequestData.OffsetDeleteRequestTopicCollection();
        deleteOffsets.add(new OffsetDeleteRequestData.OffsetDeleteRequestTopic().setName(TOPIC).setPartitions(List.of(
                new OffsetDeleteRequestData.OffsetDeleteRequestPartition().setPartitionIndex(0))));
        out.add(new OffsetDeleteRequestData().setGroupId("g").setTopics(deleteOffsets));
        out.add(new ListGroupsRequestData());
        out.add(new DescribeGroupsRequestData().setGroups(List.of("g")));
        out.add(new DeleteGroupsRequestData().setGroupsNames(List.of("g")));
        out.add(new ConsumerGroupHeartbeatRequestData().setGroupId("cg").setMemberId(Uuid.randomUuid().toString())
                .setMemberEpoch(0).setRebalanceTimeoutMs(10000).setSubscribedTopicNames(List.of(TOPIC))
                .setTopicPartitions(List.of()));
        out.add(new ConsumerGroupDescribeRequestData().setGroupIds(List.of("cg")));
        out.add(new DescribeLogDirsRequestData().setTopics(null));
        out.add(new DeleteRecordsRequestData().setTimeoutMs(1000).setTopics(List.of(
                new DeleteRecordsRequestData.DeleteRecordsTopic().setName(TOPIC).setPartitions(List.of(
                        new DeleteRecordsRequestData.DeleteRecordsPartition().setPartitionIndex(0).setOffset(0))))));
        ElectLeadersRequestData.TopicPartitionsCollection elect = new ElectLeadersRequestData.TopicPartitionsCollection();
        elect.add(new ElectLeadersRequestData.TopicPartitions().setTopic(TOPIC).setPartitions(List.of(0)));
        out.add(new ElectLeadersRequestData().setElectionType((byte) 0).setTimeoutMs(1000).setTopicPartitions(elect));
        out.add(new AlterPartitionReassignmentsRequestData().setTimeoutMs(1000).setTopics(List.of(
                new AlterPartitionReassignmentsRequestData.ReassignableTopic().setName(TOPIC).setPartitions(List.of(
                        new AlterPartitionReassignmentsRequestData.ReassignablePartition().setPartitionIndex(0)
                                .setReplicas(List.of(0)))))));
        out.add(new ListPartitionReassignmentsRequestData().setTimeoutMs(1000).setTopics(null));
        out.add(new org.apache.kafka.common.message.AlterUserScramCredentialsRequestData()
                .setUpsertions(List.of(new org.apache.kafka.common.message.AlterUserScramCredentialsRequestData
                        .ScramCredentialUpsertion().setName("alice").setMechanism((byte) 1).setIterations(4096)
                        .setSalt(new byte[16]).setSaltedPassword(new byte[32])))
                .setDeletions(List.of(new org.apache.kafka.common.message.AlterUserScramCredentialsRequestData
                        .ScramCredentialDeletion().setName("bob").setMechanism((byte) 2))));
        out.add(new DescribeUserScramCredentialsRequestData().setUsers(List.of(
                new DescribeUserScramCredentialsRequestData.UserName().setName("alice"))));
        return out;
    }

    static CreatePartitionsRequestData.CreatePartitionsTopicCollection createPartitions(String topic, int count) {
        CreatePartitionsRequestData.CreatePartitionsTopicCollection topics =
                new CreatePartitionsRequestData.CreatePartitionsTopicCollection();
        topics.add(new CreatePartitionsRequestData.CreatePartitionsTopic().setName(topic).setCount(count).setAssignments(null));
        return topics;
    }
}
