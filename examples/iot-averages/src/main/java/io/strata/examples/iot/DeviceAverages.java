package io.strata.examples.iot;

import io.smallrye.reactive.messaging.kafka.Record;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.eclipse.microprofile.reactive.messaging.Outgoing;

import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Running per-device temperature averages over the readings topic. Each reading updates its device's
 * average, which is published to the averages topic under the device id, so the topic's latest record per
 * key is the current average (a compacted topic would keep exactly that).
 */
@ApplicationScoped
public class DeviceAverages {

    private record Sum(long count, double total) {
        Sum add(double value) {
            return new Sum(count + 1, total + value);
        }
    }

    private final Map<String, Sum> sums = new ConcurrentHashMap<>();

    @Incoming("readings")
    @Outgoing("averages")
    public Record<String, DeviceAverage> update(Reading reading) {
        Sum sum = sums.merge(reading.device(), new Sum(1, reading.temperature()),
                (old, one) -> old.add(reading.temperature()));
        return Record.of(reading.device(), average(reading.device(), sum));
    }

    public Map<String, DeviceAverage> all() {
        Map<String, DeviceAverage> all = new TreeMap<>();
        sums.forEach((device, sum) -> all.put(device, average(device, sum)));
        return all;
    }

    public Optional<DeviceAverage> of(String device) {
        return Optional.ofNullable(sums.get(device)).map(sum -> average(device, sum));
    }

    private static DeviceAverage average(String device, Sum sum) {
        return new DeviceAverage(device, sum.count(), sum.total() / sum.count());
    }
}
