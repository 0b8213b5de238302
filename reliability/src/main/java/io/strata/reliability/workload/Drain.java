package io.strata.reliability.workload;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import io.strata.reliability.history.Event;
import io.strata.reliability.history.History;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The final read of every partition from its beginning to its end (the high watermark once writing stopped),
 * recorded as {@code drain} reads: what the lost-write checker compares the acknowledgements with. It retries
 * through errors until a deadline, since the cluster may still be electing leaders after the last fault.
 */
public final class Drain {
    private static final Logger LOG = LoggerFactory.getLogger(Drain.class);

    private Drain() {
    }

    /** @return the partitions it could not read to their end before the deadline (empty when complete) */
    public static Map<TopicPartition, String> readAll(String bootstrap, List<TopicPartition> partitions,
                                                      History history, Duration deadline) {
        long until = System.nanoTime() + deadline.toNanos();
        Map<TopicPartition, Long> ends = null;
        Map<TopicPartition, Long> positions = new HashMap<>();
        while (System.nanoTime() < until) {
            try (KafkaConsumer<String, String> c = new KafkaConsumer<>(
                    ClientSettings.consumer(bootstrap, "drain", null))) {
                c.assign(partitions);
                for (TopicPartition tp : partitions) {
                    Long at = positions.get(tp);
                    if (at == null) {
                        c.seekToBeginning(List.of(tp));
                    } else {
                        c.seek(tp, at);
                    }
                }
                if (ends == null) {
                    ends = c.endOffsets(partitions, Duration.ofSeconds(15));
                    LOG.info("drain: end offsets {}", ends);
                }
                while (System.nanoTime() < until && !complete(c, partitions, ends, positions)) {
                    var records = c.poll(Duration.ofMillis(500));
                    long at = history.now();
                    for (ConsumerRecord<String, String> r : records) {
                        history.record(Event.read(at, "drain", r.topic(), r.partition(), r.offset(), r.value()));
                    }
                }
                if (complete(c, partitions, ends, positions)) {
                    return Map.of();
                }
            } catch (KafkaException e) {
                LOG.info("drain: {} (retrying)", SendLoop.describe(e));
                sleep();
            }
        }
        Map<TopicPartition, String> missing = new HashMap<>();
        for (TopicPartition tp : partitions) {
            long end = ends == null ? -1 : ends.getOrDefault(tp, -1L);
            long at = positions.getOrDefault(tp, -1L);
            if (ends == null || at < end) {
                missing.put(tp, "read to " + at + " of " + end);
            }
        }
        return missing;
    }

    private static boolean complete(KafkaConsumer<String, String> c, List<TopicPartition> partitions,
                                    Map<TopicPartition, Long> ends, Map<TopicPartition, Long> positions) {
        boolean done = true;
        for (TopicPartition tp : partitions) {
            long position = c.position(tp, Duration.ofSeconds(10));
            positions.put(tp, position);
            if (position < ends.getOrDefault(tp, 0L)) {
                done = false;
            }
        }
        return done;
    }

    private static void sleep() {
        try {
            Thread.sleep(1000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
