package io.strata.ingest.http;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

/** /q/openapi describes every HTTP endpoint. */
@QuarkusTest
class OpenApiTest {

    @Test
    void everyEndpointIsDescribedWithASummaryAndSchemas() {
        JsonPath doc = given().accept("application/json").when().get("/q/openapi?format=json")
                .then().statusCode(200).extract().jsonPath();
        Map<String, Map<String, Map<String, Object>>> paths = doc.getMap("paths");
        String instance = "/consumers/{group}/instances/{instance}";
        Map<String, List<String>> operations = Map.ofEntries(
                Map.entry("/ingest/{topic}", List.of("post")),
                Map.entry("/topics", List.of("get")),
                Map.entry("/topics/{topic}", List.of("get", "post")),
                Map.entry("/topics/{topic}/partitions", List.of("get")),
                Map.entry("/topics/{topic}/partitions/{partition}", List.of("get", "post")),
                Map.entry("/topics/{topic}/partitions/{partition}/records", List.of("get")),
                Map.entry("/consumers/{group}", List.of("post")),
                Map.entry(instance, List.of("delete")),
                Map.entry(instance + "/subscription", List.of("post", "get", "delete")),
                Map.entry(instance + "/assignments", List.of("post", "get")),
                Map.entry(instance + "/positions", List.of("post")),
                Map.entry(instance + "/positions/beginning", List.of("post")),
                Map.entry(instance + "/positions/end", List.of("post")),
                Map.entry(instance + "/records", List.of("get")),
                Map.entry(instance + "/offsets", List.of("post", "get")),
                Map.entry("/v3/clusters", List.of("get")),
                Map.entry("/v3/clusters/{cluster_id}", List.of("get")),
                Map.entry("/v3/clusters/{cluster_id}/topics", List.of("get")),
                Map.entry("/v3/clusters/{cluster_id}/topics/{topic_name}", List.of("get")),
                Map.entry("/v3/clusters/{cluster_id}/topics/{topic_name}/partitions", List.of("get")),
                Map.entry("/v3/clusters/{cluster_id}/topics/{topic_name}/records", List.of("post")),
                Map.entry("/v3/clusters/{cluster_id}/topics/{topic_name}/records:batch", List.of("post")),
                Map.entry("/admin/nodes", List.of("get")),
                Map.entry("/admin/nodes/{id}/drain", List.of("post", "get", "delete")),
                Map.entry("/admin/token-revocations", List.of("get", "post", "delete")));
        operations.forEach((path, methods) -> {
            assertThat(paths).as(path).containsKey(path);
            for (String method : methods) {
                Map<String, Object> operation = paths.get(path).get(method);
                assertThat(operation).as(path + " " + method).isNotNull().containsKey("summary").containsKey("responses");
            }
        });
        // Every path the application serves is one of those above, so none is left undocumented here.
        assertThat(paths.keySet().stream().filter(p -> !p.startsWith("/q/"))).containsExactlyInAnyOrderElementsOf(operations.keySet());
        Map<String, Object> records = paths.get(instance + "/records").get("get");
        assertThat(doc.getMap("paths.'" + instance + "/records'.get.responses.'200'.content")).containsKeys(
                "application/vnd.kafka.binary.v2+json", "application/vnd.kafka.json.v2+json");
        assertThat(records).containsKey("parameters");
        assertThat(paths.get("/topics/{topic}").get("get")).containsKey("summary");
        assertThat(paths.get("/topics/{topic}/partitions/{partition}").get("get")).containsKey("summary");
        Map<String, Object> schemas = doc.getMap("components.schemas");
        assertThat(schemas).containsKeys("V2ProduceRequest", "V2ProduceResponse", "V3ProduceRequest", "V3ProduceResponse",
                "V3ProduceBatchRequest", "V3ProduceBatchResponse", "IngestResult", "FetchedRecords", "Error",
                "V2CreateConsumerRequest", "V2CreateConsumerResponse", "V2Subscription", "V2Partitions", "V2TopicPartition",
                "V2ConsumerOffsets", "V2ConsumerOffset", "V2ConsumerRecord");
    }
}
