package io.strata.reliability.workload;

import java.time.Duration;
import java.util.List;
import java.util.Properties;
import java.util.Random;

import io.strata.reliability.history.Event;
import io.strata.reliability.history.History;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;

/**
 * A reader of assigned partitions (no group) that records every (partition, offset, value) it sees and, every few
 * seconds, seeks back a random distance and reads that stretch again, so the same offsets are observed many times,
 * by several readers, across failovers: two observations of one offset with different values are what the
 * inconsistent-offsets checker looks for.
 */
final class RereadLoop extends ConsumerWorker {
    private static final long REREAD_EVERY_MS = 5_000;
    private static final int MAX_REREAD = 300;

    private final String bootstrap;
    private final List<TopicPartition> partitions;
    private final History history;
    private final Random random;

    RereadLoop(String name, String bootstrap, List<TopicPartition> partitions, History history, long seed) {
        super(name);
        this.bootstrap = bootstrap;
        this.partitions = partitions;
        this.history = history;
        this.random = new Random(seed);
    }

    @Override
    protected Properties settings() {
        return ClientSettings.consumer(bootstrap, name, null);
    }

    @Override
    protected void consume(KafkaConsumer<String, String> c) {
        c.assign(partitions);
        c.seekToBeginning(partitions);
        long lastReread = System.currentTimeMillis();
        while (running()) {
            var records = c.poll(Duration.ofMillis(500));
            long readAt = history.now();
            for (ConsumerRecord<String, String> r : records) {
                history.record(Event.read(readAt, name, r.topic(), r.partition(), r.offset(), r.value()));
            }
            if (System.currentTimeMillis() - lastReread > REREAD_EVERY_MS) {
                seekBack(c);
                lastReread = System.currentTimeMillis();
            }
        }
    }

    private void seekBack(KafkaConsumer<String, String> c) {
        for (TopicPartition tp : partitions) {
            long position;
            try {
                position = c.position(tp, Duration.ofSeconds(2));
            } catch (KafkaException e) {
                continue; // no position right now (e.g. leader unknown): try at the next round
            }
            long back = 1 + random.nextInt(MAX_REREAD);
            c.seek(tp, Math.max(0, position - back));
        }
    }
}
