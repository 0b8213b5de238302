package io.strata.systemtest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.strata.testsupport.NodeLogOnFailure;
import io.strata.testsupport.StrataNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A device upload larger than the node's whole heap: the NDJSON body is streamed through the node,
 * so the upload succeeds with a heap far smaller than the body.
 */
@ExtendWith(NodeLogOnFailure.class)
class HttpIngestIT {

    private static final long LINES = 1_000_000;
    private static final String HEAP = "-Xmx128m";

    @Test
    void anUploadLargerThanTheHeapIsStoredCompletely() throws Exception {
        try (StrataNode node = StrataNode.builder("http-ingest").jvmOption(HEAP).start()) {
            node.requireManaged("runs the node with a small heap");
            GeneratedLines body = new GeneratedLines(LINES);
            HttpRequest request = HttpRequest.newBuilder(URI.create(node.httpBase() + "/ingest/devices"))
                    .header("Content-Type", "application/x-ndjson")
                    .header("X-Strata-Key-Field", "device")
                    .timeout(Duration.ofMinutes(10))
                    .POST(HttpRequest.BodyPublishers.ofInputStream(() -> body))
                    .build();
            HttpResponse<String> response = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build()
                    .send(request, HttpResponse.BodyHandlers.ofString());

            assertThat(body.bytesSent).as("body size").isGreaterThan(128L * 1024 * 1024);
            assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
            JsonNode result = new ObjectMapper().readTree(response.body());
            assertThat(result.get("records").asLong()).isEqualTo(LINES);
            assertThat(result.get("rejected").asLong()).isZero();
            assertThat(node.isRunning()).as("node alive after the upload").isTrue();

            // The last line is the last record.
            JsonNode last = new ObjectMapper().readTree(node.httpGet("/topics/devices/partitions/0/records?offset="
                    + (LINES - 1)).body());
            assertThat(last.get("high_watermark").asLong()).isEqualTo(LINES);
            String value = new String(Base64.getDecoder().decode(last.get("records").get(0).get("value").asText()),
                    StandardCharsets.UTF_8);
            assertThat(value).isEqualTo(GeneratedLines.line(LINES - 1).trim());
        }
    }

    /** NDJSON lines made on the fly, so the test does not hold the body either. */
    private static final class GeneratedLines extends InputStream {
        private final long lines;
        private long next;
        private byte[] current = new byte[0];
        private int pos;
        long bytesSent;

        GeneratedLines(long lines) {
            this.lines = lines;
        }

        static String line(long i) {
            return "{\"device\":\"device-" + (i % 1000) + "\",\"seq\":" + i
                    + ",\"reading\":{\"temperature\":21.5,\"humidity\":40,\"battery\":0.97},\"note\":\"" + "n".repeat(60) + "\"}\n";
        }

        @Override
        public int read() {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) {
            if (pos == current.length) {
                if (next == lines) {
                    return -1;
                }
                current = line(next++).getBytes(StandardCharsets.UTF_8);
                pos = 0;
            }
            int n = Math.min(len, current.length - pos);
            System.arraycopy(current, pos, b, off, n);
            pos += n;
            bytesSent += n;
            return n;
        }
    }
}
