package io.strata.loadtests.tools;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;

import java.util.Properties;
import java.util.Random;

/** Fills partition 0 of a topic with N MiB of 1 KiB records (random bytes, unkeyed), fast: acks=1, large batches. */
public final class PartitionFill {

    public static final int RECORD_BYTES = 1024;

    private PartitionFill() {
    }

    public static void fill(String bootstrap, String topic, int mib) {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ProducerConfig.ACKS_CONFIG, "1");
        p.put(ProducerConfig.LINGER_MS_CONFIG, 5);
        p.put(ProducerConfig.BATCH_SIZE_CONFIG, 256 * 1024);
        byte[] value = new byte[RECORD_BYTES];
        new Random(2).nextBytes(value);
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p, new ByteArraySerializer(),
                new ByteArraySerializer())) {
            for (long i = 0; i < ((long) mib << 20) / RECORD_BYTES; i++) {
                producer.send(new ProducerRecord<>(topic, 0, null, value));
            }
            producer.flush();
        }
    }
}
