package io.strata.ingest.replication;

import org.apache.kafka.clients.ApiVersions;
import org.apache.kafka.clients.BootstrapConfiguration;
import org.apache.kafka.clients.ClientRequest;
import org.apache.kafka.clients.ClientResponse;
import org.apache.kafka.clients.ManualMetadataUpdater;
import org.apache.kafka.clients.MetadataRecoveryStrategy;
import org.apache.kafka.clients.NetworkClient;
import org.apache.kafka.clients.NetworkClientUtils;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.metrics.Metrics;
import org.apache.kafka.common.network.ChannelBuilder;
import org.apache.kafka.common.network.ChannelBuilders;
import org.apache.kafka.common.network.ListenerName;
import org.apache.kafka.common.network.Selector;
import org.apache.kafka.common.requests.AbstractRequest;
import org.apache.kafka.common.security.JaasContext;
import org.apache.kafka.common.security.auth.SecurityProtocol;
import org.apache.kafka.common.utils.Time;
import org.apache.kafka.common.utils.internals.LogContext;

import java.io.IOException;
import java.net.SocketTimeoutException;
import java.util.List;
import java.util.Map;

/**
 * A blocking request/response connection from this node to a partition leader's Kafka listener, as
 * Kafka's replica fetcher uses: kafka-clients' own {@link NetworkClient} (framing, version
 * negotiation with ApiVersions, reconnect back-off), one request in flight. Not thread-safe: one
 * fetcher thread owns it.
 */
final class LeaderClient implements AutoCloseable {

    private final Node leader;
    private final NetworkClient client;
    private final Metrics metrics = new Metrics();
    private final Time time;
    private final int requestTimeoutMs;

    LeaderClient(int localNodeId, Node leader, int requestTimeoutMs, Time time) {
        this.leader = leader;
        this.time = time;
        this.requestTimeoutMs = requestTimeoutMs;
        LogContext logContext = new LogContext("[replica fetcher " + localNodeId + " <- " + leader.id() + "] ");
        ListenerName listener = ListenerName.forSecurityProtocol(SecurityProtocol.PLAINTEXT);
        ChannelBuilder channels = ChannelBuilders.clientChannelBuilder(SecurityProtocol.PLAINTEXT,
                JaasContext.Type.SERVER, new AbstractConfig(new ConfigDef(), Map.of()), listener, null, time, logContext);
        Selector selector = new Selector(60_000L, metrics, time, "replica-fetcher", channels, logContext);
        this.client = new NetworkClient(selector, new ManualMetadataUpdater(List.of(leader)),
                "strata-replica-fetcher-" + localNodeId, 1, 100L, 1_000L, 1024 * 1024, 1024 * 1024, requestTimeoutMs,
                10_000L, 30_000L, time, true, new ApiVersions(), logContext, MetadataRecoveryStrategy.NONE,
                BootstrapConfiguration.DISABLED, false);
    }

    Node leader() {
        return leader;
    }

    /**
     * Connects if needed and sends one request, waiting for its response.
     *
     * @throws IOException when the leader cannot be reached or the connection drops
     */
    ClientResponse send(AbstractRequest.Builder<? extends AbstractRequest> request) throws IOException {
        try {
            if (!NetworkClientUtils.awaitReady(client, leader, time, requestTimeoutMs)) {
                throw new SocketTimeoutException("Failed to connect to node " + leader.id() + " at " + leader.host()
                        + ":" + leader.port() + " within " + requestTimeoutMs + " ms");
            }
            ClientRequest clientRequest = client.newClientRequest(Integer.toString(leader.id()), request,
                    time.milliseconds(), true);
            return NetworkClientUtils.sendAndReceive(client, clientRequest, time);
        } catch (IOException e) {
            client.close(Integer.toString(leader.id()));
            throw e;
        }
    }

    /** Interrupts a blocking {@link #send} from another thread. */
    void wakeup() {
        client.wakeup();
    }

    @Override
    public void close() {
        try {
            client.close();
        } finally {
            metrics.close();
        }
    }
}
