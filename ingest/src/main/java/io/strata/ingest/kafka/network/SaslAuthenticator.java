package io.strata.ingest.kafka.network;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.strata.ingest.kafka.security.SaslMechanisms;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.apache.kafka.common.message.SaslAuthenticateResponseData;
import org.apache.kafka.common.message.SaslHandshakeResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.ApiVersionsRequest;
import org.apache.kafka.common.requests.RequestContext;
import org.apache.kafka.common.requests.SaslAuthenticateRequest;
import org.apache.kafka.common.requests.SaslAuthenticateResponse;
import org.apache.kafka.common.requests.SaslHandshakeRequest;
import org.apache.kafka.common.requests.SaslHandshakeResponse;
import org.apache.kafka.common.security.auth.KafkaPrincipal;
import org.jboss.logging.Logger;

import javax.security.sasl.SaslException;
import javax.security.sasl.SaslServer;
import java.net.InetSocketAddress;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

/**
 * SASL authentication of one connection of a SASL_PLAINTEXT or SASL_SSL listener, in front of its
 * {@link KafkaConnection}, as Apache Kafka's SaslServerAuthenticator does it:
 * <ul>
 * <li>Before authentication only ApiVersions, SaslHandshake (v0-1) and SaslAuthenticate (v0-2) are
 *     accepted, in frames of at most {@link KafkaFrameDecoder#PRE_AUTHENTICATION_LIMIT} bytes; any other
 *     request, or a frame that does not parse, closes the connection.</li>
 * <li>SaslHandshake v1 is followed by SaslAuthenticate requests carrying the mechanism's tokens; v0 (legacy
 *     clients) by raw tokens, each framed by its size only.</li>
 * <li>A failed authentication is answered with SASL_AUTHENTICATION_FAILED and the connection closed.</li>
 * <li>With {@code connections.max.reauth.ms} the SaslAuthenticate response (v1+) gives the session
 *     lifetime; the client re-authenticates on the same connection (KIP-368) as the same principal with
 *     the same mechanism, and a request other than SaslHandshake after the session expired closes the
 *     connection.</li>
 * </ul>
 * Once authenticated, frames pass to the next handler untouched.
 *
 * <p>Runs on the connection's event loop only; holds no locks. The mechanisms' servers hash passwords
 * (PBKDF2 over the credential's iterations, a few milliseconds), which is done on the event loop: only
 * a handful of authentications happen per connection.
 */
final class SaslAuthenticator extends ChannelInboundHandlerAdapter {

    private static final Logger LOG = Logger.getLogger(SaslAuthenticator.class);

    private enum State { HANDSHAKE, AUTHENTICATE, RAW_TOKENS, AUTHENTICATED, REAUTH_AUTHENTICATE }

    private final SaslMechanisms mechanisms;
    private final Supplier<KafkaRequestHandler> handler;
    private final ConnectionIdentity identity;
    private final KafkaFrameDecoder frames;
    private final long maxReauthMs;
    private State state = State.HANDSHAKE;
    private SaslServer server;
    private String mechanism;
    /** Whether the session ends (connections.max.reauth.ms), and the System.nanoTime() when it does. */
    private boolean sessionExpires;
    private long sessionExpiresAt;
    private String connectionId = "?";
    private InetSocketAddress remote;

    SaslAuthenticator(SaslMechanisms mechanisms, Supplier<KafkaRequestHandler> handler, ConnectionIdentity identity,
                      KafkaFrameDecoder frames, long maxReauthMs) {
        this.mechanisms = mechanisms;
        this.handler = handler;
        this.identity = identity;
        this.frames = frames;
        this.maxReauthMs = maxReauthMs;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) throws Exception {
        remote = (InetSocketAddress) ctx.channel().remoteAddress();
        connectionId = ctx.channel().localAddress() + "-" + remote;
        super.channelActive(ctx);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        ByteBuf frame = (ByteBuf) msg;
        if (state == State.AUTHENTICATED) {
            short apiKey = frame.readableBytes() >= 2 ? frame.getShort(frame.readerIndex()) : -1;
            if (apiKey == ApiKeys.SASL_HANDSHAKE.id) {
                handleRequest(ctx, frame);
            } else if (sessionExpires && System.nanoTime() - sessionExpiresAt > 0) {
                frame.release();
                LOG.infof("Closing connection %s of %s: its SASL session expired without re-authentication",
                        connectionId, identity.principal());
                ctx.close();
            } else {
                ctx.fireChannelRead(frame);
            }
            return;
        }
        if (state == State.RAW_TOKENS) {
            try {
                byte[] token = new byte[frame.readableBytes()];
                frame.readBytes(token);
                rawToken(ctx, token);
            } finally {
                frame.release();
            }
            return;
        }
        handleRequest(ctx, frame);
    }

    private void handleRequest(ChannelHandlerContext ctx, ByteBuf frame) {
        try {
            handleRequest(ctx, frame.nioBuffer());
        } finally {
            frame.release();
        }
    }

    /** Handles one request; the frame's buffer stays valid until this returns. */
    private void handleRequest(ChannelHandlerContext ctx, java.nio.ByteBuffer frame) {
        KafkaConnection.ParsedRequest parsed;
        try {
            parsed = KafkaConnection.parse(frame, connectionId, remote, identity);
        } catch (RuntimeException e) {
            refuse(ctx, "malformed request during authentication (" + e.getMessage() + ")");
            return;
        }
        RequestContext context = parsed.context();
        ApiKeys api = context.header.apiKey();
        switch (api) {
            case API_VERSIONS -> {
                if (state != State.HANDSHAKE) {
                    refuse(ctx, "ApiVersions in the middle of an authentication");
                    return;
                }
                CompletableFuture<AbstractResponse> answer = handler.get().handle(context, (ApiVersionsRequest) parsed.request());
                send(ctx, context, answer.join(), false);
            }
            case SASL_HANDSHAKE -> handshake(ctx, context, (SaslHandshakeRequest) parsed.request());
            case SASL_AUTHENTICATE -> authenticate(ctx, context, (SaslAuthenticateRequest) parsed.request());
            default -> refuse(ctx, api.name + " before authentication");
        }
    }

    private void handshake(ChannelHandlerContext ctx, RequestContext context, SaslHandshakeRequest request) {
        boolean reauth = state == State.AUTHENTICATED;
        if (state != State.HANDSHAKE && !reauth) {
            refuse(ctx, "SaslHandshake in the middle of an authentication");
            return;
        }
        String requested = request.data().mechanism();
        SaslHandshakeResponseData data = new SaslHandshakeResponseData().setMechanisms(mechanisms.enabled());
        if (reauth && !requested.equals(mechanism)) {
            LOG.infof("Closing connection %s: re-authentication with %s after %s", connectionId, requested, mechanism);
            send(ctx, context, new SaslHandshakeResponse(data.setErrorCode(Errors.ILLEGAL_SASL_STATE.code())), true);
            return;
        }
        SaslServer next = mechanisms.newServer(requested).orElse(null);
        if (next == null) {
            LOG.infof("Closing connection %s: SASL mechanism %s is not enabled", connectionId, requested);
            send(ctx, context, new SaslHandshakeResponse(data.setErrorCode(Errors.UNSUPPORTED_SASL_MECHANISM.code())), true);
            return;
        }
        disposeServer();
        server = next;
        mechanism = requested;
        if (context.apiVersion() == 0 && !reauth) {
            state = State.RAW_TOKENS;
        } else {
            state = reauth ? State.REAUTH_AUTHENTICATE : State.AUTHENTICATE;
        }
        send(ctx, context, new SaslHandshakeResponse(data.setErrorCode(Errors.NONE.code())), false);
    }

    private void authenticate(ChannelHandlerContext ctx, RequestContext context, SaslAuthenticateRequest request) {
        if (state != State.AUTHENTICATE && state != State.REAUTH_AUTHENTICATE) {
            refuse(ctx, "SaslAuthenticate without a SaslHandshake");
            return;
        }
        SaslAuthenticateResponseData data = new SaslAuthenticateResponseData();
        byte[] challenge;
        try {
            challenge = server.evaluateResponse(request.data().authBytes());
        } catch (SaslAuthenticationException e) {
            failed(ctx, context, data, e.getMessage());
            return;
        } catch (SaslException | RuntimeException e) {
            failed(ctx, context, data, "Authentication failed during authentication due to invalid credentials with SASL mechanism "
                    + mechanism);
            return;
        }
        data.setErrorCode(Errors.NONE.code()).setAuthBytes(challenge == null ? new byte[0] : challenge);
        if (server.isComplete()) {
            KafkaPrincipal principal = new KafkaPrincipal(KafkaPrincipal.USER_TYPE, server.getAuthorizationID());
            if (state == State.REAUTH_AUTHENTICATE && !principal.equals(identity.principal())) {
                failed(ctx, context, data, "Cannot change principals during re-authentication from "
                        + identity.principal() + " to " + principal);
                return;
            }
            if (maxReauthMs > 0 && context.apiVersion() >= 1) {
                data.setSessionLifetimeMs(maxReauthMs);
            }
            send(ctx, context, new SaslAuthenticateResponse(data), false);
            completed(principal);
        } else {
            send(ctx, context, new SaslAuthenticateResponse(data), false);
        }
    }

    private void rawToken(ChannelHandlerContext ctx, byte[] token) {
        byte[] challenge;
        try {
            challenge = server.evaluateResponse(token);
        } catch (SaslException | RuntimeException e) {
            // No Kafka header to answer with on this legacy path: the client sees the connection close.
            refuse(ctx, "authentication failed (" + e.getMessage() + ")");
            return;
        }
        byte[] out = challenge == null ? new byte[0] : challenge;
        ByteBuf buf = ctx.alloc().buffer(4 + out.length).writeInt(out.length).writeBytes(out);
        ctx.writeAndFlush(buf);
        if (server.isComplete()) {
            completed(new KafkaPrincipal(KafkaPrincipal.USER_TYPE, server.getAuthorizationID()));
        }
    }

    private void completed(KafkaPrincipal principal) {
        boolean first = state != State.REAUTH_AUTHENTICATE;
        identity.principal(principal);
        frames.authenticated();
        state = State.AUTHENTICATED;
        sessionExpires = maxReauthMs > 0;
        sessionExpiresAt = System.nanoTime() + maxReauthMs * 1_000_000L;
        disposeServer();
        LOG.debugf("Connection %s %s as %s with %s", connectionId, first ? "authenticated" : "re-authenticated",
                principal, mechanism);
    }

    private void failed(ChannelHandlerContext ctx, RequestContext context, SaslAuthenticateResponseData data, String message) {
        LOG.infof("Failed authentication with %s (%s) on %s", remote, message, connectionId);
        send(ctx, context, new SaslAuthenticateResponse(data.setErrorCode(Errors.SASL_AUTHENTICATION_FAILED.code())
                .setErrorMessage(message).setAuthBytes(new byte[0])), true);
    }

    private void refuse(ChannelHandlerContext ctx, String why) {
        LOG.infof("Closing connection %s: %s", connectionId, why);
        disposeServer();
        ctx.close();
    }

    private void send(ChannelHandlerContext ctx, RequestContext context, AbstractResponse response, boolean thenClose) {
        ByteBuf buf;
        try {
            buf = SendFileRegion.copy(context.buildResponseSend(response), ctx.alloc());
        } catch (Exception e) {
            LOG.errorf(e, "Cannot serialise %s response on %s", context.header.apiKey(), connectionId);
            ctx.close();
            return;
        }
        var written = ctx.writeAndFlush(buf);
        if (thenClose) {
            disposeServer();
            written.addListener(ChannelFutureListener.CLOSE);
        }
    }

    private void disposeServer() {
        if (server != null) {
            try {
                server.dispose();
            } catch (SaslException ignored) {
                // Nothing held that matters.
            }
            server = null;
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        disposeServer();
        super.channelInactive(ctx);
    }
}
