package io.strata.spark;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.kafka.common.TopicPartition;

import java.io.Serializable;
import java.util.Comparator;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * An offset per partition in Spark's Kafka source JSON form, {@code {"topic":{"0":23,"1":-2}}} (-2 earliest,
 * -1 latest where a spec allows them). Topics and partitions are kept sorted, so equal offsets always render
 * as identical JSON, which Spark's streaming checkpoints compare. Immutable.
 */
public final class PartitionOffsets implements Serializable {

    public static final long EARLIEST = -2L;
    public static final long LATEST = -1L;

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Comparator<TopicPartition> ORDER =
            Comparator.comparing(TopicPartition::topic).thenComparingInt(TopicPartition::partition);

    private final TreeMap<TopicPartition, Long> offsets;

    public PartitionOffsets(Map<TopicPartition, Long> offsets) {
        this.offsets = new TreeMap<>(ORDER);
        this.offsets.putAll(offsets);
    }

    public static PartitionOffsets parse(String json) {
        Map<String, Map<String, Long>> parsed;
        try {
            parsed = JSON.readValue(json, new TypeReference<Map<String, Map<String, Long>>>() { });
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("Offsets must be JSON like {\"topic\":{\"0\":23,\"1\":-2}}, got: " + json, e);
        }
        TreeMap<TopicPartition, Long> out = new TreeMap<>(ORDER);
        parsed.forEach((topic, partitions) -> partitions.forEach((p, offset) -> {
            try {
                out.put(new TopicPartition(topic, Integer.parseInt(p)), offset);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("Partition '" + p + "' of topic " + topic + " is not a number in " + json);
            }
        }));
        return new PartitionOffsets(out);
    }

    public SortedMap<TopicPartition, Long> asMap() {
        return java.util.Collections.unmodifiableSortedMap(offsets);
    }

    public Long get(TopicPartition tp) {
        return offsets.get(tp);
    }

    public String json() {
        Map<String, Map<String, Long>> tree = new TreeMap<>();
        offsets.forEach((tp, offset) -> tree.computeIfAbsent(tp.topic(), t -> new TreeMap<>(
                Comparator.comparingInt(Integer::parseInt))).put(Integer.toString(tp.partition()), offset));
        try {
            return JSON.writeValueAsString(tree);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof PartitionOffsets other && offsets.equals(other.offsets);
    }

    @Override
    public int hashCode() {
        return offsets.hashCode();
    }

    @Override
    public String toString() {
        return json();
    }
}
