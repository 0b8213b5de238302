package io.strata.ingest.http;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import io.strata.ingest.node.StrataNode;
import jakarta.inject.Inject;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasKey;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.not;

/** GET /topics/{t}/partitions/{p}/records: reading without consumer state, including long-polls. */
@QuarkusTest
class SimpleFetchTest {

    private static final String RUN = Long.toString(System.nanoTime(), 36);

    @Inject
    StrataNode node;

    private static String b64(String s) {
        return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void recordsProducedByKafkaClientsAreReadWithKeysValuesAndHeaders() throws Exception {
        String topic = "fetch-kafka-" + RUN;
        KafkaSide kafka = new KafkaSide(node);
        kafka.createTopic(topic, 2);
        for (int i = 0; i < 3; i++) {
            ProducerRecord<byte[], byte[]> record = new ProducerRecord<>(topic, 1, 1_700_000_000_000L + i,
                    ("k" + i).getBytes(StandardCharsets.UTF_8), ("v" + i).getBytes(StandardCharsets.UTF_8),
                    List.of(new RecordHeader("trace", ("t" + i).getBytes(StandardCharsets.UTF_8))));
            kafka.produce(record);
        }
        kafka.produce(new ProducerRecord<>(topic, 1, null, (byte[]) null));

        given().when().get("/topics/" + topic + "/partitions/1/records?offset=1")
                .then().statusCode(200)
                .body("records", hasSize(3))
                .body("records[0].offset", equalTo(1))
                .body("records[0].key", equalTo(b64("k1")))
                .body("records[0].value", equalTo(b64("v1")))
                .body("records[0].timestamp", equalTo(1_700_000_000_001L))
                .body("records[0].headers[0].name", equalTo("trace"))
                .body("records[0].headers[0].value", equalTo(b64("t1")))
                .body("records[2].key", equalTo(null))
                .body("records[2].value", equalTo(null))
                .body("next_offset", equalTo(4))
                .body("high_watermark", equalTo(4));
        given().when().get("/topics/" + topic + "/partitions/1/records")
                .then().statusCode(200).body("records[0].offset", equalTo(0));
        given().when().get("/topics/" + topic + "/partitions/0/records")
                .then().statusCode(200).body("records", hasSize(0)).body("next_offset", equalTo(0));
    }

    @Test
    void valuesOfJsonLinesAreReadAsJsonOrTextAndAnInvalidRecordFallsBackToBase64Alone() throws Exception {
        String topic = "fetch-format-" + RUN;
        KafkaSide kafka = new KafkaSide(node);
        kafka.createTopic(topic, 1);
        byte[] notUtf8 = {(byte) 0xff, (byte) 0xfe};
        kafka.produceAll(List.of(
                new ProducerRecord<>(topic, 0, "d1".getBytes(StandardCharsets.UTF_8), "{\"t\":21.5,\"ok\":true}".getBytes(StandardCharsets.UTF_8)),
                new ProducerRecord<>(topic, 0, "d2".getBytes(StandardCharsets.UTF_8), "not json {".getBytes(StandardCharsets.UTF_8)),
                new ProducerRecord<>(topic, 0, null, "[1,2]".getBytes(StandardCharsets.UTF_8)),
                new ProducerRecord<>(topic, 0, null, notUtf8)));
        String records = "/topics/" + topic + "/partitions/0/records?offset=0";

        given().when().get(records + "&format=json&key_format=text")
                .then().statusCode(200)
                .body("records", hasSize(4))
                .body("records[0].key", equalTo("d1"))
                .body("records[0].value.t", equalTo(21.5f))
                .body("records[0].value.ok", equalTo(true))
                .body("records[0]", not(hasKey("format_error")))
                .body("records[0]", not(hasKey("value_format")))
                .body("records[1].key", equalTo("d2"))
                .body("records[1].value", equalTo(b64("not json {")))
                .body("records[1].value_format", equalTo("base64"))
                .body("records[1]", not(hasKey("key_format")))
                .body("records[1].format_error", containsString("value not valid JSON"))
                .body("records[2].key", equalTo(null))
                .body("records[2].value", equalTo(List.of(1, 2)))
                .body("records[3].value_format", equalTo("base64"));

        given().when().get(records + "&format=text")
                .then().statusCode(200)
                .body("records[0].key", equalTo("d1"))
                .body("records[0].value", equalTo("{\"t\":21.5,\"ok\":true}"))
                .body("records[1].value", equalTo("not json {"))
                .body("records[3].value", equalTo(Base64.getEncoder().encodeToString(notUtf8)))
                .body("records[3].format_error", equalTo("value not valid UTF-8: given as base64"));

        given().when().get(records).then().statusCode(200)
                .body("records[0].value", equalTo(b64("{\"t\":21.5,\"ok\":true}")))
                .body("records[1]", not(hasKey("format_error")));
        given().when().get(records + "&format=xml").then().statusCode(400)
                .body("error_code", equalTo(400)).body("message", containsString("base64, json or text"));
    }

    @Test
    void aLongPollIsAnsweredByTheNextAppend() throws Exception {
        String topic = "fetch-wait-" + RUN;
        KafkaSide kafka = new KafkaSide(node);
        kafka.createTopic(topic, 1);
        CompletableFuture<JsonPath> poll = CompletableFuture.supplyAsync(() -> given()
                .when().get("/topics/" + topic + "/partitions/0/records?offset=0&timeout=25000")
                .then().statusCode(200).extract().jsonPath());
        // The request has no data yet; whether it is parked or not when the record arrives, it must return it.
        Thread.sleep(300);
        kafka.produce(new ProducerRecord<>(topic, "late".getBytes(StandardCharsets.UTF_8)));
        JsonPath result = poll.get(60, TimeUnit.SECONDS);
        assertThat(result.getList("records")).hasSize(1);
        assertThat(result.getString("records[0].value")).isEqualTo(b64("late"));
    }

    @Test
    void aLongPollWithNothingArrivingReturnsNoRecords() throws Exception {
        String topic = "fetch-empty-" + RUN;
        new KafkaSide(node).createTopic(topic, 1);
        given().when().get("/topics/" + topic + "/partitions/0/records?offset=0&timeout=200")
                .then().statusCode(200).body("records", hasSize(0)).body("high_watermark", equalTo(0));
    }

    @Test
    void errors() throws Exception {
        String topic = "fetch-errors-" + RUN;
        new KafkaSide(node).createTopic(topic, 1);
        given().when().get("/topics/fetch-missing-" + RUN + "/partitions/0/records")
                .then().statusCode(404).body("error_code", equalTo(40401));
        given().when().get("/topics/" + topic + "/partitions/3/records")
                .then().statusCode(404).body("error_code", equalTo(40402));
        given().when().get("/topics/" + topic + "/partitions/0/records?offset=50")
                .then().statusCode(416).body("error_code", equalTo(416));
        given().when().get("/topics/" + topic + "/partitions/0/records?max_bytes=0")
                .then().statusCode(400).body("error_code", equalTo(400));
        given().when().get("/topics/" + topic + "/partitions/0/records?offset=abc")
                .then().statusCode(404);
    }
}
