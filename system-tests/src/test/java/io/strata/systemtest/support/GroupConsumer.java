package io.strata.systemtest.support;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.CommitFailedException;
import org.apache.kafka.common.TopicPartition;

/**
 * A Java consumer in a group, polling on its own thread: subscribes, records every value it sees and
 * its current assignment, and commits synchronously after each poll that returned records. A commit
 * that a rebalance overtakes is counted, not failed: the records come again after the rebalance.
 */
public final class GroupConsumer implements AutoCloseable {
    private final String name;
    private final Thread thread;
    private final Set<String> seen;
    private volatile Set<TopicPartition> assignment = Set.of();
    private volatile boolean stop;
    private final List<Throwable> failures = new CopyOnWriteArrayList<>();
    private final AtomicInteger rejectedCommits = new AtomicInteger();

    /**
     * @param seen shared set every consumed value is added to
     */
    public GroupConsumer(String name, String bootstrap, String groupId, String topic, Map<String, Object> overrides,
                         Set<String> seen) {
        this.name = name;
        this.seen = seen;
        Map<String, Object> config = new HashMap<>();
        config.put(ConsumerConfig.GROUP_ID_CONFIG, groupId);
        config.put(ConsumerConfig.CLIENT_ID_CONFIG, name);
        config.putAll(overrides);
        this.thread = new Thread(() -> run(bootstrap, topic, config), "group-consumer-" + name);
        thread.setDaemon(true);
        thread.start();
    }

    private void run(String bootstrap, String topic, Map<String, Object> config) {
        try (KafkaConsumer<byte[], byte[]> consumer = Clients.consumer(bootstrap, config)) {
            consumer.subscribe(List.of(topic));
            boolean uncommitted = false;
            while (!stop) {
                var records = consumer.poll(Duration.ofMillis(200));
                for (ConsumerRecord<byte[], byte[]> r : records) {
                    seen.add(new String(r.value(), StandardCharsets.UTF_8));
                }
                uncommitted |= !records.isEmpty();
                if (uncommitted) {
                    try {
                        consumer.commitSync(Duration.ofSeconds(30));
                        uncommitted = false;
                    } catch (CommitFailedException e) {
                        // A rebalance overtook the commit (with the consumer protocol: a heartbeat raised the
                        // member epoch while the commit was in flight). Kafka answers the same; an at-least-once
                        // consumer goes on polling and commits its position again after the rebalance.
                        rejectedCommits.incrementAndGet();
                    }
                }
                assignment = Set.copyOf(consumer.assignment());
            }
        } catch (Throwable t) {
            failures.add(t);
        }
    }

    public String name() {
        return name;
    }

    public Set<TopicPartition> assignment() {
        return assignment;
    }

    /** Commits the group rejected because a rebalance overtook them; not failures. */
    public int rejectedCommits() {
        return rejectedCommits.get();
    }

    public List<Throwable> failures() {
        return failures;
    }

    public boolean isRunning() {
        return thread.isAlive();
    }

    /** Stops polling and closes the consumer (it leaves the group). */
    @Override
    public void close() {
        stop = true;
        try {
            thread.join(60_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (thread.isAlive()) {
            throw new AssertionError("consumer " + name + " did not close within 60 s");
        }
    }

    /** A fresh set that consumers on several threads may add to. */
    public static Set<String> sharedSeenSet() {
        return ConcurrentHashMap.newKeySet();
    }
}
