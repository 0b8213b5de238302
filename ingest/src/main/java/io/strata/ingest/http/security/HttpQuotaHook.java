package io.strata.ingest.http.security;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import io.strata.ingest.http.common.ErrorBody;
import io.strata.ingest.node.StrataNode;
import io.strata.ingest.quota.QuotaManager;
import io.strata.ingest.quota.QuotaType;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

/**
 * Client quotas on the HTTP port: the same quotas, precedence and rates as on the Kafka port
 * ({@link QuotaManager}), for the HTTP caller's user (its principal's name, {@code ANONYMOUS} when authentication is
 * off) and client id (the {@value HttpCaller#CLIENT_ID_HEADER} header). {@code producer_byte_rate} counts the body
 * bytes of produce requests (NDJSON ingest, REST Proxy v2 and v3 produce), {@code consumer_byte_rate} the bytes of
 * responses that carry records (HTTP fetch, REST Proxy v2 consumer records); both are recorded when the response
 * has been sent, so a rate shared with the client's Kafka connections (same user and client id) is one rate.
 *
 * <p>Throttling follows HTTP rather than Kafka's muted socket: the request that takes a client over its quota is
 * served, and the client's further requests of that kind are answered 429 with {@code Retry-After} until its
 * throttle time has passed, before any of their body is read. A fleet of devices that share no client id is held
 * per device; a client over its quota never slows another. {@code request_percentage} is not applied on this port
 * (a request's time here includes the client's upload).
 *
 * <p>Cost when no quota is configured: one volatile read per request. Thread-safe: the throttle deadlines are a
 * concurrent map; entries are dropped when read after their deadline, and expired ones are swept when it grows.
 */
@ApplicationScoped
public class HttpQuotaHook {

    private static final int SWEEP_ABOVE = 10_000;

    private record Client(QuotaType type, String user, String clientId) {
    }

    private final StrataNode node;
    private final Map<Client, Long> throttledUntilMs = new ConcurrentHashMap<>();

    @Inject
    public HttpQuotaHook(StrataNode node) {
        this.node = node;
    }

    /**
     * Decides whether the request may proceed, and arranges for what it uses to be counted once it is answered.
     *
     * @param caller  the authenticated principal, its address and client id
     * @param method  the HTTP method
     * @param path    the request path (e.g. {@code /ingest/telemetry.a})
     * @param routing the request's routing context, to count its bytes when its response ends
     * @return null to serve the request, or the 429 response to answer instead
     */
    public Response admit(HttpCaller caller, String method, String path, RoutingContext routing) {
        QuotaManager quotas = node.quotaManager();
        if (quotas == null || !quotas.active()) {
            return null;
        }
        QuotaType type = quotaType(method, path);
        if (type == null) {
            return null;
        }
        Client client = new Client(type, caller.principal().getName(), caller.clientId());
        long now = System.currentTimeMillis();
        Long until = throttledUntilMs.get(client);
        if (until != null) {
            if (now < until) {
                return tooManyRequests(client, until - now);
            }
            throttledUntilMs.remove(client, until);
        }
        routing.addBodyEndHandler(ignored -> {
            long bytes = type == QuotaType.PRODUCE ? routing.request().bytesRead() : routing.response().bytesWritten();
            long throttleMs = quotas.recordAndGetThrottleTimeMs(type, client.user(), client.clientId(), bytes);
            if (throttleMs > 0) {
                if (throttledUntilMs.size() > SWEEP_ABOVE) {
                    long t = System.currentTimeMillis();
                    throttledUntilMs.values().removeIf(deadline -> deadline <= t);
                }
                throttledUntilMs.merge(client, System.currentTimeMillis() + throttleMs, Math::max);
            }
        });
        return null;
    }

    /** Produce: POST of NDJSON ingest, v2 produce and v3 records; fetch: GET of records. Else none. */
    static QuotaType quotaType(String method, String path) {
        String p = path.startsWith("/") ? path.substring(1) : path;
        if ("POST".equals(method)) {
            boolean v2Produce = p.startsWith("topics/") && !p.endsWith("/records");
            boolean v3Produce = p.startsWith("v3/") && (p.endsWith("/records") || p.endsWith("/records:batch"));
            return p.startsWith("ingest/") || v2Produce || v3Produce ? QuotaType.PRODUCE : null;
        }
        if ("GET".equals(method) && p.endsWith("/records")) {
            return QuotaType.FETCH;
        }
        return null;
    }

    private static Response tooManyRequests(Client client, long waitMs) {
        long seconds = Math.max(1, (waitMs + 999) / 1000);
        String message = "Client quota " + client.type().configKey() + " exceeded by user '" + client.user()
                + "', client id '" + client.clientId() + "': retry in " + waitMs + " ms.";
        return Response.status(429).type(MediaType.APPLICATION_JSON_TYPE)
                .header(HttpHeaders.RETRY_AFTER, Long.toString(seconds))
                .entity(new ErrorBody(429, message)).build();
    }
}
