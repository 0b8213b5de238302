package io.strata.ingest.kafka.network;

import org.apache.kafka.common.network.ListenerName;
import org.apache.kafka.common.security.auth.KafkaPrincipal;
import org.apache.kafka.common.security.auth.SecurityProtocol;

/**
 * Who is on the other end of one connection: the listener it came in on, its security protocol and the
 * principal it authenticated as (ANONYMOUS on PLAINTEXT, or before TLS or SASL have established one).
 * Every request's {@code RequestContext} carries these, for the request handlers and an authorizer.
 *
 * <p>Written by the connection's TLS and SASL handlers and read by its request handler, all on the
 * connection's event loop, except that requests handed to the blocking executor read the principal
 * captured in their context. Fields are volatile for the odd read from elsewhere.
 */
public final class ConnectionIdentity {

    private final ListenerName listener;
    private final SecurityProtocol protocol;
    private volatile KafkaPrincipal principal = KafkaPrincipal.ANONYMOUS;
    private volatile boolean principalKnown;

    public ConnectionIdentity(ListenerName listener, SecurityProtocol protocol) {
        this.listener = listener;
        this.protocol = protocol;
        this.principalKnown = protocol == SecurityProtocol.PLAINTEXT;
    }

    public ListenerName listener() {
        return listener;
    }

    public SecurityProtocol protocol() {
        return protocol;
    }

    public KafkaPrincipal principal() {
        return principal;
    }

    /** Whether the principal is established (always on PLAINTEXT; after the TLS handshake or SASL otherwise). */
    public boolean principalKnown() {
        return principalKnown;
    }

    void principal(KafkaPrincipal principal) {
        this.principal = principal;
        this.principalKnown = true;
    }
}
