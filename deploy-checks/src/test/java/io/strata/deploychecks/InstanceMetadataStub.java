package io.strata.deploychecks;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A stand-in for the EC2 instance metadata service of several instances, told apart by the caller's address (each
 * instance reaches it at 169.254.169.254:80 through a redirect in its network namespace). IMDSv2 only, as on
 * instances launched with {@code http_tokens = "required"}: {@code PUT /latest/api/token} with a TTL header gives a
 * token; every {@code GET /latest/meta-data/...} without a valid token is answered 401 and counted. Serves
 * {@code instance-id}, {@code local-ipv4}, {@code placement/availability-zone} and the instance role's credentials
 * under {@code iam/security-credentials/}; anything else is 404, as for an instance without it.
 * Thread-safe.
 */
final class InstanceMetadataStub implements AutoCloseable {

    /** What the service tells one instance. */
    record Instance(String instanceId, String privateIp, String availabilityZone) {
    }

    static final String ROLE = "strata-node";
    static final String ACCESS_KEY = "ASIASTRATATEST000001";

    private final HttpServer server;
    private final Map<String, Instance> byAddress;
    private final Set<String> tokens = ConcurrentHashMap.newKeySet();
    private final AtomicInteger refused = new AtomicInteger();
    private final AtomicInteger served = new AtomicInteger();

    InstanceMetadataStub(String host, int port, Map<String, Instance> byAddress) throws IOException {
        this.byAddress = Map.copyOf(byAddress);
        server = HttpServer.create(new InetSocketAddress(host, port), 64);
        server.createContext("/", this::handle);
        server.setExecutor(Executors.newFixedThreadPool(4));
        server.start();
    }

    int port() {
        return server.getAddress().getPort();
    }

    /** Metadata reads answered. */
    int served() {
        return served.get();
    }

    /** Metadata reads refused for a missing or unknown token (IMDSv1 style). */
    int refused() {
        return refused.get();
    }

    private void handle(HttpExchange x) throws IOException {
        try (x) {
            String path = x.getRequestURI().getPath();
            Instance instance = byAddress.get(x.getRemoteAddress().getAddress().getHostAddress());
            if (instance == null) {
                reply(x, 403, "unknown instance");
                return;
            }
            if (path.equals("/latest/api/token")) {
                if (!x.getRequestMethod().equals("PUT")
                        || x.getRequestHeaders().getFirst("X-aws-ec2-metadata-token-ttl-seconds") == null) {
                    reply(x, 400, "");
                    return;
                }
                String token = UUID.randomUUID().toString();
                tokens.add(token);
                reply(x, 200, token);
                return;
            }
            String token = x.getRequestHeaders().getFirst("X-aws-ec2-metadata-token");
            if (token == null || !tokens.contains(token)) {
                refused.incrementAndGet();
                reply(x, 401, "");
                return;
            }
            String value = switch (path.replaceAll("/+$", "")) {
                case "/latest/meta-data/instance-id" -> instance.instanceId();
                case "/latest/meta-data/local-ipv4" -> instance.privateIp();
                case "/latest/meta-data/placement/availability-zone" -> instance.availabilityZone();
                case "/latest/meta-data/iam/security-credentials" -> ROLE;
                case "/latest/meta-data/iam/security-credentials/" + ROLE -> "{\"Code\":\"Success\",\"Type\":\"AWS-HMAC\","
                        + "\"AccessKeyId\":\"" + ACCESS_KEY + "\",\"SecretAccessKey\":\"stub-secret\","
                        + "\"Token\":\"stub-session-token\",\"Expiration\":\"2099-01-01T00:00:00Z\"}";
                default -> null;
            };
            if (value == null) {
                reply(x, 404, "");
            } else {
                served.incrementAndGet();
                reply(x, 200, value);
            }
        }
    }

    static void reply(HttpExchange x, int status, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        x.sendResponseHeaders(status, bytes.length == 0 ? -1 : bytes.length);
        if (bytes.length > 0) {
            x.getResponseBody().write(bytes);
        }
    }

    @Override
    public void close() {
        server.stop(0);
        ((java.util.concurrent.ExecutorService) server.getExecutor()).shutdownNow();
    }
}
