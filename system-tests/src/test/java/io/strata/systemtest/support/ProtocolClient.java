package io.strata.systemtest.support;

import java.nio.ByteBuffer;
import java.time.Duration;

import io.strata.testsupport.StrataNode;

import org.apache.kafka.common.requests.AbstractRequest;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.RequestHeader;

/**
 * Single Kafka requests built with kafka-clients' request classes, over a {@link RawKafkaSocket}: for asserting the
 * exact error codes of hand-picked requests. A request may be sent and its answer collected later.
 */
public final class ProtocolClient implements AutoCloseable {
    private final RawKafkaSocket socket;
    private int correlationId;

    public ProtocolClient(StrataNode node, Duration answerTimeout) {
        this.socket = new RawKafkaSocket(node.kafkaHost(), node.kafkaPort(), answerTimeout);
    }

    /** Sends a request and waits for its response. */
    @SuppressWarnings("unchecked")
    public <R extends AbstractResponse> R send(AbstractRequest request) {
        return (R) sendLater(request).await();
    }

    /** Sends a request; {@link Pending#await()} reads its response (responses arrive in request order). */
    public Pending sendLater(AbstractRequest request) {
        RequestHeader header = new RequestHeader(request.apiKey(), request.version(), "strata-system-test",
                ++correlationId);
        ByteBuffer buffer = request.serializeWithHeader(header);
        byte[] bytes = new byte[buffer.remaining()];
        buffer.get(bytes);
        if (!socket.write(RawKafkaSocket.frame(bytes))) {
            throw new AssertionError("the node closed the connection before " + request.apiKey());
        }
        return new Pending(header);
    }

    /** A request whose response has not been read yet. */
    public final class Pending {
        private final RequestHeader header;

        private Pending(RequestHeader header) {
            this.header = header;
        }

        public AbstractResponse await() {
            RawKafkaSocket.Outcome outcome = socket.awaitOutcome(header.apiKey() + " v" + header.apiVersion());
            if (!(outcome instanceof RawKafkaSocket.Response response)) {
                throw new AssertionError("connection closed instead of answering " + header.apiKey() + ": " + outcome);
            }
            return AbstractResponse.parseResponse(ByteBuffer.wrap(response.body()), header);
        }
    }

    @Override
    public void close() {
        socket.close();
    }
}
