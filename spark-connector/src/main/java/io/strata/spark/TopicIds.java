package io.strata.spark;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.kafka.common.Uuid;

import java.io.Serializable;
import java.util.Iterator;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.TreeMap;

/**
 * The {@code topicIds} option: the Kafka topic id of each topic (as {@code kafka-topics --describe} prints it), so
 * that planning finds partition roots ({@code <topic>-<partition>-<topicId>/}) from their names and reads only
 * manifests, without listing the bucket's top level. JSON, {@code {"readings":"gLZz1Xq0TdmVNQzHnBqtCA"}}, or with the
 * partition count, {@code {"readings":{"id":"gLZz1Xq0TdmVNQzHnBqtCA","partitions":3}}}. Immutable, serializable;
 * free of Spark classes.
 */
public final class TopicIds implements Serializable {

    /** One topic's id and, if given, its partition count. */
    public record Known(String id, Integer partitions) implements Serializable {
        public OptionalInt partitionCount() {
            return partitions == null ? OptionalInt.empty() : OptionalInt.of(partitions);
        }
    }

    private final TreeMap<String, Known> topics;

    private TopicIds(TreeMap<String, Known> topics) {
        this.topics = topics;
    }

    /** The option's value, or empty for null (planning lists the top level then). */
    public static Optional<TopicIds> parse(String json) {
        if (json == null || json.isBlank()) {
            return Optional.empty();
        }
        String shape = "'topicIds' must be JSON like {\"topic\":\"<topic id>\"} or "
                + "{\"topic\":{\"id\":\"<topic id>\",\"partitions\":3}}, got: " + json;
        JsonNode root;
        try {
            root = new ObjectMapper().readTree(json);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException(shape, e);
        }
        if (root == null || !root.isObject()) {
            throw new IllegalArgumentException(shape);
        }
        TreeMap<String, Known> out = new TreeMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            JsonNode v = e.getValue();
            String id;
            Integer partitions = null;
            if (v.isTextual()) {
                id = v.asText();
            } else if (v.isObject() && v.path("id").isTextual()) {
                id = v.get("id").asText();
                if (v.has("partitions")) {
                    if (!v.get("partitions").canConvertToInt() || v.get("partitions").asInt() < 1) {
                        throw new IllegalArgumentException("partitions of topic " + e.getKey() + " must be a positive "
                                + "number in " + json);
                    }
                    partitions = v.get("partitions").asInt();
                }
            } else {
                throw new IllegalArgumentException(shape);
            }
            try {
                Uuid.fromString(id);
            } catch (IllegalArgumentException bad) {
                throw new IllegalArgumentException("'" + id + "' (topic " + e.getKey() + ") is not a Kafka topic id", bad);
            }
            out.put(e.getKey(), new Known(id, partitions));
        }
        return Optional.of(new TopicIds(out));
    }

    public Optional<Known> of(String topic) {
        return Optional.ofNullable(topics.get(topic));
    }

    @Override
    public String toString() {
        return topics.toString();
    }
}
