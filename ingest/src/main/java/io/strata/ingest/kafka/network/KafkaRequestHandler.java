package io.strata.ingest.kafka.network;

import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.requests.AbstractRequest;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.RequestContext;

import java.util.concurrent.CompletableFuture;

/**
 * Answers one parsed Kafka request. Called on the connection's event loop or its blocking executor
 * (see {@link #mayRunOnEventLoop}), one request of a connection at a time and in arrival order, so per-connection ordering (which idempotent producers rely on)
 * holds without locks.
 *
 * <p>Everything that reads the request must happen before this method returns: the request's
 * buffers are released then. The returned future may complete later on any thread (long-poll
 * fetch, fsync); a future completed with {@code null} means "send no response" (Produce acks=0).
 */
public interface KafkaRequestHandler {
    CompletableFuture<AbstractResponse> handle(RequestContext context, AbstractRequest request);

    /**
     * As {@link #handle(RequestContext, AbstractRequest)}, for a request of {@code sizeInBytes} (its frame without
     * the length prefix) on a connection the handler may {@code throttle}: client quotas need both.
     */
    default CompletableFuture<AbstractResponse> handle(RequestContext context, AbstractRequest request, int sizeInBytes,
                                                       ConnectionThrottle throttle) {
        return handle(context, request);
    }

    /**
     * True when requests of this API never block (no waiting on other nodes, locks held by slow work,
     * or fsync), so the network thread may answer them itself.
     */
    boolean mayRunOnEventLoop(ApiKeys api);

    /**
     * Mutes a connection: no further request of it is read for a while, as Kafka mutes the channel of a client
     * over its quota (KIP-219); requests already received wait. Callable from any thread.
     */
    @FunctionalInterface
    interface ConnectionThrottle {
        void throttle(long millis);
    }
}
