package io.strata.ingest.http.restproxy.v3;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;
import org.eclipse.microprofile.openapi.annotations.enums.SchemaType;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

import java.util.List;

/** Request and response bodies of REST Proxy v3 (field names as Confluent spells them). */
public final class V3Model {

    private V3Model() {
    }

    // ------------------------------------------------------------------ produce

    @Schema(name = "V3ProduceRequest", description = "One record. In streaming mode (Transfer-Encoding: chunked) the body is many of these, concatenated.")
    public record ProduceRequest(
            @Schema(description = "Explicit partition; else murmur2 of the key bytes (like the Java client) or spread when unkeyed")
            @JsonProperty("partition_id") Integer partitionId,
            @JsonProperty("headers") List<Header> headers,
            @JsonProperty("key") Data key,
            @JsonProperty("value") Data value,
            @Schema(description = "ISO-8601 date-time or epoch milliseconds; default now", type = SchemaType.STRING)
            @JsonProperty("timestamp") JsonNode timestamp) {
    }

    @Schema(name = "V3ProduceBatchRequest")
    public record BatchRequest(@JsonProperty("entries") List<BatchEntry> entries) {
    }

    @Schema(name = "V3ProduceBatchEntry")
    public record BatchEntry(
            @Schema(required = true, description = "Client-chosen id echoed in the answer", type = SchemaType.STRING)
            @JsonProperty("id") JsonNode id,
            @JsonProperty("partition_id") Integer partitionId,
            @JsonProperty("headers") List<Header> headers,
            @JsonProperty("key") Data key,
            @JsonProperty("value") Data value,
            @Schema(type = SchemaType.STRING) @JsonProperty("timestamp") JsonNode timestamp) {

        ProduceRequest record() {
            return new ProduceRequest(partitionId, headers, key, value, timestamp);
        }
    }

    @Schema(name = "V3Header", description = "value is base64; null for a header without value")
    public record Header(@JsonProperty("name") String name, @JsonProperty("value") String value) {
    }

    @Schema(name = "V3Data", description = "BINARY: data is base64; STRING: data is a string stored as UTF-8; JSON (default): any JSON, stored serialized")
    public record Data(@Schema(enumeration = {"BINARY", "JSON", "STRING"}) @JsonProperty("type") String type,
                       @Schema(type = SchemaType.OBJECT) @JsonProperty("data") JsonNode data) {
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    @Schema(name = "V3ProduceResponse", description = "A delivery report: error_code 200 and where the record went, or an error code and message")
    public record ProduceResponse(
            @JsonProperty("error_code") int errorCode,
            @JsonProperty("message") String message,
            @JsonProperty("cluster_id") String clusterId,
            @JsonProperty("topic_name") String topicName,
            @JsonProperty("partition_id") Integer partitionId,
            @JsonProperty("offset") Long offset,
            @JsonProperty("timestamp") String timestamp,
            @JsonProperty("key") DataSize key,
            @JsonProperty("value") DataSize value) {
    }

    @Schema(name = "V3DataSize")
    public record DataSize(@JsonProperty("type") String type, @JsonProperty("size") int size) {
    }

    @Schema(name = "V3ProduceBatchResponse")
    public record BatchResponse(@JsonProperty("successes") List<BatchSuccess> successes,
                                @JsonProperty("failures") List<BatchFailure> failures) {
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    @Schema(name = "V3ProduceBatchSuccess")
    public record BatchSuccess(@Schema(type = SchemaType.STRING) @JsonProperty("id") JsonNode id,
                               @JsonProperty("cluster_id") String clusterId,
                               @JsonProperty("topic_name") String topicName,
                               @JsonProperty("partition_id") int partitionId,
                               @JsonProperty("offset") long offset,
                               @JsonProperty("timestamp") String timestamp,
                               @JsonProperty("key") DataSize key,
                               @JsonProperty("value") DataSize value) {
    }

    @Schema(name = "V3ProduceBatchFailure")
    public record BatchFailure(@Schema(type = SchemaType.STRING) @JsonProperty("id") JsonNode id,
                               @JsonProperty("error_code") int errorCode,
                               @JsonProperty("message") String message) {
    }

    // ------------------------------------------------------------------ metadata

    @JsonInclude(JsonInclude.Include.ALWAYS)
    @Schema(name = "V3ResourceMetadata")
    public record Metadata(@JsonProperty("self") String self,
                           @JsonInclude(JsonInclude.Include.NON_NULL) @JsonProperty("resource_name") String resourceName) {
    }

    @JsonInclude(JsonInclude.Include.ALWAYS)
    @Schema(name = "V3ListMetadata")
    public record ListMetadata(@JsonProperty("self") String self, @JsonProperty("next") String next) {
    }

    @Schema(name = "V3Relationship")
    public record Related(@JsonProperty("related") String related) {
    }

    @Schema(name = "V3Cluster")
    public record Cluster(@JsonProperty("kind") String kind,
                          @JsonProperty("metadata") Metadata metadata,
                          @JsonProperty("cluster_id") String clusterId,
                          @JsonProperty("controller") Related controller,
                          @JsonProperty("brokers") Related brokers,
                          @JsonProperty("topics") Related topics) {
    }

    @Schema(name = "V3ClusterList")
    public record ClusterList(@JsonProperty("kind") String kind, @JsonProperty("metadata") ListMetadata metadata,
                              @JsonProperty("data") List<Cluster> data) {
    }

    @Schema(name = "V3Topic")
    public record Topic(@JsonProperty("kind") String kind,
                        @JsonProperty("metadata") Metadata metadata,
                        @JsonProperty("cluster_id") String clusterId,
                        @JsonProperty("topic_name") String topicName,
                        @JsonProperty("is_internal") boolean internal,
                        @JsonProperty("replication_factor") int replicationFactor,
                        @JsonProperty("partitions_count") int partitionsCount,
                        @JsonProperty("partitions") Related partitions,
                        @JsonProperty("configs") Related configs) {
    }

    @Schema(name = "V3TopicList")
    public record TopicList(@JsonProperty("kind") String kind, @JsonProperty("metadata") ListMetadata metadata,
                            @JsonProperty("data") List<Topic> data) {
    }

    @Schema(name = "V3Partition")
    public record Partition(@JsonProperty("kind") String kind,
                            @JsonProperty("metadata") Metadata metadata,
                            @JsonProperty("cluster_id") String clusterId,
                            @JsonProperty("topic_name") String topicName,
                            @JsonProperty("partition_id") int partitionId,
                            @JsonProperty("leader") Related leader,
                            @JsonProperty("replicas") Related replicas) {
    }

    @Schema(name = "V3PartitionList")
    public record PartitionList(@JsonProperty("kind") String kind, @JsonProperty("metadata") ListMetadata metadata,
                                @JsonProperty("data") List<Partition> data) {
    }
}
