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

/** With topic auto-creation off, producing over HTTP to an unknown topic is a 404 on every door. */
@QuarkusTest
@TestProfile(HttpWithoutAutoCreateTest.NoAutoCreate.class)
class HttpWithoutAutoCreateTest {

    public static final class NoAutoCreate implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("strata.kafka.auto-create-topics", "false");
        }
    }

    @Inject
    StrataNode node;

    @BeforeAll
    static void setUp() {
        HttpTests.textBodies();
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
