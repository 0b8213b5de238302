package io.strata.reliability.workload;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import io.strata.reliability.history.Event;
import io.strata.reliability.history.History;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A member of a consumer group that reads, records every record it sees and commits what it read with
 * {@code commitSync} after each poll. A commit that fails (rebalance, coordinator moved, time-out) is not an error:
 * the records are read again by whoever owns the partition next. A consumer the client library gave up on is
 * replaced by a new one, as an application would.
 */
final class GroupReadLoop extends Worker {
    private static final Logger LOG = LoggerFactory.getLogger(GroupReadLoop.class);

    private final String bootstrap;
    private final String group;
    private final List<String> topics;
    private final History history;
    private volatile KafkaConsumer<String, String> consumer;

    GroupReadLoop(String name, String bootstrap, String group, List<String> topics, History history) {
        super(name);
        this.bootstrap = bootstrap;
        this.group = group;
        this.topics = topics;
        this.history = history;
    }

    @Override
    protected void wakeUp() {
        KafkaConsumer<String, String> c = consumer;
        if (c != null) {
            c.wakeup();
        }
    }

    @Override
    protected void loop() {
        while (running()) {
            try (KafkaConsumer<String, String> c = new KafkaConsumer<>(
                    ClientSettings.consumer(bootstrap, name, group))) {
                consumer = c;
                c.subscribe(topics);
                while (running()) {
                    pollAndCommit(c);
                }
            } catch (WakeupException e) {
                // stop() asked to end
            } catch (KafkaException e) {
                LOG.info("{}: consumer failed ({}), starting a new one", name, SendLoop.describe(e));
                pause(1000);
            }
        }
    }

    private void pollAndCommit(KafkaConsumer<String, String> c) {
        ConsumerRecords<String, String> records = c.poll(Duration.ofMillis(500));
        if (records.isEmpty()) {
            return;
        }
        long readAt = history.now();
        Map<TopicPartition, OffsetAndMetadata> next = new HashMap<>();
        for (ConsumerRecord<String, String> r : records) {
            history.record(Event.read(readAt, name, r.topic(), r.partition(), r.offset(), r.value()));
            next.put(new TopicPartition(r.topic(), r.partition()), new OffsetAndMetadata(r.offset() + 1));
        }
        try {
            c.commitSync(next, Duration.ofSeconds(10));
        } catch (WakeupException e) {
            throw e;
        } catch (KafkaException e) {
            return; // not committed: read again later, which the checker allows
        }
        long committedAt = history.now();
        next.forEach((tp, om) -> history.record(
                Event.commit(committedAt, name, group, tp.topic(), tp.partition(), om.offset())));
    }
}
