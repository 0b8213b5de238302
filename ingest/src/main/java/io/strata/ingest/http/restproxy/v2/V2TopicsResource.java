package io.strata.ingest.http.restproxy.v2;

import org.apache.kafka.common.resource.ResourceType;
import org.apache.kafka.common.acl.AclOperation;
import io.strata.ingest.http.security.HttpAccess;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.smallrye.common.annotation.Blocking;
import io.strata.ingest.http.common.ErrorBody;
import io.strata.ingest.http.common.HttpApiException;
import io.strata.ingest.http.common.HttpConfig;
import io.strata.ingest.http.common.TopicCatalog;
import io.strata.ingest.http.produce.HttpProducer;
import io.strata.ingest.http.produce.InvalidTopicNameException;
import io.strata.ingest.http.produce.ProduceRecord;
import io.strata.ingest.http.produce.ProduceResult;
import io.strata.ingest.http.produce.TopicNotFoundException;
import io.strata.membership.topic.TopicDescriptor;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import org.apache.kafka.common.errors.RetriableException;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.parameters.RequestBody;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import java.io.InputStream;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * Confluent REST Proxy v2: topic metadata and produce. Consumer instances are {@link V2ConsumersResource}.
 */
@Path("/topics")
@Tag(name = "REST Proxy v2")
@Blocking
@Produces({V2MediaTypes.V2, V2MediaTypes.KAFKA_JSON, MediaType.APPLICATION_JSON})
public class V2TopicsResource {

    @Inject
    TopicCatalog catalog;

    @Inject
    HttpProducer producer;

    @Inject
    HttpConfig config;

    @Inject
    ObjectMapper mapper;

    @Inject
    HttpAccess access;

    @GET
    @Operation(summary = "List topic names")
    @APIResponse(responseCode = "200", content = @Content(schema = @Schema(implementation = String.class, type = org.eclipse.microprofile.openapi.annotations.enums.SchemaType.ARRAY)))
    public List<String> topics() {
        return catalog.topicNames().stream().filter(t -> access.allowed(AclOperation.DESCRIBE, ResourceType.TOPIC, t)).toList();
    }

    @GET
    @Path("/{topic}")
    @Operation(summary = "Describe a topic: effective configs and partitions")
    @APIResponse(responseCode = "200", content = @Content(schema = @Schema(implementation = V2Model.Topic.class)))
    @APIResponse(responseCode = "404", description = "40401 topic not found", content = @Content(schema = @Schema(implementation = ErrorBody.class)))
    public V2Model.Topic topic(@PathParam("topic") String name) {
        TopicDescriptor topic = existing(name);
        return new V2Model.Topic(topic.name(), catalog.effectiveConfigs(topic), partitions(topic));
    }

    @GET
    @Path("/{topic}/partitions")
    @Operation(summary = "List a topic's partitions with leader and replicas")
    @APIResponse(responseCode = "200", content = @Content(schema = @Schema(implementation = V2Model.Partition.class, type = org.eclipse.microprofile.openapi.annotations.enums.SchemaType.ARRAY)))
    @APIResponse(responseCode = "404", description = "40401 topic not found", content = @Content(schema = @Schema(implementation = ErrorBody.class)))
    public List<V2Model.Partition> partitions(@PathParam("topic") String name) {
        return partitions(existing(name));
    }

    @GET
    @Path("/{topic}/partitions/{partition}")
    @Operation(summary = "Describe one partition")
    @APIResponse(responseCode = "200", content = @Content(schema = @Schema(implementation = V2Model.Partition.class)))
    @APIResponse(responseCode = "404", description = "40401 topic or 40402 partition not found", content = @Content(schema = @Schema(implementation = ErrorBody.class)))
    public V2Model.Partition partition(@PathParam("topic") String name, @PathParam("partition") int partition) {
        TopicDescriptor topic = existing(name);
        checkPartition(topic, partition);
        return partitions(topic).get(partition);
    }

    @POST
    @Path("/{topic}")
    @Consumes({V2MediaTypes.BINARY, V2MediaTypes.JSON})
    @Operation(summary = "Produce records to a topic",
            description = "Keyed records go to murmur2(key) % partitions like the Java client's default partitioner; unkeyed ones are spread. "
                    + "The body may be gzip-compressed (Content-Encoding: gzip).")
    @RequestBody(content = {@Content(mediaType = V2MediaTypes.BINARY, schema = @Schema(implementation = V2Model.ProduceRequest.class)),
            @Content(mediaType = V2MediaTypes.JSON, schema = @Schema(implementation = V2Model.ProduceRequest.class))})
    @APIResponse(responseCode = "200", description = "One offset or error per record, in order", content = @Content(schema = @Schema(implementation = V2Model.ProduceResponse.class)))
    @APIResponse(responseCode = "404", description = "40401 topic not found", content = @Content(schema = @Schema(implementation = ErrorBody.class)))
    @APIResponse(responseCode = "415", description = "Unsupported Content-Type", content = @Content(schema = @Schema(implementation = ErrorBody.class)))
    @APIResponse(responseCode = "422", description = "42206 invalid payload (e.g. bad base64, no records)", content = @Content(schema = @Schema(implementation = ErrorBody.class)))
    public V2Model.ProduceResponse produce(@PathParam("topic") String name, @HeaderParam("Content-Type") MediaType type,
                                           @HeaderParam("Content-Length") Long length, InputStream body) {
        return produce(name, null, type, length, body);
    }

    @POST
    @Path("/{topic}/partitions/{partition}")
    @Consumes({V2MediaTypes.BINARY, V2MediaTypes.JSON})
    @Operation(summary = "Produce records to one partition")
    @RequestBody(content = {@Content(mediaType = V2MediaTypes.BINARY, schema = @Schema(implementation = V2Model.ProduceRequest.class)),
            @Content(mediaType = V2MediaTypes.JSON, schema = @Schema(implementation = V2Model.ProduceRequest.class))})
    @APIResponse(responseCode = "200", description = "One offset or error per record, in order", content = @Content(schema = @Schema(implementation = V2Model.ProduceResponse.class)))
    @APIResponse(responseCode = "404", description = "40401 topic or 40402 partition not found", content = @Content(schema = @Schema(implementation = ErrorBody.class)))
    @APIResponse(responseCode = "415", description = "Unsupported Content-Type", content = @Content(schema = @Schema(implementation = ErrorBody.class)))
    @APIResponse(responseCode = "422", description = "42206 invalid payload", content = @Content(schema = @Schema(implementation = ErrorBody.class)))
    public V2Model.ProduceResponse produceToPartition(@PathParam("topic") String name, @PathParam("partition") int partition,
                                                     @HeaderParam("Content-Type") MediaType type,
                                                     @HeaderParam("Content-Length") Long length, InputStream body) {
        return produce(name, partition, type, length, body);
    }

    private V2Model.ProduceResponse produce(String name, Integer partition, MediaType type, Long length, InputStream body) {
        access.requireProduce(name, producer.topicIfExists(name) != null, true);
        boolean binary = type != null && type.isCompatible(MediaType.valueOf(V2MediaTypes.BINARY));
        V2Model.ProduceRequest request = V2Requests.readJson(mapper, body, config.maxRequestBytes(), length,
                V2Model.ProduceRequest.class);
        if (request == null || request.records() == null || request.records().isEmpty()) {
            throw new HttpApiException(422, V2ErrorCodes.INVALID_PAYLOAD, "The request must contain at least one record in 'records'.");
        }
        List<ProduceRecord> records = new ArrayList<>(request.records().size());
        for (int i = 0; i < request.records().size(); i++) {
            V2Model.ProduceRecord r = request.records().get(i);
            if (r == null) {
                throw new HttpApiException(422, V2ErrorCodes.INVALID_PAYLOAD, "Record " + i + " is null.");
            }
            Integer p = partition != null ? partition : r.partition();
            records.add(new ProduceRecord(p, decode(r.key(), binary, i, "key"), decode(r.value(), binary, i, "value"),
                    List.of(), null));
        }
        TopicDescriptor topic;
        try {
            topic = producer.topicForProduce(name);
        } catch (TopicNotFoundException e) {
            throw new HttpApiException(404, V2ErrorCodes.TOPIC_NOT_FOUND, e.getMessage());
        } catch (InvalidTopicNameException e) {
            throw new HttpApiException(404, V2ErrorCodes.TOPIC_NOT_FOUND, e.getMessage());
        }
        if (partition != null) {
            checkPartition(topic, partition);
        }
        List<V2Model.PartitionOffset> offsets = new ArrayList<>(records.size());
        for (ProduceResult result : producer.produce(topic, records)) {
            if (result.ok()) {
                offsets.add(new V2Model.PartitionOffset(result.partition(), result.offset(), null, null));
            } else {
                int code = result.error().exception() instanceof RetriableException
                        ? V2ErrorCodes.RECORD_RETRIABLE : V2ErrorCodes.RECORD_NON_RETRIABLE;
                offsets.add(new V2Model.PartitionOffset(result.partition() < 0 ? null : result.partition(), null, code,
                        result.message()));
            }
        }
        return new V2Model.ProduceResponse(null, null, offsets);
    }

    private byte[] decode(JsonNode node, boolean binary, int index, String field) {
        if (node == null || node.isNull() || node.isMissingNode()) {
            return null;
        }
        if (!binary) {
            try {
                return mapper.writeValueAsBytes(node);
            } catch (JsonProcessingException e) {
                throw new HttpApiException(422, V2ErrorCodes.INVALID_PAYLOAD, "Record " + index + ": cannot serialize the " + field);
            }
        }
        if (!node.isTextual()) {
            throw new HttpApiException(422, V2ErrorCodes.INVALID_PAYLOAD,
                    "Record " + index + ": the " + field + " must be a base64 string for " + V2MediaTypes.BINARY + ".");
        }
        try {
            return Base64.getDecoder().decode(node.textValue());
        } catch (IllegalArgumentException e) {
            throw new HttpApiException(422, V2ErrorCodes.INVALID_PAYLOAD,
                    "Record " + index + ": the " + field + " is not valid base64: " + e.getMessage());
        }
    }

    private TopicDescriptor existing(String name) {
        access.requireTopic(AclOperation.DESCRIBE, name, true);
        return V2Requests.existingTopic(producer, name);
    }

    private static void checkPartition(TopicDescriptor topic, int partition) {
        V2Requests.checkPartition(topic, partition);
    }

    private List<V2Model.Partition> partitions(TopicDescriptor topic) {
        return catalog.partitions(topic).stream().map(p -> new V2Model.Partition(p.partition(), p.leader(),
                p.replicas().stream().map(r -> new V2Model.Replica(r, r == p.leader(), p.inSyncReplicas().contains(r))).toList())).toList();
    }
}
