package io.strata.ingest.cloud;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Objects;

/**
 * Reads this machine's facts from the EC2 instance metadata service with IMDSv2: one {@code PUT /latest/api/token}
 * for a session token, then {@code GET /latest/meta-data/...} with the token in {@code X-aws-ec2-metadata-token}.
 * Instances launched with {@code http_tokens = "required"} answer nothing else.
 *
 * <p>Written on the JDK's HTTP client: the AWS SDK's {@code imds} module would do the same, but it does not resolve
 * from the Maven mirror this project builds against. Calls are retried for a while, since the service can be
 * unreachable in an instance's first seconds.
 *
 * <p>Thread-safe; the token is fetched once per instance of this class and kept for its lifetime (6 hours).
 */
public final class Ec2InstanceMetadata {

    /** What the node needs of its instance. */
    public record Facts(String instanceId, String localIpv4, String availabilityZone) {
    }

    private static final String TOKEN_TTL_SECONDS = "21600";
    private static final int ATTEMPTS = 10;

    private final URI endpoint;
    private final Duration timeout;
    private final HttpClient http;
    private volatile String token;

    /** @param endpoint the service, e.g. {@code http://169.254.169.254} */
    public Ec2InstanceMetadata(URI endpoint, Duration timeout) {
        this.endpoint = Objects.requireNonNull(endpoint, "endpoint");
        this.timeout = timeout;
        this.http = HttpClient.newBuilder().connectTimeout(timeout).version(HttpClient.Version.HTTP_1_1).build();
    }

    /** Instance id, private IPv4 address and availability zone. */
    public Facts facts() throws IOException {
        return new Facts(get("instance-id"), get("local-ipv4"), get("placement/availability-zone"));
    }

    /** The value at {@code /latest/meta-data/<path>}. */
    public String get(String path) throws IOException {
        return withRetries(() -> {
            HttpRequest request = HttpRequest.newBuilder(resolve("/latest/meta-data/" + path)).timeout(timeout)
                    .header("X-aws-ec2-metadata-token", token()).GET().build();
            HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() == 401) {
                token = null; // expired or refused: the next attempt asks for a new one
            }
            return body(response, path);
        });
    }

    private String token() throws IOException, InterruptedException {
        String t = token;
        if (t == null) {
            HttpRequest request = HttpRequest.newBuilder(resolve("/latest/api/token")).timeout(timeout)
                    .header("X-aws-ec2-metadata-token-ttl-seconds", TOKEN_TTL_SECONDS)
                    .PUT(HttpRequest.BodyPublishers.noBody()).build();
            t = body(http.send(request, HttpResponse.BodyHandlers.ofString()), "api/token");
            token = t;
        }
        return t;
    }

    private static String body(HttpResponse<String> response, String what) throws IOException {
        if (response.statusCode() != 200) {
            throw new IOException("Instance metadata " + what + ": HTTP " + response.statusCode());
        }
        String value = response.body().trim();
        if (value.isEmpty()) {
            throw new IOException("Instance metadata " + what + " is empty");
        }
        return value;
    }

    private URI resolve(String path) {
        String base = endpoint.toString();
        return URI.create((base.endsWith("/") ? base.substring(0, base.length() - 1) : base) + path);
    }

    private interface Call {
        String run() throws IOException, InterruptedException;
    }

    private static String withRetries(Call call) throws IOException {
        IOException last = null;
        for (int attempt = 1; attempt <= ATTEMPTS; attempt++) {
            try {
                return call.run();
            } catch (IOException e) {
                last = e;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("Interrupted while reading the instance metadata", e);
            }
            try {
                Thread.sleep(Math.min(2_000, 200L * attempt));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("Interrupted while reading the instance metadata", e);
            }
        }
        throw new IOException("The instance metadata service did not answer after " + ATTEMPTS + " attempts", last);
    }
}
