package io.strata.reliability.workload;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;

import io.strata.reliability.history.Event;
import io.strata.reliability.history.History;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;

/**
 * A member of a consumer group that reads, records every record it sees and commits what it read with
 * {@code commitSync} after each poll. A commit that fails (rebalance, coordinator moved, time-out) is not an error:
 * the records are read again by whoever owns the partition next.
 */
final class GroupReadLoop extends ConsumerWorker {
    private final String bootstrap;
    private final String group;
    private final List<String> topics;
    private final History history;

    GroupReadLoop(String name, String bootstrap, String group, List<String> topics, History history) {
        super(name);
        this.bootstrap = bootstrap;
        this.group = group;
        this.topics = topics;
        this.history = history;
    }

    @Override
    protected Properties settings() {
        return ClientSettings.consumer(bootstrap, name, group);
    }

    @Override
    protected void consume(KafkaConsumer<String, String> c) {
        c.subscribe(topics);
        while (running()) {
            pollAndCommit(c);
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
