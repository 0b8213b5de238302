package io.strata.ingest.http.ingest;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.json.JsonMapper;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Locale;
import java.util.Random;

/**
 * A rough measurement (not a test, no assertions on time) of splitting and checking NDJSON lines of the
 * benchmark's device readings keyed by {@code device}: the per-line blocking parser over a copy of each line, as
 * the node did before, against {@link LineReader} and {@link LineValidator}. Times are the thread's CPU time, so
 * other processes on a shared machine slow it less than wall time; each round prints MiB of lines per CPU second.
 *
 * <p>Run: {@code java -cp <ingest test and main classes + dependencies> io.strata.ingest.http.ingest.LineCheckMeasurement [rounds]}
 */
public final class LineCheckMeasurement {

    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();
    private static final ObjectReader JSON = JsonMapper.builder().build().reader()
            .without(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
    private static final String[] KEY = {"device"};

    private LineCheckMeasurement() {
    }

    public static void main(String[] args) throws Exception {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 15;
        byte[] body = deviceLines(100_000);
        long sink = 0;
        for (int round = 1; round <= rounds; round++) {
            long t0 = THREADS.getCurrentThreadCpuTime();
            sink += before(body);
            long t1 = THREADS.getCurrentThreadCpuTime();
            sink += after(body);
            long t2 = THREADS.getCurrentThreadCpuTime();
            System.out.printf(Locale.ROOT, "round %2d: per-line blocking parser %6.0f MiB/s, reused non-blocking parser %6.0f MiB/s%n",
                    round, mib(body.length, t1 - t0), mib(body.length, t2 - t1));
        }
        System.out.println("(" + sink + ")");
    }

    private static double mib(long bytes, long nanos) {
        return bytes / (1024.0 * 1024.0) / (nanos / 1e9);
    }

    /** Lines copied out one by one and each read by its own blocking parser, finding the key. */
    private static long before(byte[] body) throws IOException {
        long keys = 0;
        int start = 0;
        for (int i = 0; i < body.length; i++) {
            if (body[i] == '\n') {
                byte[] line = Arrays.copyOfRange(body, start, i);
                try (JsonParser p = JSON.createParser(line)) {
                    p.nextToken();
                    while (p.nextToken() == JsonToken.FIELD_NAME) {
                        boolean onPath = KEY[0].equals(p.currentName());
                        if (p.nextToken() == JsonToken.VALUE_STRING && onPath) {
                            keys += p.getText().getBytes(StandardCharsets.UTF_8).length;
                        } else {
                            p.skipChildren();
                        }
                    }
                    if (p.nextToken() != null) {
                        throw new IllegalStateException("trailing token");
                    }
                }
                start = i + 1;
            }
        }
        return keys;
    }

    private static long after(byte[] body) throws Exception {
        long keys = 0;
        LineReader lines = new LineReader(new ByteArrayInputStream(body), 1 << 20);
        LineValidator validator = new LineValidator(JSON, KEY);
        while (lines.next()) {
            keys += validator.check(lines.array(), lines.offset(), lines.length(), lines.ascii()).length;
        }
        return keys;
    }

    /** The benchmark's device readings (load-tests DeviceLines, same format and seed). */
    private static byte[] deviceLines(int count) {
        Random random = new Random(42);
        String[] status = {"ok", "ok", "ok", "ok", "low-battery", "degraded"};
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int i = 0; i < count; i++) {
            String device = String.format(Locale.ROOT, "sensor-%06d", random.nextInt(10_000));
            String line = String.format(Locale.ROOT,
                    "{\"device\":\"%s\",\"ts\":%d,\"seq\":%d,\"temperature\":%.2f,\"humidity\":%.2f,"
                            + "\"pressure\":%.1f,\"battery\":%d,\"rssi\":%d,\"firmware\":\"2.%d.%d\","
                            + "\"location\":{\"lat\":%.6f,\"lon\":%.6f},\"status\":\"%s\"}",
                    device, 1_700_000_000_000L + i * 10L, i, 15 + random.nextGaussian() * 5,
                    45 + random.nextGaussian() * 10, 1013 + random.nextGaussian() * 8, random.nextInt(101),
                    -40 - random.nextInt(60), random.nextInt(10), random.nextInt(30),
                    52 + random.nextDouble(), 13 + random.nextDouble(), status[random.nextInt(status.length)]);
            out.writeBytes(line.getBytes(StandardCharsets.UTF_8));
            out.write('\n');
        }
        return out.toByteArray();
    }
}
