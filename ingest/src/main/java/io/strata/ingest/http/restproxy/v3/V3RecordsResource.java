package io.strata.ingest.http.restproxy.v3;

import io.strata.ingest.http.security.HttpAccess;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.smallrye.common.annotation.Blocking;
import io.strata.ingest.http.common.BoundedBody;
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
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.StreamingOutput;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.parameters.RequestBody;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.List;

/**
 * REST Proxy v3 produce: one record per request, a stream of records (chunked request, one
 * delivery report per record streamed back in order as each is appended), or a batch.
 */
@Path("/v3/clusters/{cluster_id}/topics/{topic_name}")
@Tag(name = "REST Proxy v3")
@Blocking
public class V3RecordsResource {

    private static final Logger LOG = Logger.getLogger(V3RecordsResource.class);

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

    @POST
    @Path("/records")
    @Consumes(MediaType.APPLICATION_JSON)
    @Produces(MediaType.APPLICATION_JSON)
    @Operation(summary = "Produce a record, or a stream of records",
            description = "With a Content-Length the body is one record and the answer one delivery report. With "
                    + "Transfer-Encoding: chunked the body is any number of concatenated records and the answer a stream "
                    + "of delivery reports, one per record in order, each written as soon as its record is appended.")
    @RequestBody(content = @Content(schema = @Schema(implementation = V3Model.ProduceRequest.class)))
    @APIResponse(responseCode = "200", description = "Delivery report(s)", content = @Content(schema = @Schema(implementation = V3Model.ProduceResponse.class)))
    @APIResponse(responseCode = "400", description = "Invalid record", content = @Content(schema = @Schema(implementation = ErrorBody.class)))
    @APIResponse(responseCode = "404", description = "Unknown cluster, topic or partition", content = @Content(schema = @Schema(implementation = ErrorBody.class)))
    @APIResponse(responseCode = "413", description = "Body or record too large", content = @Content(schema = @Schema(implementation = ErrorBody.class)))
    @APIResponse(responseCode = "415", description = "Not JSON", content = @Content(schema = @Schema(implementation = ErrorBody.class)))
    public Response produce(@PathParam("cluster_id") String clusterId, @PathParam("topic_name") String topicName,
                            @HeaderParam("Transfer-Encoding") String transferEncoding,
                            @HeaderParam("Content-Length") Long contentLength, InputStream body) {
        TopicDescriptor topic = topic(clusterId, topicName);
        if (transferEncoding != null && transferEncoding.toLowerCase(java.util.Locale.ROOT).contains("chunked")) {
            return startStream(topic, body);
        }
        byte[] bytes = BoundedBody.read(body, config.maxRequestBytes(), contentLength, 413);
        V3Model.ProduceRequest request;
        try {
            request = mapper.readValue(bytes, V3Model.ProduceRequest.class);
        } catch (IOException e) {
            throw jsonError(e);
        }
        V3Model.ProduceResponse report = produceOne(topic, request);
        return Response.status(report.errorCode()).type(MediaType.APPLICATION_JSON_TYPE).entity(report).build();
    }

    @POST
    @Path("/records:batch")
    @Consumes(MediaType.APPLICATION_JSON)
    @Produces(MediaType.APPLICATION_JSON)
    @Operation(summary = "Produce a batch of records", description = "Answers 207 with the successes and failures by entry id. "
            + "Like every request body, it may be gzip-compressed (Content-Encoding: gzip).")
    @RequestBody(content = @Content(schema = @Schema(implementation = V3Model.BatchRequest.class)))
    @APIResponse(responseCode = "207", content = @Content(schema = @Schema(implementation = V3Model.BatchResponse.class)))
    @APIResponse(responseCode = "400", description = "Malformed body or entries without ids", content = @Content(schema = @Schema(implementation = ErrorBody.class)))
    @APIResponse(responseCode = "404", description = "Unknown cluster or topic", content = @Content(schema = @Schema(implementation = ErrorBody.class)))
    public Response produceBatch(@PathParam("cluster_id") String clusterId, @PathParam("topic_name") String topicName,
                                 @HeaderParam("Content-Length") Long contentLength, InputStream body) {
        TopicDescriptor topic = topic(clusterId, topicName);
        byte[] bytes = BoundedBody.read(body, config.maxRequestBytes(), contentLength, 413);
        V3Model.BatchRequest request;
        try {
            request = mapper.readValue(bytes, V3Model.BatchRequest.class);
        } catch (IOException e) {
            throw jsonError(e);
        }
        if (request == null || request.entries() == null || request.entries().isEmpty()) {
            throw new HttpApiException(400, "The batch needs at least one entry in 'entries'.");
        }
        V3RecordCodec codec = new V3RecordCodec(mapper);
        List<V3Model.BatchFailure> failures = new ArrayList<>();
        List<V3Model.BatchEntry> accepted = new ArrayList<>();
        List<ProduceRecord> records = new ArrayList<>();
        java.util.Set<String> ids = new java.util.HashSet<>();
        for (V3Model.BatchEntry entry : request.entries()) {
            if (entry == null || entry.id() == null || entry.id().isNull()) {
                throw new HttpApiException(400, "Every batch entry needs an id.");
            }
            if (!ids.add(entry.id().asText())) {
                throw new HttpApiException(400, "Batch entry ids must be unique: '" + entry.id().asText() + "' repeats.");
            }
            try {
                ProduceRecord record = codec.toRecord(entry.record());
                if (record.partition() != null) {
                    producer.checkPartition(topic, record.partition());
                }
                records.add(record);
                accepted.add(entry);
            } catch (HttpApiException e) {
                failures.add(new V3Model.BatchFailure(entry.id(), e.status(), e.getMessage()));
            } catch (io.strata.ingest.http.produce.PartitionNotFoundException e) {
                failures.add(new V3Model.BatchFailure(entry.id(), 404, e.getMessage()));
            }
        }
        List<V3Model.BatchSuccess> successes = new ArrayList<>();
        List<ProduceResult> results = records.isEmpty() ? List.of() : producer.produce(topic, records);
        for (int i = 0; i < results.size(); i++) {
            ProduceResult r = results.get(i);
            V3Model.BatchEntry entry = accepted.get(i);
            if (r.ok()) {
                successes.add(new V3Model.BatchSuccess(entry.id(), catalog.clusterId(), topic.name(), r.partition(), r.offset(),
                        V3RecordCodec.isoTimestamp(r.timestamp()), codec.size(entry.key(), records.get(i).key()),
                        codec.size(entry.value(), records.get(i).value())));
            } else {
                failures.add(new V3Model.BatchFailure(entry.id(), V3RecordCodec.status(r), r.message()));
            }
        }
        return Response.status(207).type(MediaType.APPLICATION_JSON_TYPE)
                .entity(new V3Model.BatchResponse(successes, failures)).build();
    }

    /**
     * Reads the first record before answering: until then the status can still say what is wrong with
     * the body (400 malformed or not text, 413 too large), which a report inside a started 200 cannot.
     */
    private Response startStream(TopicDescriptor topic, InputStream body) {
        PerRecordLimit limited = new PerRecordLimit(body, config.maxRequestBytes());
        MappingIterator<V3Model.ProduceRequest> records = null;
        V3Model.ProduceRequest first;
        try {
            records = mapper.readerFor(V3Model.ProduceRequest.class).readValues(limited);
            first = records.hasNextValue() ? records.nextValue() : null;
        } catch (RecordTooLarge e) {
            close(records);
            throw new HttpApiException(413, e.getMessage());
        } catch (IOException e) {
            close(records);
            throw new HttpApiException(400, unreadable(e));
        }
        limited.nextRecord();
        MappingIterator<V3Model.ProduceRequest> rest = records;
        StreamingOutput stream = out -> stream(topic, first, rest, limited, out);
        return Response.ok(stream, MediaType.APPLICATION_JSON_TYPE).build();
    }

    /** Why a streamed record could not be read: malformed JSON, or bytes that are not text in the body's encoding. */
    private static String unreadable(IOException e) {
        if (e instanceof JsonProcessingException jpe) {
            return "Malformed record: " + jpe.getOriginalMessage();
        }
        if (e instanceof java.io.CharConversionException) {
            return "The body is not text in the encoding it starts in: " + e.getMessage();
        }
        return "The record could not be read: " + e.getMessage();
    }

    private static void close(MappingIterator<?> records) {
        if (records != null) {
            try {
                records.close();
            } catch (IOException ignored) {
                // Nothing more is read from it.
            }
        }
    }

    private void stream(TopicDescriptor topic, V3Model.ProduceRequest first, MappingIterator<V3Model.ProduceRequest> records,
                        PerRecordLimit limited, OutputStream out) throws IOException {
        try (records) {
            if (first == null) {
                return;
            }
            write(out, produceOne(topic, first));
            while (true) {
                V3Model.ProduceRequest request;
                try {
                    if (!records.hasNextValue()) {
                        break;
                    }
                    request = records.nextValue();
                } catch (JsonProcessingException | java.io.CharConversionException e) {
                    // The stream cannot be resynchronised after malformed JSON: report and stop.
                    write(out, new V3Model.ProduceResponse(400, unreadable(e), null, null, null, null, null, null, null));
                    return;
                } catch (RecordTooLarge e) {
                    write(out, new V3Model.ProduceResponse(413, e.getMessage(), null, null, null, null, null, null, null));
                    return;
                }
                limited.nextRecord();
                write(out, produceOne(topic, request));
            }
        } catch (IOException e) {
            LOG.debugf("Record stream to %s ended: %s", topic.name(), e);
            throw e;
        }
    }

    /** Bounds the bytes read for one streamed record (plus one read-ahead buffer), so one record cannot fill the heap. */
    private static final class PerRecordLimit extends java.io.FilterInputStream {
        private static final int READ_AHEAD = 64 * 1024;
        private final long limit;
        private long sinceRecord;

        PerRecordLimit(InputStream in, long limit) {
            super(in);
            this.limit = limit;
        }

        void nextRecord() {
            sinceRecord = 0;
        }

        @Override
        public int read() throws IOException {
            int b = super.read();
            count(b < 0 ? 0 : 1);
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int n = super.read(b, off, len);
            count(Math.max(n, 0));
            return n;
        }

        private void count(int n) throws RecordTooLarge {
            sinceRecord += n;
            if (sinceRecord > limit + READ_AHEAD) {
                throw new RecordTooLarge("A streamed record exceeds strata.http.max-request-bytes (" + limit + "); the stream stops here.");
            }
        }
    }

    private static final class RecordTooLarge extends IOException {
        RecordTooLarge(String message) {
            super(message);
        }
    }

    private void write(OutputStream out, V3Model.ProduceResponse report) throws IOException {
        out.write(mapper.writeValueAsBytes(report));
        out.write('\n');
        out.flush();
    }

    private V3Model.ProduceResponse produceOne(TopicDescriptor topic, V3Model.ProduceRequest request) {
        V3RecordCodec codec = new V3RecordCodec(mapper);
        ProduceRecord record;
        try {
            record = codec.toRecord(request);
            if (record.partition() != null) {
                producer.checkPartition(topic, record.partition());
            }
        } catch (HttpApiException e) {
            return new V3Model.ProduceResponse(e.status(), e.getMessage(), null, null, null, null, null, null, null);
        } catch (io.strata.ingest.http.produce.PartitionNotFoundException e) {
            return new V3Model.ProduceResponse(404, e.getMessage(), null, null, null, null, null, null, null);
        }
        ProduceResult r = producer.produce(topic, List.of(record)).get(0);
        if (!r.ok()) {
            return new V3Model.ProduceResponse(V3RecordCodec.status(r), r.message(), null, null, null, null, null, null, null);
        }
        return new V3Model.ProduceResponse(200, null, catalog.clusterId(), topic.name(), r.partition(), r.offset(),
                V3RecordCodec.isoTimestamp(r.timestamp()), codec.size(request.key(), record.key()),
                codec.size(request.value(), record.value()));
    }

    private TopicDescriptor topic(String clusterId, String topicName) {
        if (!catalog.clusterId().equals(clusterId)) {
            throw new HttpApiException(404, "Cluster " + clusterId + " not found.");
        }
        access.requireProduce(topicName, producer.topicIfExists(topicName) != null, false);
        try {
            return producer.topicForProduce(topicName);
        } catch (TopicNotFoundException | InvalidTopicNameException e) {
            throw new HttpApiException(404, "This server does not host this topic-partition.");
        }
    }

    private static HttpApiException jsonError(IOException e) {
        String detail = e instanceof JsonProcessingException jpe ? jpe.getOriginalMessage() : e.getMessage();
        return new HttpApiException(400, "Malformed request body: " + detail);
    }
}
