package io.strata.ingest.http.fetch;

import org.apache.kafka.common.acl.AclOperation;
import io.strata.ingest.http.security.HttpAccess;
import io.smallrye.common.annotation.Blocking;
import io.strata.ingest.http.common.ErrorBody;
import io.strata.ingest.http.common.HttpApiException;
import io.strata.ingest.http.common.HttpConfig;
import io.strata.ingest.http.produce.HttpProducer;
import io.strata.ingest.http.restproxy.v2.V2ErrorCodes;
import io.strata.ingest.http.restproxy.v2.V2Requests;
import io.strata.membership.topic.TopicDescriptor;
import jakarta.inject.Inject;
import jakarta.ws.rs.DefaultValue;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.NotLeaderOrFollowerException;
import org.apache.kafka.common.errors.OffsetOutOfRangeException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;

/** Reads records of a partition from an offset, without consumer groups or consumer instances. */
@Path("/topics/{topic}/partitions/{partition}/records")
@Tag(name = "Simple fetch")
public class SimpleFetchResource {

    @Inject
    SimpleFetcher fetcher;

    @Inject
    HttpProducer producer;

    @Inject
    HttpConfig config;

    @Inject
    HttpAccess access;

    @GET
    @Blocking
    @Produces(MediaType.APPLICATION_JSON)
    @Operation(summary = "Read records from an offset",
            description = "Returns the records from offset (default: the log start) up to about max_bytes. When none are "
                    + "available yet, waits up to timeout ms for some to arrive (no thread is held meanwhile). Keys and "
                    + "values are base64 unless format (both) or key_format (keys) asks for json (each is one JSON "
                    + "document, embedded as JSON: for topics of JSON lines, e.g. from /ingest) or text (UTF-8 strings). "
                    + "A key or value that is not valid JSON or UTF-8 is given as base64 in that record, which then "
                    + "carries key_format or value_format \"base64\" and a format_error; the rest of the answer is unaffected.")
    @APIResponse(responseCode = "200", content = @Content(schema = @Schema(implementation = FetchedRecords.class)))
    @APIResponse(responseCode = "400", description = "Invalid parameter", content = @Content(schema = @Schema(implementation = ErrorBody.class)))
    @APIResponse(responseCode = "404", description = "40401 topic or 40402 partition not found", content = @Content(schema = @Schema(implementation = ErrorBody.class)))
    @APIResponse(responseCode = "416", description = "Offset outside [log start, log end]", content = @Content(schema = @Schema(implementation = ErrorBody.class)))
    public CompletionStage<FetchedRecords> records(
            @PathParam("topic") String topicName,
            @PathParam("partition") int partition,
            @Parameter(description = "First offset to read; default the log start offset") @QueryParam("offset") Long offset,
            @Parameter(description = "Approximate byte limit (whole batches; at least one batch is returned)") @QueryParam("max_bytes") @DefaultValue("1048576") int maxBytes,
            @Parameter(description = "Milliseconds to wait for records when none are available") @QueryParam("timeout") @DefaultValue("0") long timeoutMs,
            @Parameter(description = "How keys and values are shown: base64, json or text",
                    schema = @Schema(enumeration = {"base64", "json", "text"}, defaultValue = "base64"))
            @QueryParam("format") @DefaultValue("base64") String format,
            @Parameter(description = "How keys are shown, when not as format says (e.g. text keys of JSON values)",
                    schema = @Schema(enumeration = {"base64", "json", "text"}))
            @QueryParam("key_format") String keyFormat) {
        access.requireTopic(AclOperation.READ, topicName, true);
        TopicDescriptor topic = V2Requests.existingTopic(producer, topicName);
        V2Requests.checkPartition(topic, partition);
        if (maxBytes <= 0 || timeoutMs < 0 || (offset != null && offset < 0)) {
            throw new HttpApiException(400, "offset, max_bytes and timeout must not be negative (max_bytes > 0).");
        }
        SimpleFetcher.Formats formats;
        try {
            RecordFormat values = RecordFormat.parse(format, "format");
            formats = new SimpleFetcher.Formats(keyFormat == null ? values : RecordFormat.parse(keyFormat, "key_format"), values);
        } catch (IllegalArgumentException e) {
            throw new HttpApiException(400, e.getMessage());
        }
        TopicPartition tp = new TopicPartition(topicName, partition);
        int limit = Math.min(maxBytes, config.maxFetchBytes());
        long wait = Math.min(timeoutMs, config.maxFetchWait().toMillis());
        try {
            long from = offset != null ? offset : -1;
            if (from < 0) {
                from = producer.logStartOffset(tp);
            }
            return fetcher.fetch(tp, from, limit, wait, formats).exceptionally(e -> {
                throw mapped(e instanceof CompletionException && e.getCause() != null ? e.getCause() : e);
            });
        } catch (RuntimeException e) {
            throw mapped(e);
        }
    }

    private static RuntimeException mapped(Throwable e) {
        if (e instanceof OffsetOutOfRangeException) {
            return new HttpApiException(416, e.getMessage());
        }
        if (e instanceof NotLeaderOrFollowerException) {
            return new HttpApiException(503, e.getMessage() + " Ask the partition's leader.");
        }
        if (e instanceof UnknownTopicOrPartitionException) {
            return new HttpApiException(404, V2ErrorCodes.PARTITION_NOT_FOUND, e.getMessage());
        }
        return e instanceof RuntimeException re ? re : new CompletionException(e);
    }
}
