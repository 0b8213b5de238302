package io.strata.ingest.kafka.api;

import io.strata.ingest.kafka.network.KafkaRequestHandler;
import org.apache.kafka.common.requests.AlterClientQuotasRequest;
import org.apache.kafka.common.requests.DescribeClientQuotasRequest;
import org.apache.kafka.common.errors.IllegalSaslStateException;
import org.apache.kafka.common.errors.UnsupportedVersionException;
import org.apache.kafka.common.requests.AlterUserScramCredentialsRequest;
import org.apache.kafka.common.message.ApiMessageType;
import org.apache.kafka.common.message.ApiVersionsResponseData;
import org.apache.kafka.common.message.ApiVersionsResponseData.ApiVersionCollection;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.AbstractRequest;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.AlterPartitionReassignmentsRequest;
import org.apache.kafka.common.requests.ApiVersionsRequest;
import org.apache.kafka.common.requests.ElectLeadersRequest;
import org.apache.kafka.common.requests.ListPartitionReassignmentsRequest;
import org.apache.kafka.common.requests.ApiVersionsResponse;
import org.apache.kafka.common.requests.ConsumerGroupDescribeRequest;
import org.apache.kafka.common.requests.ConsumerGroupHeartbeatRequest;
import org.apache.kafka.common.requests.CreatePartitionsRequest;
import org.apache.kafka.common.requests.DeleteGroupsRequest;
import org.apache.kafka.common.requests.DeleteRecordsRequest;
import org.apache.kafka.common.requests.DescribeLogDirsRequest;
import org.apache.kafka.common.requests.DescribeGroupsRequest;
import org.apache.kafka.common.requests.FindCoordinatorRequest;
import org.apache.kafka.common.requests.HeartbeatRequest;
import org.apache.kafka.common.requests.JoinGroupRequest;
import org.apache.kafka.common.requests.LeaveGroupRequest;
import org.apache.kafka.common.requests.ListGroupsRequest;
import org.apache.kafka.common.requests.OffsetCommitRequest;
import org.apache.kafka.common.requests.OffsetDeleteRequest;
import org.apache.kafka.common.requests.OffsetFetchRequest;
import org.apache.kafka.common.requests.SyncGroupRequest;
import org.apache.kafka.common.requests.CreateTopicsRequest;
import org.apache.kafka.common.requests.DeleteTopicsRequest;
import org.apache.kafka.common.requests.DescribeClusterRequest;
import org.apache.kafka.common.requests.DescribeConfigsRequest;
import org.apache.kafka.common.requests.DescribeTopicPartitionsRequest;
import org.apache.kafka.common.requests.DescribeUserScramCredentialsRequest;
import org.apache.kafka.common.requests.FetchRequest;
import org.apache.kafka.common.requests.IncrementalAlterConfigsRequest;
import org.apache.kafka.common.requests.InitProducerIdRequest;
import org.apache.kafka.common.requests.ListOffsetsRequest;
import org.apache.kafka.common.requests.MetadataRequest;
import org.apache.kafka.common.requests.OffsetsForLeaderEpochRequest;
import org.apache.kafka.common.requests.ProduceRequest;
import org.apache.kafka.common.requests.RequestContext;
import org.apache.kafka.common.errors.SecurityDisabledException;
import org.apache.kafka.common.requests.CreateAclsRequest;
import org.apache.kafka.common.requests.DeleteAclsRequest;
import org.apache.kafka.common.requests.DescribeAclsRequest;

import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

/**
 * Routes each Kafka request to the component that answers it. The set of APIs here is exactly what
 * ApiVersions advertises; any other request the codec can parse is answered with its own error
 * response carrying UNSUPPORTED_VERSION, so a client never waits on a silent connection.
 */
public final class KafkaApis implements KafkaRequestHandler {

    /** The APIs this node implements. */
    public static final Set<ApiKeys> SUPPORTED = EnumSet.of(
            ApiKeys.API_VERSIONS, ApiKeys.METADATA, ApiKeys.PRODUCE, ApiKeys.FETCH, ApiKeys.LIST_OFFSETS,
            ApiKeys.OFFSET_FOR_LEADER_EPOCH, ApiKeys.INIT_PRODUCER_ID, ApiKeys.CREATE_TOPICS, ApiKeys.DELETE_TOPICS,
            ApiKeys.CREATE_PARTITIONS, ApiKeys.DESCRIBE_CONFIGS, ApiKeys.INCREMENTAL_ALTER_CONFIGS,
            ApiKeys.DESCRIBE_CLUSTER, ApiKeys.DESCRIBE_TOPIC_PARTITIONS,
            ApiKeys.FIND_COORDINATOR, ApiKeys.JOIN_GROUP, ApiKeys.SYNC_GROUP, ApiKeys.HEARTBEAT, ApiKeys.LEAVE_GROUP,
            ApiKeys.OFFSET_COMMIT, ApiKeys.OFFSET_FETCH, ApiKeys.OFFSET_DELETE, ApiKeys.LIST_GROUPS,
            ApiKeys.DESCRIBE_GROUPS, ApiKeys.DELETE_GROUPS, ApiKeys.CONSUMER_GROUP_HEARTBEAT,
            ApiKeys.CONSUMER_GROUP_DESCRIBE, ApiKeys.DESCRIBE_LOG_DIRS, ApiKeys.DELETE_RECORDS,
            ApiKeys.ELECT_LEADERS, ApiKeys.ALTER_PARTITION_REASSIGNMENTS, ApiKeys.LIST_PARTITION_REASSIGNMENTS,
            ApiKeys.SASL_HANDSHAKE, ApiKeys.SASL_AUTHENTICATE, ApiKeys.DESCRIBE_USER_SCRAM_CREDENTIALS,
            ApiKeys.ALTER_USER_SCRAM_CREDENTIALS, ApiKeys.CREATE_ACLS, ApiKeys.DESCRIBE_ACLS, ApiKeys.DELETE_ACLS,
            ApiKeys.DESCRIBE_CLIENT_QUOTAS, ApiKeys.ALTER_CLIENT_QUOTAS);

    /** APIs answered on the network thread: they touch only local logs and memory. */
    private static final Set<ApiKeys> NON_BLOCKING = EnumSet.of(
            ApiKeys.API_VERSIONS, ApiKeys.PRODUCE, ApiKeys.FETCH, ApiKeys.LIST_OFFSETS, ApiKeys.OFFSET_FOR_LEADER_EPOCH);

    private static final ApiVersionCollection API_VERSIONS = advertisedVersions();

    private final ProduceApi produce;
    private final FetchApi fetch;
    private final OffsetsApi offsets;
    private final MetadataApi metadata;
    private final TopicAdminApi topicAdmin;
    private final ConfigsApi configs;
    private final ProducerIdApi producerIds;
    private final GroupApis groups;
    private final LogAdminApi logAdmin;
    private final ReplicaAdminApi replicaAdmin;
    private final ScramCredentialsApi scram;
    private final AclsApi acls;
    private final RequestAuthorization authorization;
    private final ClientQuotasApi clientQuotas;
    private final QuotaEnforcement quotas;

    public KafkaApis(ProduceApi produce, FetchApi fetch, OffsetsApi offsets, MetadataApi metadata,
                     TopicAdminApi topicAdmin, ConfigsApi configs, ProducerIdApi producerIds, GroupApis groups,
                     LogAdminApi logAdmin, ReplicaAdminApi replicaAdmin) {
        this(produce, fetch, offsets, metadata, topicAdmin, configs, producerIds, groups, logAdmin, replicaAdmin, null);
    }

    /** @param scram the SCRAM credential APIs; null answers them UNSUPPORTED_VERSION */
    public KafkaApis(ProduceApi produce, FetchApi fetch, OffsetsApi offsets, MetadataApi metadata,
                     TopicAdminApi topicAdmin, ConfigsApi configs, ProducerIdApi producerIds, GroupApis groups,
                     LogAdminApi logAdmin, ReplicaAdminApi replicaAdmin, ScramCredentialsApi scram) {
        this(produce, fetch, offsets, metadata, topicAdmin, configs, producerIds, groups, logAdmin, replicaAdmin, scram,
                null, null);
    }

    /**
     * @param acls          the ACL APIs; null answers them UNSUPPORTED_VERSION
     * @param authorization enforces ACLs on every request; null allows every request (no authorizer), and then
     *                      the ACL APIs answer SECURITY_DISABLED, as Kafka's do without an authorizer
     */
    public KafkaApis(ProduceApi produce, FetchApi fetch, OffsetsApi offsets, MetadataApi metadata,
                     TopicAdminApi topicAdmin, ConfigsApi configs, ProducerIdApi producerIds, GroupApis groups,
                     LogAdminApi logAdmin, ReplicaAdminApi replicaAdmin, ScramCredentialsApi scram, AclsApi acls,
                     RequestAuthorization authorization) {
        this(produce, fetch, offsets, metadata, topicAdmin, configs, producerIds, groups, logAdmin, replicaAdmin, scram,
                acls, authorization, null, null);
    }

    /**
     * @param clientQuotas the client quota APIs; null answers them UNSUPPORTED_VERSION
     * @param quotas       enforces client quotas; null enforces none
     */
    public KafkaApis(ProduceApi produce, FetchApi fetch, OffsetsApi offsets, MetadataApi metadata,
                     TopicAdminApi topicAdmin, ConfigsApi configs, ProducerIdApi producerIds, GroupApis groups,
                     LogAdminApi logAdmin, ReplicaAdminApi replicaAdmin, ScramCredentialsApi scram, AclsApi acls,
                     RequestAuthorization authorization, ClientQuotasApi clientQuotas, QuotaEnforcement quotas) {
        this.clientQuotas = clientQuotas;
        this.quotas = quotas;
        this.acls = acls;
        this.authorization = authorization;
        this.scram = scram;
        this.logAdmin = logAdmin;
        this.replicaAdmin = replicaAdmin;
        this.produce = produce;
        this.fetch = fetch;
        this.offsets = offsets;
        this.metadata = metadata;
        this.topicAdmin = topicAdmin;
        this.configs = configs;
        this.producerIds = producerIds;
        this.groups = groups;
    }

    @Override
    public CompletableFuture<AbstractResponse> handle(RequestContext context, AbstractRequest request, int sizeInBytes,
                                                      ConnectionThrottle throttle) {
        if (quotas == null || !quotas.applies(context)) {
            return handle(context, request);
        }
        return quotas.handle(context, request, sizeInBytes, throttle, authorized -> handle(context, authorized));
    }

    @Override
    public CompletableFuture<AbstractResponse> handle(RequestContext context, AbstractRequest request) {
        return authorization == null ? dispatch(context, request)
                : authorization.handle(context, request, authorized -> dispatch(context, authorized));
    }

    private CompletableFuture<AbstractResponse> dispatch(RequestContext context, AbstractRequest request) {
        return switch (request.apiKey()) {
            case API_VERSIONS -> done(apiVersions((ApiVersionsRequest) request));
            case METADATA -> done(metadata.metadata((MetadataRequest) request, context.listenerName.value()));
            case PRODUCE -> produce.handle((ProduceRequest) request);
            case FETCH -> fetch.handle((FetchRequest) request);
            case LIST_OFFSETS -> offsets.listOffsets((ListOffsetsRequest) request).thenApply(r -> r);
            case OFFSET_FOR_LEADER_EPOCH -> done(offsets.offsetForLeaderEpoch((OffsetsForLeaderEpochRequest) request));
            case INIT_PRODUCER_ID -> done(producerIds.initProducerId((InitProducerIdRequest) request));
            case CREATE_TOPICS -> done(topicAdmin.createTopics((CreateTopicsRequest) request));
            case DELETE_TOPICS -> done(topicAdmin.deleteTopics((DeleteTopicsRequest) request));
            case CREATE_PARTITIONS -> done(topicAdmin.createPartitions((CreatePartitionsRequest) request));
            case DESCRIBE_CONFIGS -> done(configs.describeConfigs((DescribeConfigsRequest) request));
            case INCREMENTAL_ALTER_CONFIGS -> done(configs.incrementalAlterConfigs((IncrementalAlterConfigsRequest) request));
            case DESCRIBE_CLUSTER -> done(metadata.describeCluster((DescribeClusterRequest) request, context.listenerName.value()));
            case DESCRIBE_TOPIC_PARTITIONS -> done(metadata.describeTopicPartitions((DescribeTopicPartitionsRequest) request));
            case FIND_COORDINATOR -> done(groups.findCoordinator().handle((FindCoordinatorRequest) request,
                    context.listenerName.value()));
            case JOIN_GROUP -> groups.classic().joinGroup(context, (JoinGroupRequest) request);
            case SYNC_GROUP -> groups.classic().syncGroup((SyncGroupRequest) request);
            case HEARTBEAT -> done(groups.classic().heartbeat((HeartbeatRequest) request));
            case LEAVE_GROUP -> done(groups.classic().leaveGroup((LeaveGroupRequest) request));
            case OFFSET_COMMIT -> done(groups.offsets().offsetCommit((OffsetCommitRequest) request));
            case OFFSET_FETCH -> done(groups.offsets().offsetFetch((OffsetFetchRequest) request));
            case OFFSET_DELETE -> done(groups.offsets().offsetDelete((OffsetDeleteRequest) request));
            case LIST_GROUPS -> done(groups.admin().listGroups((ListGroupsRequest) request));
            case DESCRIBE_GROUPS -> done(groups.admin().describeGroups((DescribeGroupsRequest) request));
            case DELETE_GROUPS -> done(groups.admin().deleteGroups((DeleteGroupsRequest) request));
            case CONSUMER_GROUP_HEARTBEAT ->
                    done(groups.consumer().heartbeat(context, (ConsumerGroupHeartbeatRequest) request));
            case CONSUMER_GROUP_DESCRIBE -> done(groups.consumer().describe((ConsumerGroupDescribeRequest) request));
            case DESCRIBE_LOG_DIRS -> done(logAdmin.describeLogDirs((DescribeLogDirsRequest) request));
            case DELETE_RECORDS -> done(logAdmin.deleteRecords((DeleteRecordsRequest) request));
            case ELECT_LEADERS -> done(replicaAdmin.electLeaders((ElectLeadersRequest) request));
            case ALTER_PARTITION_REASSIGNMENTS ->
                    done(replicaAdmin.alterPartitionReassignments((AlterPartitionReassignmentsRequest) request));
            case LIST_PARTITION_REASSIGNMENTS ->
                    done(replicaAdmin.listPartitionReassignments((ListPartitionReassignmentsRequest) request));
            // Authentication happens before requests get here: on a SASL listener these come after it, on others never.
            case SASL_HANDSHAKE, SASL_AUTHENTICATE -> done(request.getErrorResponse(new IllegalSaslStateException(
                    "Unexpected " + request.apiKey().name + ": the connection is authenticated or its listener ("
                            + context.listenerName.value() + ", " + context.securityProtocol + ") does not use SASL")));
            case DESCRIBE_USER_SCRAM_CREDENTIALS -> scram == null ? done(unsupported(request))
                    : done(scram.describe((DescribeUserScramCredentialsRequest) request));
            case ALTER_USER_SCRAM_CREDENTIALS -> scram == null ? done(unsupported(request))
                    : done(scram.alter((AlterUserScramCredentialsRequest) request));
            case CREATE_ACLS -> acls(request, () -> acls.createAcls((CreateAclsRequest) request));
            case DESCRIBE_ACLS -> acls(request, () -> acls.describeAcls((DescribeAclsRequest) request));
            case DELETE_ACLS -> acls(request, () -> acls.deleteAcls((DeleteAclsRequest) request));
            case DESCRIBE_CLIENT_QUOTAS -> clientQuotas == null ? done(unsupported(request))
                    : done(clientQuotas.describe((DescribeClientQuotasRequest) request));
            case ALTER_CLIENT_QUOTAS -> clientQuotas == null ? done(unsupported(request))
                    : done(clientQuotas.alter((AlterClientQuotasRequest) request));
            default -> done(unsupported(request));
        };
    }

    private CompletableFuture<AbstractResponse> acls(AbstractRequest request, Supplier<AbstractResponse> answer) {
        if (acls == null) {
            return done(unsupported(request));
        }
        if (authorization == null) {
            return done(request.getErrorResponse(new SecurityDisabledException(
                    "No authorizer is configured on this node (strata.security.authorizer.enabled=false)")));
        }
        return done(answer.get());
    }

    /** The request's own error response with UNSUPPORTED_VERSION, for an API this node does not implement. */
    private static AbstractResponse unsupported(AbstractRequest request) {
        if (request instanceof DescribeUserScramCredentialsRequest scram && scram.data().users() == null) {
            // A null user list means "all users"; the codec's error response expects a list to answer each.
            scram.data().setUsers(List.of());
        }
        return request.getErrorResponse(new UnsupportedVersionException(
                "This node does not implement " + request.apiKey().name + "."));
    }

    @Override
    public boolean mayRunOnEventLoop(ApiKeys api) {
        return NON_BLOCKING.contains(api);
    }

    private static CompletableFuture<AbstractResponse> done(AbstractResponse response) {
        return CompletableFuture.completedFuture(response);
    }

    /**
     * An ApiVersions request at a version this node cannot read gets a v0 UNSUPPORTED_VERSION answer
     * that still lists the supported range, so the client retries at a version both sides know.
     */
    private static AbstractResponse apiVersions(ApiVersionsRequest request) {
        ApiVersionsResponseData data = new ApiVersionsResponseData()
                .setApiKeys(API_VERSIONS.duplicate())
                .setSupportedFeatures(BrokerFeatures.supported())
                .setFinalizedFeatures(BrokerFeatures.finalized())
                .setFinalizedFeaturesEpoch(BrokerFeatures.FINALIZED_EPOCH);
        if (request.hasUnsupportedRequestVersion()) {
            data.setErrorCode(Errors.UNSUPPORTED_VERSION.code());
        } else if (!request.isValid()) {
            data.setErrorCode(Errors.INVALID_REQUEST.code());
        }
        return new ApiVersionsResponse(data);
    }

    private static ApiVersionCollection advertisedVersions() {
        ApiVersionCollection versions = new ApiVersionCollection();
        for (ApiKeys api : SUPPORTED) {
            api.toApiVersionForApiResponse(false, ApiMessageType.ListenerType.BROKER).ifPresent(versions::add);
        }
        return versions;
    }
}
