package io.strata.ingest.http.restproxy.v2;

import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.strata.ingest.http.common.BoundedBody;
import io.strata.ingest.http.common.HttpApiException;
import io.strata.ingest.http.produce.HttpProducer;
import io.strata.ingest.http.produce.TopicNotFoundException;
import io.strata.membership.topic.TopicDescriptor;

import java.io.IOException;
import java.io.InputStream;

/** Request checks shared by the REST Proxy v2 resources (and the simple fetch, which speaks v2 codes). Stateless. */
public final class V2Requests {

    private V2Requests() {
    }

    /**
     * Reads and parses a JSON body of at most {@code maxBytes}.
     *
     * @return null for an empty body
     */
    static <T> T readJson(ObjectMapper mapper, InputStream body, long maxBytes, Long length, Class<T> type) {
        byte[] bytes = BoundedBody.read(body, maxBytes, length, 413);
        if (new String(bytes, java.nio.charset.StandardCharsets.UTF_8).isBlank()) {
            return null;
        }
        try {
            return mapper.readValue(bytes, type);
        } catch (IOException e) {
            throw jsonError(e);
        }
    }

    /** Malformed JSON is 400; JSON of the wrong shape is 422 (42206). */
    static HttpApiException jsonError(IOException e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof JsonParseException p) {
                return new HttpApiException(400, 400, "Malformed JSON: " + p.getOriginalMessage());
            }
        }
        String detail = e instanceof JsonProcessingException jpe ? jpe.getOriginalMessage() : e.getMessage();
        return new HttpApiException(422, V2ErrorCodes.INVALID_PAYLOAD, "Invalid request body: " + detail);
    }

    /** The topic, or 40401. */
    public static TopicDescriptor existingTopic(HttpProducer producer, String name) {
        try {
            return producer.existingTopic(name);
        } catch (TopicNotFoundException e) {
            throw new HttpApiException(404, V2ErrorCodes.TOPIC_NOT_FOUND, e.getMessage());
        }
    }

    /** 40402 unless the topic has this partition. */
    public static void checkPartition(TopicDescriptor topic, int partition) {
        if (partition < 0 || partition >= topic.partitions()) {
            throw new HttpApiException(404, V2ErrorCodes.PARTITION_NOT_FOUND,
                    "Partition " + partition + " of topic " + topic.name() + " not found.");
        }
    }
}
