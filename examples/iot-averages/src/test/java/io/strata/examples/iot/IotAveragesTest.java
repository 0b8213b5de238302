package io.strata.examples.iot;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.common.mapper.TypeRef;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.Test;

import java.net.http.HttpClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.awaitility.Awaitility.await;

/**
 * The whole pipeline against a real Strata node: simulated devices post NDJSON readings over HTTP, the app
 * consumes them with its Kafka connector, and the averages it serves and publishes equal the averages of
 * what the devices sent.
 */
@QuarkusTest
@WithTestResource(StrataNodeResource.class)
class IotAveragesTest {

    private static final int DEVICES = 6;
    private static final int UPLOADS = 4;
    private static final int READINGS_PER_UPLOAD = 25;
    /** Generous bound for the app to catch up on a busy machine; not a performance expectation. */
    private static final Duration CATCH_UP = Duration.ofSeconds(120);

    @ConfigProperty(name = StrataNodeResource.HTTP_BASE)
    String strataHttp;

    @ConfigProperty(name = "kafka.bootstrap.servers")
    String bootstrap;

    @Test
    void averagesServedAndPublishedEqualTheAveragesOfTheSentReadings() throws Exception {
        Map<String, DeviceAverage> expected = expectedAverages(runDevices());
        assertThat(expected).hasSize(DEVICES);

        await().atMost(CATCH_UP).untilAsserted(() -> assertSameAverages(servedAverages(), expected));
        assertSameAverages(Map.of("d-1", given().get("/averages/d-1").then().statusCode(200)
                .extract().as(DeviceAverage.class)), Map.of("d-1", expected.get("d-1")));
        given().get("/averages/no-such-device").then().statusCode(404);

        // The app publishes a device's new average after each reading: the last one per device is the final average.
        // Exceptions are retried too (the output topic appears with the app's first send); the last one is reported.
        await().atMost(CATCH_UP).ignoreExceptions()
                .untilAsserted(() -> assertSameAverages(publishedAverages(), expected));
    }

    /** All devices at once, each uploading its bursts in order; half of them gzip their uploads. */
    private List<Reading> runDevices() throws Exception {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        ExecutorService pool = Executors.newFixedThreadPool(DEVICES);
        try {
            List<Future<List<Reading>>> devices = new ArrayList<>();
            for (int d = 1; d <= DEVICES; d++) {
                SimulatedDevice device = new SimulatedDevice("d-" + d, d, d % 2 == 0, http, strataHttp,
                        "device-readings");
                devices.add(pool.submit(() -> device.run(UPLOADS, READINGS_PER_UPLOAD)));
            }
            List<Reading> sent = new ArrayList<>();
            for (Future<List<Reading>> device : devices) {
                sent.addAll(device.get());
            }
            return sent;
        } finally {
            pool.shutdownNow();
        }
    }

    /** Computed from the sent data in each device's own order, as the app sees a device's readings. */
    private static Map<String, DeviceAverage> expectedAverages(List<Reading> sent) {
        Map<String, List<Double>> byDevice = new TreeMap<>();
        sent.forEach(r -> byDevice.computeIfAbsent(r.device(), d -> new ArrayList<>()).add(r.temperature()));
        Map<String, DeviceAverage> expected = new TreeMap<>();
        byDevice.forEach((device, temperatures) -> expected.put(device, new DeviceAverage(device, temperatures.size(),
                temperatures.stream().mapToDouble(Double::doubleValue).sum() / temperatures.size())));
        return expected;
    }

    private static Map<String, DeviceAverage> servedAverages() {
        return given().get("/averages").then().statusCode(200).extract().as(new TypeRef<Map<String, DeviceAverage>>() {
        });
    }

    /** The latest record per device id on the averages topic, read from the node with a plain Kafka consumer. */
    private Map<String, DeviceAverage> publishedAverages() throws Exception {
        ObjectMapper json = new ObjectMapper();
        Map<String, DeviceAverage> latest = new HashMap<>();
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName(),
                ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName()))) {
            List<TopicPartition> partitions = consumer.partitionsFor("device-averages", Duration.ofSeconds(10)).stream()
                    .map(p -> new TopicPartition(p.topic(), p.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions, Duration.ofSeconds(10));
            while (partitions.stream().anyMatch(tp -> consumer.position(tp) < end.get(tp))) {
                for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofSeconds(1))) {
                    latest.put(r.key(), json.readValue(r.value(), DeviceAverage.class));
                }
            }
        }
        return latest;
    }

    private static void assertSameAverages(Map<String, DeviceAverage> actual, Map<String, DeviceAverage> expected) {
        assertThat(actual).containsOnlyKeys(expected.keySet());
        expected.forEach((device, e) -> {
            DeviceAverage a = actual.get(device);
            assertThat(a.device()).isEqualTo(device);
            assertThat(a.count()).as("readings of %s", device).isEqualTo(e.count());
            // Same additions in the same order give the same double; the tolerance only absorbs JSON round trips.
            assertThat(a.average()).as("average of %s", device).isCloseTo(e.average(), within(1e-9));
        });
    }
}
