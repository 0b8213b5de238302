package io.strata.ingest.http.ingest;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

import java.util.List;

/** The answer to an NDJSON upload: what was stored where, and every line that was not. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@Schema(name = "IngestResult", description = "Lines stored (per-partition offset ranges) and lines rejected. "
        + "With error_code set the upload stopped early (413 limit, 408 too slow, 400 bad gzip); what came before is stored.")
public record IngestResult(
        @JsonProperty("error_code") Integer errorCode,
        @JsonProperty("message") String message,
        @JsonProperty("topic") String topic,
        @Schema(description = "Records stored") @JsonProperty("records") long records,
        @Schema(description = "Lines rejected (each listed in errors, up to strata.http.ingest.max-reported-errors)")
        @JsonProperty("rejected") long rejected,
        @JsonProperty("partitions") List<PartitionRange> partitions,
        @JsonProperty("errors") List<LineError> errors) {

    /** Offsets assigned in one partition (every offset in the range holds a record of this upload, unless other producers interleaved). */
    public record PartitionRange(@JsonProperty("partition") int partition,
                                 @JsonProperty("first_offset") long firstOffset,
                                 @JsonProperty("last_offset") long lastOffset,
                                 @JsonProperty("count") long count) {
    }

    /** A rejected line (1-based line number). */
    public record LineError(@JsonProperty("line") long line, @JsonProperty("error") String error) {
    }
}
