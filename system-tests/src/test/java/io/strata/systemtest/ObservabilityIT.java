package io.strata.systemtest;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import io.strata.systemtest.support.AckLog;
import io.strata.systemtest.support.Clients;
import io.strata.testsupport.NodeLogOnFailure;
import io.strata.systemtest.support.PrometheusText;
import io.strata.testsupport.StrataNode;
import io.strata.systemtest.support.TestRecords;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.common.TopicPartition;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Health endpoints and the Prometheus metrics operators rely on. */
@ExtendWith(NodeLogOnFailure.class)
class ObservabilityIT {
    private static StrataNode node;

    @BeforeAll
    static void startNode() {
        // Started like the README's run command: relative data directory, embedded object store.
        node = StrataNode.builder("observability").relativeDataDir().start();
    }

    @AfterAll
    static void stopNode() {
        if (node != null) {
            node.close();
        }
    }

    @Test
    void theLastStartUpLineNamesTheListeningAddressesAndANewDataDirectoryIsNotCalledUnclean() throws Exception {
        node.requireManaged("reads the node's log");
        String listening = "Node " + node.nodeId() + " listening: Kafka PLAINTEXT://127.0.0.1:" + node.kafkaPort();
        Awaitility.await("the listening line").atMost(Duration.ofSeconds(30)).until(
                () -> Files.readString(node.logFile()).contains(listening));
        List<String> lines = Files.readAllLines(node.logFile());
        int started = indexOf(lines, "started in");
        int announced = indexOf(lines, listening);
        assertThat(started).as("Quarkus's start-up line").isNotNegative();
        assertThat(announced).as("listening line after Quarkus's start-up lines")
                .isGreaterThan(started).isGreaterThan(indexOf(lines, "Installed features"));
        for (String after : lines.subList(started, announced)) {
            assertThat(after).as("lines between start-up and the listening line").doesNotContain("[io.strata");
        }
        assertThat(lines.get(announced)).contains("clients told PLAINTEXT://127.0.0.1:" + node.advertisedPort())
                .contains("HTTP http://127.0.0.1:" + URI.create(node.httpBase()).getPort())
                .contains("cluster member 127.0.0.1:" + node.clusterPort());

        String log = String.join("\n", lines);
        assertThat(log).contains("no partitions on disk yet").doesNotContain("previous shutdown unclean");
    }

    private static int indexOf(List<String> lines, String text) {
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).contains(text)) {
                return i;
            }
        }
        return -1;
    }

    @Test
    void swaggerUiServesAPageToTryTheApi() {
        StrataNode.HttpResult page = node.httpGet("/q/swagger-ui/");
        assertThat(page.status()).isEqualTo(200);
        assertThat(page.body()).contains("swagger-ui");
        assertThat(page.body()).contains("/q/openapi");
        assertThat(node.httpGet("/q/openapi").status()).isEqualTo(200);
    }

    @Test
    void healthEndpoints() {
        StrataNode.HttpResult live = node.httpGet("/q/health/live");
        assertThat(live.status()).isEqualTo(200);
        assertThat(live.body()).contains("\"UP\"");
        StrataNode.HttpResult ready = node.httpGet("/q/health/ready");
        assertThat(ready.status()).isEqualTo(200);
        assertThat(ready.body()).contains("\"UP\"");
        StrataNode.HttpResult health = node.httpGet("/q/health");
        assertThat(health.status()).isEqualTo(200);
    }

    @Test
    void topicAndRequestMetricsAfterProduceAndConsume() throws Exception {
        String topic = "observed";
        int partitions = 2;
        int count = 1_000;
        Clients.createTopic(node.bootstrap(), topic, partitions);
        TestRecords records = new TestRecords(topic, System.currentTimeMillis() - 60_000);
        AckLog acks = new AckLog();
        long payloadBytes = 0;
        try (KafkaProducer<byte[], byte[]> producer = Clients.producer(node.bootstrap())) {
            for (int i = 0; i < count; i++) {
                byte[] value = records.value(i);
                payloadBytes += value == null ? 0 : value.length;
                producer.send(records.record(topic, i % partitions, i), acks.callback(i));
            }
            producer.flush();
        }
        acks.assertAllAcknowledged(count);
        List<ConsumerRecord<byte[], byte[]>> read = Clients.readAll(node.bootstrap(),
                List.of(new TopicPartition(topic, 0), new TopicPartition(topic, 1)), Duration.ofMinutes(1));
        assertThat(read).hasSize(count);
        long minBytes = payloadBytes;

        Map<String, String> byTopic = Map.of("topic", topic);
        Awaitility.await("metrics of topic " + topic).atMost(Duration.ofSeconds(30))
                .pollInterval(Duration.ofMillis(500)).untilAsserted(() -> {
                    PrometheusText metrics = scrape();
                    assertThat(metrics.sum("strata_topic_records_in_total", byTopic))
                            .as("strata_topic_records_in_total{topic=%s}", topic).isEqualTo(count);
                    assertThat(metrics.sum("strata_topic_bytes_in_total", byTopic))
                            .as("strata_topic_bytes_in_total{topic=%s}", topic).isGreaterThanOrEqualTo(minBytes);
                    assertThat(metrics.sum("strata_topic_records_out_total", byTopic))
                            .as("strata_topic_records_out_total{topic=%s}", topic).isGreaterThanOrEqualTo(count);
                    assertThat(metrics.sum("strata_topic_bytes_out_total", byTopic))
                            .as("strata_topic_bytes_out_total{topic=%s}", topic).isGreaterThanOrEqualTo(minBytes);
                    for (int p = 0; p < partitions; p++) {
                        assertThat(metrics.sum("strata_log_size_bytes",
                                Map.of("topic", topic, "partition", Integer.toString(p))))
                                .as("strata_log_size_bytes{topic=%s,partition=%d}", topic, p).isGreaterThan(0);
                    }
                    assertThat(metrics.sum("strata_kafka_request_seconds_count", Map.of("api", "Produce")))
                            .as("strata_kafka_request_seconds_count{api=Produce}").isGreaterThanOrEqualTo(1);
                    assertThat(metrics.sum("strata_kafka_request_seconds_count", Map.of("api", "Fetch")))
                            .as("strata_kafka_request_seconds_count{api=Fetch}").isGreaterThanOrEqualTo(1);
                    assertThat(metrics.sum("strata_kafka_request_seconds_count", Map.of("api", "Metadata")))
                            .as("strata_kafka_request_seconds_count{api=Metadata}").isGreaterThanOrEqualTo(1);
                    assertThat(metrics.sum("strata_kafka_request_seconds_count", Map.of("api", "ApiVersions")))
                            .as("strata_kafka_request_seconds_count{api=ApiVersions}").isGreaterThanOrEqualTo(1);
                });
    }

    private static PrometheusText scrape() {
        StrataNode.HttpResult metrics = node.httpGet("/q/metrics");
        assertThat(metrics.status()).as("GET /q/metrics").isEqualTo(200);
        return PrometheusText.parse(metrics.body());
    }
}
