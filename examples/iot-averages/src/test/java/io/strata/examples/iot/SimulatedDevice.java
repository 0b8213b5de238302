package io.strata.examples.iot;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.zip.GZIPOutputStream;

/**
 * A device that buffers readings and uploads them in bursts as NDJSON to {@code POST /ingest/{topic}},
 * keyed by its id, optionally gzip-compressed, as a battery-powered sensor on a slow link would.
 */
final class SimulatedDevice {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final String id;
    private final Random random;
    private final boolean gzip;
    private final HttpClient http;
    private final URI ingest;
    private final List<Reading> sent = new ArrayList<>();

    SimulatedDevice(String id, long seed, boolean gzip, HttpClient http, String strataHttp, String topic) {
        this.id = id;
        this.random = new Random(seed);
        this.gzip = gzip;
        this.http = http;
        this.ingest = URI.create(strataHttp + "/ingest/" + topic);
    }

    /** Uploads {@code uploads} bursts of {@code readingsPerUpload} readings; returns every reading Strata stored. */
    List<Reading> run(int uploads, int readingsPerUpload) throws IOException, InterruptedException {
        double base = 15 + random.nextInt(15);
        for (int u = 0; u < uploads; u++) {
            List<Reading> burst = new ArrayList<>();
            StringBuilder ndjson = new StringBuilder();
            for (int i = 0; i < readingsPerUpload; i++) {
                // Temperatures in tenths of a degree, as a sensor reports them.
                double temperature = Math.round((base + random.nextGaussian() * 2) * 10) / 10.0;
                double humidity = Math.round((40 + random.nextGaussian() * 5) * 10) / 10.0;
                Reading r = new Reading(id, temperature, humidity, 1_700_000_000_000L + sent.size() + burst.size());
                burst.add(r);
                ndjson.append(JSON.writeValueAsString(r)).append('\n');
            }
            upload(ndjson.toString().getBytes(StandardCharsets.UTF_8), burst.size());
            sent.addAll(burst);
        }
        return sent;
    }

    private void upload(byte[] body, int lines) throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(ingest)
                .timeout(Duration.ofSeconds(30))
                .header("Content-Type", "application/x-ndjson")
                .header("X-Strata-Key-Field", "device");
        if (gzip) {
            request.header("Content-Encoding", "gzip");
            body = gzip(body);
        }
        HttpResponse<String> response = http.send(request.POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(),
                HttpResponse.BodyHandlers.ofString());
        JsonNode result = response.statusCode() == 200 ? JSON.readTree(response.body()) : null;
        if (result == null || result.path("records").asLong() != lines) {
            throw new IllegalStateException(id + ": upload of " + lines + " readings answered " + response.statusCode()
                    + " " + response.body());
        }
    }

    private static byte[] gzip(byte[] plain) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream zip = new GZIPOutputStream(out)) {
            zip.write(plain);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }
}
