package io.strata.ingest.kafka.network;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.timeout.IdleStateEvent;
import io.strata.ingest.observability.BrokerMetrics;
import org.apache.kafka.common.network.ClientInformation;
import org.apache.kafka.common.network.ListenerName;
import org.apache.kafka.common.requests.AbstractRequest;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.RequestContext;
import org.apache.kafka.common.requests.RequestHeader;
import org.apache.kafka.common.security.auth.KafkaPrincipal;
import org.apache.kafka.common.security.auth.SecurityProtocol;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One client connection: turns frames into requests and writes responses back in request order.
 *
 * <p>Runs on the connection's request-handler executor (one thread per connection, chosen by Netty),
 * so its state needs no locks. Responses that complete on other threads hop back to that executor.
 * Requests may be pipelined; once {@code maxQueued} are waiting, the node stops reading from the
 * socket until answers go out, so one client cannot make the node buffer without bound.
 *
 * <p>A frame that cannot be parsed as a Kafka request (unknown API key, truncated header or body,
 * version the codec cannot read) closes the connection, as Apache Kafka does: there is no
 * correlation id to answer to or no schema to answer with.
 */
final class KafkaConnection extends ChannelInboundHandlerAdapter {

    private static final Logger LOG = Logger.getLogger(KafkaConnection.class);
    private static final ListenerName LISTENER = ListenerName.forSecurityProtocol(SecurityProtocol.PLAINTEXT);

    private final KafkaRequestHandler handler;
    private final BrokerMetrics metrics;
    private final int maxQueued;
    private final AtomicInteger inFlight;
    private final ArrayDeque<Pending> pending = new ArrayDeque<>();
    private String connectionId;
    private InetSocketAddress remote;

    KafkaConnection(KafkaRequestHandler handler, BrokerMetrics metrics, int maxQueued, AtomicInteger inFlight) {
        this.handler = handler;
        this.metrics = metrics;
        this.maxQueued = maxQueued;
        this.inFlight = inFlight;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) throws Exception {
        remote = (InetSocketAddress) ctx.channel().remoteAddress();
        InetSocketAddress local = (InetSocketAddress) ctx.channel().localAddress();
        connectionId = local.getAddress().getHostAddress() + ":" + local.getPort() + "-"
                + remote.getAddress().getHostAddress() + ":" + remote.getPort();
        super.channelActive(ctx);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        ByteBuf frame = (ByteBuf) msg;
        long startNanos = System.nanoTime();
        RequestContext context;
        AbstractRequest request;
        try {
            ByteBuffer buffer = frame.nioBuffer();
            RequestHeader header = RequestHeader.parse(buffer);
            context = new RequestContext(header, connectionId, remote.getAddress(), Optional.of(remote.getPort()),
                    KafkaPrincipal.ANONYMOUS, LISTENER, SecurityProtocol.PLAINTEXT, ClientInformation.EMPTY, false);
            request = context.parseRequest(buffer).request;
        } catch (RuntimeException e) {
            frame.release();
            LOG.warnf("Closing connection %s: malformed request (%s)", connectionId, e.getMessage());
            ctx.close();
            return;
        }

        Pending slot = new Pending(context, startNanos);
        pending.add(slot);
        inFlight.incrementAndGet();
        if (pending.size() >= maxQueued) {
            ctx.channel().config().setAutoRead(false);
        }

        CompletableFuture<AbstractResponse> future;
        try {
            future = handler.handle(context, request);
        } catch (RuntimeException e) {
            LOG.errorf(e, "Unexpected failure handling %s from %s", context.header.apiKey(), connectionId);
            future = CompletableFuture.completedFuture(request.getErrorResponse(e));
        } finally {
            frame.release();
        }
        AbstractRequest req = request;
        future.whenComplete((response, error) -> {
            AbstractResponse answer = response;
            if (error != null) {
                LOG.errorf(error, "Unexpected failure completing %s from %s", req.apiKey(), connectionId);
                answer = req.getErrorResponse(error);
            }
            slot.complete(answer);
            if (ctx.executor().inEventLoop()) {
                writeCompleted(ctx);
            } else {
                ctx.executor().execute(() -> writeCompleted(ctx));
            }
        }).exceptionally(error -> {
            LOG.errorf(error, "Failed to send a response on %s; closing the connection", connectionId);
            ctx.close();
            return null;
        });
    }

    private void writeCompleted(ChannelHandlerContext ctx) {
        boolean wrote = false;
        while (!pending.isEmpty() && pending.peek().done) {
            Pending head = pending.poll();
            inFlight.decrementAndGet();
            metrics.recordRequest(head.context.header.apiKey(), System.nanoTime() - head.startNanos);
            if (head.response != null && ctx.channel().isActive()) {
                try {
                    ctx.write(new SendFileRegion(head.context.buildResponseSend(head.response)), ctx.voidPromise());
                    wrote = true;
                } catch (RuntimeException e) {
                    // A response this version cannot express is a bug of ours; closing makes the client retry.
                    LOG.errorf(e, "Cannot serialise %s v%d response for %s; closing the connection",
                            head.context.header.apiKey(), head.context.apiVersion(), connectionId);
                    ctx.close();
                    return;
                }
            }
        }
        if (wrote) {
            ctx.flush();
        }
        if (pending.size() < maxQueued && !ctx.channel().config().isAutoRead()) {
            ctx.channel().config().setAutoRead(true);
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        // Answers still being computed are dropped when they complete; release their in-flight count now.
        inFlight.addAndGet(-pending.size());
        pending.clear();
        super.channelInactive(ctx);
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
        if (evt instanceof IdleStateEvent) {
            LOG.debugf("Closing idle connection %s", connectionId);
            ctx.close();
        } else {
            super.userEventTriggered(ctx, evt);
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (cause instanceof TooLongFrameException) {
            LOG.warnf("Closing connection %s: %s (limit is strata.kafka.max-request-bytes)", connectionId, cause.getMessage());
        } else if (cause instanceof IOException) {
            LOG.debugf("Connection %s failed: %s", connectionId, cause.getMessage());
        } else {
            LOG.warnf(cause, "Closing connection %s after an error", connectionId);
        }
        ctx.close();
    }

    private static final class Pending {
        final RequestContext context;
        final long startNanos;
        volatile boolean done;
        volatile AbstractResponse response;

        Pending(RequestContext context, long startNanos) {
            this.context = context;
            this.startNanos = startNanos;
        }

        void complete(AbstractResponse response) {
            this.response = response;
            this.done = true;
        }
    }
}
