package io.strata.loadtests.gatling;

import io.gatling.javaapi.core.ScenarioBuilder;
import io.gatling.javaapi.core.Simulation;
import io.gatling.javaapi.http.HttpProtocolBuilder;
import io.gatling.javaapi.http.HttpRequestActionBuilder;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Locale;

import static io.gatling.javaapi.core.CoreDsl.ByteArrayBody;
import static io.gatling.javaapi.core.CoreDsl.atOnceUsers;
import static io.gatling.javaapi.core.CoreDsl.during;
import static io.gatling.javaapi.core.CoreDsl.exec;
import static io.gatling.javaapi.core.CoreDsl.scenario;
import static io.gatling.javaapi.http.HttpDsl.http;
import static io.gatling.javaapi.http.HttpDsl.status;

/**
 * HTTP ingest load on one Strata node: a fixed number of devices (virtual users), each sending
 * requests back to back for a fixed time. Two modes, as devices use the node:
 * <ul>
 *   <li>{@code ndjson}: {@code POST /ingest/{topic}} with {@code lines} device readings per request;</li>
 *   <li>{@code single}: one reading per request through the REST Proxy v2 produce endpoint.</li>
 * </ul>
 * Every request body is built once, before the run, so the load generator spends its CPU on
 * HTTP and not on JSON. Parameters come from system properties (see {@link Params}); a request
 * counts as OK only with a 200 answer, so rejected lines show up as failures in the report.
 */
public class HttpIngestSimulation extends Simulation {

    /** Run parameters, read from {@code gatling.*} system properties. */
    public record Params(String baseUrl, String topic, String mode, int users, int lines, int lineBytes,
                         Duration duration) {

        static Params fromSystemProperties() {
            return new Params(
                    System.getProperty("gatling.baseUrl", "http://127.0.0.1:8080"),
                    System.getProperty("gatling.topic", "gatling-ingest"),
                    System.getProperty("gatling.mode", "ndjson"),
                    Integer.getInteger("gatling.users", 8),
                    Integer.getInteger("gatling.lines", 1000),
                    Integer.getInteger("gatling.lineBytes", 200),
                    Duration.ofMillis((long) (Double.parseDouble(System.getProperty("gatling.durationS", "10")) * 1000)));
        }
    }

    public HttpIngestSimulation() {
        Params p = Params.fromSystemProperties();
        HttpProtocolBuilder protocol = http.baseUrl(p.baseUrl()).disableCaching().disableWarmUp();
        HttpRequestActionBuilder request = switch (p.mode()) {
            case "ndjson" -> http("ndjson " + p.lines() + " lines")
                    .post("/ingest/" + p.topic())
                    .header("Content-Type", "application/x-ndjson")
                    .header("X-Strata-Key-Field", "device")
                    .body(ByteArrayBody(ndjsonBody(p.lines(), p.lineBytes())));
            case "single" -> http("rest proxy v2 single record")
                    .post("/topics/" + p.topic())
                    .header("Content-Type", "application/vnd.kafka.json.v2+json")
                    .header("Accept", "application/vnd.kafka.v2+json")
                    .body(ByteArrayBody(("{\"records\":[{\"key\":\"device-0001\",\"value\":"
                            + reading(1, p.lineBytes()) + "}]}").getBytes(StandardCharsets.UTF_8)));
            default -> throw new IllegalArgumentException("gatling.mode must be ndjson or single, not " + p.mode());
        };
        ScenarioBuilder devices = scenario("devices " + p.mode())
                .exec(during(p.duration()).on(exec(request.check(status().is(200)))));
        setUp(devices.injectOpen(atOnceUsers(p.users()))).protocols(protocol);
    }

    /** The body of one NDJSON request: {@code lines} readings of about {@code lineBytes} bytes each. */
    public static byte[] ndjsonBody(int lines, int lineBytes) {
        StringBuilder body = new StringBuilder(lines * (lineBytes + 1));
        for (int i = 0; i < lines; i++) {
            body.append(reading(i, lineBytes)).append('\n');
        }
        return body.toString().getBytes(StandardCharsets.UTF_8);
    }

    /** One device reading as a JSON object, padded with a note field to about {@code bytes} bytes. */
    static String reading(int i, int bytes) {
        String head = String.format(Locale.ROOT,
                "{\"device\":\"device-%04d\",\"ts\":%d,\"temperature\":%.2f,\"humidity\":%d,\"battery\":%d,\"note\":\"",
                i % 1000, 1_700_000_000_000L + i, 15 + (i % 200) / 10.0, 30 + (i % 50), 100 - i % 100);
        int pad = Math.max(0, bytes - head.length() - 2);
        return head + "x".repeat(pad) + "\"}";
    }
}
