package io.strata.reliability.workload;

import java.util.Properties;

import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A worker that reads with a {@link KafkaConsumer}. A consumer the client library gave up on is replaced by a new
 * one, as an application would; {@link #stop} wakes a consumer blocked in poll.
 */
abstract class ConsumerWorker extends Worker {
    private static final Logger LOG = LoggerFactory.getLogger(ConsumerWorker.class);

    private volatile KafkaConsumer<String, String> consumer;

    protected ConsumerWorker(String name) {
        super(name);
    }

    /** The new consumer's settings. */
    protected abstract Properties settings();

    /** Reads with {@code c} until {@link #running()} turns false. */
    protected abstract void consume(KafkaConsumer<String, String> c);

    @Override
    protected final void wakeUp() {
        KafkaConsumer<String, String> c = consumer;
        if (c != null) {
            c.wakeup();
        }
    }

    @Override
    protected final void loop() {
        while (running()) {
            try (KafkaConsumer<String, String> c = new KafkaConsumer<>(settings())) {
                consumer = c;
                consume(c);
            } catch (WakeupException e) {
                // stop() asked to end
            } catch (KafkaException e) {
                LOG.info("{}: consumer failed ({}), starting a new one", name, SendLoop.describe(e));
                pause(1000);
            }
        }
    }
}
