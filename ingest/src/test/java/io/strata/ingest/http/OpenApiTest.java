package io.strata.ingest.http;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

/** /q/openapi describes every HTTP produce and fetch endpoint. */
@QuarkusTest
class OpenApiTest {

    @Test
    void everyEndpointIsDescribedWithASummaryAndSchemas() {
        JsonPath doc = given().accept("application/json").when().get("/q/openapi?format=json")
                .then().statusCode(200).extract().jsonPath();
        Map<String, Map<String, Map<String, Object>>> paths = doc.getMap("paths");
        Map<String, String> operations = Map.ofEntries(
                Map.entry("/ingest/{topic}", "post"),
                Map.entry("/topics", "get"),
                Map.entry("/topics/{topic}", "post"),
                Map.entry("/topics/{topic}/partitions", "get"),
                Map.entry("/topics/{topic}/partitions/{partition}", "post"),
                Map.entry("/topics/{topic}/partitions/{partition}/records", "get"),
                Map.entry("/v3/clusters", "get"),
                Map.entry("/v3/clusters/{cluster_id}", "get"),
                Map.entry("/v3/clusters/{cluster_id}/topics", "get"),
                Map.entry("/v3/clusters/{cluster_id}/topics/{topic_name}", "get"),
                Map.entry("/v3/clusters/{cluster_id}/topics/{topic_name}/partitions", "get"),
                Map.entry("/v3/clusters/{cluster_id}/topics/{topic_name}/records", "post"),
                Map.entry("/v3/clusters/{cluster_id}/topics/{topic_name}/records:batch", "post"));
        operations.forEach((path, method) -> {
            assertThat(paths).as(path).containsKey(path);
            Map<String, Object> operation = paths.get(path).get(method);
            assertThat(operation).as(path + " " + method).isNotNull().containsKey("summary").containsKey("responses");
        });
        assertThat(paths.get("/topics/{topic}").get("get")).containsKey("summary");
        assertThat(paths.get("/topics/{topic}/partitions/{partition}").get("get")).containsKey("summary");
        Map<String, Object> schemas = doc.getMap("components.schemas");
        assertThat(schemas).containsKeys("V2ProduceRequest", "V2ProduceResponse", "V3ProduceRequest", "V3ProduceResponse",
                "V3ProduceBatchRequest", "V3ProduceBatchResponse", "IngestResult", "FetchedRecords", "Error");
    }
}
