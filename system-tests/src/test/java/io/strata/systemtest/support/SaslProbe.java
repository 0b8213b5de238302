package io.strata.systemtest.support;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;


import org.apache.kafka.common.message.SaslAuthenticateRequestData;
import org.apache.kafka.common.message.SaslHandshakeRequestData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.requests.AbstractRequest;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.RequestHeader;
import org.apache.kafka.common.requests.SaslAuthenticateRequest;
import org.apache.kafka.common.requests.SaslAuthenticateResponse;
import org.apache.kafka.common.requests.SaslHandshakeRequest;
import org.apache.kafka.common.requests.SaslHandshakeResponse;
import org.apache.kafka.common.security.scram.internals.ScramFormatter;
import org.apache.kafka.common.security.scram.internals.ScramMechanism;
import org.apache.kafka.common.security.scram.internals.ScramMessages.ClientFinalMessage;
import org.apache.kafka.common.security.scram.internals.ScramMessages.ClientFirstMessage;
import org.apache.kafka.common.security.scram.internals.ScramMessages.ServerFirstMessage;

/**
 * A hand-driven SASL client on a plain socket (a SASL_PLAINTEXT listener), for the exchanges real clients never
 * send: a SCRAM client-final message with a changed nonce, an authorization id other than the user, requests
 * before authentication. Messages are built with kafka-clients' own request and SCRAM message classes.
 */
public final class SaslProbe implements AutoCloseable {
    private final RawKafkaSocket socket;
    private int correlationId;

    public SaslProbe(String host, int port) {
        socket = new RawKafkaSocket(host, port, Duration.ofSeconds(10));
    }

    public RawKafkaSocket socket() {
        return socket;
    }

    /** Sends a request and returns its response, or null when the node closed the connection instead. */
    public AbstractResponse send(AbstractRequest request) {
        RequestHeader header = new RequestHeader(request.apiKey(), request.version(), "sasl-probe", ++correlationId);
        ByteBuffer body = request.serializeWithHeader(header);
        byte[] bytes = new byte[body.remaining()];
        body.get(bytes);
        if (!socket.write(RawKafkaSocket.frame(bytes))) {
            return null;
        }
        RawKafkaSocket.Outcome outcome = socket.awaitOutcome(request.apiKey().name);
        if (outcome instanceof RawKafkaSocket.Response r) {
            return AbstractResponse.parseResponse(ByteBuffer.wrap(r.body()), header);
        }
        return null;
    }

    public SaslHandshakeResponse handshake(String mechanism) {
        return (SaslHandshakeResponse) send(new SaslHandshakeRequest.Builder(
                new SaslHandshakeRequestData().setMechanism(mechanism)).build((short) 1));
    }

    /**
     * The legacy exchange: SaslHandshake v0, then the mechanism's tokens framed by their size alone. Returns the
     * node's token in answer to {@code token}, or null when it closed the connection.
     */
    public byte[] legacy(String mechanism, byte[] token) {
        SaslHandshakeResponse handshake = (SaslHandshakeResponse) send(new SaslHandshakeRequest.Builder(
                new SaslHandshakeRequestData().setMechanism(mechanism)).build((short) 0));
        if (handshake == null || handshake.error().code() != 0) {
            return null;
        }
        if (!socket.write(RawKafkaSocket.frame(token))) {
            return null;
        }
        return socket.readRawFrame();
    }

    /** One SaslAuthenticate (v2) carrying {@code token}; null when the connection was closed. */
    public SaslAuthenticateResponse authenticate(byte[] token) {
        return (SaslAuthenticateResponse) send(new SaslAuthenticateRequest.Builder(
                new SaslAuthenticateRequestData().setAuthBytes(token)).build((short) 2));
    }

    /** PLAIN with an explicit authorization id (empty for none). */
    public SaslAuthenticateResponse plain(String authorizationId, String user, String password) {
        handshake("PLAIN");
        return authenticate((authorizationId + "\u0000" + user + "\u0000" + password).getBytes(StandardCharsets.UTF_8));
    }

    /**
     * A SCRAM exchange. {@code authorizationId} non-null puts {@code a=<id>} in the GS2 header;
     * {@code tamperNonce} appends to the server's nonce in the client-final message and computes the proof
     * over that changed message (what an attacker replaying a proof would need the server to accept).
     * Returns the response to the client-final message (or to the first one when that fails).
     */
    public SaslAuthenticateResponse scram(ScramMechanism mechanism, String user, String password, String authorizationId,
                                          boolean tamperNonce) throws Exception {
        handshake(mechanism.mechanismName());
        ScramFormatter formatter = new ScramFormatter(mechanism);
        String clientNonce = formatter.secureRandomString();
        String gs2 = authorizationId == null ? "n,," : "n,a=" + ScramFormatter.saslName(authorizationId) + ",";
        byte[] first = (gs2 + "n=" + ScramFormatter.saslName(user) + ",r=" + clientNonce).getBytes(StandardCharsets.UTF_8);
        ClientFirstMessage clientFirst = new ClientFirstMessage(first);
        SaslAuthenticateResponse r1 = authenticate(first);
        if (r1 == null || r1.error().code() != 0) {
            return r1;
        }
        ServerFirstMessage serverFirst = new ServerFirstMessage(r1.saslAuthBytes());
        String nonce = tamperNonce ? serverFirst.nonce() + "x" : serverFirst.nonce();
        ClientFinalMessage clientFinal = new ClientFinalMessage(gs2.getBytes(StandardCharsets.UTF_8), nonce);
        byte[] salted = formatter.saltedPassword(password, serverFirst.salt(), serverFirst.iterations());
        clientFinal.proof(formatter.clientProof(salted, clientFirst, serverFirst, clientFinal));
        return authenticate(clientFinal.toBytes());
    }

    /** Whether the node closes the connection on the next read (within the socket's timeout). */
    public boolean closedByNode() {
        return socket.awaitOutcome("the connection to close") instanceof RawKafkaSocket.Closed;
    }

    @Override
    public void close() {
        socket.close();
    }

}
