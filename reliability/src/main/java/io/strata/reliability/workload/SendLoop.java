package io.strata.reliability.workload;

import java.util.function.LongToIntFunction;

import io.strata.reliability.history.Event;
import io.strata.reliability.history.History;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * An idempotent acks=all producer sending unique values ({@code <name>-<seq>}) at a steady rate. Every send, and
 * the acknowledgement (with its offset) or failure of every send, goes into the history.
 */
final class SendLoop extends Worker {
    private final String bootstrap;
    private final String topic;
    private final LongToIntFunction partitionOfSeq;
    private final long intervalNanos;
    private final History history;
    private long seq;

    /**
     * @param partitionOfSeq the partition the record with this sequence number goes to
     * @param perSecond      records per second
     */
    SendLoop(String name, String bootstrap, String topic, LongToIntFunction partitionOfSeq, int perSecond,
             History history) {
        super(name);
        this.bootstrap = bootstrap;
        this.topic = topic;
        this.partitionOfSeq = partitionOfSeq;
        this.intervalNanos = 1_000_000_000L / perSecond;
        this.history = history;
    }

    @Override
    protected void loop() {
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(ClientSettings.producer(bootstrap, name))) {
            long next = System.nanoTime();
            while (running()) {
                long wait = next - System.nanoTime();
                if (wait > 0) {
                    pause(wait / 1_000_000);
                }
                next += intervalNanos;
                sendOne(producer);
            }
            // Whatever is still in flight gets its outcome (or a delivery time-out) into the history.
            producer.flush();
        }
    }

    private void sendOne(KafkaProducer<String, String> producer) {
        long s = seq++;
        int partition = partitionOfSeq.applyAsInt(s);
        String value = name + "-" + s;
        history.record(Event.send(history.now(), name, topic, partition, value, s));
        try {
            producer.send(new ProducerRecord<>(topic, partition, null, value), (metadata, error) -> {
                if (error == null) {
                    history.record(Event.ack(history.now(), name, topic, metadata.partition(), metadata.offset(),
                            value, s));
                } else {
                    history.record(Event.fail(history.now(), name, topic, partition, value, s, describe(error)));
                }
            });
        } catch (RuntimeException e) {
            // Refused before it was sent (e.g. no metadata within max.block.ms): a definite failure.
            history.record(Event.fail(history.now(), name, topic, partition, value, s, describe(e)));
        }
    }

    static String describe(Throwable error) {
        String message = error.getMessage();
        return error.getClass().getSimpleName() + (message == null ? "" : ": " + message);
    }
}
