package io.strata.systemtest;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

import io.strata.systemtest.support.Clients;
import io.strata.systemtest.support.KafkaCli;
import io.strata.systemtest.support.PrometheusText;
import io.strata.systemtest.support.ToolResult;
import io.strata.testsupport.NodeLogOnFailure;
import io.strata.testsupport.StrataNode;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.Metric;
import org.apache.kafka.common.MetricName;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.quota.ClientQuotaAlteration;
import org.apache.kafka.common.quota.ClientQuotaEntity;
import org.apache.kafka.common.quota.ClientQuotaFilter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Client quotas on one node with real kafka-clients: a producer_byte_rate set with Apache Kafka's kafka-configs
 * holds a producer going flat out to about its quota (and one without a quota goes far faster), the producer sees
 * throttle times (KIP-219), a consumer_byte_rate set with Admin.alterClientQuotas does the same to a consumer,
 * kafka-configs and Admin describe what was set, the same quota holds a device uploading NDJSON over HTTP (429 with
 * Retry-After) without holding back another client id, and the quotas and their enforcement survive a restart. The rates
 * are measured over 3 samples of 1 s (strata.quota.window.num=3), so a client's burst allowance is 2 s of its quota.
 */
@ExtendWith(NodeLogOnFailure.class)
class QuotaIT {
    private static final Duration TIMEOUT = Duration.ofSeconds(60);
    private static final String CONFIGS = "org.apache.kafka.tools.ConfigCommand";
    private static final String TOPIC = "quota-events";
    private static final double QUOTA = 128 * 1024;
    private static final byte[] VALUE = new byte[4 * 1024];

    private static ToolResult configs(StrataNode node, String... args) {
        String[] all = new String[args.length + 2];
        all[0] = "--bootstrap-server";
        all[1] = node.bootstrap();
        System.arraycopy(args, 0, all, 2, args.length);
        return KafkaCli.run(CONFIGS, null, TIMEOUT, all).assertSuccess();
    }

    /** What a producer with this client id achieved flat out, and the largest throttle time it was given. */
    private record Run(double steadyBytesPerSecond, double totalBytesPerSecond, double avgThrottleMs, double maxThrottleMs) {
    }

    /**
     * Produces flat out for {@code seconds}. The steady rate is that of the records acknowledged after the first
     * throttle time arrived: by then the burst the sampled window allows is used up (NaN if none arrived).
     */
    private static Run produce(StrataNode node, String clientId, double seconds) throws Exception {
        Map<String, Object> config = new HashMap<>();
        config.put(ProducerConfig.CLIENT_ID_CONFIG, clientId);
        config.put(ProducerConfig.ACKS_CONFIG, "1");
        config.put(ProducerConfig.LINGER_MS_CONFIG, "5");
        // Requests of up to 32 KiB: far more than the quota without it, four requests a second with it.
        config.put(ProducerConfig.BATCH_SIZE_CONFIG, Integer.toString(32 * 1024));
        config.put(ProducerConfig.BUFFER_MEMORY_CONFIG, Integer.toString(4 * 1024 * 1024));
        AtomicLong acked = new AtomicLong();
        long start = System.nanoTime();
        long end = start + (long) (seconds * 1e9);
        long steadyFrom = 0;
        long ackedBefore = 0;
        long nextCheck = start;
        try (KafkaProducer<byte[], byte[]> producer = Clients.producer(node.bootstrap(), config)) {
            while (System.nanoTime() < end) {
                producer.send(new ProducerRecord<>(TOPIC, VALUE), (metadata, error) -> {
                    if (error == null) {
                        acked.addAndGet(VALUE.length);
                    }
                });
                if (steadyFrom == 0 && System.nanoTime() >= nextCheck) {
                    nextCheck += 50_000_000L;
                    if (metric(producer.metrics(), "produce-throttle-time-max") > 0) {
                        steadyFrom = System.nanoTime();
                        ackedBefore = acked.get();
                    }
                }
            }
            // Only what was acknowledged within the run counts: the producer is closed at once.
            long now = System.nanoTime();
            double steady = steadyFrom == 0 ? Double.NaN : (acked.get() - ackedBefore) / ((now - steadyFrom) / 1e9);
            double total = acked.get() / ((now - start) / 1e9);
            Run run = new Run(steady, total, metric(producer.metrics(), "produce-throttle-time-avg"),
                    metric(producer.metrics(), "produce-throttle-time-max"));
            producer.close(Duration.ZERO);
            return run;
        }
    }


    /** What NDJSON uploads of one client id achieved flat out over HTTP. */
    private record HttpRun(double acceptedBytesPerSecond, int accepted, int refused, String retryAfter) {
    }

    /** Posts 16 KiB NDJSON uploads as {@code clientId} for {@code seconds}, as fast as they are answered. */
    private static HttpRun ingest(StrataNode node, String clientId, double seconds) throws Exception {
        StringBuilder body = new StringBuilder();
        while (body.length() < 16 * 1024) {
            body.append("{\"device\":\"").append(clientId).append("\",\"reading\":").append(body.length()).append("}\n");
        }
        byte[] bytes = body.toString().getBytes(StandardCharsets.UTF_8);
        HttpClient http = HttpClient.newHttpClient();
        HttpRequest request = HttpRequest.newBuilder(URI.create(node.httpBase() + "/ingest/" + TOPIC))
                .header("Content-Type", "application/x-ndjson").header("X-Strata-Client-Id", clientId)
                .POST(HttpRequest.BodyPublishers.ofByteArray(bytes)).build();
        int accepted = 0;
        int refused = 0;
        String retryAfter = null;
        long start = System.nanoTime();
        while (System.nanoTime() - start < (long) (seconds * 1e9)) {
            HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() == 200) {
                accepted++;
            } else {
                assertThat(response.statusCode()).as(response.body()).isEqualTo(429);
                assertThat(response.body()).contains("producer_byte_rate", clientId);
                retryAfter = response.headers().firstValue("Retry-After").orElse("");
                refused++;
                Thread.sleep(50);
            }
        }
        return new HttpRun((double) accepted * bytes.length / ((System.nanoTime() - start) / 1e9), accepted, refused,
                retryAfter);
    }

    private static double metric(Map<MetricName, ? extends Metric> metrics, String name) {
        return metrics.entrySet().stream().filter(e -> e.getKey().name().equals(name)
                        && e.getKey().group().equals(name.startsWith("fetch") ? "consumer-fetch-manager-metrics" : "producer-metrics"))
                .mapToDouble(e -> ((Number) e.getValue().metricValue()).doubleValue()).findFirst().orElse(Double.NaN);
    }

    private static ClientQuotaEntity client(String id) {
        return new ClientQuotaEntity(Map.of(ClientQuotaEntity.CLIENT_ID, id));
    }

    @Test
    void byteRateQuotasHoldClientsToTheirRateAndSurviveARestart() throws Exception {
        try (StrataNode node = StrataNode.builder("quota").env("STRATA_QUOTA_WINDOW_NUM", "3")
                .env("STRATA_TIERING_ENABLED", "false").start();
             Admin admin = Clients.admin(node.bootstrap())) {
            Clients.createTopic(node.bootstrap(), TOPIC, 1);

            configs(node, "--alter", "--entity-type", "clients", "--entity-name", "throttled",
                    "--add-config", "producer_byte_rate=" + (long) QUOTA);
            configs(node, "--alter", "--entity-type", "users", "--entity-name", "carol",
                    "--add-config", "request_percentage=200,consumer_byte_rate=1048576");
            assertThat(configs(node, "--describe", "--entity-type", "users", "--entity-name", "carol").stdout())
                    .contains("user-principal 'carol'", "request_percentage=200", "consumer_byte_rate=1048576");

            Run throttled = produce(node, "throttled", 6);
            Run free = produce(node, "free", 2);
            System.out.printf("producer: quota %.0f B/s; with it %.0f B/s steady, %.0f B/s overall, max throttle %.0f ms;"
                    + " without %.0f B/s%n", QUOTA, throttled.steadyBytesPerSecond(), throttled.totalBytesPerSecond(),
                    throttled.maxThrottleMs(), free.totalBytesPerSecond());
            // Lenient bounds: the machine may be shared; a node alone does tens of MB/s here.
            assertThat(free.totalBytesPerSecond()).as("without a quota").isGreaterThan(2 * QUOTA);
            assertThat(free.maxThrottleMs()).isZero();
            assertThat(throttled.steadyBytesPerSecond()).as("at the quota").isBetween(0.25 * QUOTA, 1.5 * QUOTA);
            assertThat(throttled.avgThrottleMs()).as("throttle times reach the producer").isPositive();
            PrometheusText metrics = PrometheusText.parse(node.httpGet("/q/metrics").body());
            assertThat(metrics.sum("strata_quota_throttle_time_milliseconds_count",
                    Map.of("quota", "producer_byte_rate", "client-id", "throttled"))).isPositive();

            // A consumer quota set through the Admin API holds a consumer reading the backlog to its rate.
            Clients.get(admin.alterClientQuotas(java.util.List.of(new ClientQuotaAlteration(client("slow-reader"),
                    java.util.List.of(new ClientQuotaAlteration.Op("consumer_byte_rate", QUOTA))))).all());
            // Fetches of at most 32 KiB: throttles are short and many, so 3 s show the rate, not one throttle's gap.
            Map<String, Object> consumerConfig = Map.of(ConsumerConfig.CLIENT_ID_CONFIG, "slow-reader",
                    ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, Integer.toString(32 * 1024),
                    ConsumerConfig.FETCH_MAX_BYTES_CONFIG, Integer.toString(32 * 1024));
            long read = 0;
            long readAfterThrottle = 0;
            long steadyFrom = 0;
            double fetchThrottle;
            long start = System.nanoTime();
            try (KafkaConsumer<byte[], byte[]> consumer = Clients.consumer(node.bootstrap(), consumerConfig)) {
                consumer.assign(java.util.List.of(new TopicPartition(TOPIC, 0)));
                while (System.nanoTime() - start < 5_000_000_000L) {
                    for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(100))) {
                        read += r.value().length;
                        readAfterThrottle += steadyFrom == 0 ? 0 : r.value().length;
                    }
                    // Past the burst once the first throttle time has arrived, as for the producer.
                    if (steadyFrom == 0 && metric(consumer.metrics(), "fetch-throttle-time-max") > 0) {
                        steadyFrom = System.nanoTime();
                    }
                }
                fetchThrottle = metric(consumer.metrics(), "fetch-throttle-time-max");
            }
            double consumed = steadyFrom == 0 ? Double.NaN : readAfterThrottle / ((System.nanoTime() - steadyFrom) / 1e9);
            System.out.printf("consumer: quota %.0f B/s; %.0f B/s steady, %d bytes in 5 s, max throttle %.0f ms%n",
                    QUOTA, consumed, read, fetchThrottle);
            assertThat(consumed).as("at the quota").isBetween(0.25 * QUOTA, 1.5 * QUOTA);
            assertThat(fetchThrottle).isPositive();

            // The same quotas on the HTTP port: a device over its producer_byte_rate gets 429 with Retry-After,
            // its accepted uploads stay about at the quota, and another client id is not held back.
            configs(node, "--alter", "--entity-type", "clients", "--entity-name", "device-7",
                    "--add-config", "producer_byte_rate=" + (long) QUOTA);
            HttpRun device = ingest(node, "device-7", 6);
            HttpRun other = ingest(node, "device-8", 2);
            System.out.printf("HTTP: quota %.0f B/s; device-7 %.0f B/s (%d accepted, %d refused), device-8 %.0f B/s%n",
                    QUOTA, device.acceptedBytesPerSecond(), device.accepted(), device.refused(),
                    other.acceptedBytesPerSecond());
            assertThat(device.refused()).as("uploads over the quota refused").isPositive();
            assertThat(device.retryAfter()).matches("[1-9][0-9]*");
            // 6 s at the quota plus the 2 s burst the window allows, plus one 16 KiB upload per throttle: well
            // under 2x the quota on average; without a quota, far above it.
            assertThat(device.acceptedBytesPerSecond()).as("at the quota").isLessThan(2 * QUOTA);
            assertThat(other.refused()).isZero();
            assertThat(other.acceptedBytesPerSecond()).as("another client id").isGreaterThan(2 * QUOTA);

            Map<ClientQuotaEntity, Map<String, Double>> before = Clients.get(
                    admin.describeClientQuotas(ClientQuotaFilter.all()).entities());
            assertThat(before).containsEntry(client("throttled"), Map.of("producer_byte_rate", QUOTA))
                    .containsEntry(client("slow-reader"), Map.of("consumer_byte_rate", QUOTA))
                    .containsEntry(new ClientQuotaEntity(Map.of(ClientQuotaEntity.USER, "carol")),
                            Map.of("request_percentage", 200.0, "consumer_byte_rate", 1048576.0));

            node.restart();
            try (Admin again = Clients.admin(node.bootstrap())) {
                assertThat(Clients.get(again.describeClientQuotas(ClientQuotaFilter.all()).entities())).isEqualTo(before);
            }
            Run afterRestart = produce(node, "throttled", 2);
            assertThat(afterRestart.maxThrottleMs()).as("enforced after the restart").isPositive();
            assertThat(afterRestart.totalBytesPerSecond()).isLessThan(free.totalBytesPerSecond());
        }
    }
}
