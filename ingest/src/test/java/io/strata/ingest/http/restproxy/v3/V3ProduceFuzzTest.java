package io.strata.ingest.http.restproxy.v3;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import io.strata.ingest.http.HttpDoors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Coverage-guided fuzzing of REST Proxy v3 produce bodies: {@link V3RecordsResource#produce} (one
 * record, or a stream of records with {@code Transfer-Encoding: chunked}) and
 * {@link V3RecordsResource#produceBatch}, on a lone in-process node ({@link HttpDoors}).
 *
 * <p>The input's last byte chooses the door (0: one record, 1: a stream, 2 and 3: a batch); the
 * rest is the body. A finding is a 5xx answer, an exception the node would answer with 500, an
 * internal failure the node logged, a streamed answer that breaks off (the 200 is sent, so the client would see a cut stream), a stream
 * whose first record cannot be read answered inside a 200 instead of with a 400, or a delivery report
 * of a stream or batch with a 5xx error code.
 *
 * <p>{@code mvn test} replays {@code V3ProduceFuzzTestInputs/}; {@code JAZZER_FUZZ=1} fuzzes.
 */
class V3ProduceFuzzTest {

    private static final String TOPIC = "v3-fuzz";
    private static HttpDoors doors;
    private static V3RecordsResource resource;
    private static String cluster;

    @BeforeAll
    static void start() throws Exception {
        doors = HttpDoors.start(Map.of("strata.http.max-request-bytes", "65536"));
        doors.node().topics().createTopic(TOPIC, 2, 1, Map.of(), Map.of(), false);
        resource = doors.inject(new V3RecordsResource());
        cluster = doors.node().brokerNode().clusterId();
    }

    @AfterAll
    static void stop() throws Exception {
        if (doors != null) {
            doors.close();
        }
    }

    @FuzzTest
    void produceBody(FuzzedDataProvider data) throws IOException {
        int door = data.consumeByte() & 3;
        byte[] body = data.consumeRemainingAsBytes();
        HttpDoors.Outcome outcome = doors.call(() -> switch (door) {
            case 0 -> resource.produce(cluster, TOPIC, null, (long) body.length, new ByteArrayInputStream(body));
            case 1 -> resource.produce(cluster, TOPIC, "chunked", null, new ByteArrayInputStream(body));
            default -> resource.produceBatch(cluster, TOPIC, (long) body.length, new ByteArrayInputStream(body));
        });
        assertThat(outcome.failure()).as("exception (status %d sent): %s", outcome.status(), outcome.text()).isNull();
        assertThat(outcome.status()).as("status of %s", outcome.text()).isLessThan(500);
        assertThat(outcome.loggedFailures()).as("failures the node logged").isEmpty();
        if (door == 1 && outcome.status() == 200) {
            try (MappingIterator<JsonNode> reports = doors.mapper().readerFor(JsonNode.class).readValues(outcome.body())) {
                boolean first = true;
                while (reports.hasNextValue()) {
                    JsonNode report = reports.nextValue();
                    // A first record that cannot be read is a 400 answer, not a report inside a 200 stream.
                    assertThat(first && report.path("error_code").asInt() == 400
                            && report.path("message").asText().startsWith("Malformed"))
                            .as("first streamed report %s", report).isFalse();
                    first = false;
                    assertThat(report.path("error_code").asInt()).as("streamed report %s", report).isLessThan(500);
                }
            }
        } else if (door >= 2 && outcome.status() == 207) {
            for (JsonNode failure : doors.mapper().readTree(outcome.body()).path("failures")) {
                assertThat(failure.path("error_code").asInt()).as("batch failure %s", failure).isLessThan(500);
            }
        }
    }
}
