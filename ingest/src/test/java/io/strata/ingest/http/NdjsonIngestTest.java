package io.strata.ingest.http;

import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import io.strata.ingest.node.StrataNode;
import jakarta.inject.Inject;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.utils.Utils;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPOutputStream;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasSize;

/** POST /ingest/{topic}: NDJSON lines become records that Kafka clients read unchanged. */
@QuarkusTest
class NdjsonIngestTest {

    @Inject
    StrataNode node;

    @TestHTTPResource("/")
    URL base;

    /** Topics are unique per run: the test data directory outlives a run. */
    private static final String RUN = Long.toString(System.nanoTime(), 36);

    @BeforeAll
    static void setUp() {
        HttpTests.textBodies();
    }

    private static String lines(int count, int devices) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < count; i++) {
            sb.append("{\"device\":\"d").append(i % devices).append("\",\"seq\":").append(i).append("}\n");
        }
        return sb.toString();
    }

    /** Lines under the test's record and line limits whose total exceeds its body limit. */
    private static String paddedLines(int count, int padding) {
        String pad = "p".repeat(padding);
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < count; i++) {
            sb.append("{\"seq\":").append(i).append(",\"pad\":\"").append(pad).append("\"}\n");
        }
        return sb.toString();
    }

    @Test
    void everyLineIsOneRecordKeyedByItsDeviceAndKafkaConsumersReadThemUnchanged() throws Exception {
        KafkaSide kafka = new KafkaSide(node);
        kafka.createTopic("ingest-keyed-" + RUN, 3);
        String body = lines(30, 5);

        JsonPath result = given().contentType("application/x-ndjson").header("X-Strata-Key-Field", "device").body(body)
                .when().post("/ingest/ingest-keyed-" + RUN)
                .then().statusCode(200).body("records", equalTo(30)).body("rejected", equalTo(0))
                .extract().jsonPath();
        int counted = result.getList("partitions.count", Integer.class).stream().mapToInt(Integer::intValue).sum();
        assertThat(counted).isEqualTo(30);

        List<ConsumerRecord<byte[], byte[]>> records = kafka.consume("ingest-keyed-" + RUN, 3, 30);
        assertThat(records).hasSize(30);
        List<String> sent = List.of(body.split("\n"));
        Map<String, Integer> partitionOfDevice = new HashMap<>();
        Map<String, List<String>> valuesByDevice = new HashMap<>();
        for (ConsumerRecord<byte[], byte[]> r : records) {
            String key = new String(r.key(), StandardCharsets.UTF_8);
            String value = new String(r.value(), StandardCharsets.UTF_8);
            assertThat(sent).contains(value);
            assertThat(value).contains("\"device\":\"" + key + "\"");
            // The Java client's default partitioner puts the same key in the same partition.
            assertThat(r.partition()).isEqualTo(Utils.toPositive(Utils.murmur2(r.key())) % 3);
            assertThat(partitionOfDevice.computeIfAbsent(key, k -> r.partition())).isEqualTo(r.partition());
            valuesByDevice.computeIfAbsent(key, k -> new ArrayList<>()).add(value);
        }
        // Within a device (one partition) the upload order is kept.
        for (Map.Entry<String, List<String>> e : valuesByDevice.entrySet()) {
            List<String> expected = sent.stream().filter(l -> l.contains("\"device\":\"" + e.getKey() + "\"")).toList();
            assertThat(e.getValue()).containsExactlyElementsOf(expected);
        }
    }

    @Test
    void aGzipBodyIsDecompressedAndNestedKeyFieldsWork() throws Exception {
        String body = "{\"meta\":{\"id\":\"x1\"},\"v\":1}\n{\"meta\":{\"id\":\"x2\"},\"v\":2}\n";
        ByteArrayOutputStream gz = new ByteArrayOutputStream();
        try (GZIPOutputStream out = new GZIPOutputStream(gz)) {
            out.write(body.getBytes(StandardCharsets.UTF_8));
        }
        given().contentType("application/x-ndjson").header("Content-Encoding", "gzip").header("X-Strata-Key-Field", "meta.id")
                .body(gz.toByteArray())
                .when().post("/ingest/ingest-gzip-" + RUN)
                .then().statusCode(200).body("records", equalTo(2));
        List<ConsumerRecord<byte[], byte[]>> records = new KafkaSide(node).consume("ingest-gzip-" + RUN, 1, 2);
        assertThat(records).extracting(r -> new String(r.value(), StandardCharsets.UTF_8))
                .containsExactly("{\"meta\":{\"id\":\"x1\"},\"v\":1}", "{\"meta\":{\"id\":\"x2\"},\"v\":2}");
        assertThat(records).extracting(r -> new String(r.key(), StandardCharsets.UTF_8)).containsExactly("x1", "x2");
    }

    @Test
    void keysAreTheFieldValueAsTextOrJsonAndTheLastOfDuplicateFieldsWins() throws Exception {
        String topic = "ingest-keys-" + RUN;
        String body = String.join("\n",
                "{\"m\":{\"id\":\"s\\u00e9\"}}",                         // escaped string: its text
                "{\"m\":{\"id\":42}}",                                  // number: as the tree renders it
                "{\"m\":{\"id\":{\"b\":[1,true]}},\"after\":1}",          // object: its compact JSON
                "{\"m\":{\"id\":\"first\"},\"m\":{\"id\":\"last\"}}",     // duplicate field: the last one
                "{\"m\":{\"id\":\"gone\"},\"m\":{\"other\":1}}",         // the last one has no key
                "{\"m\":[{\"id\":\"x\"}],\"id\":\"top\"}",                // not on the path: no key
                "[{\"m\":{\"id\":\"y\"}}]",                               // not an object: no key
                "{\"m\":{\"id\":null}}",                                // null: no key
                "{\"m\":{\"id\":\"k\"}} {\"m\":{}}") + "\n";              // two documents: rejected
        given().contentType("application/x-ndjson").header("X-Strata-Key-Field", "m.id").body(body)
                .when().post("/ingest/" + topic)
                .then().statusCode(207).body("records", equalTo(8)).body("rejected", equalTo(1))
                .body("errors.line", equalTo(List.of(9))).body("errors[0].error", containsString("Malformed JSON"));
        List<ConsumerRecord<byte[], byte[]>> records = new KafkaSide(node).consume(topic, 1, 8);
        assertThat(records).extracting(r -> r.key() == null ? null : new String(r.key(), StandardCharsets.UTF_8))
                .containsExactly("s\u00e9", "42", "{\"b\":[1,true]}", "last", null, null, null, null);
    }

    @Test
    void rejectedLinesAreReportedByNumberWhileValidLinesAreStored() {
        String tooLong = "{\"pad\":\"" + "x".repeat(5000) + "\"}";
        String body = "{\"ok\":1}\n{not json\n" + tooLong + "\n{\"a\":1} trailing\n\n{\"ok\":2}\r\n";
        given().contentType("application/x-ndjson").body(body)
                .when().post("/ingest/ingest-mixed-" + RUN)
                .then().statusCode(207)
                .body("records", equalTo(2)).body("rejected", equalTo(3))
                .body("errors.line", equalTo(List.of(2, 3, 4)))
                .body("errors[0].error", containsString("Malformed JSON"))
                .body("errors[1].error", containsString("max-record-bytes"));
        assertThat(new KafkaSide(node).consume("ingest-mixed-" + RUN, 1, 2))
                .extracting(r -> new String(r.value(), StandardCharsets.UTF_8))
                .containsExactly("{\"ok\":1}", "{\"ok\":2}");
    }

    @Test
    void anUploadWithoutAnyValidLineIs422() {
        given().contentType("application/x-ndjson").body("nope\n[1,\n")
                .when().post("/ingest/ingest-allbad-" + RUN)
                .then().statusCode(422).body("records", equalTo(0)).body("errors", hasSize(2));
    }

    @Test
    void wrongContentTypeOrEncodingIs415WithAJsonError() {
        given().contentType(ContentType.JSON).body("{\"a\":1}\n")
                .when().post("/ingest/ingest-ct-" + RUN)
                .then().statusCode(415).contentType(ContentType.JSON).body("error_code", equalTo(415));
        given().contentType("application/x-ndjson").header("Content-Encoding", "br").body("{\"a\":1}\n")
                .when().post("/ingest/ingest-ct-" + RUN)
                .then().statusCode(415).body("error_code", equalTo(415)).body("message", containsString("Content-Encoding"));
    }

    @Test
    void aBodyDeclaredLargerThanTheLimitIsRefusedBeforeAnythingIsStored() throws Exception {
        new KafkaSide(node).createTopic("ingest-big-" + RUN, 1);
        byte[] big = paddedLines(1000, 3000).getBytes(StandardCharsets.UTF_8); // > 2 MB test limit
        assertThat(big.length).isGreaterThan(2_000_000);
        given().contentType("application/x-ndjson").body(big)
                .when().post("/ingest/ingest-big-" + RUN)
                .then().statusCode(413).body("error_code", equalTo(413)).body("message", containsString("max-body-bytes"));
        given().when().get("/topics/ingest-big-" + RUN + "/partitions/0/records")
                .then().statusCode(200).body("high_watermark", equalTo(0));
    }

    @Test
    void aStreamedBodyOverTheLimitStopsWith413AndReportsWhatWasStored() throws Exception {
        byte[] big = paddedLines(1000, 3000).getBytes(StandardCharsets.UTF_8);
        HttpResponse<String> response = postStreamed("/ingest/ingest-big-stream-" + RUN, big);
        assertThat(response.statusCode()).isEqualTo(413);
        JsonPath json = JsonPath.from(response.body());
        assertThat(json.getInt("error_code")).isEqualTo(413);
        assertThat(json.getString("message")).contains("max-body-bytes");
        int stored = json.getInt("records");
        assertThat(stored).isPositive();
        given().when().get("/topics/ingest-big-stream-" + RUN + "/partitions/0/records?max_bytes=1")
                .then().statusCode(200).body("high_watermark", equalTo(stored));
    }

    @Test
    void moreLinesThanTheLimitAre413AfterStoringTheAllowedOnes() throws Exception {
        HttpResponse<String> response = postStreamed("/ingest/ingest-lines-" + RUN, lines(5001, 3).getBytes(StandardCharsets.UTF_8));
        assertThat(response.statusCode()).isEqualTo(413);
        assertThat(JsonPath.from(response.body()).getInt("records")).isEqualTo(5000);
        assertThat(JsonPath.from(response.body()).getString("message")).contains("max-lines");
    }

    @Test
    void ingestedRecordsCountTowardsTheTopicMeters() {
        given().contentType("application/x-ndjson").body(lines(7, 2))
                .when().post("/ingest/ingest-metrics-" + RUN)
                .then().statusCode(200);
        String metrics = given().when().get("/q/metrics").then().statusCode(200).extract().asString();
        assertThat(metrics).contains("strata_topic_records_in_total{topic=\"ingest-metrics-" + RUN + "\"} 7.0");
        assertThat(metrics).containsPattern("strata_topic_bytes_in_total\\{topic=\"ingest-metrics-" + RUN + "\"} [1-9]");
    }

    @Test
    void abortedUploadsDoNotHoldTheNodeAndNeverStoreACutOffLine() throws Exception {
        String topic = "ingest-aborted-" + RUN;
        // More aborted uploads than strata.http.ingest.max-concurrent, each past the point where the
        // handler is reading the body: every one must give its slot back.
        byte[] part = ("{\"n\":1}\n".repeat(3000) + "{\"n\":").getBytes(StandardCharsets.UTF_8);
        for (int i = 0; i < 20; i++) {
            try (java.net.Socket socket = new java.net.Socket(base.getHost(), base.getPort())) {
                socket.getOutputStream().write(("POST /ingest/" + topic + " HTTP/1.1\r\nHost: localhost\r\n"
                        + "Content-Type: application/x-ndjson\r\nTransfer-Encoding: chunked\r\n\r\n"
                        + Integer.toHexString(part.length) + "\r\n").getBytes(StandardCharsets.US_ASCII));
                socket.getOutputStream().write(part);
                socket.getOutputStream().write("\r\n".getBytes(StandardCharsets.US_ASCII));
                socket.getOutputStream().flush();
            } // closed mid-body
        }
        int status = 0;
        long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(60);
        while (status != 200 && System.nanoTime() < deadline) {
            status = given().contentType("application/x-ndjson").body("{\"n\":2}\n")
                    .when().post("/ingest/" + topic).then().extract().statusCode();
            if (status != 200) {
                Thread.sleep(100);
            }
        }
        assertThat(status).isEqualTo(200);
        long highWatermark = given().when().get("/topics/" + topic + "/partitions/0/records?max_bytes=1")
                .then().statusCode(200).extract().jsonPath().getLong("high_watermark");
        List<String> values = new ArrayList<>();
        long offset = 0;
        while (offset < highWatermark) {
            JsonPath page = given().when().get("/topics/" + topic + "/partitions/0/records?offset=" + offset)
                    .then().statusCode(200).extract().jsonPath();
            page.getList("records.value", String.class).forEach(v ->
                    values.add(new String(java.util.Base64.getDecoder().decode(v), StandardCharsets.UTF_8)));
            offset = page.getLong("next_offset");
        }
        // Complete lines that arrived may be stored; the cut-off last line of an aborted upload never is.
        assertThat(values).contains("{\"n\":2}").allMatch(v -> v.equals("{\"n\":1}") || v.equals("{\"n\":2}"));
    }

    /** Posts with chunked transfer encoding (no Content-Length), as a device streaming its upload does. */
    private HttpResponse<String> postStreamed(String path, byte[] body) throws Exception {
        HttpRequest request = HttpRequest.newBuilder(URI.create(base.toString()).resolve(path))
                .header("Content-Type", "application/x-ndjson")
                .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(body)))
                .build();
        return HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build()
                .send(request, HttpResponse.BodyHandlers.ofString());
    }
}
