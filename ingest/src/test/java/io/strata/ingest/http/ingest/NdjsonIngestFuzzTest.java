package io.strata.ingest.http.ingest;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.JsonNode;
import io.strata.ingest.http.HttpDoors;
import io.strata.ingest.http.common.ContentEncodingDecoder;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Map;
import java.util.zip.GZIPOutputStream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Coverage-guided fuzzing of NDJSON bulk ingest bodies: {@link NdjsonIngestResource#ingest} on a lone
 * in-process node ({@link HttpDoors}), with the limits made small so that the fuzzer reaches them.
 *
 * <p>The input's last byte chooses the key field (none, {@code device}, the nested {@code a.b}, or a
 * blank header) and the encoding (plain, gzip-compressed by the test, or declared gzip but sent
 * plain, i.e. a corrupt gzip body); the rest is the body. A finding is a 5xx answer, an exception
 * the node would answer with 500, an internal failure the node logged, and, when the body was read to its end, a report that does not
 * account for every line (stored + rejected must equal the lines that are not blank), and one that stores a line
 * that is not one JSON document in valid UTF-8 or rejects one that is (as the blocking Jackson parser and the
 * JDK's strict UTF-8 decoder judge each line).
 *
 * <p>{@code mvn test} replays {@code NdjsonIngestFuzzTestInputs/}; {@code JAZZER_FUZZ=1} fuzzes.
 */
class NdjsonIngestFuzzTest {

    private static final String TOPIC = "ndjson-fuzz";
    private static final int MAX_RECORD_BYTES = 200;
    private static HttpDoors doors;
    private static NdjsonIngestResource resource;

    @BeforeAll
    static void start() throws Exception {
        doors = HttpDoors.start(Map.of(
                "strata.http.ingest.max-record-bytes", String.valueOf(MAX_RECORD_BYTES),
                "strata.http.ingest.max-lines", "200",
                "strata.http.ingest.batch-lines", "7",
                "strata.http.ingest.max-reported-errors", "5"));
        doors.node().topics().createTopic(TOPIC, 3, 1, Map.of(), Map.of(), false);
        resource = new NdjsonIngestResource(doors.producer(), doors.config(), doors.mapper(),
                io.strata.ingest.http.security.HttpAccess.unrestricted());
    }

    @AfterAll
    static void stop() throws Exception {
        if (doors != null) {
            doors.close();
        }
    }

    @FuzzTest
    void ndjsonBody(FuzzedDataProvider data) throws IOException {
        int mode = data.consumeByte() & 0xff;
        byte[] body = data.consumeRemainingAsBytes();
        String keyField = switch (mode & 3) {
            case 0 -> null;
            case 1 -> "device";
            case 2 -> "a.b";
            default -> " ";
        };
        boolean compress = (mode & 4) != 0;
        boolean declaredGzip = compress || (mode & 8) != 0;
        byte[] sent = compress ? gzip(body) : body;

        String encoding = declaredGzip ? "gzip" : null;
        // The resource is called directly: decode the body as the node's reader interceptor does in front of it.
        HttpDoors.Outcome outcome = doors.call(() -> resource.ingest(TOPIC, keyField, encoding, (long) sent.length,
                ContentEncodingDecoder.decoded(new ByteArrayInputStream(sent), encoding)));
        assertThat(outcome.failure()).as("exception: %s", outcome.text()).isNull();
        assertThat(outcome.status()).as("status of %s", outcome.text()).isLessThan(500);
        assertThat(outcome.loggedFailures()).as("failures the node logged").isEmpty();
        if (outcome.status() == 200 || outcome.status() == 207 || outcome.status() == 422) {
            assertThat(declaredGzip && !compress).as("a corrupt gzip body was accepted").isFalse();
            JsonNode report = doors.mapper().readTree(outcome.body());
            long accounted = report.path("records").asLong() + report.path("rejected").asLong();
            assertThat(accounted).as("lines accounted for in %s", outcome.text()).isEqualTo(lines(body));
            assertThat(report.path("records").asLong()).as("valid lines stored in %s", outcome.text())
                    .isEqualTo(validLines(body));
        }
    }

    /** Lines that are stored or rejected: every line but the blank ones (a too-long line counts either way). */
    private static long lines(byte[] body) {
        long count = 0;
        int start = 0;
        for (int i = 0; i <= body.length; i++) {
            if (i == body.length || body[i] == '\n') {
                if (i == body.length && start == body.length) {
                    break; // nothing after the last newline
                }
                int end = i;
                long length = end - start;
                if (end > start && body[end - 1] == '\r' && length <= MAX_RECORD_BYTES + 1L) {
                    end--;
                    length--;
                }
                if (length > MAX_RECORD_BYTES || !blank(body, start, end)) {
                    count++;
                }
                start = i + 1;
            }
        }
        return count;
    }

    /** Lines that are stored: not too long, not blank, one JSON document, valid UTF-8. */
    private static long validLines(byte[] body) {
        long count = 0;
        int start = 0;
        for (int i = 0; i <= body.length; i++) {
            if (i == body.length || body[i] == '\n') {
                int end = i > start && body[i - 1] == '\r' ? i - 1 : i;
                if (end - start <= MAX_RECORD_BYTES && !blank(body, start, end) && isJson(Arrays.copyOfRange(body, start, end))) {
                    count++;
                }
                start = i + 1;
            }
        }
        return count;
    }

    private static boolean isJson(byte[] line) {
        try (JsonParser p = doors.mapper().createParser(line)) {
            p.nextToken();
            p.skipChildren();
            if (p.nextToken() != null) {
                return false;
            }
            StandardCharsets.UTF_8.newDecoder().decode(ByteBuffer.wrap(line));
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static boolean blank(byte[] b, int from, int to) {
        for (int i = from; i < to; i++) {
            if (b[i] != ' ' && b[i] != '\t' && b[i] != '\r') {
                return false;
            }
        }
        return true;
    }

    private static byte[] gzip(byte[] bytes) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
            gz.write(bytes);
        }
        return out.toByteArray();
    }
}
