package io.strata.ingest.http;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import io.strata.ingest.node.StrataNode;
import jakarta.inject.Inject;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.utils.Utils;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import static io.restassured.RestAssured.given;
import static io.strata.ingest.http.HttpTests.BINARY_V2;
import static io.strata.ingest.http.HttpTests.JSON_V2;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.hasKey;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.nullValue;

/** Confluent REST Proxy v2: produce and topic metadata, and what Kafka clients see of it. */
@QuarkusTest
class RestProxyV2Test {

    private static final String RUN = Long.toString(System.nanoTime(), 36);

    @Inject
    StrataNode node;

    @BeforeAll
    static void setUp() {
        HttpTests.textBodies();
    }

    private static String b64(String s) {
        return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void binaryRecordsArePartitionedLikeTheJavaClientAndReadBackUnchanged() throws Exception {
        String topic = "v2-binary-" + RUN;
        KafkaSide kafka = new KafkaSide(node);
        kafka.createTopic(topic, 4);
        StringBuilder records = new StringBuilder();
        for (int i = 0; i < 12; i++) {
            records.append(i == 0 ? "" : ",").append("{\"key\":\"").append(b64("key-" + (i % 4)))
                    .append("\",\"value\":\"").append(b64("value-" + i)).append("\"}");
        }
        JsonPath response = given().contentType(BINARY_V2).body("{\"records\":[" + records + "]}")
                .when().post("/topics/" + topic)
                .then().statusCode(200).contentType("application/vnd.kafka.v2+json")
                .body("key_schema_id", nullValue()).body("value_schema_id", nullValue())
                .body("offsets", hasSize(12))
                .body("offsets[0]", hasKey("error_code")).body("offsets[0].error_code", nullValue())
                .extract().jsonPath();
        for (int i = 0; i < 12; i++) {
            byte[] key = ("key-" + (i % 4)).getBytes(StandardCharsets.UTF_8);
            assertThat(response.getInt("offsets[" + i + "].partition"))
                    .isEqualTo(Utils.toPositive(Utils.murmur2(key)) % 4);
        }
        // The same key sent by a Kafka producer lands in the same partition.
        int kafkaPartition = kafka.produce(new ProducerRecord<>(topic, "key-1".getBytes(StandardCharsets.UTF_8),
                "from-kafka".getBytes(StandardCharsets.UTF_8))).partition();
        assertThat(kafkaPartition).isEqualTo(response.getInt("offsets[1].partition"));

        List<ConsumerRecord<byte[], byte[]>> consumed = kafka.consume(topic, 4, 13);
        Map<String, String> valueToKey = consumed.stream().collect(Collectors.toMap(
                r -> new String(r.value(), StandardCharsets.UTF_8), r -> new String(r.key(), StandardCharsets.UTF_8)));
        for (int i = 0; i < 12; i++) {
            assertThat(valueToKey).containsEntry("value-" + i, "key-" + (i % 4));
        }
        for (ConsumerRecord<byte[], byte[]> r : consumed) {
            String value = new String(r.value(), StandardCharsets.UTF_8);
            if (value.startsWith("value-")) {
                int i = Integer.parseInt(value.substring(6));
                assertThat(r.partition()).isEqualTo(response.getInt("offsets[" + i + "].partition"));
                assertThat(r.offset()).isEqualTo(response.getLong("offsets[" + i + "].offset"));
            }
        }
    }

    @Test
    void unkeyedRecordsAreSpreadOverPartitions() throws Exception {
        String topic = "v2-spread-" + RUN;
        new KafkaSide(node).createTopic(topic, 4);
        String records = "{\"value\":\"" + b64("x") + "\"}" + (",{\"value\":\"" + b64("x") + "\"}").repeat(7);
        List<Integer> partitions = given().contentType(BINARY_V2).body("{\"records\":[" + records + "]}")
                .when().post("/topics/" + topic)
                .then().statusCode(200).extract().jsonPath().getList("offsets.partition", Integer.class);
        Set<Integer> used = new HashSet<>(partitions);
        assertThat(used).hasSizeGreaterThan(1);
    }

    @Test
    void jsonRecordsAreStoredSerializedAndAnExplicitPartitionIsHonoured() throws Exception {
        String topic = "v2-json-" + RUN;
        new KafkaSide(node).createTopic(topic, 3);
        given().contentType(JSON_V2).body("{\"records\":[{\"key\":\"k1\",\"value\":{\"temp\":21.5,\"ok\":true}},{\"value\":[1,2]}]}")
                .when().post("/topics/" + topic + "/partitions/2")
                .then().statusCode(200)
                .body("offsets.partition", equalTo(List.of(2, 2)))
                .body("offsets.offset", equalTo(List.of(0, 1)));
        given().contentType(JSON_V2).body("{\"records\":[{\"value\":\"v\",\"partition\":1}]}")
                .when().post("/topics/" + topic)
                .then().statusCode(200).body("offsets[0].partition", equalTo(1));
        List<ConsumerRecord<byte[], byte[]>> consumed = new KafkaSide(node).consume(topic, 3, 3);
        assertThat(consumed).filteredOn(r -> r.partition() == 2)
                .extracting(r -> r.key() == null ? null : new String(r.key(), StandardCharsets.UTF_8),
                        r -> new String(r.value(), StandardCharsets.UTF_8))
                .containsExactly(org.assertj.core.groups.Tuple.tuple("\"k1\"", "{\"temp\":21.5,\"ok\":true}"),
                        org.assertj.core.groups.Tuple.tuple(null, "[1,2]"));
    }

    @Test
    void topicMetadata() throws Exception {
        String topic = "v2-meta-" + RUN;
        new KafkaSide(node).createTopic(topic, 3);
        given().when().get("/topics").then().statusCode(200).body("$", hasItem(topic));
        given().when().get("/topics/" + topic).then().statusCode(200)
                .body("name", equalTo(topic))
                .body("configs", hasKey("retention.ms"))
                .body("partitions", hasSize(3))
                .body("partitions[1].partition", equalTo(1))
                .body("partitions[1].leader", equalTo(node.brokerNode().nodeId()))
                .body("partitions[1].replicas[0].broker", equalTo(node.brokerNode().nodeId()))
                .body("partitions[1].replicas[0].leader", equalTo(true))
                .body("partitions[1].replicas[0].in_sync", equalTo(true));
        given().when().get("/topics/" + topic + "/partitions").then().statusCode(200).body("partition", equalTo(List.of(0, 1, 2)));
        given().when().get("/topics/" + topic + "/partitions/2").then().statusCode(200).body("partition", equalTo(2));
    }

    @Test
    void unknownTopicsAndPartitionsAre404WithConfluentCodes() throws Exception {
        String topic = "v2-missing-" + RUN;
        given().when().get("/topics/" + topic).then().statusCode(404).body("error_code", equalTo(40401));
        given().when().get("/topics/" + topic + "/partitions").then().statusCode(404).body("error_code", equalTo(40401));
        String existing = "v2-parts-" + RUN;
        new KafkaSide(node).createTopic(existing, 2);
        given().when().get("/topics/" + existing + "/partitions/2").then().statusCode(404).body("error_code", equalTo(40402));
        given().contentType(BINARY_V2).body("{\"records\":[{\"value\":\"" + b64("x") + "\"}]}")
                .when().post("/topics/" + existing + "/partitions/7")
                .then().statusCode(404).body("error_code", equalTo(40402));
        // A partition out of range inside the body fails that record only.
        given().contentType(BINARY_V2).body("{\"records\":[{\"value\":\"" + b64("a") + "\"},{\"value\":\"" + b64("b") + "\",\"partition\":9}]}")
                .when().post("/topics/" + existing)
                .then().statusCode(200)
                .body("offsets[0].error_code", nullValue())
                .body("offsets[1].offset", nullValue())
                .body("offsets[1].error_code", equalTo(2))
                .body("offsets[1].error", containsString("Partition 9"));
    }

    @Test
    void invalidRequestsGetConfluentErrorBodies() {
        String topic = "/topics/v2-errors-" + RUN;
        given().contentType(BINARY_V2).body("{\"records\":[").when().post(topic)
                .then().statusCode(400).contentType(ContentType.JSON).body("error_code", equalTo(400));
        given().contentType(BINARY_V2).body("{\"records\":[{\"value\":\"not base64!\"}]}").when().post(topic)
                .then().statusCode(422).body("error_code", equalTo(42206)).body("message", containsString("base64"));
        given().contentType(BINARY_V2).body("{\"records\":[{\"value\":{\"a\":1}}]}").when().post(topic)
                .then().statusCode(422).body("error_code", equalTo(42206));
        given().contentType(BINARY_V2).body("{\"records\":[]}").when().post(topic)
                .then().statusCode(422).body("error_code", equalTo(42206));
        given().contentType(BINARY_V2).body("{\"records\":{\"value\":1}}").when().post(topic)
                .then().statusCode(422).body("error_code", equalTo(42206));
        given().contentType("application/vnd.kafka.avro.v2+json").body("{\"records\":[]}").when().post(topic)
                .then().statusCode(415).body("error_code", equalTo(415));
        given().accept("text/html").when().get("/topics")
                .then().statusCode(406).body("error_code", equalTo(40601));
        String big = "{\"records\":[{\"value\":\"" + "A".repeat(70_000) + "\"}]}";
        given().contentType(BINARY_V2).body(big).when().post(topic)
                .then().statusCode(413).body("error_code", equalTo(413)).body("message", containsString("max-request-bytes"));
    }
}
