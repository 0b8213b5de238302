package io.strata.spark;

import java.io.Serializable;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Which partitions a read covers: exactly one of Kafka's {@code subscribe}, {@code subscribePattern} and
 * {@code assign}. Immutable, serializable; free of Spark classes (the Hadoop input format uses it too).
 */
public sealed interface TopicSelection extends Serializable {

    /** Whether the partition is selected. */
    boolean selects(String topic, int partition);

    /** Named topics. */
    record Subscribe(List<String> topics) implements TopicSelection {
        @Override
        public boolean selects(String topic, int partition) {
            return topics.contains(topic);
        }
    }

    /** Topics whose whole name matches a Java regex. */
    record SubscribePattern(String regex) implements TopicSelection {
        public Pattern pattern() {
            return Pattern.compile(regex);
        }

        @Override
        public boolean selects(String topic, int partition) {
            return pattern().matcher(topic).matches();
        }
    }

    /** Fixed partitions, {@code {"topic":[0,1]}}. */
    record Assign(Map<String, List<Integer>> partitions) implements TopicSelection {
        @Override
        public boolean selects(String topic, int partition) {
            List<Integer> ps = partitions.get(topic);
            return ps != null && ps.contains(partition);
        }
    }

    /** From option values, of which exactly one may be non-null. */
    static TopicSelection of(String subscribe, String pattern, String assign) {
        int given = (subscribe != null ? 1 : 0) + (pattern != null ? 1 : 0) + (assign != null ? 1 : 0);
        if (given != 1) {
            throw new IllegalArgumentException("give exactly one of 'subscribe', 'subscribePattern' or 'assign'");
        }
        if (subscribe != null) {
            List<String> topics = java.util.Arrays.stream(subscribe.split(",")).map(String::trim)
                    .filter(t -> !t.isEmpty()).toList();
            if (topics.isEmpty()) {
                throw new IllegalArgumentException("'subscribe' names no topic");
            }
            return new Subscribe(topics);
        }
        if (pattern != null) {
            Pattern.compile(pattern);
            return new SubscribePattern(pattern);
        }
        try {
            Map<String, List<Integer>> parsed = new com.fasterxml.jackson.databind.ObjectMapper().readValue(assign,
                    new com.fasterxml.jackson.core.type.TypeReference<Map<String, List<Integer>>>() { });
            return new Assign(new java.util.TreeMap<>(parsed));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalArgumentException("'assign' must be JSON like {\"topic\":[0,1]}, got: " + assign, e);
        }
    }
}
