package io.strata.ingest.http.security;

import org.apache.kafka.common.security.auth.KafkaPrincipal;

/**
 * Who sent an HTTP request: the principal it authenticated as ({@code User:<name>} for HTTP Basic and bearer
 * tokens, {@code User:ANONYMOUS} when authentication is off), the client's IP address (the host of ACLs) and the
 * client id it gave ({@value #CLIENT_ID_HEADER}, empty when none). Immutable.
 *
 * @param authenticated whether the principal was proven (false only when authentication is off)
 */
public record HttpCaller(KafkaPrincipal principal, String host, String clientId, boolean authenticated) {

    /** The header a client names itself with, as Kafka clients do with client.id (for quotas and logs). */
    public static final String CLIENT_ID_HEADER = "X-Strata-Client-Id";

    public static HttpCaller anonymous(String host, String clientId) {
        return new HttpCaller(KafkaPrincipal.ANONYMOUS, host, clientId, false);
    }
}
