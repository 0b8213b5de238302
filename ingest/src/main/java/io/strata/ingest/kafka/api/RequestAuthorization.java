package io.strata.ingest.kafka.api;

import io.strata.ingest.broker.TopicManager;
import io.strata.ingest.kafka.network.CloseConnectionException;
import io.strata.ingest.kafka.security.AclAuthorizer;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.message.CreatePartitionsResponseData.CreatePartitionsTopicResult;
import org.apache.kafka.common.message.CreateTopicsResponseData.CreatableTopicResult;
import org.apache.kafka.common.message.DeleteGroupsResponseData.DeletableGroupResult;
import org.apache.kafka.common.message.DeleteRecordsResponseData.DeleteRecordsPartitionResult;
import org.apache.kafka.common.message.DeleteRecordsResponseData.DeleteRecordsTopicResult;
import org.apache.kafka.common.message.DeleteTopicsResponseData.DeletableTopicResult;
import org.apache.kafka.common.message.FetchResponseData.FetchableTopicResponse;
import org.apache.kafka.common.message.FindCoordinatorResponseData.Coordinator;
import org.apache.kafka.common.message.IncrementalAlterConfigsResponseData.AlterConfigsResourceResponse;
import org.apache.kafka.common.message.MetadataResponseData.MetadataResponseTopic;
import org.apache.kafka.common.message.OffsetCommitResponseData.OffsetCommitResponsePartition;
import org.apache.kafka.common.message.OffsetCommitResponseData.OffsetCommitResponseTopic;
import org.apache.kafka.common.message.OffsetDeleteResponseData.OffsetDeleteResponsePartition;
import org.apache.kafka.common.message.OffsetDeleteResponseData.OffsetDeleteResponseTopic;
import org.apache.kafka.common.message.OffsetFetchResponseData.OffsetFetchResponseGroup;
import org.apache.kafka.common.message.ProduceResponseData.PartitionProduceResponse;
import org.apache.kafka.common.message.ProduceResponseData.TopicProduceResponse;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.AbstractRequest;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.ConsumerGroupDescribeResponse;
import org.apache.kafka.common.requests.ConsumerGroupHeartbeatRequest;
import org.apache.kafka.common.requests.CreatePartitionsRequest;
import org.apache.kafka.common.requests.CreatePartitionsResponse;
import org.apache.kafka.common.requests.CreateTopicsRequest;
import org.apache.kafka.common.requests.CreateTopicsResponse;
import org.apache.kafka.common.requests.DeleteGroupsRequest;
import org.apache.kafka.common.requests.DeleteGroupsResponse;
import org.apache.kafka.common.requests.DeleteRecordsRequest;
import org.apache.kafka.common.requests.DeleteRecordsResponse;
import org.apache.kafka.common.requests.DeleteTopicsRequest;
import org.apache.kafka.common.requests.DeleteTopicsResponse;
import org.apache.kafka.common.requests.DescribeConfigsResponse;
import org.apache.kafka.common.requests.DescribeGroupsResponse;
import org.apache.kafka.common.requests.DescribeTopicPartitionsRequest;
import org.apache.kafka.common.requests.DescribeTopicPartitionsResponse;
import org.apache.kafka.common.requests.DescribeUserScramCredentialsRequest;
import org.apache.kafka.common.requests.FetchRequest;
import org.apache.kafka.common.requests.FetchResponse;
import org.apache.kafka.common.requests.FindCoordinatorRequest;
import org.apache.kafka.common.requests.FindCoordinatorResponse;
import org.apache.kafka.common.requests.HeartbeatRequest;
import org.apache.kafka.common.requests.IncrementalAlterConfigsRequest;
import org.apache.kafka.common.requests.IncrementalAlterConfigsResponse;
import org.apache.kafka.common.requests.InitProducerIdRequest;
import org.apache.kafka.common.requests.JoinGroupRequest;
import org.apache.kafka.common.requests.LeaveGroupRequest;
import org.apache.kafka.common.requests.ListGroupsResponse;
import org.apache.kafka.common.requests.ListOffsetsResponse;
import org.apache.kafka.common.requests.MetadataRequest;
import org.apache.kafka.common.requests.MetadataResponse;
import org.apache.kafka.common.requests.OffsetCommitRequest;
import org.apache.kafka.common.requests.OffsetCommitResponse;
import org.apache.kafka.common.requests.OffsetDeleteRequest;
import org.apache.kafka.common.requests.OffsetDeleteResponse;
import org.apache.kafka.common.requests.OffsetFetchRequest;
import org.apache.kafka.common.requests.OffsetFetchResponse;
import org.apache.kafka.common.requests.OffsetsForLeaderEpochRequest;
import org.apache.kafka.common.requests.OffsetsForLeaderEpochResponse;
import org.apache.kafka.common.requests.ProduceRequest;
import org.apache.kafka.common.requests.ProduceResponse;
import org.apache.kafka.common.requests.RequestContext;
import org.apache.kafka.common.requests.SyncGroupRequest;
import org.apache.kafka.common.resource.ResourceType;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

/**
 * Enforces ACLs on every request as Apache Kafka's request handlers do, around the handlers that answer them:
 * a request the principal may not make at all is answered with its own error response (e.g.
 * CLUSTER_AUTHORIZATION_FAILED, GROUP_AUTHORIZATION_FAILED); for a request over several topics, groups or
 * configs, the parts the principal may not touch are taken out of the request before it is handled and
 * answered with TOPIC_AUTHORIZATION_FAILED (or the group's error) next to the handler's answers for the rest;
 * read-only answers (offsets, descriptions, listings) are handled whole and their unauthorized parts replaced
 * by the error or left out, as Kafka hides topics a principal may not describe.
 *
 * <p>Requests on the inter-broker listener are the node's own and other nodes' traffic (replica fetches,
 * the node's internal producers and consumers); they act as the broker principal, which may do anything, as
 * in Kafka where the inter-broker principal is a super user. That listener must therefore only be reachable
 * by the cluster's nodes. Stateless and thread-safe.
 */
public final class RequestAuthorization {

    private static final String CLUSTER = AclsApi.CLUSTER_NAME;

    private final AclAuthorizer authorizer;
    private final TopicManager topics;
    private final String interBrokerListener;

    /**
     * @param topics              resolves topic ids and tells whether a topic exists (auto-creation needs CREATE)
     * @param interBrokerListener the name of the listener whose connections act as the broker principal
     */
    public RequestAuthorization(AclAuthorizer authorizer, TopicManager topics, String interBrokerListener) {
        this.authorizer = authorizer;
        this.topics = topics;
        this.interBrokerListener = interBrokerListener;
    }

    /** The request, authorized: {@code next} handles what the principal may do. */
    CompletableFuture<AbstractResponse> handle(RequestContext ctx, AbstractRequest request,
                                               Function<AbstractRequest, CompletableFuture<AbstractResponse>> next) {
        if (interBrokerListener != null && interBrokerListener.equals(ctx.listenerName.value())) {
            return next.apply(request);
        }
        Check c = new Check(ctx);
        return switch (request.apiKey()) {
            case API_VERSIONS, SASL_HANDSHAKE, SASL_AUTHENTICATE, DESCRIBE_CLUSTER -> next.apply(request);
            case PRODUCE -> produce(c, (ProduceRequest) request, next);
            case FETCH -> fetch(c, (FetchRequest) request, next);
            case METADATA -> metadata(c, (MetadataRequest) request, next);
            case LIST_OFFSETS -> next.apply(request).thenApply(r -> {
                ((ListOffsetsResponse) r).data().topics().stream().filter(t -> !c.topic(AclOperation.DESCRIBE, t.name()))
                        .forEach(t -> t.partitions().forEach(p -> p.setErrorCode(Errors.TOPIC_AUTHORIZATION_FAILED.code())
                                .setOffset(-1).setTimestamp(-1).setLeaderEpoch(-1)));
                return r;
            });
            case OFFSET_FOR_LEADER_EPOCH -> {
                if (((OffsetsForLeaderEpochRequest) request).data().replicaId() >= 0) {
                    yield c.cluster(AclOperation.CLUSTER_ACTION) ? next.apply(request)
                            : deny(request, Errors.CLUSTER_AUTHORIZATION_FAILED);
                }
                yield next.apply(request).thenApply(r -> {
                    ((OffsetsForLeaderEpochResponse) r).data().topics().stream()
                            .filter(t -> !c.topic(AclOperation.DESCRIBE, t.topic()))
                            .forEach(t -> t.partitions().forEach(p -> p.setErrorCode(Errors.TOPIC_AUTHORIZATION_FAILED.code())
                                    .setLeaderEpoch(-1).setEndOffset(-1)));
                    return r;
                });
            }
            case INIT_PRODUCER_ID -> {
                String txn = ((InitProducerIdRequest) request).data().transactionalId();
                if (txn != null) {
                    yield c.allowed(AclOperation.WRITE, ResourceType.TRANSACTIONAL_ID, txn) ? next.apply(request)
                            : deny(request, Errors.TRANSACTIONAL_ID_AUTHORIZATION_FAILED);
                }
                yield c.cluster(AclOperation.IDEMPOTENT_WRITE) || c.anyTopic(AclOperation.WRITE) ? next.apply(request)
                        : deny(request, Errors.CLUSTER_AUTHORIZATION_FAILED);
            }
            case CREATE_TOPICS -> createTopics(c, (CreateTopicsRequest) request, next);
            case DELETE_TOPICS -> deleteTopics(c, (DeleteTopicsRequest) request, next);
            case CREATE_PARTITIONS -> {
                var data = ((CreatePartitionsRequest) request).data();
                List<String> denied = new ArrayList<>();
                data.topics().removeIf(t -> !c.topic(AclOperation.ALTER, t.name()) && denied.add(t.name()));
                yield next.apply(request).thenApply(r -> {
                    var out = ((CreatePartitionsResponse) r).data();
                    out.setResults(mutable(out.results()));
                    denied.forEach(name -> out.results().add(new CreatePartitionsTopicResult()
                            .setName(name).setErrorCode(Errors.TOPIC_AUTHORIZATION_FAILED.code())
                            .setErrorMessage(Errors.TOPIC_AUTHORIZATION_FAILED.message())));
                    return r;
                });
            }
            case DESCRIBE_CONFIGS -> next.apply(request).thenApply(r -> {
                for (var result : ((DescribeConfigsResponse) r).data().results()) {
                    Errors denied = c.configs(AclOperation.DESCRIBE_CONFIGS, result.resourceType(), result.resourceName());
                    if (denied != null) {
                        result.setErrorCode(denied.code()).setErrorMessage(denied.message()).setConfigs(new ArrayList<>());
                    }
                }
                return r;
            });
            case INCREMENTAL_ALTER_CONFIGS -> {
                var data = ((IncrementalAlterConfigsRequest) request).data();
                List<AlterConfigsResourceResponse> denied = new ArrayList<>();
                data.resources().removeIf(res -> {
                    Errors error = c.configs(AclOperation.ALTER_CONFIGS, res.resourceType(), res.resourceName());
                    return error != null && denied.add(new AlterConfigsResourceResponse().setResourceType(res.resourceType())
                            .setResourceName(res.resourceName()).setErrorCode(error.code()).setErrorMessage(error.message()));
                });
                yield next.apply(request).thenApply(r -> {
                    var out = ((IncrementalAlterConfigsResponse) r).data();
                    out.setResponses(mutable(out.responses()));
                    out.responses().addAll(denied);
                    return r;
                });
            }
            case DESCRIBE_TOPIC_PARTITIONS -> {
                boolean named = !((DescribeTopicPartitionsRequest) request).data().topics().isEmpty();
                yield next.apply(request).thenApply(r -> {
                    var out = ((DescribeTopicPartitionsResponse) r).data().topics();
                    if (named) {
                        out.stream().filter(t -> t.name() != null && !c.topic(AclOperation.DESCRIBE, t.name()))
                                .forEach(t -> t.setErrorCode(Errors.TOPIC_AUTHORIZATION_FAILED.code())
                                        .setTopicId(Uuid.ZERO_UUID).setPartitions(new ArrayList<>()));
                    } else {
                        out.removeIf(t -> !c.topic(AclOperation.DESCRIBE, t.name()));
                    }
                    return r;
                });
            }
            case FIND_COORDINATOR -> findCoordinator(c, (FindCoordinatorRequest) request, next);
            case JOIN_GROUP -> c.group(AclOperation.READ, ((JoinGroupRequest) request).data().groupId())
                    ? next.apply(request) : deny(request, Errors.GROUP_AUTHORIZATION_FAILED);
            case SYNC_GROUP -> c.group(AclOperation.READ, ((SyncGroupRequest) request).data().groupId())
                    ? next.apply(request) : deny(request, Errors.GROUP_AUTHORIZATION_FAILED);
            case HEARTBEAT -> c.group(AclOperation.READ, ((HeartbeatRequest) request).data().groupId())
                    ? next.apply(request) : deny(request, Errors.GROUP_AUTHORIZATION_FAILED);
            case LEAVE_GROUP -> c.group(AclOperation.READ, ((LeaveGroupRequest) request).data().groupId())
                    ? next.apply(request) : deny(request, Errors.GROUP_AUTHORIZATION_FAILED);
            case CONSUMER_GROUP_HEARTBEAT -> {
                var data = ((ConsumerGroupHeartbeatRequest) request).data();
                if (!c.group(AclOperation.READ, data.groupId())) {
                    yield deny(request, Errors.GROUP_AUTHORIZATION_FAILED);
                }
                if (data.subscribedTopicNames() != null
                        && !data.subscribedTopicNames().stream().allMatch(t -> c.topic(AclOperation.DESCRIBE, t))) {
                    yield deny(request, Errors.TOPIC_AUTHORIZATION_FAILED);
                }
                yield next.apply(request);
            }
            case OFFSET_COMMIT -> offsetCommit(c, (OffsetCommitRequest) request, next);
            case OFFSET_FETCH -> offsetFetch(c, (OffsetFetchRequest) request, next);
            case OFFSET_DELETE -> offsetDelete(c, (OffsetDeleteRequest) request, next);
            case LIST_GROUPS -> {
                if (c.cluster(AclOperation.DESCRIBE)) {
                    yield next.apply(request);
                }
                yield next.apply(request).thenApply(r -> {
                    var out = ((ListGroupsResponse) r).data();
                    out.setGroups(mutable(out.groups()));
                    out.groups().removeIf(g -> !c.group(AclOperation.DESCRIBE, g.groupId()));
                    return r;
                });
            }
            case DESCRIBE_GROUPS -> next.apply(request).thenApply(r -> {
                ((DescribeGroupsResponse) r).data().groups().stream().filter(g -> !c.group(AclOperation.DESCRIBE, g.groupId()))
                        .forEach(g -> g.setErrorCode(Errors.GROUP_AUTHORIZATION_FAILED.code()).setGroupState("")
                                .setProtocolType("").setProtocolData("").setMembers(new ArrayList<>()));
                return r;
            });
            case CONSUMER_GROUP_DESCRIBE -> next.apply(request).thenApply(r -> {
                ((ConsumerGroupDescribeResponse) r).data().groups().stream()
                        .filter(g -> !c.group(AclOperation.DESCRIBE, g.groupId()))
                        .forEach(g -> g.setErrorCode(Errors.GROUP_AUTHORIZATION_FAILED.code())
                                .setErrorMessage(Errors.GROUP_AUTHORIZATION_FAILED.message()).setMembers(new ArrayList<>()));
                return r;
            });
            case DELETE_GROUPS -> {
                var data = ((DeleteGroupsRequest) request).data();
                List<String> denied = new ArrayList<>();
                data.setGroupsNames(mutable(data.groupsNames()));
                data.groupsNames().removeIf(g -> !c.group(AclOperation.DELETE, g) && denied.add(g));
                yield next.apply(request).thenApply(r -> {
                    denied.forEach(g -> ((DeleteGroupsResponse) r).data().results().add(new DeletableGroupResult()
                            .setGroupId(g).setErrorCode(Errors.GROUP_AUTHORIZATION_FAILED.code())));
                    return r;
                });
            }
            case DELETE_RECORDS -> deleteRecords(c, (DeleteRecordsRequest) request, next);
            case DESCRIBE_LOG_DIRS, LIST_PARTITION_REASSIGNMENTS, DESCRIBE_ACLS ->
                    c.cluster(AclOperation.DESCRIBE) ? next.apply(request) : deny(request, Errors.CLUSTER_AUTHORIZATION_FAILED);
            case ELECT_LEADERS, ALTER_PARTITION_REASSIGNMENTS, CREATE_ACLS, DELETE_ACLS, ALTER_USER_SCRAM_CREDENTIALS ->
                    c.cluster(AclOperation.ALTER) ? next.apply(request) : deny(request, Errors.CLUSTER_AUTHORIZATION_FAILED);
            // As in Kafka: quotas are described with DESCRIBE_CONFIGS and altered with ALTER_CONFIGS on the cluster.
            case DESCRIBE_CLIENT_QUOTAS -> c.cluster(AclOperation.DESCRIBE_CONFIGS) ? next.apply(request)
                    : deny(request, Errors.CLUSTER_AUTHORIZATION_FAILED);
            case ALTER_CLIENT_QUOTAS -> c.cluster(AclOperation.ALTER_CONFIGS) ? next.apply(request)
                    : deny(request, Errors.CLUSTER_AUTHORIZATION_FAILED);
            case DESCRIBE_USER_SCRAM_CREDENTIALS -> {
                if (c.cluster(AclOperation.DESCRIBE)) {
                    yield next.apply(request);
                }
                var data = ((DescribeUserScramCredentialsRequest) request).data();
                if (data.users() == null) {
                    data.setUsers(new ArrayList<>()); // the codec's error response answers each listed user
                }
                yield deny(request, Errors.CLUSTER_AUTHORIZATION_FAILED);
            }
            // An API this node does not implement is answered UNSUPPORTED_VERSION by the handler, whoever asks; an
            // implemented API missing above needs ALTER on the cluster, so a new API is never open by mistake.
            default -> !KafkaApis.SUPPORTED.contains(request.apiKey()) || c.cluster(AclOperation.ALTER)
                    ? next.apply(request) : deny(request, Errors.CLUSTER_AUTHORIZATION_FAILED);
        };
    }

    private CompletableFuture<AbstractResponse> produce(Check c, ProduceRequest request,
                                                        Function<AbstractRequest, CompletableFuture<AbstractResponse>> next) {
        var data = request.data();
        List<TopicProduceResponse> denied = new ArrayList<>();
        data.topicData().removeIf(t -> {
            String name = c.topicName(t.name(), t.topicId());
            if (name == null || c.topic(AclOperation.WRITE, name)) {
                return false; // an unknown topic id is answered UNKNOWN_TOPIC_ID by the handler
            }
            TopicProduceResponse out = new TopicProduceResponse().setName(t.name()).setTopicId(t.topicId());
            t.partitionData().forEach(p -> out.partitionResponses().add(new PartitionProduceResponse().setIndex(p.index())
                    .setErrorCode(Errors.TOPIC_AUTHORIZATION_FAILED.code()).setBaseOffset(-1).setLogAppendTimeMs(-1)
                    .setLogStartOffset(-1)));
            return denied.add(out);
        });
        if (data.acks() == 0 && !denied.isEmpty()) {
            // A producer that waits for no answer learns of a failure only by its connection closing, as in Kafka.
            return CompletableFuture.failedFuture(new CloseConnectionException(
                    "acks=0 produce to a topic " + c.ctx.principal + " may not write"));
        }
        return next.apply(request).thenApply(r -> {
            if (r != null) {
                denied.forEach(t -> ((ProduceResponse) r).data().responses().add(t));
            }
            return r;
        });
    }

    private CompletableFuture<AbstractResponse> fetch(Check c, FetchRequest request,
                                                      Function<AbstractRequest, CompletableFuture<AbstractResponse>> next) {
        if (FetchRequest.isValidBrokerId(request.replicaId())) {
            return c.cluster(AclOperation.CLUSTER_ACTION) ? next.apply(request)
                    : deny(request, Errors.TOPIC_AUTHORIZATION_FAILED);
        }
        List<FetchableTopicResponse> denied = new ArrayList<>();
        request.data().setTopics(mutable(request.data().topics()));
        request.data().topics().removeIf(t -> {
            String name = c.topicName(t.topic(), t.topicId());
            if (name == null || c.topic(AclOperation.READ, name)) {
                return false;
            }
            FetchableTopicResponse out = new FetchableTopicResponse().setTopic(t.topic()).setTopicId(t.topicId());
            t.partitions().forEach(p -> out.partitions().add(
                    FetchResponse.partitionResponse(p.partition(), Errors.TOPIC_AUTHORIZATION_FAILED)));
            return denied.add(out);
        });
        return next.apply(request).thenApply(r -> {
            var out = ((FetchResponse) r).data();
            out.setResponses(mutable(out.responses()));
            out.responses().addAll(denied);
            return r;
        });
    }

    private CompletableFuture<AbstractResponse> metadata(Check c, MetadataRequest request,
                                                         Function<AbstractRequest, CompletableFuture<AbstractResponse>> next) {
        var data = request.data();
        if (data.topics() == null) {
            return next.apply(request).thenApply(r -> {
                ((MetadataResponse) r).data().topics().removeIf(t -> !c.topic(AclOperation.DESCRIBE, t.name()));
                return r;
            });
        }
        boolean mayCreate = data.allowAutoTopicCreation() && c.cluster(AclOperation.CREATE);
        List<MetadataResponseTopic> denied = new ArrayList<>();
        data.setTopics(mutable(data.topics()));
        data.topics().removeIf(t -> {
            String name = c.topicName(t.name(), t.topicId());
            if (name == null) {
                return false;
            }
            boolean authorized = c.topic(AclOperation.DESCRIBE, name);
            if (authorized && data.allowAutoTopicCreation() && !mayCreate && topics.topic(name).isEmpty()) {
                authorized = c.topic(AclOperation.CREATE, name); // auto-creation needs CREATE on it or the cluster
            }
            return !authorized && denied.add(new MetadataResponseTopic().setName(t.name() == null ? null : name)
                    .setTopicId(t.topicId() == null ? Uuid.ZERO_UUID : t.topicId())
                    .setErrorCode(Errors.TOPIC_AUTHORIZATION_FAILED.code()).setIsInternal(false));
        });
        return next.apply(request).thenApply(r -> {
            ((MetadataResponse) r).data().topics().addAll(denied);
            return r;
        });
    }

    private CompletableFuture<AbstractResponse> createTopics(Check c, CreateTopicsRequest request,
                                                             Function<AbstractRequest, CompletableFuture<AbstractResponse>> next) {
        if (c.cluster(AclOperation.CREATE)) {
            return next.apply(request);
        }
        List<String> denied = new ArrayList<>();
        request.data().topics().removeIf(t -> !c.topic(AclOperation.CREATE, t.name()) && denied.add(t.name()));
        return next.apply(request).thenApply(r -> {
            denied.forEach(name -> ((CreateTopicsResponse) r).data().topics().add(new CreatableTopicResult().setName(name)
                    .setErrorCode(Errors.TOPIC_AUTHORIZATION_FAILED.code())
                    .setErrorMessage(Errors.TOPIC_AUTHORIZATION_FAILED.message())));
            return r;
        });
    }

    private CompletableFuture<AbstractResponse> deleteTopics(Check c, DeleteTopicsRequest request,
                                                             Function<AbstractRequest, CompletableFuture<AbstractResponse>> next) {
        var data = request.data();
        List<DeletableTopicResult> denied = new ArrayList<>();
        data.setTopicNames(mutable(data.topicNames()));
        data.setTopics(mutable(data.topics()));
        data.topicNames().removeIf(name -> !c.topic(AclOperation.DELETE, name) && denied.add(deniedTopic(name, null)));
        data.topics().removeIf(t -> {
            String name = c.topicName(t.name(), t.topicId());
            return name != null && !c.topic(AclOperation.DELETE, name) && denied.add(deniedTopic(t.name(), t.topicId()));
        });
        return next.apply(request).thenApply(r -> {
            ((DeleteTopicsResponse) r).data().responses().addAll(denied);
            return r;
        });
    }

    private static DeletableTopicResult deniedTopic(String name, Uuid id) {
        return new DeletableTopicResult().setName(name).setTopicId(id == null ? Uuid.ZERO_UUID : id)
                .setErrorCode(Errors.TOPIC_AUTHORIZATION_FAILED.code())
                .setErrorMessage(Errors.TOPIC_AUTHORIZATION_FAILED.message());
    }

    private CompletableFuture<AbstractResponse> findCoordinator(Check c, FindCoordinatorRequest request,
                                                                Function<AbstractRequest, CompletableFuture<AbstractResponse>> next) {
        var data = request.data();
        boolean txn = data.keyType() == FindCoordinatorRequest.CoordinatorType.TRANSACTION.id();
        ResourceType type = txn ? ResourceType.TRANSACTIONAL_ID : ResourceType.GROUP;
        Errors error = txn ? Errors.TRANSACTIONAL_ID_AUTHORIZATION_FAILED : Errors.GROUP_AUTHORIZATION_FAILED;
        if (request.version() < 4) {
            return c.allowed(AclOperation.DESCRIBE, type, data.key()) ? next.apply(request) : deny(request, error);
        }
        List<String> denied = new ArrayList<>();
        for (String key : data.coordinatorKeys()) {
            if (!c.allowed(AclOperation.DESCRIBE, type, key)) {
                denied.add(key);
            }
        }
        if (denied.isEmpty()) {
            return next.apply(request);
        }
        if (denied.size() == data.coordinatorKeys().size()) {
            return deny(request, error);
        }
        data.setCoordinatorKeys(mutable(data.coordinatorKeys()));
        data.coordinatorKeys().removeAll(new HashSet<>(denied));
        return next.apply(request).thenApply(r -> {
            var out = ((FindCoordinatorResponse) r).data();
            out.setCoordinators(mutable(out.coordinators()));
            denied.forEach(key -> out.coordinators().add(new Coordinator().setKey(key)
                    .setNodeId(-1).setHost("").setPort(-1).setErrorCode(error.code()).setErrorMessage(error.message())));
            return r;
        });
    }

    private CompletableFuture<AbstractResponse> offsetCommit(Check c, OffsetCommitRequest request,
                                                             Function<AbstractRequest, CompletableFuture<AbstractResponse>> next) {
        var data = request.data();
        if (!c.group(AclOperation.READ, data.groupId())) {
            return deny(request, Errors.GROUP_AUTHORIZATION_FAILED);
        }
        List<OffsetCommitResponseTopic> denied = new ArrayList<>();
        data.setTopics(mutable(data.topics()));
        data.topics().removeIf(t -> {
            String name = c.topicName(t.name(), t.topicId());
            if (name == null || c.topic(AclOperation.READ, name)) {
                return false;
            }
            OffsetCommitResponseTopic out = new OffsetCommitResponseTopic().setName(t.name()).setTopicId(t.topicId());
            t.partitions().forEach(p -> out.partitions().add(new OffsetCommitResponsePartition()
                    .setPartitionIndex(p.partitionIndex()).setErrorCode(Errors.TOPIC_AUTHORIZATION_FAILED.code())));
            return denied.add(out);
        });
        return next.apply(request).thenApply(r -> {
            var out = ((OffsetCommitResponse) r).data();
            out.setTopics(mutable(out.topics()));
            out.topics().addAll(denied);
            return r;
        });
    }

    private CompletableFuture<AbstractResponse> offsetFetch(Check c, OffsetFetchRequest request,
                                                            Function<AbstractRequest, CompletableFuture<AbstractResponse>> next) {
        var data = request.data();
        if (request.version() < 8) {
            if (!c.group(AclOperation.DESCRIBE, data.groupId())) {
                return deny(request, Errors.GROUP_AUTHORIZATION_FAILED);
            }
            boolean all = data.topics() == null;
            return next.apply(request).thenApply(r -> {
                var out = ((OffsetFetchResponse) r).data();
                out.setTopics(mutable(out.topics()));
                var topicsOut = out.topics();
                if (all) {
                    topicsOut.removeIf(t -> !c.topic(AclOperation.DESCRIBE, t.name()));
                } else {
                    topicsOut.stream().filter(t -> !c.topic(AclOperation.DESCRIBE, t.name()))
                            .forEach(t -> t.partitions().forEach(p -> p.setErrorCode(Errors.TOPIC_AUTHORIZATION_FAILED.code())
                                    .setCommittedOffset(-1).setCommittedLeaderEpoch(-1).setMetadata("")));
                }
                return r;
            });
        }
        List<OffsetFetchResponseGroup> denied = new ArrayList<>();
        data.setGroups(mutable(data.groups()));
        data.groups().removeIf(g -> !c.group(AclOperation.DESCRIBE, g.groupId()) && denied.add(new OffsetFetchResponseGroup()
                .setGroupId(g.groupId()).setErrorCode(Errors.GROUP_AUTHORIZATION_FAILED.code())));
        Set<String> allTopicsOf = new HashSet<>();
        data.groups().stream().filter(g -> g.topics() == null).forEach(g -> allTopicsOf.add(g.groupId()));
        return next.apply(request).thenApply(r -> {
            var out = ((OffsetFetchResponse) r).data();
            out.setGroups(mutable(out.groups()));
            var groupsOut = out.groups();
            for (OffsetFetchResponseGroup g : groupsOut) {
                g.setTopics(mutable(g.topics()));
                if (allTopicsOf.contains(g.groupId())) {
                    g.topics().removeIf(t -> !c.topic(AclOperation.DESCRIBE, c.topicName(t.name(), t.topicId())));
                } else {
                    g.topics().stream().filter(t -> !c.topic(AclOperation.DESCRIBE, c.topicName(t.name(), t.topicId())))
                            .forEach(t -> t.partitions().forEach(p -> p.setErrorCode(Errors.TOPIC_AUTHORIZATION_FAILED.code())
                                    .setCommittedOffset(-1).setCommittedLeaderEpoch(-1).setMetadata("")));
                }
            }
            groupsOut.addAll(denied);
            return r;
        });
    }

    private CompletableFuture<AbstractResponse> offsetDelete(Check c, OffsetDeleteRequest request,
                                                             Function<AbstractRequest, CompletableFuture<AbstractResponse>> next) {
        var data = request.data();
        if (!c.group(AclOperation.DELETE, data.groupId())) {
            return deny(request, Errors.GROUP_AUTHORIZATION_FAILED);
        }
        List<OffsetDeleteResponseTopic> denied = new ArrayList<>();
        data.topics().removeIf(t -> {
            if (c.topic(AclOperation.READ, t.name())) {
                return false;
            }
            OffsetDeleteResponseTopic out = new OffsetDeleteResponseTopic().setName(t.name());
            t.partitions().forEach(p -> out.partitions().add(new OffsetDeleteResponsePartition()
                    .setPartitionIndex(p.partitionIndex()).setErrorCode(Errors.TOPIC_AUTHORIZATION_FAILED.code())));
            return denied.add(out);
        });
        return next.apply(request).thenApply(r -> {
            denied.forEach(t -> ((OffsetDeleteResponse) r).data().topics().add(t));
            return r;
        });
    }

    private CompletableFuture<AbstractResponse> deleteRecords(Check c, DeleteRecordsRequest request,
                                                              Function<AbstractRequest, CompletableFuture<AbstractResponse>> next) {
        List<DeleteRecordsTopicResult> denied = new ArrayList<>();
        request.data().setTopics(mutable(request.data().topics()));
        request.data().topics().removeIf(t -> {
            if (c.topic(AclOperation.DELETE, t.name())) {
                return false;
            }
            DeleteRecordsTopicResult out = new DeleteRecordsTopicResult().setName(t.name());
            t.partitions().forEach(p -> out.partitions().add(new DeleteRecordsPartitionResult()
                    .setPartitionIndex(p.partitionIndex()).setLowWatermark(-1)
                    .setErrorCode(Errors.TOPIC_AUTHORIZATION_FAILED.code())));
            return denied.add(out);
        });
        return next.apply(request).thenApply(r -> {
            ((DeleteRecordsResponse) r).data().topics().addAll(denied);
            return r;
        });
    }

    /**
     * The list itself when it can be changed, else a changeable copy: parsed messages hold ArrayLists, but a
     * handler may answer with an immutable list.
     */
    private static <T> List<T> mutable(List<T> list) {
        return list == null || list instanceof ArrayList<T> ? list : new ArrayList<>(list);
    }

    private static CompletableFuture<AbstractResponse> deny(AbstractRequest request, Errors error) {
        return CompletableFuture.completedFuture(request.getErrorResponse(error.exception()));
    }

    /** The checks of one request's principal and client address. */
    private final class Check {
        final RequestContext ctx;
        final String host;

        Check(RequestContext ctx) {
            this.ctx = ctx;
            this.host = ctx.clientAddress == null ? "" : ctx.clientAddress.getHostAddress();
        }

        boolean allowed(AclOperation op, ResourceType type, String name) {
            return name != null && authorizer.authorize(ctx.principal, host, op, type, name);
        }

        boolean cluster(AclOperation op) {
            return allowed(op, ResourceType.CLUSTER, CLUSTER);
        }

        boolean topic(AclOperation op, String name) {
            return allowed(op, ResourceType.TOPIC, name);
        }

        boolean group(AclOperation op, String name) {
            return allowed(op, ResourceType.GROUP, name);
        }

        boolean anyTopic(AclOperation op) {
            return authorizer.authorizeAny(ctx.principal, host, op, ResourceType.TOPIC);
        }

        /** The error of a config resource the principal may not {@code op}, null when it may. */
        Errors configs(AclOperation op, byte resourceType, String name) {
            return switch (org.apache.kafka.common.config.ConfigResource.Type.forId(resourceType)) {
                case TOPIC -> topic(op, name) ? null : Errors.TOPIC_AUTHORIZATION_FAILED;
                case GROUP -> group(op, name) ? null : Errors.GROUP_AUTHORIZATION_FAILED;
                default -> cluster(op) ? null : Errors.CLUSTER_AUTHORIZATION_FAILED;
            };
        }

        /** A request topic's name: its own, else that of its id; null for an id no topic has. */
        String topicName(String name, Uuid id) {
            if (id != null && !Uuid.ZERO_UUID.equals(id)) {
                return topics.topicName(id).orElse(null);
            }
            return name;
        }
    }
}
