package io.strata.ingest.http.fetch;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;
import org.eclipse.microprofile.openapi.annotations.enums.SchemaType;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

import java.util.List;

/** Records read from one partition, and where to continue. */
@Schema(name = "FetchedRecords")
public record FetchedRecords(
        @JsonProperty("topic") String topic,
        @JsonProperty("partition") int partition,
        @Schema(description = "Offset to ask for next") @JsonProperty("next_offset") long nextOffset,
        @JsonProperty("high_watermark") long highWatermark,
        @JsonProperty("log_start_offset") long logStartOffset,
        @JsonProperty("records") List<Record> records) {

    @JsonInclude(JsonInclude.Include.ALWAYS)
    @Schema(name = "FetchedRecord", description = "Key and value in the asked format (base64 by default; JSON documents "
            + "with format=json; strings with format=text), header values base64; null when absent. A key or value "
            + "that is not valid in the asked format is base64, named in key_format / value_format, with the reason in "
            + "format_error.")
    public record Record(@JsonProperty("offset") long offset,
                         @JsonProperty("timestamp") long timestamp,
                         @Schema(enumeration = {"CreateTime", "LogAppendTime"}) @JsonProperty("timestamp_type") String timestampType,
                         @Schema(type = SchemaType.OBJECT, description = "base64 string, any JSON value, or string")
                         @JsonProperty("key") JsonNode key,
                         @Schema(type = SchemaType.OBJECT, description = "base64 string, any JSON value, or string")
                         @JsonProperty("value") JsonNode value,
                         @JsonProperty("headers") List<Header> headers,
                         @Schema(enumeration = {"base64"}, description = "Only when the key is base64 although another format was asked")
                         @JsonInclude(JsonInclude.Include.NON_NULL) @JsonProperty("key_format") String keyFormat,
                         @Schema(enumeration = {"base64"}, description = "Only when the value is base64 although another format was asked")
                         @JsonInclude(JsonInclude.Include.NON_NULL) @JsonProperty("value_format") String valueFormat,
                         @Schema(description = "Why the key or value is not in the asked format (e.g. the value is not valid JSON)")
                         @JsonInclude(JsonInclude.Include.NON_NULL) @JsonProperty("format_error") String formatError) {
    }

    @JsonInclude(JsonInclude.Include.ALWAYS)
    @Schema(name = "FetchedHeader")
    public record Header(@JsonProperty("name") String name, @JsonProperty("value") String value) {
    }
}
