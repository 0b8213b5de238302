package io.strata.ingest.quota;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.apache.kafka.common.quota.ClientQuotaEntity;
import org.apache.kafka.common.utils.Time;
import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** Rates, throttle times and quota changes of the quota manager, on explicit clock readings. */
class QuotaManagerTest {

    private static ClientQuotaEntity client(String id) {
        Map<String, String> entries = new HashMap<>();
        entries.put(ClientQuotaEntity.CLIENT_ID, id);
        return new ClientQuotaEntity(entries);
    }

    @Test
    void aClientOverItsByteRateIsThrottledUntilItsRateIsBackAtTheQuota() {
        Map<ClientQuotaEntity, Map<String, Double>> quotas = new ConcurrentHashMap<>();
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        try (QuotaManager manager = new QuotaManager(() -> quotas, 11, 1, registry, Time.SYSTEM)) {
            assertThat(manager.active()).isFalse();
            assertThat(manager.recordAndGetThrottleTimeMs(QuotaType.PRODUCE, "ANONYMOUS", "app", 1e9, 0)).isZero();
            assertThat(manager.maxValueInQuotaWindow(QuotaType.FETCH, "ANONYMOUS", "app")).isEqualTo(Double.MAX_VALUE);

            quotas.put(client("app"), Map.of("producer_byte_rate", 1000.0));
            manager.refresh();
            assertThat(manager.active()).isTrue();
            long t0 = 1_000_000;
            // The rate is measured over at least 10 s (11 samples of 1 s): 10 000 bytes at once are within the quota.
            assertThat(manager.recordAndGetThrottleTimeMs(QuotaType.PRODUCE, "ANONYMOUS", "app", 10_000, t0)).isZero();
            // 10 000 more make 2000 B/s over 10 s: the client must wait as long again for 1000 B/s.
            long throttle = manager.recordAndGetThrottleTimeMs(QuotaType.PRODUCE, "ANONYMOUS", "app", 10_000, t0);
            assertThat((double) throttle).isCloseTo(10_000, within(1_000.0));
            // Another user of the same client id shares the client id's quota.
            assertThat(manager.recordAndGetThrottleTimeMs(QuotaType.PRODUCE, "bob", "app", 1, t0)).isPositive();
            assertThat(manager.recordAndGetThrottleTimeMs(QuotaType.PRODUCE, "ANONYMOUS", "other", 1e6, t0)).isZero();
            assertThat(manager.recordAndGetThrottleTimeMs(QuotaType.FETCH, "ANONYMOUS", "app", 1e6, t0)).isZero();
            assertThat(registry.get("strata.quota.throttle.time").tag("client-id", "app").summary().count()).isEqualTo(2);

            // Raising the quota re-bounds the rate already measured: 2000 B/s is now within it.
            quotas.put(client("app"), Map.of("producer_byte_rate", 5000.0, "consumer_byte_rate", 100.0));
            manager.refresh();
            assertThat(manager.recordAndGetThrottleTimeMs(QuotaType.PRODUCE, "ANONYMOUS", "app", 1, t0 + 10)).isZero();
            assertThat(manager.maxValueInQuotaWindow(QuotaType.FETCH, "ANONYMOUS", "app")).isEqualTo(1000.0);

            quotas.clear();
            manager.refresh();
            assertThat(manager.active()).isFalse();
            assertThat(manager.recordAndGetThrottleTimeMs(QuotaType.PRODUCE, "ANONYMOUS", "app", 1e9, t0 + 20)).isZero();
        }
    }

    @Test
    void requestTimeIsAPercentageOfOneThreadAndItsThrottleIsAtMostOneWindow() {
        Map<ClientQuotaEntity, Map<String, Double>> quotas = new ConcurrentHashMap<>();
        quotas.put(client(null), Map.of("request_percentage", 10.0));
        try (QuotaManager manager = new QuotaManager(() -> quotas, 11, 1, null, Time.SYSTEM)) {
            assertThat(QuotaManager.nanosToPercentage(1_000_000_000L)).isEqualTo(100.0);
            long t0 = 5_000_000;
            // 10 % over 10 s is one thread-second: within; 5 more seconds is far over, but the throttle is one window.
            assertThat(manager.recordAndGetThrottleTimeMs(QuotaType.REQUEST, "u", "c",
                    QuotaManager.nanosToPercentage(1_000_000_000L), t0)).isZero();
            assertThat(manager.recordAndGetThrottleTimeMs(QuotaType.REQUEST, "u", "c",
                    QuotaManager.nanosToPercentage(5_000_000_000L), t0)).isEqualTo(1000);
        }
    }
}
