package io.strata.loadtests.tools;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;

/**
 * End-to-end latency at a fixed rate, without consumer groups. A producer sends records at a fixed schedule,
 * each carrying its scheduled send time; a consumer in the same JVM (assign() on every partition, starting at
 * the end) takes receive time minus scheduled time. Using the schedule rather than the actual send time
 * keeps a stalled producer from hiding latency (no coordinated omission).
 */
@Command(name = "fixed-rate-latency", mixinStandardHelpOptions = true,
        description = "Produce-to-consume latency at a fixed rate (no group coordination).")
public final class FixedRateLatency implements Callable<Integer> {

    @Option(names = "--bootstrap-server", required = true)
    String bootstrap;

    @Option(names = "--topic", required = true)
    String topic;

    @Option(names = "--rate", defaultValue = "1000", description = "Records per second.")
    int rate;

    @Option(names = "--duration-s", defaultValue = "20", description = "Measured seconds (after warm-up).")
    double durationS;

    @Option(names = "--warmup-s", defaultValue = "2", description = "Seconds sent first and not measured.")
    double warmupS;

    @Option(names = "--record-size", defaultValue = "1024")
    int recordSize;

    @Option(names = "--acks", defaultValue = "all")
    String acks;

    @Option(names = "--producer-prop")
    Map<String, String> producerExtra = new LinkedHashMap<>();

    @Option(names = "--consumer-prop")
    Map<String, String> consumerExtra = new LinkedHashMap<>();

    public static void main(String[] args) {
        System.exit(new CommandLine(new FixedRateLatency()).execute(args));
    }

    @Override
    public Integer call() throws Exception {
        int warmup = (int) Math.round(rate * warmupS);
        int measured = (int) Math.round(rate * durationS);
        int total = warmup + measured;
        long intervalNs = 1_000_000_000L / rate;
        long[] latencyNs = new long[total];
        Arrays.fill(latencyNs, -1);
        AtomicLong received = new AtomicLong();
        AtomicLong sendErrors = new AtomicLong();
        AtomicReference<Throwable> consumerFailure = new AtomicReference<>();
        CountDownLatch consumerReady = new CountDownLatch(1);
        volatileStop = false;

        Thread consumerThread = new Thread(() -> {
            try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(consumerProps())) {
                List<TopicPartition> parts = consumer.partitionsFor(topic, Duration.ofSeconds(30)).stream()
                        .map(i -> new TopicPartition(i.topic(), i.partition())).toList();
                consumer.assign(parts);
                consumer.seekToEnd(parts);
                for (TopicPartition tp : parts) {
                    consumer.position(tp, Duration.ofSeconds(30));
                }
                consumerReady.countDown();
                while (!volatileStop) {
                    for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(100))) {
                        long now = System.nanoTime();
                        ByteBuffer b = ByteBuffer.wrap(r.value());
                        long scheduled = b.getLong(0);
                        int seq = (int) b.getLong(8);
                        if (seq >= 0 && seq < total && latencyNs[seq] < 0) {
                            latencyNs[seq] = now - scheduled;
                            received.incrementAndGet();
                        }
                    }
                }
            } catch (Throwable t) {
                consumerFailure.set(t);
                consumerReady.countDown();
            }
        }, "latency-consumer");
        consumerThread.start();
        if (!consumerReady.await(60, TimeUnit.SECONDS) || consumerFailure.get() != null) {
            volatileStop = true;
            System.err.println("consumer failed to start: " + consumerFailure.get());
            return 2;
        }

        long sendStart;
        long sendEnd;
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(producerProps())) {
            // One record outside the schedule to open the connection and fetch metadata.
            producer.send(new ProducerRecord<>(topic, payload(System.nanoTime(), -1))).get(30, TimeUnit.SECONDS);
            sendStart = System.nanoTime() + 10_000_000L;
            for (int i = 0; i < total; i++) {
                long scheduled = sendStart + i * intervalNs;
                long wait;
                while ((wait = scheduled - System.nanoTime()) > 0) {
                    if (wait > 200_000) {
                        LockSupport.parkNanos(wait - 100_000);
                    } else {
                        Thread.onSpinWait();
                    }
                }
                producer.send(new ProducerRecord<>(topic, payload(scheduled, i)), (md, e) -> {
                    if (e != null) {
                        sendErrors.incrementAndGet();
                    }
                });
            }
            producer.flush();
            sendEnd = System.nanoTime();
        }
        long waitUntil = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
        while (received.get() < total - sendErrors.get() && System.nanoTime() < waitUntil) {
            Thread.sleep(20);
        }
        volatileStop = true;
        consumerThread.join(10_000);

        long[] measuredLat = Arrays.stream(latencyNs, warmup, total).filter(v -> v >= 0).sorted().toArray();
        long lost = measured - measuredLat.length;
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("rate", rate);
        out.put("achievedRate", total / ((sendEnd - sendStart) / 1e9));
        out.put("recordSize", recordSize);
        out.put("sent", total);
        out.put("measured", measured);
        out.put("received", measuredLat.length);
        out.put("lost", lost);
        out.put("sendErrors", sendErrors.get());
        if (measuredLat.length > 0) {
            out.put("p50Ms", pct(measuredLat, 0.50));
            out.put("p99Ms", pct(measuredLat, 0.99));
            out.put("p999Ms", pct(measuredLat, 0.999));
            out.put("maxMs", measuredLat[measuredLat.length - 1] / 1e6);
            out.put("meanMs", Arrays.stream(measuredLat).average().orElse(0) / 1e6);
        }
        ToolResult.print(out);
        if (consumerFailure.get() != null) {
            System.err.println("consumer failed: " + consumerFailure.get());
            return 3;
        }
        return lost == 0 && sendErrors.get() == 0 ? 0 : 4;
    }

    private volatile boolean volatileStop;

    /** Nearest-rank percentile, in milliseconds. */
    static double pct(long[] sorted, double q) {
        int idx = (int) Math.ceil(q * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, idx))] / 1e6;
    }

    private byte[] payload(long scheduledNanos, long seq) {
        byte[] b = new byte[Math.max(16, recordSize)];
        ThreadLocalRandom.current().nextBytes(b);
        ByteBuffer.wrap(b).putLong(0, scheduledNanos).putLong(8, seq);
        return b;
    }

    private Properties producerProps() {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        p.put(ProducerConfig.ACKS_CONFIG, acks);
        p.put(ProducerConfig.LINGER_MS_CONFIG, "0");
        p.put(ProducerConfig.CLIENT_ID_CONFIG, "fixed-rate-latency");
        p.putAll(producerExtra);
        return p;
    }

    private Properties consumerProps() {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        p.put(ConsumerConfig.CLIENT_ID_CONFIG, "fixed-rate-latency");
        p.putAll(consumerExtra);
        return p;
    }
}
