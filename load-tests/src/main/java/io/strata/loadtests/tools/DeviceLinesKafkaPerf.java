package io.strata.loadtests.tools;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Callable;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Kafka-protocol produce of device JSON lines ({@link DeviceLines}, the same lines and keys the HTTP ingest load
 * sends), as the baseline that HTTP ingest is compared with on the same node. Throughput counts the lines' bytes
 * (the record values), not Kafka framing. A warm-up of the same kind precedes the measurement.
 */
@Command(name = "device-lines-kafka-perf", mixinStandardHelpOptions = true,
        description = "Kafka produce throughput of device JSON lines.")
public final class DeviceLinesKafkaPerf implements Callable<Integer> {

    /** Distinct lines generated; the load cycles through them, in the same order as the HTTP load. */
    public static final int POOL_LINES = 100_000;
    public static final long SEED = 42;

    @Option(names = "--bootstrap-server", required = true)
    String bootstrap;

    @Option(names = "--topic", required = true)
    String topic;

    @Option(names = "--records", required = true, description = "Lines measured.")
    long records;

    @Option(names = "--warmup-records", defaultValue = "0", description = "Lines sent first, not measured.")
    long warmupRecords;

    @Option(names = "--devices", defaultValue = "10000")
    int devices;

    @Option(names = "--producer-prop", description = "Extra producer property key=value.")
    Map<String, String> producerProps = new LinkedHashMap<>();

    public static void main(String[] args) {
        System.exit(new CommandLine(new DeviceLinesKafkaPerf()).execute(args));
    }

    @Override
    public Integer call() throws Exception {
        DeviceLines lines = DeviceLines.generate(POOL_LINES, devices, SEED);
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        p.put(ProducerConfig.CLIENT_ID_CONFIG, "device-lines-kafka-perf");
        p.putAll(producerProps);
        long nanos;
        long bytes;
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p)) {
            send(producer, lines, 0, warmupRecords);
            long t0 = System.nanoTime();
            bytes = send(producer, lines, warmupRecords, records);
            nanos = System.nanoTime() - t0;
        }
        double seconds = nanos / 1e9;
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("records", records);
        r.put("bytes", bytes);
        r.put("seconds", seconds);
        r.put("mibPerSec", bytes / (1024.0 * 1024.0) / seconds);
        r.put("recordsPerSec", records / seconds);
        r.put("avgRecordBytes", (double) bytes / records);
        ToolResult.print(r);
        return 0;
    }

    /** Sends asynchronously, as ProducerPerformance does, and waits for every acknowledgement. */
    private long send(KafkaProducer<byte[], byte[]> producer, DeviceLines lines, long first, long count)
            throws InterruptedException {
        AtomicReference<Exception> error = new AtomicReference<>();
        // Bounds the records in flight like buffer.memory would, without a blocking send on a full buffer skewing
        // the start of the clock.
        Semaphore inFlight = new Semaphore(100_000);
        long bytes = 0;
        for (long n = first; n < first + count && error.get() == null; n++) {
            int i = (int) (n % lines.count());
            inFlight.acquire();
            producer.send(new ProducerRecord<>(topic, lines.key(i), lines.value(i)), (md, e) -> {
                if (e != null) {
                    error.compareAndSet(null, e);
                }
                inFlight.release();
            });
            bytes += lines.value(i).length;
        }
        producer.flush();
        if (error.get() != null) {
            throw new IllegalStateException("send failed", error.get());
        }
        return bytes;
    }
}
