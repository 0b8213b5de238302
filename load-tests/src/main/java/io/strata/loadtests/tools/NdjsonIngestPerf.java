package io.strata.loadtests.tools;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Ingest throughput of device JSON lines (about 200 bytes each), either as NDJSON uploads to
 * {@code POST /ingest/{topic}} from several concurrent HTTP clients ({@code --target http}) or as Kafka-protocol
 * produce of the very same lines with the same keys ({@code --target kafka}). Throughput counts the lines' bytes
 * (the record values), not HTTP or Kafka framing. A warm-up of the same kind precedes the measurement.
 */
@Command(name = "ndjson-ingest-perf", mixinStandardHelpOptions = true,
        description = "Device JSON ingest throughput over HTTP NDJSON or Kafka produce.")
public final class NdjsonIngestPerf implements java.util.concurrent.Callable<Integer> {

    @Option(names = "--target", required = true, description = "http or kafka")
    String target;

    @Option(names = "--http-base", description = "e.g. http://127.0.0.1:8080 (for --target http)")
    String httpBase;

    @Option(names = "--bootstrap-server", description = "for --target kafka")
    String bootstrap;

    @Option(names = "--topic", required = true)
    String topic;

    @Option(names = "--records", required = true, description = "Lines measured.")
    long records;

    @Option(names = "--warmup-records", defaultValue = "0", description = "Lines sent first, not measured.")
    long warmupRecords;

    @Option(names = "--lines-per-request", defaultValue = "1000")
    int linesPerRequest;

    @Option(names = "--clients", defaultValue = "4", description = "Concurrent HTTP uploads.")
    int clients;

    @Option(names = "--devices", defaultValue = "10000")
    int devices;

    @Option(names = "--producer-prop", description = "Extra producer property key=value.")
    Map<String, String> producerProps = new LinkedHashMap<>();

    /** Distinct lines generated; the load cycles through them (in the same order for both targets). */
    static final int POOL_LINES = 100_000;

    public static void main(String[] args) {
        System.exit(new CommandLine(new NdjsonIngestPerf()).execute(args));
    }

    @Override
    public Integer call() throws Exception {
        if (records % linesPerRequest != 0 || warmupRecords % linesPerRequest != 0) {
            throw new CommandLine.ParameterException(new CommandLine(this),
                    "--records and --warmup-records must be multiples of --lines-per-request");
        }
        Lines lines = Lines.generate(Math.max(linesPerRequest, (POOL_LINES / linesPerRequest) * linesPerRequest),
                devices, 42);
        Run measured = switch (target) {
            case "http" -> viaHttp(lines);
            case "kafka" -> viaKafka(lines);
            default -> throw new CommandLine.ParameterException(new CommandLine(this), "unknown target " + target);
        };
        double seconds = measured.nanos() / 1e9;
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("target", target);
        r.put("records", records);
        r.put("bytes", measured.bytes());
        r.put("seconds", seconds);
        r.put("mibPerSec", measured.bytes() / (1024.0 * 1024.0) / seconds);
        r.put("recordsPerSec", records / seconds);
        r.put("avgRecordBytes", (double) measured.bytes() / records);
        ToolResult.print(r);
        return 0;
    }

    record Run(long nanos, long bytes) {
    }

    // ---------------------------------------------------------------- HTTP

    private Run viaHttp(Lines lines) throws Exception {
        List<byte[]> bodies = new ArrayList<>();
        long[] bodyPayload = new long[lines.count() / linesPerRequest];
        for (int b = 0; b < bodyPayload.length; b++) {
            ByteArrayOutputStream body = new ByteArrayOutputStream();
            for (int i = b * linesPerRequest; i < (b + 1) * linesPerRequest; i++) {
                body.write(lines.value(i));
                body.write('\n');
                bodyPayload[b] += lines.value(i).length;
            }
            bodies.add(body.toByteArray());
        }
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(10)).build();
        URI uri = URI.create(httpBase + "/ingest/" + topic);
        ExecutorService pool = Executors.newFixedThreadPool(clients);
        try {
            uploads(http, uri, bodies, bodyPayload, 0, warmupRecords / linesPerRequest, pool);
            long t0 = System.nanoTime();
            long bytes = uploads(http, uri, bodies, bodyPayload, warmupRecords / linesPerRequest,
                    records / linesPerRequest, pool);
            return new Run(System.nanoTime() - t0, bytes);
        } finally {
            pool.shutdownNow();
        }
    }

    /** {@code count} uploads starting at request number {@code first}, spread over the client threads. */
    private long uploads(HttpClient http, URI uri, List<byte[]> bodies, long[] bodyPayload, long first, long count,
                         ExecutorService pool) throws Exception {
        AtomicLong next = new AtomicLong(first);
        long end = first + count;
        List<Future<Long>> workers = new ArrayList<>();
        for (int c = 0; c < clients; c++) {
            workers.add(pool.submit(() -> {
                long bytes = 0;
                for (long n = next.getAndIncrement(); n < end; n = next.getAndIncrement()) {
                    int b = (int) (n % bodies.size());
                    HttpRequest request = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(60))
                            .header("Content-Type", "application/x-ndjson")
                            .header("X-Strata-Key-Field", "device")
                            .POST(HttpRequest.BodyPublishers.ofByteArray(bodies.get(b))).build();
                    HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
                    JsonNode result = response.statusCode() == 200 ? JSON.readTree(response.body()) : null;
                    if (result == null || result.path("records").asLong() != linesPerRequest) {
                        throw new IllegalStateException("upload answered " + response.statusCode() + ": "
                                + abbreviate(response.body()));
                    }
                    bytes += bodyPayload[b];
                }
                return bytes;
            }));
        }
        long bytes = 0;
        for (Future<Long> w : workers) {
            bytes += w.get();
        }
        return bytes;
    }

    // ---------------------------------------------------------------- Kafka

    private Run viaKafka(Lines lines) throws Exception {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        p.put(ProducerConfig.CLIENT_ID_CONFIG, "ndjson-ingest-perf");
        p.putAll(producerProps);
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p)) {
            send(producer, lines, 0, warmupRecords);
            long t0 = System.nanoTime();
            long bytes = send(producer, lines, warmupRecords, records);
            return new Run(System.nanoTime() - t0, bytes);
        }
    }

    /** Sends asynchronously, as ProducerPerformance does, and waits for every acknowledgement. */
    private long send(KafkaProducer<byte[], byte[]> producer, Lines lines, long first, long count)
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

    // ---------------------------------------------------------------- payloads

    private static final ObjectMapper JSON = new ObjectMapper();

    private static String abbreviate(String s) {
        return s.length() > 300 ? s.substring(0, 300) + "..." : s;
    }

    /** Device readings as JSON lines of about 200 bytes, keyed by device id. */
    record Lines(byte[][] keys, byte[][] values) {

        int count() {
            return values.length;
        }

        byte[] key(int i) {
            return keys[i];
        }

        byte[] value(int i) {
            return values[i];
        }

        static Lines generate(int count, int devices, long seed) {
            Random random = new Random(seed);
            byte[][] keys = new byte[count][];
            byte[][] values = new byte[count][];
            String[] status = {"ok", "ok", "ok", "ok", "low-battery", "degraded"};
            for (int i = 0; i < count; i++) {
                String device = String.format(Locale.ROOT, "sensor-%06d", random.nextInt(devices));
                String line = String.format(Locale.ROOT,
                        "{\"device\":\"%s\",\"ts\":%d,\"seq\":%d,\"temperature\":%.2f,\"humidity\":%.2f,"
                                + "\"pressure\":%.1f,\"battery\":%d,\"rssi\":%d,\"firmware\":\"2.%d.%d\","
                                + "\"location\":{\"lat\":%.6f,\"lon\":%.6f},\"status\":\"%s\"}",
                        device, 1_700_000_000_000L + i * 10L, i, 15 + random.nextGaussian() * 5,
                        45 + random.nextGaussian() * 10, 1013 + random.nextGaussian() * 8, random.nextInt(101),
                        -40 - random.nextInt(60), random.nextInt(10), random.nextInt(30),
                        52 + random.nextDouble(), 13 + random.nextDouble(), status[random.nextInt(status.length)]);
                keys[i] = device.getBytes(StandardCharsets.UTF_8);
                values[i] = line.getBytes(StandardCharsets.UTF_8);
            }
            return new Lines(keys, values);
        }
    }
}
