package io.strata.reliability.workload;

import java.util.Map;
import java.util.concurrent.TimeUnit;

import io.strata.reliability.history.Event;
import io.strata.reliability.history.History;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;

/**
 * Asks the cluster once a second for a group's committed offsets (as {@code kafka-consumer-groups --describe}
 * does) and records each answer with the time the question was asked, so that the checker can tell whether a
 * committed offset went backwards after a commit had been acknowledged.
 */
final class CommittedObserver extends Worker {
    private final String bootstrap;
    private final String group;
    private final History history;

    CommittedObserver(String name, String bootstrap, String group, History history) {
        super(name);
        this.bootstrap = bootstrap;
        this.group = group;
        this.history = history;
    }

    @Override
    protected void loop() {
        try (Admin admin = Admin.create(ClientSettings.admin(bootstrap, name))) {
            while (running()) {
                long askedAt = history.now();
                try {
                    Map<TopicPartition, OffsetAndMetadata> offsets = admin.listConsumerGroupOffsets(group)
                            .partitionsToOffsetAndMetadata().get(10, TimeUnit.SECONDS);
                    offsets.forEach((tp, om) -> {
                        if (om != null) {
                            history.record(Event.committed(askedAt, name, group, tp.topic(), tp.partition(),
                                    om.offset()));
                        }
                    });
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                } catch (Exception e) {
                    // no answer during a fault: ask again
                }
                pause(1000);
            }
        }
    }
}
