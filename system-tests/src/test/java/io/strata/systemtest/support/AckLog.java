package io.strata.systemtest.support;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;

import org.apache.kafka.clients.producer.Callback;
import org.apache.kafka.clients.producer.RecordMetadata;

/** Collects a producer's acknowledgements (partition and offset) by record sequence number. */
public final class AckLog {
    private final Map<Integer, RecordMetadata> metadata = new ConcurrentHashMap<>();
    private final ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();

    public Callback callback(int seq) {
        return (meta, error) -> {
            if (error != null) {
                failures.add("seq " + seq + ": " + error);
            } else {
                metadata.put(seq, meta);
            }
        };
    }

    public int acknowledged() {
        return metadata.size();
    }

    public RecordMetadata metadata(int seq) {
        return metadata.get(seq);
    }

    public Map<Integer, RecordMetadata> snapshot() {
        return new HashMap<>(metadata);
    }

    public long countIn(int partition) {
        return metadata.values().stream().filter(m -> m.partition() == partition).count();
    }

    /** No send failed and exactly {@code count} records were acknowledged. */
    public void assertAllAcknowledged(int count) {
        assertThat(failures).as("failed sends (first few)").isEmpty();
        assertThat(metadata.size()).as("acknowledged records").isEqualTo(count);
    }
}
