package io.strata.ingest.http.fetch;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
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
    @Schema(name = "FetchedRecord", description = "Key, value and header values are base64; null when absent")
    public record Record(@JsonProperty("offset") long offset,
                         @JsonProperty("timestamp") long timestamp,
                         @Schema(enumeration = {"CreateTime", "LogAppendTime"}) @JsonProperty("timestamp_type") String timestampType,
                         @JsonProperty("key") String key,
                         @JsonProperty("value") String value,
                         @JsonProperty("headers") List<Header> headers) {
    }

    @JsonInclude(JsonInclude.Include.ALWAYS)
    @Schema(name = "FetchedHeader")
    public record Header(@JsonProperty("name") String name, @JsonProperty("value") String value) {
    }
}
