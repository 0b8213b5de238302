package io.strata.ingest.http.restproxy.v2;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import com.fasterxml.jackson.databind.JsonNode;
import io.strata.ingest.http.HttpDoors;
import jakarta.ws.rs.core.MediaType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Coverage-guided fuzzing of REST Proxy v2 produce bodies: {@link V2TopicsResource#produce} and
 * {@code produceToPartition} on a lone in-process node ({@link HttpDoors}).
 *
 * <p>The input's last byte chooses the content type (bit 0: binary or JSON embedded format) and the
 * path (bit 1: to a partition, bits 2-3 its number; the topic has two); the rest is the body. A
 * finding is a 5xx answer, an exception the node would answer with 500, an internal failure the node
 * logged, or a 200 whose offsets do not match the records sent one for one.
 *
 * <p>{@code mvn test} replays {@code V2ProduceFuzzTestInputs/}; {@code JAZZER_FUZZ=1} fuzzes.
 */
class V2ProduceFuzzTest {

    private static final String TOPIC = "v2-fuzz";
    private static HttpDoors doors;
    private static V2TopicsResource resource;

    @BeforeAll
    static void start() throws Exception {
        doors = HttpDoors.start(Map.of("strata.http.max-request-bytes", "65536"));
        doors.node().topics().createTopic(TOPIC, 2, 1, Map.of(), Map.of(), false);
        resource = doors.inject(new V2TopicsResource());
    }

    @AfterAll
    static void stop() throws Exception {
        if (doors != null) {
            doors.close();
        }
    }

    @FuzzTest
    void produceBody(FuzzedDataProvider data) throws IOException {
        int mode = data.consumeByte() & 0xff;
        byte[] body = data.consumeRemainingAsBytes();
        MediaType type = MediaType.valueOf((mode & 1) != 0 ? V2MediaTypes.BINARY : V2MediaTypes.JSON);
        boolean toPartition = (mode & 2) != 0;
        int partition = (mode >> 2) & 3;

        HttpDoors.Outcome outcome = doors.call(() -> toPartition
                ? resource.produceToPartition(TOPIC, partition, type, (long) body.length, new ByteArrayInputStream(body))
                : resource.produce(TOPIC, type, (long) body.length, new ByteArrayInputStream(body)));
        assertThat(outcome.failure()).as("exception: %s", outcome.text()).isNull();
        assertThat(outcome.status()).as("status of %s", outcome.text()).isLessThan(500);
        assertThat(outcome.loggedFailures()).as("failures the node logged").isEmpty();
        if (outcome.status() == 200) {
            JsonNode sent = doors.mapper().readTree(body);
            JsonNode offsets = doors.mapper().readTree(outcome.body()).path("offsets");
            assertThat(offsets.size()).as("offsets in %s", outcome.text()).isEqualTo(sent.path("records").size());
        }
    }
}
