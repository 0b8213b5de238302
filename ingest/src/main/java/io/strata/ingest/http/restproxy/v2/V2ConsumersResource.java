package io.strata.ingest.http.restproxy.v2;

import org.apache.kafka.common.acl.AclOperation;
import io.strata.ingest.http.security.HttpCaller;
import io.strata.ingest.http.security.HttpAccess;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.smallrye.common.annotation.Blocking;
import io.strata.ingest.http.common.ErrorBody;
import io.strata.ingest.http.common.HttpApiException;
import io.strata.ingest.http.common.HttpConfig;
import io.strata.ingest.http.produce.HttpProducer;
import io.strata.membership.topic.TopicDescriptor;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.enums.SchemaType;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;
import org.eclipse.microprofile.openapi.annotations.parameters.RequestBody;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import java.io.InputStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import java.util.function.BiConsumer;

/**
 * Confluent REST Proxy v2 consumer instances. Bodies are read and checked on a worker thread; the
 * Kafka consumer work then runs on the instance's own thread and the answer is sent when it is done,
 * so a long records read holds no request thread.
 */
@Path("/consumers")
@Tag(name = "REST Proxy v2 consumers")
@Blocking
@Produces({V2MediaTypes.V2, V2MediaTypes.KAFKA_JSON, MediaType.APPLICATION_JSON})
@Consumes({V2MediaTypes.V2, V2MediaTypes.BINARY, V2MediaTypes.JSON, V2MediaTypes.KAFKA_JSON, MediaType.APPLICATION_JSON})
public class V2ConsumersResource {

    private static final String INSTANCE = "/{group}/instances/{instance}";

    @Inject
    ConsumerInstances instances;

    @Inject
    HttpProducer producer;

    @Inject
    HttpConfig config;

    @Inject
    ObjectMapper mapper;

    @Inject
    HttpAccess access;

    @POST
    @Path("/{group}")
    @Operation(summary = "Create a consumer instance in a group",
            description = "The instance is a member of the Kafka consumer group like any other client: it joins on subscribe and read.")
    @RequestBody(content = @Content(schema = @Schema(implementation = V2Model.CreateConsumerRequest.class)))
    @APIResponse(responseCode = "200", content = @Content(schema = @Schema(implementation = V2Model.CreateConsumerResponse.class)))
    @APIResponse(responseCode = "409", description = "40902 an instance of that name exists in the group", content = @Content(schema = @Schema(implementation = ErrorBody.class)))
    @APIResponse(responseCode = "422", description = "42204 invalid consumer configuration", content = @Content(schema = @Schema(implementation = ErrorBody.class)))
    @APIResponse(responseCode = "429", description = "42901 too many instances on this node", content = @Content(schema = @Schema(implementation = ErrorBody.class)))
    public V2Model.CreateConsumerResponse create(@PathParam("group") String group, @Context UriInfo uri,
                                                 @HeaderParam("Content-Length") Long length, InputStream body) {
        V2Model.CreateConsumerRequest request = read(body, length, V2Model.CreateConsumerRequest.class);
        access.requireGroup(AclOperation.READ, group, true);
        ConsumerInstance instance = instances.create(group, request, access.caller().principal().toString());
        String baseUri = uri.getAbsolutePathBuilder().path("instances").path(instance.id()).build().toString();
        return new V2Model.CreateConsumerResponse(instance.id(), baseUri);
    }

    @DELETE
    @Path(INSTANCE)
    @Operation(summary = "Delete a consumer instance", description = "It leaves its group; a read in progress is answered 40403.")
    @APIResponse(responseCode = "204", description = "Deleted")
    @APIResponse(responseCode = "404", description = "40403 instance not found", content = @Content(schema = @Schema(implementation = ErrorBody.class)))
    public CompletionStage<Void> delete(@PathParam("group") String group, @PathParam("instance") String instance) {
        instance(group, instance);
        return instances.delete(group, instance);
    }

    @POST
    @Path(INSTANCE + "/subscription")
    @Operation(summary = "Subscribe to topics or a topic pattern", description = "Partitions are assigned by the group's rebalance.")
    @RequestBody(content = @Content(schema = @Schema(implementation = V2Model.Subscription.class)))
    @APIResponse(responseCode = "204", description = "Subscribed")
    @APIResponse(responseCode = "404", description = "40403 instance not found", content = @Content(schema = @Schema(implementation = ErrorBody.class)))
    @APIResponse(responseCode = "409", description = "40903 the instance has assigned partitions", content = @Content(schema = @Schema(implementation = ErrorBody.class)))
    @APIResponse(responseCode = "422", description = "42206 neither or both of topics and topic_pattern, or an invalid pattern", content = @Content(schema = @Schema(implementation = ErrorBody.class)))
    public CompletionStage<Void> subscribe(@PathParam("group") String group, @PathParam("instance") String instance,
                                           @HeaderParam("Content-Length") Long length, InputStream body) {
        ConsumerInstance consumer = instance(group, instance);
        V2Model.Subscription subscription = read(body, length, V2Model.Subscription.class);
        boolean hasTopics = subscription != null && subscription.topics() != null && !subscription.topics().isEmpty();
        boolean hasPattern = subscription != null && subscription.topicPattern() != null;
        if (hasTopics == hasPattern) {
            throw invalid("Give either a non-empty 'topics' or a 'topic_pattern'.");
        }
        if (hasTopics && subscription.topics().stream().anyMatch(t -> t == null || t.isBlank())) {
            throw invalid("Topic names must not be empty.");
        }
        List<String> topics = hasTopics ? List.copyOf(new LinkedHashSet<>(subscription.topics())) : null;
        if (topics != null) {
            topics.forEach(t -> access.requireTopic(AclOperation.READ, t, true));
        }
        return consumer.run(c -> c.subscribe(topics, subscription.topicPattern()));
    }

    @GET
    @Path(INSTANCE + "/subscription")
    @Operation(summary = "List the subscribed topics")
    @APIResponse(responseCode = "200", content = @Content(schema = @Schema(implementation = V2Model.Subscription.class)))
    @APIResponse(responseCode = "404", description = "40403 instance not found", content = @Content(schema = @Schema(implementation = ErrorBody.class)))
    public CompletionStage<V2Model.Subscription> subscription(@PathParam("group") String group, @PathParam("instance") String instance) {
        return instance(group, instance).submit(c -> new V2Model.Subscription(c.subscription().stream().sorted().toList(), null));
    }

    @DELETE
    @Path(INSTANCE + "/subscription")
    @Operation(summary = "Unsubscribe from all topics")
    @APIResponse(responseCode = "204", description = "Unsubscribed")
    @APIResponse(responseCode = "404", description = "40403 instance not found", content = @Content(schema = @Schema(implementation = ErrorBody.class)))
    public CompletionStage<Void> unsubscribe(@PathParam("group") String group, @PathParam("instance") String instance) {
        return instance(group, instance).run(ConsumerInstance::unsubscribe);
    }

    @POST
    @Path(INSTANCE + "/assignments")
    @Operation(summary = "Assign partitions manually")
    @RequestBody(content = @Content(schema = @Schema(implementation = V2Model.Partitions.class)))
    @APIResponse(responseCode = "204", description = "Assigned")
    @APIResponse(responseCode = "404", description = "40403 instance, 40401 topic or 40402 partition not found", content = @Content(schema = @Schema(implementation = ErrorBody.class)))
    @APIResponse(responseCode = "409", description = "40903 the instance is subscribed", content = @Content(schema = @Schema(implementation = ErrorBody.class)))
    @APIResponse(responseCode = "422", description = "42206 invalid payload", content = @Content(schema = @Schema(implementation = ErrorBody.class)))
    public CompletionStage<Void> assign(@PathParam("group") String group, @PathParam("instance") String instance,
                                        @HeaderParam("Content-Length") Long length, InputStream body) {
        return withPartitions(group, instance, length, body, ConsumerInstance::assign);
    }

    @GET
    @Path(INSTANCE + "/assignments")
    @Operation(summary = "List the partitions assigned to the instance")
    @APIResponse(responseCode = "200", content = @Content(schema = @Schema(implementation = V2Model.Partitions.class)))
    @APIResponse(responseCode = "404", description = "40403 instance not found", content = @Content(schema = @Schema(implementation = ErrorBody.class)))
    public CompletionStage<V2Model.Partitions> assignments(@PathParam("group") String group, @PathParam("instance") String instance) {
        return instance(group, instance).submit(c -> new V2Model.Partitions(c.assignment().stream()
                .sorted(Comparator.comparing(TopicPartition::topic).thenComparingInt(TopicPartition::partition))
                .map(tp -> new V2Model.TopicPartition(tp.topic(), tp.partition())).toList()));
    }

    @POST
    @Path(INSTANCE + "/positions")
    @Operation(summary = "Seek: the next read of each partition starts at the given offset")
    @RequestBody(content = @Content(schema = @Schema(implementation = V2Model.Offsets.class)))
    @APIResponse(responseCode = "204", description = "Positions set")
    @APIResponse(responseCode = "404", description = "40403 instance, 40401 topic or 40402 partition not found", content = @Content(schema = @Schema(implementation = ErrorBody.class)))
    @APIResponse(responseCode = "409", description = "40903 a partition is not assigned to the instance", content = @Content(schema = @Schema(implementation = ErrorBody.class)))
    @APIResponse(responseCode = "422", description = "42206 invalid payload", content = @Content(schema = @Schema(implementation = ErrorBody.class)))
    public CompletionStage<Void> seek(@PathParam("group") String group, @PathParam("instance") String instance,
                                      @HeaderParam("Content-Length") Long length, InputStream body) {
        ConsumerInstance consumer = instance(group, instance);
        Map<TopicPartition, Long> positions = new LinkedHashMap<>();
        offsets(read(body, length, V2Model.Offsets.class)).forEach((tp, o) -> positions.put(tp, o.offset()));
        return consumer.run(c -> c.seek(positions));
    }

    @POST
    @Path(INSTANCE + "/positions/beginning")
    @Operation(summary = "Seek to the first offset of partitions")
    @RequestBody(content = @Content(schema = @Schema(implementation = V2Model.Partitions.class)))
    @APIResponse(responseCode = "204", description = "Positions set")
    @APIResponse(responseCode = "404", description = "40403 instance, 40401 topic or 40402 partition not found", content = @Content(schema = @Schema(implementation = ErrorBody.class)))
    @APIResponse(responseCode = "409", description = "40903 a partition is not assigned to the instance", content = @Content(schema = @Schema(implementation = ErrorBody.class)))
    public CompletionStage<Void> seekToBeginning(@PathParam("group") String group, @PathParam("instance") String instance,
                                                 @HeaderParam("Content-Length") Long length, InputStream body) {
        return withPartitions(group, instance, length, body, ConsumerInstance::seekToBeginning);
    }

    @POST
    @Path(INSTANCE + "/positions/end")
    @Operation(summary = "Seek past the last offset of partitions")
    @RequestBody(content = @Content(schema = @Schema(implementation = V2Model.Partitions.class)))
    @APIResponse(responseCode = "204", description = "Positions set")
    @APIResponse(responseCode = "404", description = "40403 instance, 40401 topic or 40402 partition not found", content = @Content(schema = @Schema(implementation = ErrorBody.class)))
    @APIResponse(responseCode = "409", description = "40903 a partition is not assigned to the instance", content = @Content(schema = @Schema(implementation = ErrorBody.class)))
    public CompletionStage<Void> seekToEnd(@PathParam("group") String group, @PathParam("instance") String instance,
                                           @HeaderParam("Content-Length") Long length, InputStream body) {
        return withPartitions(group, instance, length, body, ConsumerInstance::seekToEnd);
    }

    @GET
    @Path(INSTANCE + "/records")
    @Produces({V2MediaTypes.BINARY, V2MediaTypes.JSON, V2MediaTypes.V2, V2MediaTypes.KAFKA_JSON, MediaType.APPLICATION_JSON})
    @Operation(summary = "Read records of the subscribed or assigned partitions",
            description = "Accept must name the instance's format (application/vnd.kafka.binary.v2+json or "
                    + "application/vnd.kafka.json.v2+json); a generic JSON type gets the instance's format. Returns as soon "
                    + "as records are there (fetch.min.bytes of them, if the instance set it), else after timeout ms.")
    @APIResponse(responseCode = "200", content = {
            @Content(mediaType = V2MediaTypes.BINARY, schema = @Schema(implementation = V2Model.ConsumerRecord.class, type = SchemaType.ARRAY)),
            @Content(mediaType = V2MediaTypes.JSON, schema = @Schema(implementation = V2Model.ConsumerRecord.class, type = SchemaType.ARRAY))})
    @APIResponse(responseCode = "404", description = "40403 instance not found", content = @Content(schema = @Schema(implementation = ErrorBody.class)))
    @APIResponse(responseCode = "406", description = "40601 the Accept header asks for another format than the instance's", content = @Content(schema = @Schema(implementation = ErrorBody.class)))
    @APIResponse(responseCode = "409", description = "40903 the instance is neither subscribed nor assigned", content = @Content(schema = @Schema(implementation = ErrorBody.class)))
    @APIResponse(responseCode = "500", description = "50002 Kafka error, e.g. a json-format record that is not JSON", content = @Content(schema = @Schema(implementation = ErrorBody.class)))
    public CompletionStage<Response> records(
            @PathParam("group") String group, @PathParam("instance") String instance, @Context HttpHeaders headers,
            @Parameter(description = "Longest wait in ms (default: the instance's consumer.request.timeout.ms)") @QueryParam("timeout") Long timeoutMs,
            @Parameter(description = "Most key and value bytes to return (at least one record is returned)") @QueryParam("max_bytes") Long maxBytes) {
        ConsumerInstance consumer = instance(group, instance);
        ConsumerInstance.Format wanted = requestedFormat(headers.getAcceptableMediaTypes(), consumer.format());
        if (wanted != consumer.format()) {
            throw new HttpApiException(406, V2ErrorCodes.NOT_ACCEPTABLE,
                    "The requested embedded data format does not match the deserializer for this consumer instance");
        }
        Duration timeout = timeoutMs == null || timeoutMs < 0 ? consumer.requestTimeout() : Duration.ofMillis(timeoutMs);
        if (timeout.compareTo(config.maxFetchWait()) > 0) {
            timeout = config.maxFetchWait();
        }
        long limit = config.consumer().requestMaxBytes();
        long bytes = maxBytes == null || maxBytes <= 0 ? limit : Math.min(maxBytes, limit);
        Duration wait = timeout;
        HttpCaller caller = access.caller();
        return consumer.submit(c -> {
            // Checked at every read: a pattern subscription may reach new topics, and ACLs may have changed.
            c.assignment().forEach(tp -> access.requireTopic(caller, AclOperation.READ, tp.topic(), true));
            return Response.ok(c.read(wait, bytes)).type(c.format().mediaType).build();
        });
    }

    @POST
    @Path(INSTANCE + "/offsets")
    @Operation(summary = "Commit offsets",
            description = "Each offset is that of the last record consumed (the group's committed position becomes offset + 1, as with "
                    + "Confluent's REST Proxy). Without a body, everything this instance has returned is committed.")
    @RequestBody(content = @Content(schema = @Schema(implementation = V2Model.Offsets.class)))
    @APIResponse(responseCode = "200", description = "Committed (an empty array, as Confluent's REST Proxy answers)",
            content = @Content(schema = @Schema(implementation = V2Model.ConsumerOffset.class, type = SchemaType.ARRAY)))
    @APIResponse(responseCode = "404", description = "40403 instance, 40401 topic or 40402 partition not found", content = @Content(schema = @Schema(implementation = ErrorBody.class)))
    @APIResponse(responseCode = "422", description = "42206 invalid payload", content = @Content(schema = @Schema(implementation = ErrorBody.class)))
    @APIResponse(responseCode = "500", description = "50002 the commit failed, e.g. the group rebalanced", content = @Content(schema = @Schema(implementation = ErrorBody.class)))
    public CompletionStage<List<V2Model.ConsumerOffset>> commit(
            @PathParam("group") String group, @PathParam("instance") String instance,
            @Parameter(description = "Accepted for compatibility; commits are always synchronous") @QueryParam("async") String async,
            @HeaderParam("Content-Length") Long length, InputStream body) {
        ConsumerInstance consumer = instance(group, instance);
        V2Model.Offsets request = read(body, length, V2Model.Offsets.class);
        Map<TopicPartition, OffsetAndMetadata> offsets;
        if (request == null || request.offsets() == null || request.offsets().isEmpty()) {
            offsets = null;
        } else {
            offsets = new LinkedHashMap<>();
            offsets(request).forEach((tp, o) -> offsets.put(tp, new OffsetAndMetadata(o.offset(), o.metadata())));
        }
        return consumer.submit(c -> {
            c.commit(offsets);
            return List.of();
        });
    }

    @GET
    @Path(INSTANCE + "/offsets")
    @Operation(summary = "The group's committed offsets of partitions",
            description = "The body lists the partitions; partitions without a committed offset are left out.")
    @RequestBody(content = @Content(schema = @Schema(implementation = V2Model.Partitions.class)))
    @APIResponse(responseCode = "200", content = @Content(schema = @Schema(implementation = V2Model.Offsets.class)))
    @APIResponse(responseCode = "404", description = "40403 instance, 40401 topic or 40402 partition (also: no body) not found", content = @Content(schema = @Schema(implementation = ErrorBody.class)))
    public CompletionStage<V2Model.Offsets> committed(@PathParam("group") String group, @PathParam("instance") String instance,
                                                      @HeaderParam("Content-Length") Long length, InputStream body) {
        ConsumerInstance consumer = instance(group, instance);
        V2Model.Partitions request = read(body, length, V2Model.Partitions.class);
        if (request == null || request.partitions() == null) {
            throw new HttpApiException(404, V2ErrorCodes.PARTITION_NOT_FOUND, "Partition not found: list the partitions in the body.");
        }
        Set<TopicPartition> partitions = partitions(request, false);
        return consumer.submit(c -> {
            List<V2Model.ConsumerOffset> out = new ArrayList<>();
            c.committed(partitions).forEach((tp, o) -> out.add(new V2Model.ConsumerOffset(tp.topic(), tp.partition(), o.offset(), o.metadata())));
            return new V2Model.Offsets(out);
        });
    }

    /**
     * The format the Accept header asks for: the first of its types (by preference) that is one of ours; a
     * generic one (application/vnd.kafka.v2+json, application/json, wildcards) stands for the instance's format.
     */
    static ConsumerInstance.Format requestedFormat(List<MediaType> acceptable, ConsumerInstance.Format instanceFormat) {
        for (MediaType type : acceptable) {
            for (ConsumerInstance.Format format : ConsumerInstance.Format.values()) {
                if (type.getType().equalsIgnoreCase("application") && type.getSubtype().equalsIgnoreCase(
                        MediaType.valueOf(format.mediaType).getSubtype())) {
                    return format;
                }
            }
            if (type.isCompatible(MediaType.valueOf(V2MediaTypes.V2)) || type.isCompatible(MediaType.valueOf(V2MediaTypes.KAFKA_JSON))
                    || type.isCompatible(MediaType.APPLICATION_JSON_TYPE)) {
                return instanceFormat;
            }
        }
        return instanceFormat;
    }

    /** Runs an operation on the partitions listed in the body, once the instance and every partition are known to exist. */
    private CompletionStage<Void> withPartitions(String group, String instance, Long length, InputStream body,
                                                 BiConsumer<ConsumerInstance, Set<TopicPartition>> operation) {
        ConsumerInstance consumer = instance(group, instance);
        Set<TopicPartition> partitions = partitions(read(body, length, V2Model.Partitions.class), true);
        partitions.forEach(tp -> access.requireTopic(AclOperation.READ, tp.topic(), true));
        return consumer.run(c -> operation.accept(c, partitions));
    }

    /**
     * The instance, once the caller is known to be its creator (instances act as the principal that created them)
     * and may still read the group.
     */
    private ConsumerInstance instance(String group, String id) {
        ConsumerInstance consumer = instances.get(group, id);
        access.requireOwner(consumer.owner(), "consumer instance " + id, true);
        access.requireGroup(AclOperation.READ, group, true);
        return consumer;
    }

    private <T> T read(InputStream body, Long length, Class<T> type) {
        return V2Requests.readJson(mapper, body, config.maxRequestBytes(), length, type);
    }

    /** The partitions of a request, each checked to exist (40401, 40402). */
    private Set<TopicPartition> partitions(V2Model.Partitions request, boolean required) {
        if (request == null || request.partitions() == null || (required && request.partitions().isEmpty())) {
            throw invalid("The request must list partitions in 'partitions'.");
        }
        Set<TopicPartition> out = new LinkedHashSet<>();
        for (V2Model.TopicPartition p : request.partitions()) {
            if (p == null || p.topic() == null || p.partition() == null) {
                throw invalid("Every partition needs a 'topic' and a 'partition'.");
            }
            out.add(existing(p.topic(), p.partition()));
        }
        return out;
    }

    /** The offsets of a request by partition, each partition checked to exist (40401, 40402). */
    private Map<TopicPartition, V2Model.ConsumerOffset> offsets(V2Model.Offsets request) {
        if (request == null || request.offsets() == null || request.offsets().isEmpty()) {
            throw invalid("The request must list offsets in 'offsets'.");
        }
        Map<TopicPartition, V2Model.ConsumerOffset> out = new LinkedHashMap<>();
        for (V2Model.ConsumerOffset o : request.offsets()) {
            if (o == null || o.topic() == null || o.partition() == null || o.offset() == null) {
                throw invalid("Every offset needs a 'topic', a 'partition' and an 'offset'.");
            }
            if (o.offset() < 0) {
                throw invalid("Offsets must not be negative: " + o.offset());
            }
            out.put(existing(o.topic(), o.partition()), o);
        }
        return out;
    }

    private TopicPartition existing(String topicName, int partition) {
        TopicDescriptor topic = V2Requests.existingTopic(producer, topicName);
        V2Requests.checkPartition(topic, partition);
        return new TopicPartition(topicName, partition);
    }

    private static HttpApiException invalid(String message) {
        return new HttpApiException(422, V2ErrorCodes.INVALID_PAYLOAD, message);
    }
}
