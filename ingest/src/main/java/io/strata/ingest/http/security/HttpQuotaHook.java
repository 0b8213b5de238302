package io.strata.ingest.http.security;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.ws.rs.core.Response;

/**
 * The one place where every HTTP API request is known with its authenticated principal and client id, before
 * any work is done for it: {@link HttpSecurityFilter} calls {@link #admit} once per request, after
 * authentication and before the resource method. Quotas of HTTP clients (by user and client id, as Kafka's
 * quotas are) belong here. Today every request is admitted. Thread-safe (stateless).
 */
@ApplicationScoped
public class HttpQuotaHook {

    /**
     * Decides whether the request may proceed.
     *
     * @param caller the authenticated principal, its address and client id
     * @param method the HTTP method
     * @param path   the request path (e.g. {@code /ingest/telemetry.a})
     * @return null to serve the request, or the response to answer instead (e.g. 429 with Retry-After)
     */
    public Response admit(HttpCaller caller, String method, String path) {
        return null;
    }
}
