package io.strata.ingest.http.restproxy.v2;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

import java.util.List;
import java.util.Map;

/** Request and response bodies of REST Proxy v2 (field names as Confluent spells them). */
public final class V2Model {

    private V2Model() {
    }

    @Schema(name = "V2ProduceRequest")
    public record ProduceRequest(
            @Schema(required = true) @JsonProperty("records") List<ProduceRecord> records,
            @Schema(description = "Ignored (schemas are not supported)") @JsonProperty("key_schema") String keySchema,
            @Schema(description = "Ignored (schemas are not supported)") @JsonProperty("value_schema") String valueSchema,
            @Schema(description = "Ignored (schemas are not supported)") @JsonProperty("key_schema_id") Integer keySchemaId,
            @Schema(description = "Ignored (schemas are not supported)") @JsonProperty("value_schema_id") Integer valueSchemaId) {
    }

    @Schema(name = "V2ProduceRecord", description = "binary.v2: key and value are base64 strings; json.v2: any JSON, stored serialized")
    public record ProduceRecord(
            @JsonProperty("key") JsonNode key,
            @JsonProperty("value") JsonNode value,
            @Schema(description = "Explicit partition; else murmur2 of the key (like the Java client) or spread when unkeyed")
            @JsonProperty("partition") Integer partition) {
    }

    @JsonInclude(JsonInclude.Include.ALWAYS)
    @Schema(name = "V2ProduceResponse")
    public record ProduceResponse(
            @JsonProperty("key_schema_id") Integer keySchemaId,
            @JsonProperty("value_schema_id") Integer valueSchemaId,
            @JsonProperty("offsets") List<PartitionOffset> offsets) {
    }

    @JsonInclude(JsonInclude.Include.ALWAYS)
    @Schema(name = "V2PartitionOffset", description = "One per record, in request order; error_code 1 = non-retriable Kafka error, 2 = retriable")
    public record PartitionOffset(
            @JsonProperty("partition") Integer partition,
            @JsonProperty("offset") Long offset,
            @JsonProperty("error_code") Integer errorCode,
            @JsonProperty("error") String error) {
    }

    @Schema(name = "V2Topic")
    public record Topic(@JsonProperty("name") String name,
                        @JsonProperty("configs") Map<String, String> configs,
                        @JsonProperty("partitions") List<Partition> partitions) {
    }

    @Schema(name = "V2Partition")
    public record Partition(@JsonProperty("partition") int partition,
                            @JsonProperty("leader") int leader,
                            @JsonProperty("replicas") List<Replica> replicas) {
    }

    @Schema(name = "V2Replica")
    public record Replica(@JsonProperty("broker") int broker,
                          @JsonProperty("leader") boolean leader,
                          @JsonProperty("in_sync") boolean inSync) {
    }
}
