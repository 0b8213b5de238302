package io.strata.ingest.group;

import java.nio.charset.StandardCharsets;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/** Topics for tests, and a subscription format of comma-separated topic names. */
public final class TestTopics implements TopicCatalog, SubscriptionDecoder {

    private final Map<String, Integer> topics = new TreeMap<>();

    public TestTopics with(String topic, int partitions) {
        topics.put(topic, partitions);
        return this;
    }

    @Override
    public int partitionCount(String topic) {
        return topics.getOrDefault(topic, -1);
    }

    @Override
    public Collection<String> topicNames() {
        return List.copyOf(topics.keySet());
    }

    @Override
    public Set<String> subscribedTopics(String protocolType, byte[] metadata) {
        String text = new String(metadata, StandardCharsets.UTF_8);
        return text.isEmpty() ? Set.of() : Set.of(text.split(","));
    }

    public static byte[] subscription(String... topics) {
        return String.join(",", topics).getBytes(StandardCharsets.UTF_8);
    }
}
