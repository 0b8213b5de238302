package io.strata.ingest.kafka.api;

import io.strata.ingest.kafka.network.KafkaRequestHandler.ConnectionThrottle;
import io.strata.ingest.quota.QuotaManager;
import io.strata.ingest.quota.QuotaType;
import org.apache.kafka.common.message.FetchResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.requests.AbstractRequest;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.FetchRequest;
import org.apache.kafka.common.requests.FetchResponse;
import org.apache.kafka.common.requests.ProduceRequest;
import org.apache.kafka.common.requests.RequestContext;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * Client quotas on the Kafka protocol, as Apache Kafka's request handlers apply them (KIP-219), around the handlers
 * that answer the requests:
 * <ul>
 * <li>Produce: the request's size is recorded against {@code producer_byte_rate} once the produce is answered;</li>
 * <li>Fetch from a consumer: its max bytes is first capped to what the quota allows in one window (Kafka's
 *     {@code maxValueInQuotaWindow}), then the bytes of records returned are recorded against
 *     {@code consumer_byte_rate} (follower fetches are replication, not a client, and are never throttled). A
 *     throttled fetch still carries its records; Kafka answers it empty and un-records them, which would need the
 *     response's size before reading. The cap keeps either within one window's worth;</li>
 * <li>every request (but acks=0 produce, as in Kafka): the time its handler ran on the thread that called it is
 *     recorded against {@code request_percentage}, 100 meaning one thread's whole time. Asynchronous parts (waiting
 *     for replicas, long-poll fetches, fsync) hold no thread and are not counted; work handed to the connection's
 *     blocking thread is counted whole, waits on the cluster included.</li>
 * </ul>
 * A client over a quota gets the larger throttle time in the response's {@code throttle_time_ms} and its connection
 * is muted for that long; a client too old to wait by itself (a response version before KIP-219) gets its response
 * only after the throttle time instead. Follower fetches are never throttled, nor is anything on a dedicated
 * inter-broker listener (other nodes, this node's own producers and consumers); when the inter-broker listener is
 * the node's only listener it serves clients too, and its requests are a client's like any other, as in Kafka.
 * Stateless apart from the manager; thread-safe.
 */
public final class QuotaEnforcement {

    private final QuotaManager quotas;
    private final String interBrokerListener;

    /**
     * @param interBrokerListener a listener whose connections are only the cluster's own and never throttled; null
     *                            when clients use the inter-broker listener too
     */
    public QuotaEnforcement(QuotaManager quotas, String interBrokerListener) {
        this.quotas = quotas;
        this.interBrokerListener = interBrokerListener;
    }

    /** Whether the request is subject to quotas: some quota is configured (one volatile read) and it is a client's. */
    boolean applies(RequestContext ctx) {
        return quotas.active() && !ctx.listenerName.value().equals(interBrokerListener);
    }

    CompletableFuture<AbstractResponse> handle(RequestContext ctx, AbstractRequest request, int sizeInBytes,
                                               ConnectionThrottle throttle,
                                               Function<AbstractRequest, CompletableFuture<AbstractResponse>> next) {
        ApiKeys api = request.apiKey();
        if (api == ApiKeys.FETCH && FetchRequest.isValidBrokerId(((FetchRequest) request).replicaId())) {
            return next.apply(request);
        }
        String user = ctx.principal.getName();
        String clientId = ctx.header.clientId() == null ? "" : ctx.header.clientId();
        boolean fetch = api == ApiKeys.FETCH;
        if (fetch) {
            var data = ((FetchRequest) request).data();
            double max = quotas.maxValueInQuotaWindow(QuotaType.FETCH, user, clientId);
            if (max < data.maxBytes()) {
                data.setMaxBytes((int) Math.max(1, max)); // one batch is returned anyway (KIP-74)
            }
        }
        boolean produce = api == ApiKeys.PRODUCE;
        boolean acksZero = produce && ((ProduceRequest) request).acks() == 0;
        long start = System.nanoTime();
        CompletableFuture<AbstractResponse> answer = next.apply(request);
        long requestThrottle = acksZero ? 0 : quotas.recordAndGetThrottleTimeMs(QuotaType.REQUEST, user, clientId,
                QuotaManager.nanosToPercentage(System.nanoTime() - start));
        if (!produce && !fetch && requestThrottle == 0) {
            return answer;
        }
        return answer.thenCompose(response -> {
            long bandwidthThrottle = 0;
            if (produce) {
                bandwidthThrottle = quotas.recordAndGetThrottleTimeMs(QuotaType.PRODUCE, user, clientId, sizeInBytes);
            } else if (fetch && response instanceof FetchResponse fetched) {
                bandwidthThrottle = quotas.recordAndGetThrottleTimeMs(QuotaType.FETCH, user, clientId, recordBytes(fetched));
            }
            int throttleMs = (int) Math.min(Integer.MAX_VALUE, Math.max(bandwidthThrottle, requestThrottle));
            if (throttleMs <= 0) {
                return CompletableFuture.completedFuture(response);
            }
            throttle.throttle(throttleMs);
            if (response == null) {
                return CompletableFuture.completedFuture(null); // acks=0: muted, nothing to answer
            }
            response.maybeSetThrottleTimeMs(throttleMs);
            if (response.shouldClientThrottle(ctx.apiVersion())) {
                return CompletableFuture.completedFuture(response);
            }
            // A client before KIP-219 does not wait by itself: its answer waits instead.
            return CompletableFuture.supplyAsync(() -> response,
                    CompletableFuture.delayedExecutor(throttleMs, TimeUnit.MILLISECONDS));
        });
    }

    /** Bytes of records a fetch response carries. */
    private static long recordBytes(FetchResponse response) {
        long bytes = 0;
        for (FetchResponseData.FetchableTopicResponse topic : response.data().responses()) {
            for (FetchResponseData.PartitionData partition : topic.partitions()) {
                if (partition.records() != null) {
                    bytes += partition.records().sizeInBytes();
                }
            }
        }
        return bytes;
    }
}
