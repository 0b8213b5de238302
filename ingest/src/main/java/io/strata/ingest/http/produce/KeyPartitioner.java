package io.strata.ingest.http.produce;

import org.apache.kafka.common.utils.Utils;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Chooses partitions for records produced over HTTP the way the Java client's default partitioner
 * does for keyed records (murmur2 of the key bytes), so a key lands in the same partition whether
 * it comes over HTTP or Kafka. Unkeyed records are spread round-robin per topic. Thread-safe.
 */
public final class KeyPartitioner {

    private final Map<String, AtomicInteger> counters = new ConcurrentHashMap<>();

    /** The partition of a keyed record: the Java client's {@code BuiltInPartitioner.partitionForKey}. */
    public static int partitionForKey(byte[] key, int numPartitions) {
        return Utils.toPositive(Utils.murmur2(key)) % numPartitions;
    }

    public int partition(String topic, byte[] key, int numPartitions) {
        if (key != null) {
            return partitionForKey(key, numPartitions);
        }
        AtomicInteger counter = counters.computeIfAbsent(topic, t -> new AtomicInteger());
        return Utils.toPositive(counter.getAndIncrement()) % numPartitions;
    }
}
