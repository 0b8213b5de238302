package io.strata.ingest.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.strata.ingest.node.StrataNode;
import jakarta.inject.Inject;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.hasSize;

/** Confluent REST Proxy v3: cluster metadata and produce (single, streaming, batch). */
@QuarkusTest
class RestProxyV3Test {

    private static final String RUN = Long.toString(System.nanoTime(), 36);

    @Inject
    StrataNode node;

    @TestHTTPResource("/")
    URL base;

    private String cluster() {
        return node.brokerNode().clusterId();
    }

    private String records(String topic) {
        return "/v3/clusters/" + cluster() + "/topics/" + topic + "/records";
    }

    @Test
    void clusterTopicAndPartitionMetadata() throws Exception {
        String topic = "v3-meta-" + RUN;
        new KafkaSide(node).createTopic(topic, 2);
        given().when().get("/v3/clusters").then().statusCode(200)
                .body("kind", equalTo("KafkaClusterList"))
                .body("data[0].cluster_id", equalTo(cluster()));
        given().when().get("/v3/clusters/" + cluster()).then().statusCode(200)
                .body("cluster_id", equalTo(cluster()))
                .body("topics.related", containsString("/v3/clusters/" + cluster() + "/topics"));
        given().when().get("/v3/clusters/" + cluster() + "/topics").then().statusCode(200)
                .body("data.topic_name", hasItem(topic));
        given().when().get("/v3/clusters/" + cluster() + "/topics/" + topic).then().statusCode(200)
                .body("topic_name", equalTo(topic)).body("partitions_count", equalTo(2)).body("is_internal", equalTo(false));
        given().when().get("/v3/clusters/" + cluster() + "/topics/" + topic + "/partitions").then().statusCode(200)
                .body("data", hasSize(2)).body("data[1].partition_id", equalTo(1));
        given().when().get("/v3/clusters/no-such-cluster").then().statusCode(404).body("error_code", equalTo(404));
        given().when().get("/v3/clusters/" + cluster() + "/topics/v3-missing-" + RUN).then().statusCode(404)
                .body("error_code", equalTo(404));
    }

    @Test
    void aSingleRecordWithHeadersReachesKafkaConsumersUnchanged() {
        String topic = "v3-single-" + RUN;
        given().contentType(ContentType.JSON)
                .body("{\"partition_id\":0,\"headers\":[{\"name\":\"h1\",\"value\":\"aGVsbG8=\"},{\"name\":\"h2\",\"value\":null}],"
                        + "\"key\":{\"type\":\"STRING\",\"data\":\"dev-1\"},\"value\":{\"type\":\"BINARY\",\"data\":\"AAEC/w==\"},"
                        + "\"timestamp\":\"2024-05-01T10:00:00Z\"}")
                .when().post(records(topic))
                .then().statusCode(200)
                .body("error_code", equalTo(200)).body("cluster_id", equalTo(cluster()))
                .body("topic_name", equalTo(topic)).body("partition_id", equalTo(0)).body("offset", equalTo(0))
                .body("timestamp", equalTo("2024-05-01T10:00:00Z"))
                .body("key.type", equalTo("STRING")).body("key.size", equalTo(5))
                .body("value.type", equalTo("BINARY")).body("value.size", equalTo(4));
        ConsumerRecord<byte[], byte[]> r = new KafkaSide(node).consume(topic, 1, 1).get(0);
        assertThat(new String(r.key(), StandardCharsets.UTF_8)).isEqualTo("dev-1");
        assertThat(r.value()).containsExactly(0, 1, 2, 0xff);
        assertThat(r.timestamp()).isEqualTo(java.time.Instant.parse("2024-05-01T10:00:00Z").toEpochMilli());
        Header[] headers = r.headers().toArray();
        assertThat(headers).hasSize(2);
        assertThat(headers[0].key()).isEqualTo("h1");
        assertThat(new String(headers[0].value(), StandardCharsets.UTF_8)).isEqualTo("hello");
        assertThat(headers[1].key()).isEqualTo("h2");
        assertThat(headers[1].value()).isNull();
    }

    @Test
    void streamingModeAnswersOneReportPerRecordInOrder() throws Exception {
        String topic = "v3-stream-" + RUN;
        StringBuilder body = new StringBuilder();
        for (int i = 0; i < 5; i++) {
            if (i == 2) {
                body.append("{\"value\":{\"type\":\"BINARY\",\"data\":\"%%%\"}}\n");
            } else {
                body.append("{\"value\":{\"type\":\"STRING\",\"data\":\"s").append(i).append("\"}}");
            }
        }
        HttpRequest request = HttpRequest.newBuilder(URI.create(base.toString()).resolve(records(topic)))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofInputStream(
                        () -> new ByteArrayInputStream(body.toString().getBytes(StandardCharsets.UTF_8))))
                .build();
        HttpResponse<String> response = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build()
                .send(request, HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).isEqualTo(200);
        List<JsonNode> reports = new ArrayList<>();
        try (MappingIterator<JsonNode> it = new ObjectMapper().readerFor(JsonNode.class).readValues(response.body())) {
            it.forEachRemaining(reports::add);
        }
        assertThat(reports).hasSize(5);
        assertThat(reports).extracting(n -> n.get("error_code").asInt()).containsExactly(200, 200, 400, 200, 200);
        assertThat(reports.get(2).get("message").asText()).contains("base64");
        assertThat(reports).filteredOn(n -> n.get("error_code").asInt() == 200)
                .extracting(n -> n.get("offset").asLong()).containsExactly(0L, 1L, 2L, 3L);
        assertThat(new KafkaSide(node).consume(topic, 1, 4))
                .extracting(r -> new String(r.value(), StandardCharsets.UTF_8)).containsExactly("s0", "s1", "s3", "s4");
    }

    @Test
    void inStreamingModeEachReportArrivesBeforeTheNextRecordIsSent() throws Exception {
        String topic = "v3-interleave-" + RUN;
        try (java.net.Socket socket = new java.net.Socket(base.getHost(), base.getPort())) {
            socket.setSoTimeout(30_000); // a report that never comes before the next record fails the test
            java.io.OutputStream out = socket.getOutputStream();
            java.io.InputStream in = socket.getInputStream();
            out.write(("POST " + records(topic) + " HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
                    + "Transfer-Encoding: chunked\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            StringBuilder received = new StringBuilder();
            for (int i = 0; i < 3; i++) {
                byte[] record = ("{\"value\":{\"type\":\"STRING\",\"data\":\"r" + i + "\"}}").getBytes(StandardCharsets.UTF_8);
                out.write((Integer.toHexString(record.length) + "\r\n").getBytes(StandardCharsets.US_ASCII));
                out.write(record);
                out.write("\r\n".getBytes(StandardCharsets.US_ASCII));
                out.flush();
                byte[] buffer = new byte[4096];
                while (!received.toString().contains("\"offset\":" + i + ",")) {
                    int n = in.read(buffer);
                    assertThat(n).as("connection open while waiting for report " + i).isPositive();
                    received.append(new String(buffer, 0, n, StandardCharsets.UTF_8));
                }
            }
            out.write("0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            assertThat(received.toString()).startsWith("HTTP/1.1 200");
        }
        assertThat(new KafkaSide(node).consume(topic, 1, 3))
                .extracting(r -> new String(r.value(), StandardCharsets.UTF_8)).containsExactly("r0", "r1", "r2");
    }

    @Test
    void aStreamedRecordOverTheSizeLimitEndsTheStreamWithA413Report() throws Exception {
        String topic = "v3-stream-big-" + RUN;
        String body = "{\"value\":{\"type\":\"STRING\",\"data\":\"ok\"}}"
                + "{\"value\":{\"type\":\"STRING\",\"data\":\"" + "x".repeat(300_000) + "\"}}";
        HttpRequest request = HttpRequest.newBuilder(URI.create(base.toString()).resolve(records(topic)))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofInputStream(
                        () -> new ByteArrayInputStream(body.getBytes(StandardCharsets.UTF_8))))
                .build();
        HttpResponse<String> response = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build()
                .send(request, HttpResponse.BodyHandlers.ofString());
        List<JsonNode> reports = new ArrayList<>();
        try (MappingIterator<JsonNode> it = new ObjectMapper().readerFor(JsonNode.class).readValues(response.body())) {
            it.forEachRemaining(reports::add);
        }
        assertThat(reports).extracting(n -> n.get("error_code").asInt()).containsExactly(200, 413);
    }

    @Test
    void aBatchAnswers207WithSuccessesAndFailuresById() throws Exception {
        String topic = "v3-batch-" + RUN;
        new KafkaSide(node).createTopic(topic, 2);
        given().contentType(ContentType.JSON)
                .body("{\"entries\":[{\"id\":\"a\",\"value\":{\"type\":\"JSON\",\"data\":{\"n\":1}}},"
                        + "{\"id\":\"b\",\"partition_id\":5,\"value\":{\"type\":\"STRING\",\"data\":\"x\"}},"
                        + "{\"id\":\"c\",\"partition_id\":1,\"key\":{\"type\":\"STRING\",\"data\":\"k\"},\"value\":{\"type\":\"STRING\",\"data\":\"y\"}},"
                        + "{\"id\":\"d\",\"value\":{\"type\":\"AVRO\",\"data\":\"x\"}}]}")
                .when().post(records(topic) + ":batch")
                .then().statusCode(207)
                .body("successes.id", equalTo(List.of("a", "c")))
                .body("successes[1].partition_id", equalTo(1))
                .body("failures.id", equalTo(List.of("b", "d")))
                .body("failures[0].error_code", equalTo(404))
                .body("failures[1].error_code", equalTo(400));
        assertThat(new KafkaSide(node).consume(topic, 2, 2))
                .extracting(r -> new String(r.value(), StandardCharsets.UTF_8)).containsExactlyInAnyOrder("{\"n\":1}", "y");
        given().contentType(ContentType.JSON).body("{\"entries\":[{\"value\":{\"data\":1}}]}")
                .when().post(records(topic) + ":batch").then().statusCode(400).body("error_code", equalTo(400));
    }

    @Test
    void invalidRequestsGetV3ErrorBodies() {
        String path = records("v3-errors-" + RUN);
        given().contentType(ContentType.JSON).body("{\"value\":").when().post(path)
                .then().statusCode(400).body("error_code", equalTo(400));
        given().contentType(ContentType.TEXT).body("x").when().post(path)
                .then().statusCode(415).body("error_code", equalTo(415));
        given().contentType(ContentType.JSON).body("{\"value\":{\"type\":\"BINARY\",\"data\":\"!!\"}}").when().post(path)
                .then().statusCode(400).body("error_code", equalTo(400)).body("message", containsString("base64"));
        given().contentType(ContentType.JSON).body("{\"partition_id\":3,\"value\":{\"data\":1}}").when().post(path)
                .then().statusCode(404).body("error_code", equalTo(404));
        given().contentType(ContentType.JSON).body("{\"value\":{\"data\":1}}")
                .when().post("/v3/clusters/other/topics/x/records").then().statusCode(404).body("error_code", equalTo(404));
        given().contentType(ContentType.JSON).body("{\"value\":{\"type\":\"STRING\",\"data\":\"" + "a".repeat(70_000) + "\"}}")
                .when().post(path).then().statusCode(413).body("error_code", equalTo(413));
    }
}
