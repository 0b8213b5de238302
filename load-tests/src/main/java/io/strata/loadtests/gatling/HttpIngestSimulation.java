package io.strata.loadtests.gatling;

import io.gatling.javaapi.core.ScenarioBuilder;
import io.gatling.javaapi.core.Simulation;
import io.gatling.javaapi.http.HttpRequestActionBuilder;
import io.strata.loadtests.tools.DeviceLines;
import io.strata.loadtests.tools.DeviceLinesKafkaPerf;
import io.strata.loadtests.tools.ToolResult;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

import static io.gatling.javaapi.core.CoreDsl.ByteArrayBody;
import static io.gatling.javaapi.core.CoreDsl.atOnceUsers;
import static io.gatling.javaapi.core.CoreDsl.exec;
import static io.gatling.javaapi.core.CoreDsl.global;
import static io.gatling.javaapi.core.CoreDsl.jsonPath;
import static io.gatling.javaapi.core.CoreDsl.repeat;
import static io.gatling.javaapi.core.CoreDsl.scenario;
import static io.gatling.javaapi.http.HttpDsl.http;
import static io.gatling.javaapi.http.HttpDsl.status;

/**
 * HTTP ingest load on one Strata node, as devices use it: {@code users} devices send {@code requests} requests in
 * all, back to back, in one of two modes:
 * <ul>
 *   <li>{@code ndjson}: {@code POST /ingest/{topic}}, {@code lines} device readings per request;</li>
 *   <li>{@code single}: one reading per request through the REST Proxy v2 produce endpoint.</li>
 * </ul>
 * The readings are {@link DeviceLines} with the seed of {@link DeviceLinesKafkaPerf}, in the same order, so the
 * Kafka-produce baseline sends the same bytes with the same keys. Request bodies are built before the run, so the
 * load generator spends its CPU on HTTP, not on JSON. A request is OK only when the node answers 200 and stored
 * every line; any failure fails the run (Gatling exits non-zero). At the end the simulation prints a
 * {@link ToolResult} line with the payload bytes (the readings, not the HTTP framing) and the elapsed time.
 *
 * <p>Parameters are system properties: {@code ingest.baseUrl}, {@code ingest.topic}, {@code ingest.mode},
 * {@code ingest.users}, {@code ingest.requests}, {@code ingest.lines},
 * {@code ingest.firstRequest} (to continue the sequence after a warm-up run), {@code ingest.devices}.
 */
public class HttpIngestSimulation extends Simulation {

    private final String mode = System.getProperty("ingest.mode", "ndjson");
    private final int users = Integer.getInteger("ingest.users", 4);
    private final long requests = Long.getLong("ingest.requests", 400);
    private final int lines = "single".equals(mode) ? 1 : Integer.getInteger("ingest.lines", 1000);
    private final long firstRequest = Long.getLong("ingest.firstRequest", 0);

    private final byte[][] bodies;
    private final long[] payloadBytes;
    private final AtomicLong next = new AtomicLong();
    private long startNanos;

    public HttpIngestSimulation() {
        DeviceLines readings = DeviceLines.generate(DeviceLinesKafkaPerf.POOL_LINES,
                Integer.getInteger("ingest.devices", 10_000), DeviceLinesKafkaPerf.SEED);
        int count = readings.count() / lines;
        bodies = new byte[count][];
        payloadBytes = new long[count];
        for (int b = 0; b < count; b++) {
            ByteArrayOutputStream body = new ByteArrayOutputStream();
            if ("single".equals(mode)) {
                body.writeBytes("{\"records\":[{\"key\":\"".getBytes(StandardCharsets.UTF_8));
                body.writeBytes(readings.key(b));
                body.writeBytes("\",\"value\":".getBytes(StandardCharsets.UTF_8));
                body.writeBytes(readings.value(b));
                body.writeBytes("}]}".getBytes(StandardCharsets.UTF_8));
                payloadBytes[b] = readings.value(b).length;
            } else {
                for (int i = b * lines; i < (b + 1) * lines; i++) {
                    body.writeBytes(readings.value(i));
                    body.write('\n');
                    payloadBytes[b] += readings.value(i).length;
                }
            }
            bodies[b] = body.toByteArray();
        }
        next.set(firstRequest);

        String topic = System.getProperty("ingest.topic", "gatling-ingest");
        HttpRequestActionBuilder request = switch (mode) {
            case "ndjson" -> http("NDJSON upload of " + lines + " lines")
                    .post("/ingest/" + topic)
                    .header("Content-Type", "application/x-ndjson")
                    .header("X-Strata-Key-Field", "device")
                    .body(ByteArrayBody(session -> nextBody()))
                    .check(status().is(200), jsonPath("$.records").ofLong().is((long) lines));
            case "single" -> http("REST Proxy v2 single record")
                    .post("/topics/" + topic)
                    .header("Content-Type", "application/vnd.kafka.json.v2+json")
                    .header("Accept", "application/vnd.kafka.v2+json")
                    .body(ByteArrayBody(session -> nextBody()))
                    .check(status().is(200), jsonPath("$.offsets[0].offset").ofLong().gte(0L));
            default -> throw new IllegalArgumentException("ingest.mode must be ndjson or single, not " + mode);
        };
        ScenarioBuilder devices = scenario("devices (" + mode + ")")
                // Users share the requests evenly; the first requests % users users send one more.
                .exec(repeat(session -> (int) (requests / users + (session.userId() <= requests % users ? 1 : 0)))
                        .on(exec(request)));
        setUp(devices.injectOpen(atOnceUsers(users)))
                .protocols(http.baseUrl(System.getProperty("ingest.baseUrl", "http://127.0.0.1:8080"))
                        .disableCaching().disableWarmUp())
                .assertions(global().failedRequests().count().is(0L));
    }

    private byte[] nextBody() {
        return bodies[(int) (next.getAndIncrement() % bodies.length)];
    }

    @Override
    public void before() {
        startNanos = System.nanoTime();
    }

    @Override
    public void after() {
        double seconds = (System.nanoTime() - startNanos) / 1e9;
        long bytes = 0;
        for (long n = firstRequest; n < firstRequest + requests; n++) {
            bytes += payloadBytes[(int) (n % bodies.length)];
        }
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("mode", mode);
        r.put("requests", requests);
        r.put("records", requests * lines);
        r.put("bytes", bytes);
        r.put("seconds", seconds);
        r.put("mibPerSec", bytes / (1024.0 * 1024.0) / seconds);
        r.put("recordsPerSec", requests * lines / seconds);
        ToolResult.print(r);
    }
}
