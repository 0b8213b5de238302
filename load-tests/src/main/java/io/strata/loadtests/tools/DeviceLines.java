package io.strata.loadtests.tools;

import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Random;

/**
 * Device readings as JSON lines of about 200 bytes, keyed by device id. The same seed gives the same lines, so
 * the HTTP load (Gatling) and the Kafka produce baseline send identical payloads with identical keys.
 */
public record DeviceLines(byte[][] keys, byte[][] values) {

    public int count() {
        return values.length;
    }

    public byte[] key(int i) {
        return keys[i];
    }

    public byte[] value(int i) {
        return values[i];
    }

    public static DeviceLines generate(int count, int devices, long seed) {
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
        return new DeviceLines(keys, values);
    }
}
