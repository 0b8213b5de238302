package io.strata.ingest.http.security;

import jakarta.enterprise.context.RequestScoped;

/**
 * The caller of the HTTP request being served, set by {@link HttpSecurityFilter} before the resource method runs
 * and read by {@link HttpAccess}. Request-scoped: one per request, used by one thread at a time.
 */
@RequestScoped
public class CurrentCaller {

    private HttpCaller caller;

    void set(HttpCaller caller) {
        this.caller = caller;
    }

    /** The caller, or null when the request was not seen by the filter (not a resource of the HTTP API). */
    public HttpCaller get() {
        return caller;
    }
}
