package io.strata.ingest.http.ingest;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import io.smallrye.common.annotation.Blocking;
import io.strata.ingest.http.common.ContentEncodingDecoder;
import io.strata.ingest.http.common.ErrorBody;
import io.strata.ingest.http.common.HttpApiException;
import io.strata.ingest.http.common.HttpConfig;
import io.strata.ingest.http.produce.HttpProducer;
import io.strata.ingest.http.produce.InvalidTopicNameException;
import io.strata.ingest.http.produce.TopicNotFoundException;
import io.strata.ingest.http.security.HttpAccess;
import io.strata.membership.topic.TopicDescriptor;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;
import org.eclipse.microprofile.openapi.annotations.parameters.RequestBody;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Semaphore;
import java.util.zip.ZipException;

/**
 * Bulk upload for devices: one JSON document per line, stored as one record per line. The body is
 * streamed: lines are checked as they arrive ({@link LineValidator}) and copied from the read buffer
 * straight into record batches ({@link UploadBatches}) that are appended every batch-lines lines or
 * batch-bytes bytes, so memory use does not grow with the upload and no object is made per line. Runs on
 * a worker thread; uploads are bounded in number, duration and size.
 */
@Path("/ingest")
@Tag(name = "Device ingest")
public class NdjsonIngestResource {

    public static final String NDJSON = "application/x-ndjson";
    public static final String KEY_FIELD_HEADER = "X-Strata-Key-Field";
    private static final Logger LOG = Logger.getLogger(NdjsonIngestResource.class);

    private final HttpProducer producer;
    private final HttpConfig.Ingest config;
    private final ObjectReader json;
    private final Semaphore uploads;
    private final HttpAccess access;

    @Inject
    public NdjsonIngestResource(HttpProducer producer, HttpConfig config, ObjectMapper mapper, HttpAccess access) {
        this.producer = producer;
        this.access = access;
        this.config = config.ingest();
        // Trailing content is checked per line below; a key value read mid-line is followed by the rest of its line.
        this.json = mapper.reader().without(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
        this.uploads = new Semaphore(this.config.maxConcurrent());
    }

    @POST
    @Path("/{topic}")
    @Consumes({NDJSON, "application/jsonl"})
    @Produces(MediaType.APPLICATION_JSON)
    @Blocking
    @Operation(summary = "Upload newline-delimited JSON, one record per line",
            description = "Each non-blank line must be a JSON document; it is stored verbatim as the record value. The record key "
                    + "is the value of the key field (X-Strata-Key-Field header, else strata.http.ingest.key-field; dotted paths "
                    + "reach nested fields), so one device's records stay in one partition. The body may be gzip-compressed "
                    + "(Content-Encoding: gzip). Every line is either stored or reported in errors.")
    @RequestBody(content = @Content(mediaType = NDJSON, schema = @Schema(type = org.eclipse.microprofile.openapi.annotations.enums.SchemaType.STRING,
            example = "{\"device\":\"d1\",\"t\":21.5}\n{\"device\":\"d2\",\"t\":19.0}\n")))
    @APIResponse(responseCode = "200", description = "Every line stored", content = @Content(schema = @Schema(implementation = IngestResult.class)))
    @APIResponse(responseCode = "207", description = "Some lines stored, some rejected (see errors)", content = @Content(schema = @Schema(implementation = IngestResult.class)))
    @APIResponse(responseCode = "422", description = "No line could be stored", content = @Content(schema = @Schema(implementation = IngestResult.class)))
    @APIResponse(responseCode = "413", description = "Body or line count over the limit; the lines before it are stored", content = @Content(schema = @Schema(implementation = IngestResult.class)))
    @APIResponse(responseCode = "401", description = "Authentication required (security on)", content = @Content(schema = @Schema(implementation = ErrorBody.class)))
    @APIResponse(responseCode = "403", description = "The principal may not write to the topic; nothing was stored", content = @Content(schema = @Schema(implementation = ErrorBody.class)))
    @APIResponse(responseCode = "404", description = "Unknown topic (auto-creation off)", content = @Content(schema = @Schema(implementation = ErrorBody.class)))
    @APIResponse(responseCode = "415", description = "Not NDJSON, or an unsupported Content-Encoding", content = @Content(schema = @Schema(implementation = ErrorBody.class)))
    @APIResponse(responseCode = "503", description = "Too many uploads at once", content = @Content(schema = @Schema(implementation = ErrorBody.class)))
    public Response ingest(@PathParam("topic") String topicName,
                           @Parameter(description = "JSON field that keys each record") @HeaderParam(KEY_FIELD_HEADER) String keyFieldHeader,
                           @HeaderParam("Content-Encoding") String contentEncoding,
                           @HeaderParam("Content-Length") Long contentLength,
                           InputStream body) {
        // Refused before a line is read: nothing of the upload is stored.
        access.requireProduce(topicName, producer.topicIfExists(topicName) != null, false);
        // The body arrives decompressed (ContentEncodingDecoder); a compressed length says nothing of the lines.
        boolean gzip = ContentEncodingDecoder.isGzip(contentEncoding);
        if (!gzip && contentLength != null && contentLength > config.maxBodyBytes()) {
            throw new HttpApiException(413, "The body of " + contentLength + " bytes exceeds strata.http.ingest.max-body-bytes ("
                    + config.maxBodyBytes() + "); nothing was stored.");
        }
        TopicDescriptor topic;
        try {
            topic = producer.topicForProduce(topicName);
        } catch (TopicNotFoundException e) {
            throw new HttpApiException(404, e.getMessage());
        } catch (InvalidTopicNameException e) {
            throw new HttpApiException(400, e.getMessage());
        }
        if (!uploads.tryAcquire()) {
            throw new HttpApiException(503, "Too many uploads in progress (strata.http.ingest.max-concurrent = "
                    + config.maxConcurrent() + "); retry later.");
        }
        try {
            String keyField = keyFieldHeader != null && !keyFieldHeader.isBlank() ? keyFieldHeader.trim()
                    : config.keyField().filter(f -> !f.isBlank()).orElse(null);
            Upload upload = new Upload(topic, keyField == null ? null : keyField.split("\\."));
            return upload.run(body);
        } finally {
            uploads.release();
        }
    }

    /** The state of one upload. */
    private final class Upload implements UploadBatches.Outcome {
        final TopicDescriptor topic;
        final long deadline = System.nanoTime() + config.maxDuration().toNanos();
        final Map<Integer, long[]> ranges = new TreeMap<>(); // partition -> {first, last, count}
        final List<IngestResult.LineError> errors = new ArrayList<>();
        final LineValidator validator;
        final UploadBatches batches;
        long stored;
        long rejected;

        Upload(TopicDescriptor topic, String[] keyPath) {
            this.topic = topic;
            this.validator = new LineValidator(json, keyPath);
            this.batches = new UploadBatches(producer, topic);
        }

        Response run(InputStream body) {
            try (InputStream in = body) {
                LineReader lines = new LineReader(in, config.maxRecordBytes());
                while (lines.next()) {
                    if (lines.number() > config.maxLines()) {
                        return stop(413, "More than strata.http.ingest.max-lines (" + config.maxLines()
                                + ") lines; lines from " + lines.number() + " on were not read.");
                    }
                    if (lines.bytesRead() > config.maxBodyBytes()) {
                        return stop(413, "The body exceeds strata.http.ingest.max-body-bytes (" + config.maxBodyBytes()
                                + "); lines from " + lines.number() + " on were not read.");
                    }
                    if (System.nanoTime() - deadline > 0) {
                        return stop(408, "The upload took longer than strata.http.ingest.max-duration ("
                                + config.maxDuration() + "); lines from " + lines.number() + " on were not read.");
                    }
                    accept(lines);
                }
            } catch (ZipException e) {
                return stop(400, "The gzip body is corrupt: " + e.getMessage() + "; later lines were not read.");
            } catch (IOException e) {
                // The client went away or stopped sending within the read timeout: keep what arrived complete.
                LOG.debugf("Upload to %s ended early: %s", topic.name(), e);
                return stop(400, "The upload was interrupted: " + e.getMessage() + "; later lines were not read.");
            }
            flush();
            int status = rejected == 0 ? 200 : stored == 0 ? 422 : 207;
            return Response.status(status).type(MediaType.APPLICATION_JSON_TYPE).entity(result(null, null)).build();
        }

        /** The line the reader is at: checked, then added to its partition's batch straight from the read buffer. */
        void accept(LineReader line) {
            if (line.tooLong()) {
                reject(line.number(), "The line of " + line.totalLength() + " bytes exceeds strata.http.ingest.max-record-bytes ("
                        + config.maxRecordBytes() + ").");
                return;
            }
            byte[] array = line.array();
            int offset = line.offset();
            int length = line.length();
            if (isBlank(array, offset, length)) {
                return; // a blank line is a separator, not a record
            }
            byte[] key;
            try {
                key = validator.check(array, offset, length, line.ascii());
            } catch (LineValidator.InvalidLine e) {
                reject(line.number(), e.getMessage());
                return;
            }
            batches.add(producer.partitionFor(topic, key), line.number(), key, array, offset, length);
            if (batches.lines() >= config.batchLines() || batches.bytes() >= config.batchBytes()) {
                flush();
            }
        }

        void flush() {
            batches.flush(this);
        }

        @Override
        public void stored(long line, int partition, long offset) {
            stored++;
            long[] range = ranges.computeIfAbsent(partition, p -> new long[]{offset, offset, 0});
            range[0] = Math.min(range[0], offset);
            range[1] = Math.max(range[1], offset);
            range[2]++;
        }

        @Override
        public void failed(long line, String error) {
            reject(line, error);
        }

        void reject(long lineNumber, String error) {
            rejected++;
            if (errors.size() < config.maxReportedErrors()) {
                errors.add(new IngestResult.LineError(lineNumber, error));
            }
        }

        Response stop(int status, String message) {
            flush();
            return Response.status(status).type(MediaType.APPLICATION_JSON_TYPE).entity(result(status, message)).build();
        }

        IngestResult result(Integer errorCode, String message) {
            List<IngestResult.PartitionRange> partitions = new ArrayList<>();
            ranges.forEach((p, r) -> partitions.add(new IngestResult.PartitionRange(p, r[0], r[1], r[2])));
            return new IngestResult(errorCode, message, topic.name(), stored, rejected, partitions, errors);
        }
    }

    private static boolean isBlank(byte[] bytes, int offset, int length) {
        for (int i = offset; i < offset + length; i++) {
            byte b = bytes[i];
            if (b != ' ' && b != '\t' && b != '\r') {
                return false;
            }
        }
        return true;
    }
}
