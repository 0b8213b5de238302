package io.strata.ingest.http;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import io.strata.ingest.node.StrataNode;
import jakarta.inject.Inject;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;

/** A node with topic auto-creation off and a tiny upload time limit. */
@QuarkusTest
@TestProfile(HttpRestrictedNodeTest.NoAutoCreate.class)
class HttpRestrictedNodeTest {

    public static final class NoAutoCreate implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("strata.kafka.auto-create-topics", "false", "strata.http.ingest.max-duration", "1ms");
        }
    }

    @Inject
    StrataNode node;

    @BeforeAll
    static void setUp() {
        HttpTests.textBodies();
    }

    @Test
    void anUploadOverItsTimeLimitIs408AndReportsWhatWasStored() throws Exception {
        String topic = "slow-" + Long.toString(System.nanoTime(), 36);
        new KafkaSide(node).createTopic(topic, 1);
        String body = "{\"n\":1}\n".repeat(4000);
        int stored = given().contentType(HttpTests.NDJSON).body(body).when().post("/ingest/" + topic)
                .then().statusCode(408).body("error_code", equalTo(408))
                .body("message", org.hamcrest.Matchers.containsString("max-duration"))
                .extract().jsonPath().getInt("records");
        given().when().get("/topics/" + topic + "/partitions/0/records?max_bytes=1")
                .then().statusCode(200).body("high_watermark", equalTo(stored));
    }

    @Test
    void unknownTopicsAreNotCreated() {
        String topic = "no-auto-" + Long.toString(System.nanoTime(), 36);
        given().contentType(HttpTests.NDJSON).body("{\"a\":1}\n").when().post("/ingest/" + topic)
                .then().statusCode(404).contentType(ContentType.JSON).body("error_code", equalTo(404));
        given().contentType(HttpTests.BINARY_V2).body("{\"records\":[{\"value\":\"eA==\"}]}").when().post("/topics/" + topic)
                .then().statusCode(404).body("error_code", equalTo(40401));
        given().contentType(ContentType.JSON).body("{\"value\":{\"data\":1}}")
                .when().post("/v3/clusters/" + node.brokerNode().clusterId() + "/topics/" + topic + "/records")
                .then().statusCode(404).body("error_code", equalTo(404));
        given().when().get("/topics/" + topic).then().statusCode(404).body("error_code", equalTo(40401));
    }
}
