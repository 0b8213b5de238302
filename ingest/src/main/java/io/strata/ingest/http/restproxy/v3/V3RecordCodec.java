package io.strata.ingest.http.restproxy.v3;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.strata.ingest.http.common.HttpApiException;
import io.strata.ingest.http.produce.ProduceRecord;
import io.strata.ingest.http.produce.ProduceResult;
import org.apache.kafka.common.errors.RetriableException;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.protocol.Errors;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;

/** Turns v3 produce requests into records and results into delivery reports. */
final class V3RecordCodec {

    private final ObjectMapper mapper;

    V3RecordCodec(ObjectMapper mapper) {
        this.mapper = mapper;
    }

    /** @throws HttpApiException 400 for an unusable record */
    ProduceRecord toRecord(V3Model.ProduceRequest r) {
        if (r == null) {
            throw new HttpApiException(400, "The record is null.");
        }
        List<Header> headers = new ArrayList<>();
        if (r.headers() != null) {
            for (V3Model.Header h : r.headers()) {
                if (h == null || h.name() == null) {
                    throw new HttpApiException(400, "Every header needs a name.");
                }
                headers.add(new RecordHeader(h.name(), h.value() == null ? null : base64(h.value(), "header " + h.name())));
            }
        }
        return new ProduceRecord(r.partitionId(), bytes(r.key(), "key"), bytes(r.value(), "value"), headers,
                timestamp(r.timestamp()));
    }

    V3Model.DataSize size(V3Model.Data data, byte[] bytes) {
        if (data == null || bytes == null) {
            return null;
        }
        return new V3Model.DataSize(type(data), bytes.length);
    }

    private byte[] bytes(V3Model.Data data, String what) {
        if (data == null || data.data() == null || data.data().isNull()) {
            return null;
        }
        JsonNode node = data.data();
        switch (type(data)) {
            case "BINARY":
                if (!node.isTextual()) {
                    throw new HttpApiException(400, "The " + what + " of type BINARY must be a base64 string.");
                }
                return base64(node.textValue(), what);
            case "STRING":
                if (!node.isTextual()) {
                    throw new HttpApiException(400, "The " + what + " of type STRING must be a string.");
                }
                return node.textValue().getBytes(StandardCharsets.UTF_8);
            case "JSON":
                try {
                    return mapper.writeValueAsBytes(node);
                } catch (JsonProcessingException e) {
                    throw new HttpApiException(400, "Cannot serialize the " + what + ".");
                }
            default:
                throw new HttpApiException(400, "Unsupported " + what + " type '" + data.type()
                        + "': use BINARY, JSON or STRING (schemas are not supported).");
        }
    }

    private static String type(V3Model.Data data) {
        return data.type() == null ? "JSON" : data.type().toUpperCase(Locale.ROOT);
    }

    private static byte[] base64(String text, String what) {
        try {
            return Base64.getDecoder().decode(text);
        } catch (IllegalArgumentException e) {
            throw new HttpApiException(400, "The " + what + " is not valid base64: " + e.getMessage());
        }
    }

    private static Long timestamp(JsonNode node) {
        if (node == null || node.isNull()) {
            return null;
        }
        long ms;
        if (node.isIntegralNumber() && node.canConvertToLong()) {
            ms = node.longValue();
        } else if (node.isTextual()) {
            try {
                ms = OffsetDateTime.parse(node.textValue()).toInstant().toEpochMilli();
            } catch (DateTimeParseException | ArithmeticException e) {
                throw new HttpApiException(400, "The timestamp '" + node.textValue() + "' is not an ISO-8601 date-time.");
            }
        } else {
            throw new HttpApiException(400, "The timestamp must be an ISO-8601 date-time or epoch milliseconds.");
        }
        if (ms < 0) {
            // Kafka record timestamps are milliseconds since 1970; a negative one cannot be stored.
            throw new HttpApiException(400, "The timestamp " + node + " is before 1970-01-01T00:00:00Z.");
        }
        return ms;
    }

    static String isoTimestamp(long ms) {
        return Instant.ofEpochMilli(ms).toString();
    }

    /** The HTTP status that describes a Kafka error. */
    static int status(ProduceResult result) {
        Errors error = result.error();
        return switch (error) {
            case NONE -> 200;
            case UNKNOWN_TOPIC_OR_PARTITION -> 404;
            case MESSAGE_TOO_LARGE, RECORD_LIST_TOO_LARGE -> 413;
            case INVALID_RECORD, CORRUPT_MESSAGE, INVALID_TIMESTAMP -> 400;
            default -> error.exception() instanceof RetriableException ? 503 : 500;
        };
    }
}
