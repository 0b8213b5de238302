package io.strata.ingest.kafka.api;

import io.strata.ingest.node.InProcessNode;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.acl.AccessControlEntry;
import org.apache.kafka.common.acl.AccessControlEntryFilter;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclBindingFilter;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.message.CreateAclsRequestData;
import org.apache.kafka.common.message.DeleteTopicsRequestData;
import org.apache.kafka.common.message.InitProducerIdRequestData;
import org.apache.kafka.common.message.JoinGroupRequestData;
import org.apache.kafka.common.message.OffsetCommitRequestData;
import org.apache.kafka.common.message.OffsetFetchRequestData;
import org.apache.kafka.common.message.MetadataRequestData;
import org.apache.kafka.common.message.ProduceRequestData;
import org.apache.kafka.common.network.ClientInformation;
import org.apache.kafka.common.network.ListenerName;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.SimpleRecord;
import org.apache.kafka.common.requests.AbstractRequest;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.CreateAclsRequest;
import org.apache.kafka.common.requests.CreateAclsResponse;
import org.apache.kafka.common.requests.DeleteTopicsRequest;
import org.apache.kafka.common.requests.DeleteTopicsResponse;
import org.apache.kafka.common.requests.DescribeAclsRequest;
import org.apache.kafka.common.requests.DescribeAclsResponse;
import org.apache.kafka.common.requests.FetchRequest;
import org.apache.kafka.common.requests.FetchResponse;
import org.apache.kafka.common.requests.InitProducerIdRequest;
import org.apache.kafka.common.requests.OffsetCommitRequest;
import org.apache.kafka.common.requests.OffsetCommitResponse;
import org.apache.kafka.common.requests.OffsetFetchRequest;
import org.apache.kafka.common.requests.OffsetFetchResponse;
import org.apache.kafka.common.requests.InitProducerIdResponse;
import org.apache.kafka.common.requests.JoinGroupRequest;
import org.apache.kafka.common.requests.JoinGroupResponse;
import org.apache.kafka.common.requests.MetadataRequest;
import org.apache.kafka.common.requests.MetadataResponse;
import org.apache.kafka.common.requests.ProduceRequest;
import org.apache.kafka.common.requests.ProduceResponse;
import org.apache.kafka.common.requests.RequestContext;
import org.apache.kafka.common.requests.RequestHeader;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourcePatternFilter;
import org.apache.kafka.common.resource.ResourceType;
import org.apache.kafka.common.security.auth.KafkaPrincipal;
import org.apache.kafka.common.security.auth.SecurityProtocol;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Optional;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * ACL enforcement on a lone in-process node with the authorizer on: requests built with the real codec and
 * handed to the node's Kafka APIs with the principal and listener a connection would give them.
 */
class RequestAuthorizationTest {

    private static final KafkaPrincipal ADMIN = new KafkaPrincipal("User", "admin");
    private static final KafkaPrincipal ALICE = new KafkaPrincipal("User", "alice");
    private static final KafkaPrincipal BOB = new KafkaPrincipal("User", "bob");

    @TempDir
    static Path dir;
    private static InProcessNode node;

    @BeforeAll
    static void start() throws Exception {
        node = InProcessNode.start(dir, Map.of("strata.security.authorizer.enabled", "true",
                "strata.security.super-users", "User:admin", "strata.group.initial-rebalance-delay", "0s"));
        node.topics().createTopic("orders", 1, 1, Map.of(), Map.of(), false);
        node.topics().createTopic("payments", 1, 1, Map.of(), Map.of(), false);
        assertThat(addAcl(ADMIN, new ResourcePattern(ResourceType.TOPIC, "ord", PatternType.PREFIXED), "User:alice",
                AclOperation.WRITE)).isEqualTo(Errors.NONE);
    }

    @AfterAll
    static void stop() throws Exception {
        if (node != null) {
            node.close();
        }
    }

    private static AbstractResponse send(KafkaPrincipal principal, String listener, AbstractRequest request) throws Exception {
        RequestHeader header = new RequestHeader(request.apiKey(), request.version(), "test", 1);
        RequestContext ctx = new RequestContext(header, "c1", InetAddress.getLoopbackAddress(), principal,
                new ListenerName(listener), listener.equals("PLAINTEXT") ? SecurityProtocol.PLAINTEXT
                : SecurityProtocol.SASL_PLAINTEXT, ClientInformation.EMPTY, false);
        return node.apis().handle(ctx, request).get(20, TimeUnit.SECONDS);
    }

    private static AbstractResponse send(KafkaPrincipal principal, AbstractRequest request) throws Exception {
        return send(principal, "SASL_PLAINTEXT", request);
    }

    /** CreateAcls of one ALLOW, made by {@code who}; its result's error. */
    private static Errors addAcl(KafkaPrincipal who, ResourcePattern pattern, String principal, AclOperation op)
            throws Exception {
        CreateAclsRequestData data = new CreateAclsRequestData().setCreations(List.of(CreateAclsRequest.aclCreation(
                new AclBinding(pattern, new AccessControlEntry(principal, "*", op, AclPermissionType.ALLOW)))));
        CreateAclsResponse response = (CreateAclsResponse) send(who, new CreateAclsRequest.Builder(data).build());
        return Errors.forCode(response.results().get(0).errorCode());
    }

    private static Map<String, Errors> produce(KafkaPrincipal principal, String listener, String... topics) throws Exception {
        ProduceRequestData data = new ProduceRequestData().setAcks((short) 1).setTimeoutMs(5000);
        for (String t : topics) {
            ProduceRequestData.TopicProduceData td = new ProduceRequestData.TopicProduceData().setName(t);
            td.partitionData().add(new ProduceRequestData.PartitionProduceData().setIndex(0).setRecords(
                    MemoryRecords.withRecords(Compression.NONE, new SimpleRecord("v".getBytes(StandardCharsets.UTF_8)))));
            data.topicData().add(td);
        }
        ProduceResponse response = (ProduceResponse) send(principal, listener,
                new ProduceRequest.Builder((short) 3, (short) 12, data).build((short) 12));
        Map<String, Errors> out = new HashMap<>();
        response.data().responses().forEach(t -> out.put(t.name(), Errors.forCode(t.partitionResponses().get(0).errorCode())));
        return out;
    }

    @Test
    void produceNeedsTopicWriteAndTheInterBrokerListenerActsAsTheBroker() throws Exception {
        assertThat(produce(ALICE, "SASL_PLAINTEXT", "orders", "payments"))
                .containsEntry("orders", Errors.NONE).containsEntry("payments", Errors.TOPIC_AUTHORIZATION_FAILED).hasSize(2);
        assertThat(produce(BOB, "SASL_PLAINTEXT", "orders")).containsEntry("orders", Errors.TOPIC_AUTHORIZATION_FAILED);
        assertThat(produce(KafkaPrincipal.ANONYMOUS, "PLAINTEXT", "payments")).containsEntry("payments", Errors.NONE);
        assertThat(produce(ADMIN, "SASL_PLAINTEXT", "payments")).containsEntry("payments", Errors.NONE);
    }

    @Test
    void metadataHidesTopicsAndAutoCreationNeedsCreate() throws Exception {
        MetadataResponse all = (MetadataResponse) send(ALICE, new MetadataRequest.Builder(
                new MetadataRequestData().setTopics(null).setAllowAutoTopicCreation(false)).build((short) 12));
        assertThat(all.data().topics().stream().map(t -> t.name()).collect(Collectors.toSet()))
                .contains("orders").doesNotContain("payments");

        MetadataRequestData named = new MetadataRequestData().setAllowAutoTopicCreation(true);
        named.topics().add(new MetadataRequestData.MetadataRequestTopic().setName("orders-new"));
        named.topics().add(new MetadataRequestData.MetadataRequestTopic().setName("payments"));
        MetadataResponse response = (MetadataResponse) send(ALICE, new MetadataRequest.Builder(named).build((short) 12));
        Map<String, Errors> errors = response.data().topics().stream()
                .collect(Collectors.toMap(t -> t.name(), t -> Errors.forCode(t.errorCode())));
        assertThat(errors).containsEntry("orders-new", Errors.TOPIC_AUTHORIZATION_FAILED)
                .containsEntry("payments", Errors.TOPIC_AUTHORIZATION_FAILED);
        assertThat(node.topics().topic("orders-new")).as("not created without CREATE").isEmpty();

        assertThat(addAcl(ADMIN, new ResourcePattern(ResourceType.TOPIC, "orders-", PatternType.PREFIXED), "User:alice",
                AclOperation.CREATE)).isEqualTo(Errors.NONE);
        named = new MetadataRequestData().setAllowAutoTopicCreation(true);
        named.topics().add(new MetadataRequestData.MetadataRequestTopic().setName("orders-new"));
        response = (MetadataResponse) send(ALICE, new MetadataRequest.Builder(named).build((short) 12));
        assertThat(response.data().topics().find("orders-new").errorCode())
                .isNotEqualTo(Errors.TOPIC_AUTHORIZATION_FAILED.code());
        assertThat(node.topics().topic("orders-new")).isPresent();
    }

    @Test
    void aclApisNeedClusterRightsValidateAndDescribeMatches() throws Exception {
        assertThat(addAcl(ALICE, new ResourcePattern(ResourceType.TOPIC, "payments", PatternType.LITERAL), "User:alice",
                AclOperation.ALL)).isEqualTo(Errors.CLUSTER_AUTHORIZATION_FAILED);
        assertThat(addAcl(ADMIN, new ResourcePattern(ResourceType.CLUSTER, "other", PatternType.LITERAL), "User:alice",
                AclOperation.ALTER)).isEqualTo(Errors.INVALID_REQUEST);
        assertThat(addAcl(ADMIN, new ResourcePattern(ResourceType.TOPIC, "orders", PatternType.LITERAL), "alice",
                AclOperation.READ)).as("a principal without its type").isEqualTo(Errors.INVALID_REQUEST);

        DescribeAclsResponse described = (DescribeAclsResponse) send(ADMIN, new DescribeAclsRequest.Builder(
                new AclBindingFilter(new ResourcePatternFilter(ResourceType.TOPIC, "orders", PatternType.MATCH),
                        AccessControlEntryFilter.ANY)).build());
        assertThat(DescribeAclsResponse.aclBindings(described.acls())).extracting(b -> b.pattern().name())
                .contains("ord").doesNotContain("payments");
        DescribeAclsResponse denied = (DescribeAclsResponse) send(ALICE, new DescribeAclsRequest.Builder(
                AclBindingFilter.ANY).build());
        assertThat(denied.error().error()).isEqualTo(Errors.CLUSTER_AUTHORIZATION_FAILED);
    }

    @Test
    void idempotentProducersNeedWriteOnSomeTopicGroupsNeedReadTopicsNeedDelete() throws Exception {
        assertThat(((InitProducerIdResponse) send(ALICE, initProducerId())).error()).isEqualTo(Errors.NONE);
        assertThat(((InitProducerIdResponse) send(BOB, initProducerId())).error())
                .isEqualTo(Errors.CLUSTER_AUTHORIZATION_FAILED);

        JoinGroupRequest join = new JoinGroupRequest.Builder(new JoinGroupRequestData().setGroupId("g1")
                .setProtocolType("consumer").setSessionTimeoutMs(10000).setRebalanceTimeoutMs(10000).setMemberId(""))
                .build((short) 9);
        assertThat(((JoinGroupResponse) send(ALICE, join)).error()).isEqualTo(Errors.GROUP_AUTHORIZATION_FAILED);

        DeleteTopicsRequestData delete = new DeleteTopicsRequestData().setTimeoutMs(5000);
        delete.topics().add(new DeleteTopicsRequestData.DeleteTopicState().setName("orders"));
        DeleteTopicsResponse deleted = (DeleteTopicsResponse) send(ALICE, new DeleteTopicsRequest.Builder(delete)
                .build((short) 6));
        assertThat(deleted.data().responses()).singleElement()
                .satisfies(r -> assertThat(r.errorCode()).isEqualTo(Errors.TOPIC_AUTHORIZATION_FAILED.code()));
        assertThat(node.topics().topic("orders")).isPresent();
        assertThat(ApiKeys.CREATE_ACLS).isIn(KafkaApis.SUPPORTED);
    }

    private static Map<org.apache.kafka.common.quota.ClientQuotaEntity, Errors> alterQuotas(KafkaPrincipal who,
            org.apache.kafka.common.quota.ClientQuotaEntity entity, String key, Double value) throws Exception {
        var alteration = new org.apache.kafka.common.quota.ClientQuotaAlteration(entity,
                List.of(new org.apache.kafka.common.quota.ClientQuotaAlteration.Op(key, value)));
        var response = (org.apache.kafka.common.requests.AlterClientQuotasResponse) send(who,
                new org.apache.kafka.common.requests.AlterClientQuotasRequest.Builder(List.of(alteration), false).build());
        Map<org.apache.kafka.common.quota.ClientQuotaEntity, Errors> out = new HashMap<>();
        response.data().entries().forEach(e -> {
            Map<String, String> entries = new HashMap<>();
            e.entity().forEach(c -> entries.put(c.entityType(), c.entityName()));
            out.put(new org.apache.kafka.common.quota.ClientQuotaEntity(entries), Errors.forCode(e.errorCode()));
        });
        return out;
    }

    @Test
    void clientQuotasNeedDescribeConfigsOrAlterConfigsOnTheClusterAndAreValidatedAsInKafka() throws Exception {
        var carol = new org.apache.kafka.common.quota.ClientQuotaEntity(Map.of(
                org.apache.kafka.common.quota.ClientQuotaEntity.USER, "carol"));
        Map<String, String> defaultClient = new HashMap<>();
        defaultClient.put(org.apache.kafka.common.quota.ClientQuotaEntity.CLIENT_ID, null);
        var anyClient = new org.apache.kafka.common.quota.ClientQuotaEntity(defaultClient);
        var describeAll = new org.apache.kafka.common.requests.DescribeClientQuotasRequest.Builder(
                org.apache.kafka.common.quota.ClientQuotaFilter.all()).build();

        assertThat(alterQuotas(BOB, carol, "producer_byte_rate", 1000.0))
                .containsEntry(carol, Errors.CLUSTER_AUTHORIZATION_FAILED);
        assertThat(((org.apache.kafka.common.requests.DescribeClientQuotasResponse) send(BOB, describeAll)).data()
                .errorCode()).isEqualTo(Errors.CLUSTER_AUTHORIZATION_FAILED.code());
        assertThat(alterQuotas(ADMIN, carol, "producer_byte_rate", 1000.0)).containsEntry(carol, Errors.NONE);
        assertThat(alterQuotas(ADMIN, anyClient, "request_percentage", 12.5)).containsEntry(anyClient, Errors.NONE);
        // Kafka's validation: byte rates are whole numbers, values positive, keys known, no IP quotas here.
        assertThat(alterQuotas(ADMIN, carol, "producer_byte_rate", 1.5)).containsEntry(carol, Errors.INVALID_REQUEST);
        assertThat(alterQuotas(ADMIN, carol, "consumer_byte_rate", -1.0)).containsEntry(carol, Errors.INVALID_REQUEST);
        assertThat(alterQuotas(ADMIN, carol, "no_such_rate", 1.0)).containsEntry(carol, Errors.INVALID_REQUEST);
        var ip = new org.apache.kafka.common.quota.ClientQuotaEntity(Map.of(
                org.apache.kafka.common.quota.ClientQuotaEntity.IP, "10.0.0.1"));
        assertThat(alterQuotas(ADMIN, ip, "connection_creation_rate", 5.0)).containsEntry(ip, Errors.INVALID_REQUEST);

        // DESCRIBE_CONFIGS on the cluster lets bob describe, not alter.
        assertThat(addAcl(ADMIN, new ResourcePattern(ResourceType.CLUSTER, AclsApi.CLUSTER_NAME, PatternType.LITERAL),
                "User:bob", AclOperation.DESCRIBE_CONFIGS)).isEqualTo(Errors.NONE);
        var all = new org.apache.kafka.common.internals.KafkaFutureImpl<Map<org.apache.kafka.common.quota.ClientQuotaEntity,
                Map<String, Double>>>();
        ((org.apache.kafka.common.requests.DescribeClientQuotasResponse) send(BOB, describeAll)).complete(all);
        assertThat(all.get()).isEqualTo(Map.of(carol, Map.of("producer_byte_rate", 1000.0),
                anyClient, Map.of("request_percentage", 12.5)));
        var defaultsOnly = new org.apache.kafka.common.internals.KafkaFutureImpl<Map<org.apache.kafka.common.quota.ClientQuotaEntity,
                Map<String, Double>>>();
        ((org.apache.kafka.common.requests.DescribeClientQuotasResponse) send(BOB,
                new org.apache.kafka.common.requests.DescribeClientQuotasRequest.Builder(
                        org.apache.kafka.common.quota.ClientQuotaFilter.containsOnly(List.of(
                                org.apache.kafka.common.quota.ClientQuotaFilterComponent.ofDefaultEntity(
                                        org.apache.kafka.common.quota.ClientQuotaEntity.CLIENT_ID)))).build()))
                .complete(defaultsOnly);
        assertThat(defaultsOnly.get()).containsOnlyKeys(anyClient);
        assertThat(alterQuotas(BOB, carol, "producer_byte_rate", null)).containsEntry(carol, Errors.CLUSTER_AUTHORIZATION_FAILED);

        // A produce over the quota is answered with a throttle time and mutes the connection for it.
        RequestHeader header = new RequestHeader(ApiKeys.PRODUCE, (short) 12, "tiny-quota", 7);
        RequestContext ctx = new RequestContext(header, "c2", InetAddress.getLoopbackAddress(), ADMIN,
                new ListenerName("SASL_PLAINTEXT"), SecurityProtocol.SASL_PLAINTEXT, ClientInformation.EMPTY, false);
        var tiny = new org.apache.kafka.common.quota.ClientQuotaEntity(Map.of(
                org.apache.kafka.common.quota.ClientQuotaEntity.CLIENT_ID, "tiny-quota"));
        assertThat(alterQuotas(ADMIN, tiny, "producer_byte_rate", 10.0)).containsEntry(tiny, Errors.NONE);
        java.util.concurrent.atomic.AtomicLong muted = new java.util.concurrent.atomic.AtomicLong();
        ProduceRequestData data = new ProduceRequestData().setAcks((short) 1).setTimeoutMs(5000);
        ProduceRequestData.TopicProduceData td = new ProduceRequestData.TopicProduceData().setName("orders");
        td.partitionData().add(new ProduceRequestData.PartitionProduceData().setIndex(0).setRecords(
                MemoryRecords.withRecords(Compression.NONE, new SimpleRecord(new byte[1000]))));
        data.topicData().add(td);
        ProduceResponse response = (ProduceResponse) node.apis().handle(ctx,
                new ProduceRequest.Builder((short) 3, (short) 12, data).build((short) 12), 1100, muted::set)
                .get(20, TimeUnit.SECONDS);
        assertThat(response.data().responses().iterator().next().partitionResponses().get(0).errorCode()).isEqualTo(Errors.NONE.code());
        // 1100 bytes against 10 B/s over the 10 s window: 100 s more, as Kafka computes it.
        assertThat(response.throttleTimeMs()).isBetween(90_000, 110_000);
        assertThat(muted.get()).isEqualTo(response.throttleTimeMs());
        for (var entity : List.of(carol, anyClient, tiny)) {
            for (String key : List.of("producer_byte_rate", "request_percentage")) {
                assertThat(alterQuotas(ADMIN, entity, key, null)).containsEntry(entity, Errors.NONE);
            }
        }
    }

    @Test
    void consumersFetchWithReadAndReplicaFetchesNeedClusterAction() throws Exception {
        Map<TopicPartition, FetchRequest.PartitionData> partitions = new LinkedHashMap<>();
        partitions.put(new TopicPartition("orders", 0), new FetchRequest.PartitionData(Uuid.ZERO_UUID, 0, -1, 1 << 20,
                Optional.empty()));
        partitions.put(new TopicPartition("payments", 0), new FetchRequest.PartitionData(Uuid.ZERO_UUID, 0, -1, 1 << 20,
                Optional.empty()));
        assertThat(addAcl(ADMIN, new ResourcePattern(ResourceType.TOPIC, "orders", PatternType.LITERAL), "User:bob",
                AclOperation.READ)).isEqualTo(Errors.NONE);
        FetchResponse fetched = (FetchResponse) send(BOB, FetchRequest.Builder.forConsumer((short) 12, 0, 0,
                new LinkedHashMap<>(partitions)).build((short) 12));
        Map<String, Short> errors = new HashMap<>();
        fetched.data().responses().forEach(t -> errors.put(t.topic(), t.partitions().get(0).errorCode()));
        assertThat(errors).containsEntry("orders", Errors.NONE.code())
                .containsEntry("payments", Errors.TOPIC_AUTHORIZATION_FAILED.code());

        FetchResponse replica = (FetchResponse) send(BOB, FetchRequest.Builder.forReplica((short) 12, 2, 0, 0, 0,
                new LinkedHashMap<>(partitions)).build((short) 12));
        assertThat(replica.errorCounts()).containsKey(Errors.TOPIC_AUTHORIZATION_FAILED).doesNotContainKey(Errors.NONE);
    }

    @Test
    void offsetCommitsAndFetchesNeedTheGroupAndEachTopic() throws Exception {
        assertThat(addAcl(ADMIN, new ResourcePattern(ResourceType.GROUP, "g-commit", PatternType.LITERAL), "User:alice",
                AclOperation.READ)).isEqualTo(Errors.NONE);
        assertThat(addAcl(ADMIN, new ResourcePattern(ResourceType.TOPIC, "orders", PatternType.LITERAL), "User:alice",
                AclOperation.READ)).isEqualTo(Errors.NONE);
        OffsetCommitRequestData commit = new OffsetCommitRequestData().setGroupId("g-commit")
                .setGenerationIdOrMemberEpoch(-1).setMemberId("");
        for (String topic : List.of("orders", "payments")) {
            commit.topics().add(new OffsetCommitRequestData.OffsetCommitRequestTopic().setName(topic).setPartitions(List.of(
                    new OffsetCommitRequestData.OffsetCommitRequestPartition().setPartitionIndex(0).setCommittedOffset(1))));
        }
        OffsetCommitResponse committed = (OffsetCommitResponse) send(ALICE,
                OffsetCommitRequest.Builder.forTopicNames(commit).build((short) 9));
        Map<String, Short> errors = new HashMap<>();
        committed.data().topics().forEach(t -> errors.put(t.name(), t.partitions().get(0).errorCode()));
        assertThat(errors).containsEntry("orders", Errors.NONE.code())
                .containsEntry("payments", Errors.TOPIC_AUTHORIZATION_FAILED.code());

        OffsetFetchRequestData fetch = new OffsetFetchRequestData().setGroups(List.of(
                new OffsetFetchRequestData.OffsetFetchRequestGroup().setGroupId("g-commit").setTopics(null)));
        OffsetFetchResponse fetched = (OffsetFetchResponse) send(ALICE,
                OffsetFetchRequest.Builder.forTopicNames(fetch, false).build((short) 9));
        assertThat(fetched.data().groups()).singleElement().satisfies(g -> {
            assertThat(g.errorCode()).isEqualTo(Errors.NONE.code());
            assertThat(g.topics()).extracting(t -> t.name()).containsExactly("orders");
        });
        fetch = new OffsetFetchRequestData().setGroups(List.of(
                new OffsetFetchRequestData.OffsetFetchRequestGroup().setGroupId("g-commit").setTopics(null)));
        OffsetFetchResponse refused = (OffsetFetchResponse) send(BOB,
                OffsetFetchRequest.Builder.forTopicNames(fetch, false).build((short) 9));
        assertThat(refused.data().groups()).singleElement()
                .satisfies(g -> assertThat(g.errorCode()).isEqualTo(Errors.GROUP_AUTHORIZATION_FAILED.code()));
    }

    private static InitProducerIdRequest initProducerId() {
        return new InitProducerIdRequest.Builder(new InitProducerIdRequestData().setTransactionalId(null)
                .setTransactionTimeoutMs(60000).setProducerId(-1).setProducerEpoch((short) -1)).build((short) 4);
    }
}
