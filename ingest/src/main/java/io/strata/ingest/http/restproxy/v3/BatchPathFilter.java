package io.strata.ingest.http.restproxy.v3;

import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.core.UriBuilder;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;

import java.net.URI;

/** Accepts {@code records%3Abatch} (a client that percent-encodes the colon) as {@code records:batch}. */
public class BatchPathFilter {

    @ServerRequestFilter(preMatching = true)
    public void decodeBatchColon(ContainerRequestContext request) {
        URI uri = request.getUriInfo().getRequestUri();
        String path = uri.getRawPath();
        if (path != null && path.startsWith("/v3/") && (path.endsWith("/records%3Abatch") || path.endsWith("/records%3abatch"))) {
            String fixed = path.substring(0, path.length() - "%3Abatch".length()) + ":batch";
            request.setRequestUri(UriBuilder.fromUri(uri).replacePath(fixed).build());
        }
    }
}
