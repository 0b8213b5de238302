package io.strata.systemtest;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;

import io.strata.systemtest.support.AckLog;
import io.strata.systemtest.support.Clients;
import io.strata.systemtest.support.FaultInjectingProxy;
import io.strata.testsupport.NodeLogOnFailure;
import io.strata.testsupport.Ports;
import io.strata.systemtest.support.RecordChecks;
import io.strata.testsupport.StrataNode;
import io.strata.systemtest.support.TestRecords;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The idempotent producer's retries never duplicate: a proxy between producer and node lets some Produce requests
 * through but swallows their responses and cuts the connection, so the producer resends batches the node already
 * appended.
 */
@ExtendWith(NodeLogOnFailure.class)
class IdempotenceIT {
    private static final short PRODUCE = 0;
    /** Which Produce requests (by ordinal through the proxy) lose their response. */
    private static final Set<Integer> DROPPED = Set.of(3, 15, 28, 40, 60, 85, 110, 140, 170, 200, 230, 260);

    @Test
    void retriedBatchesAreWrittenExactlyOnce() {
        int kafkaPort = Ports.free();
        try (FaultInjectingProxy proxy = new FaultInjectingProxy("127.0.0.1", kafkaPort,
                (apiKey, ordinal) -> apiKey == PRODUCE && DROPPED.contains(ordinal));
             StrataNode node = StrataNode.builder("idempotence").kafkaPort(kafkaPort)
                     .advertisedPort(proxy.port()).build()) {
            node.requireManaged("the node must advertise the proxy's port");
            node.startProcess();
            String topic = "idempotent";
            int partitions = 3;
            int count = 30_000;
            Clients.createTopic(node.bootstrap(), topic, partitions);
            TestRecords records = new TestRecords(topic, System.currentTimeMillis() - 60_000);
            AckLog acks = new AckLog();
            // Small batches and no lingering: many Produce requests, up to five in flight per connection.
            try (KafkaProducer<byte[], byte[]> producer = Clients.producer(node.bootstrap(), Map.of(
                    "batch.size", "4096", "linger.ms", "0", "retry.backoff.ms", "20",
                    "reconnect.backoff.ms", "20", "reconnect.backoff.max.ms", "200"))) {
                for (int i = 0; i < count; i++) {
                    producer.send(records.record(topic, i), acks.callback(i));
                }
                producer.flush();
            }
            acks.assertAllAcknowledged(count);
            assertThat(proxy.requests(PRODUCE)).as("Produce requests through the proxy").isGreaterThan(260);
            // A request whose connection was already cut by an earlier drop is resent, not dropped: most drops happen.
            assertThat(proxy.droppedResponses()).as("Produce responses the proxy swallowed")
                    .isGreaterThanOrEqualTo(DROPPED.size() - 4);

            List<ConsumerRecord<byte[], byte[]>> read = Clients.readAll(node.bootstrap(),
                    List.of(new TopicPartition(topic, 0), new TopicPartition(topic, 1), new TopicPartition(topic, 2)),
                    Duration.ofMinutes(2));
            RecordChecks.assertExactlyOnce(read, records, acks, count, partitions);
        }
    }
}
