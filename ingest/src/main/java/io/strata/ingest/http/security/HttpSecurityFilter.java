package io.strata.ingest.http.security;

import io.strata.ingest.http.common.ErrorBody;
import io.strata.ingest.http.restproxy.v2.V2ErrorCodes;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.net.SocketAddress;
import io.vertx.ext.web.RoutingContext;
import jakarta.inject.Inject;
import jakarta.ws.rs.Priorities;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.apache.kafka.common.security.auth.KafkaPrincipal;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;

/**
 * Authenticates every request to the HTTP API (the JAX-RS resources: ingest, REST Proxy v2 and v3, HTTP fetch,
 * {@code /admin}) when authentication is on ({@link HttpAuthenticator}); Quarkus' own routes ({@code /q/health},
 * {@code /q/metrics}, {@code /q/openapi}, {@code /q/swagger-ui}) are not resources and stay open. A request
 * without valid credentials is answered 401 with a {@code WWW-Authenticate} challenge for both schemes and the
 * JSON error body of the API; {@code /admin} answers 403 to anyone but a super user. The caller is then set for
 * the resource ({@link CurrentCaller}) and offered to {@link HttpQuotaHook}.
 *
 * <p>Only beans resolved per call are injected: the filter is made while the application is built, before the
 * runtime configuration is there. Runs on the worker thread of the (blocking) resource, so checking a password against the cluster's
 * credential store may block. Stateless.
 */
public class HttpSecurityFilter {

    @Inject
    HttpAuthenticator authenticator;

    @Inject
    HttpAccess access;

    @Inject
    CurrentCaller current;

    @Inject
    HttpQuotaHook quotas;

    @ServerRequestFilter(priority = Priorities.AUTHENTICATION)
    public Response authenticate(ContainerRequestContext request, HttpServerRequest http, RoutingContext routing) {
        SocketAddress remote = http.remoteAddress();
        String host = remote == null || remote.hostAddress() == null ? "" : remote.hostAddress();
        String clientId = request.getHeaderString(HttpCaller.CLIENT_ID_HEADER);
        clientId = clientId == null ? "" : clientId.trim();
        String path = request.getUriInfo().getPath();
        boolean v2 = isV2(path);
        HttpCaller caller;
        if (authenticator.enabled()) {
            KafkaPrincipal principal;
            try {
                principal = authenticator.authenticate(request.getHeaderString(HttpHeaders.AUTHORIZATION));
            } catch (HttpAuthenticator.AuthenticationFailed e) {
                return unauthorized(e, v2);
            }
            caller = new HttpCaller(principal, host, clientId, true);
        } else {
            caller = HttpCaller.anonymous(host, clientId);
        }
        current.set(caller);
        if (isAdmin(path) && !access.isSuperUser()) {
            return error(403, v2 ? V2ErrorCodes.AUTHORIZATION_FAILED : 403,
                    "Only super users (strata.security.super-users) may use /admin (principal " + caller.principal() + ").");
        }
        return quotas.admit(caller, request.getMethod(), path, routing);
    }

    private Response unauthorized(HttpAuthenticator.AuthenticationFailed e, boolean v2) {
        String realm = "realm=\"" + authenticator.realm() + "\"";
        // RFC 6750: a presented but refused token gets error="invalid_token" in its challenge.
        String bearer = "Bearer".equals(e.scheme()) ? "Bearer " + realm + ", error=\"invalid_token\"" : "Bearer " + realm;
        return Response.status(401).type(MediaType.APPLICATION_JSON_TYPE)
                .header(HttpHeaders.WWW_AUTHENTICATE, bearer)
                .header(HttpHeaders.WWW_AUTHENTICATE, "Basic " + realm + ", charset=\"UTF-8\"")
                .entity(new ErrorBody(v2 ? V2ErrorCodes.AUTHENTICATION_FAILED : 401, e.getMessage())).build();
    }

    private static Response error(int status, int code, String message) {
        return Response.status(status).type(MediaType.APPLICATION_JSON_TYPE).entity(new ErrorBody(code, message)).build();
    }

    private static String relative(String path) {
        return path.startsWith("/") ? path.substring(1) : path;
    }

    static boolean isAdmin(String path) {
        String p = relative(path);
        return p.equals("admin") || p.startsWith("admin/");
    }

    /** REST Proxy v2 paths answer with Confluent's five-digit error codes. */
    static boolean isV2(String path) {
        String p = relative(path);
        return p.startsWith("topics") || p.startsWith("consumers");
    }
}
