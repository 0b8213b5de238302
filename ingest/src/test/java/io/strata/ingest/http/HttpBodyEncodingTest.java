package io.strata.ingest.http;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.strata.ingest.node.StrataNode;
import jakarta.inject.Inject;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.zip.GZIPOutputStream;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.not;

/**
 * Request bodies of every HTTP produce endpoint: gzip is decoded the same way for NDJSON, REST Proxy v2 and v3
 * (the records land as sent), a body that is not gzip or an unknown encoding is refused in the endpoint's error
 * format, and a wrong Content-Type names the types the endpoint accepts.
 */
@QuarkusTest
class HttpBodyEncodingTest {

    private static final String RUN = Long.toString(System.nanoTime(), 36);

    @Inject
    StrataNode node;

    @BeforeAll
    static void setUp() {
        HttpTests.textBodies();
    }

    private static byte[] gzip(String text) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
            gz.write(text.getBytes(StandardCharsets.UTF_8));
        }
        return out.toByteArray();
    }

    private String v3Records(String topic) {
        return "/v3/clusters/" + node.brokerNode().clusterId() + "/topics/" + topic + "/records";
    }

    private List<String> values(String topic, int count) {
        return new KafkaSide(node).consume(topic, 1, count).stream()
                .map(ConsumerRecord::value).map(v -> new String(v, StandardCharsets.UTF_8)).toList();
    }

    @Test
    void restProxyV2TakesAGzipBody() throws Exception {
        String topic = "enc-v2-" + RUN;
        new KafkaSide(node).createTopic(topic, 1);
        given().contentType(HttpTests.BINARY_V2).header("Content-Encoding", "gzip")
                .body(gzip("{\"records\":[{\"value\":\"aGVsbG8=\"},{\"value\":\"d29ybGQ=\"}]}"))
                .when().post("/topics/" + topic)
                .then().statusCode(200).body("offsets.offset", equalTo(List.of(0, 1)));
        given().contentType(HttpTests.JSON_V2).header("Content-Encoding", "gzip")
                .body(gzip("{\"records\":[{\"value\":{\"t\":21.5}}]}"))
                .when().post("/topics/" + topic + "/partitions/0")
                .then().statusCode(200).body("offsets[0].offset", equalTo(2));
        assertThat(values(topic, 3)).containsExactly("hello", "world", "{\"t\":21.5}");
    }

    @Test
    void restProxyV3TakesAGzipBodyForOneRecordAndForABatch() throws Exception {
        String topic = "enc-v3-" + RUN;
        new KafkaSide(node).createTopic(topic, 1);
        given().contentType(ContentType.JSON).header("Content-Encoding", "gzip")
                .body(gzip("{\"value\":{\"type\":\"STRING\",\"data\":\"one\"}}"))
                .when().post(v3Records(topic))
                .then().statusCode(200).body("offset", equalTo(0));
        given().contentType(ContentType.JSON).header("Content-Encoding", "gzip")
                .body(gzip("{\"entries\":[{\"id\":\"a\",\"value\":{\"type\":\"STRING\",\"data\":\"two\"}}]}"))
                .when().post(v3Records(topic) + ":batch")
                .then().statusCode(207).body("successes[0].offset", equalTo(1));
        assertThat(values(topic, 2)).containsExactly("one", "two");
    }

    @Test
    void ndjsonStillTakesGzip() throws Exception {
        String topic = "enc-nd-" + RUN;
        new KafkaSide(node).createTopic(topic, 1);
        given().contentType(HttpTests.NDJSON).header("Content-Encoding", "gzip")
                .body(gzip("{\"d\":1}\n{\"d\":2}\n"))
                .when().post("/ingest/" + topic)
                .then().statusCode(200).body("records", equalTo(2));
        assertThat(values(topic, 2)).containsExactly("{\"d\":1}", "{\"d\":2}");
    }

    @Test
    void aBodyThatIsNotGzipOrAnUnknownEncodingIsRefusedInTheEndpointsFormat() throws Exception {
        String topic = "enc-bad-" + RUN;
        new KafkaSide(node).createTopic(topic, 1);
        given().contentType(HttpTests.BINARY_V2).header("Content-Encoding", "gzip")
                .body("{\"records\":[{\"value\":\"aGVsbG8=\"}]}")
                .when().post("/topics/" + topic)
                .then().statusCode(400).body("error_code", equalTo(400)).body("message", containsString("gzip"));
        given().contentType(ContentType.JSON).header("Content-Encoding", "gzip")
                .body("{\"value\":{\"type\":\"STRING\",\"data\":\"x\"}}")
                .when().post(v3Records(topic))
                .then().statusCode(400).body("error_code", equalTo(400)).body("message", containsString("gzip"));
        given().contentType(HttpTests.NDJSON).header("Content-Encoding", "gzip").body("{\"d\":1}\n")
                .when().post("/ingest/" + topic)
                .then().statusCode(400).body("error_code", equalTo(400)).body("records", equalTo(0))
                .body("message", containsString("gzip"));
        for (String path : List.of("/topics/" + topic, v3Records(topic))) {
            given().contentType(path.startsWith("/v3") ? "application/json" : HttpTests.BINARY_V2)
                    .header("Content-Encoding", "br").body("{}")
                    .when().post(path)
                    .then().statusCode(415).body("error_code", equalTo(415))
                    .body("message", containsString("Content-Encoding 'br'"));
        }
    }

    @Test
    void aWrongContentTypeNamesTheAcceptedTypesInTheEndpointsErrorFormat() {
        given().contentType(ContentType.JSON).body("{\"a\":1}\n")
                .when().post("/ingest/enc-ct-" + RUN)
                .then().statusCode(415).contentType(ContentType.JSON).body("error_code", equalTo(415))
                .body("message", equalTo("Content-Type 'application/json' is not accepted here; send one of: "
                        + "application/x-ndjson, application/jsonl."))
                .body("message", not(containsString("@Consumes")));
        given().contentType(ContentType.TEXT).body("{\"records\":[]}")
                .when().post("/topics/enc-ct-" + RUN)
                .then().statusCode(415).contentType(ContentType.JSON).body("error_code", equalTo(415))
                .body("message", containsString(HttpTests.BINARY_V2)).body("message", containsString(HttpTests.JSON_V2));
        given().contentType(ContentType.TEXT).body("{}")
                .when().post(v3Records("enc-ct-" + RUN))
                .then().statusCode(415).contentType(ContentType.JSON).body("error_code", equalTo(415))
                .body("message", containsString("send application/json."));
    }
}
