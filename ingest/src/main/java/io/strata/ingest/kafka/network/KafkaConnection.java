package io.strata.ingest.kafka.network;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.concurrent.EventExecutor;
import io.strata.ingest.observability.BrokerMetrics;
import org.apache.kafka.common.network.ClientInformation;
import io.netty.handler.ssl.SslHandler;
import io.strata.ingest.kafka.security.TlsContext;
import org.apache.kafka.common.network.ListenerName;
import org.apache.kafka.common.network.Send;
import org.apache.kafka.common.requests.AbstractRequest;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.RequestContext;
import org.apache.kafka.common.requests.RequestHeader;
import org.apache.kafka.common.security.auth.SecurityProtocol;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One client connection: turns frames into requests and writes responses back in request order.
 *
 * <p>Runs on the connection's event loop, so its state needs no locks. Requests that never block
 * (produce appends to the page cache, fetches, offset lookups) are answered right there, which
 * saves two thread hops per request; the others (cluster metadata and group coordination, which
 * wait on the embedded cluster) run on the connection's blocking executor, one at a time and in
 * arrival order. Responses that complete on other threads hop back to the event loop.
 * Requests may be pipelined; once {@code maxQueued} are waiting, the node stops reading from the
 * socket until answers go out, so one client cannot make the node buffer without bound.
 *
 * <p>A request handler may mute the connection ({@link KafkaRequestHandler.ConnectionThrottle}) when its client is
 * over a quota: reading stops and frames already received are held, in order, until the throttle time ends.
 *
 * <p>A frame that cannot be parsed as a Kafka request (unknown API key, truncated header or body,
 * version the codec cannot read) closes the connection, as Apache Kafka does: there is no
 * correlation id to answer to or no schema to answer with.
 */
final class KafkaConnection extends ChannelInboundHandlerAdapter {

    private static final Logger LOG = Logger.getLogger(KafkaConnection.class);
    private static final ConnectionIdentity PLAINTEXT = new ConnectionIdentity(
            ListenerName.forSecurityProtocol(SecurityProtocol.PLAINTEXT), SecurityProtocol.PLAINTEXT);

    private final KafkaRequestHandler handler;
    private final EventExecutor blockingExecutor;
    private final AtomicInteger offloaded = new AtomicInteger();
    private final BrokerMetrics metrics;
    private final int maxQueued;
    private final AtomicInteger inFlight;
    private final ArrayDeque<Pending> pending = new ArrayDeque<>();
    private final ConnectionIdentity identity;
    private final TlsContext tls;
    private String connectionId;
    private InetSocketAddress remote;
    private ChannelHandlerContext channel;
    /** Set while a quota throttle mutes the connection; frames read meanwhile wait in {@code held}. */
    private boolean muted;
    private long mutedUntilNanos;
    private ScheduledFuture<?> unmuteTask;
    private final ArrayDeque<ByteBuf> held = new ArrayDeque<>();
    private final KafkaRequestHandler.ConnectionThrottle throttle = this::throttle;

    /**
     * @param identity the connection's listener and principal, shared with its TLS and SASL handlers
     * @param tls      the listener's TLS, null on a plaintext listener (responses then go out by sendfile)
     */
    KafkaConnection(KafkaRequestHandler handler, EventExecutor blockingExecutor, BrokerMetrics metrics, int maxQueued,
                    AtomicInteger inFlight, ConnectionIdentity identity, TlsContext tls) {
        this.identity = identity;
        this.tls = tls;
        this.handler = handler;
        this.blockingExecutor = blockingExecutor;
        this.metrics = metrics;
        this.maxQueued = maxQueued;
        this.inFlight = inFlight;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) throws Exception {
        channel = ctx;
        remote = (InetSocketAddress) ctx.channel().remoteAddress();
        InetSocketAddress local = (InetSocketAddress) ctx.channel().localAddress();
        connectionId = local.getAddress().getHostAddress() + ":" + local.getPort() + "-"
                + remote.getAddress().getHostAddress() + ":" + remote.getPort();
        super.channelActive(ctx);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        ByteBuf frame = (ByteBuf) msg;
        if (muted) {
            held.add(frame);
            return;
        }
        long startNanos = System.nanoTime();
        RequestContext context;
        AbstractRequest request;
        try {
            if (!identity.principalKnown() && identity.protocol() == SecurityProtocol.SSL) {
                // The first request is decrypted only after the handshake: the client certificate is known.
                SslHandler ssl = ctx.pipeline().get(SslHandler.class);
                identity.principal(tls.principalOf(ssl.engine().getSession()));
                LOG.debugf("Connection %s authenticated as %s by its certificate", connectionId, identity.principal());
            }
            ParsedRequest parsed = parse(frame.nioBuffer(), connectionId, remote, identity);
            context = parsed.context();
            request = parsed.request();
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

        RequestContext ctxOfRequest = context;
        AbstractRequest req = request;
        Runnable work = () -> handle(ctx, ctxOfRequest, req, frame, slot);
        if (handler.mayRunOnEventLoop(context.header.apiKey()) && offloaded.get() == 0) {
            work.run();
        } else {
            // Still in order: this connection's offloaded requests run one after another on one thread,
            // and while any is queued, later requests queue behind it instead of running here.
            offloaded.incrementAndGet();
            blockingExecutor.execute(() -> {
                try {
                    work.run();
                } finally {
                    offloaded.decrementAndGet();
                }
            });
        }
    }

    /** A frame's request and the context its response is built with. */
    record ParsedRequest(RequestContext context, AbstractRequest request) {
    }

    /**
     * Parses one frame (without its length prefix): header, then the body at the header's version.
     *
     * @throws RuntimeException when the frame is not a request this codec can read (the caller closes)
     */
    static ParsedRequest parse(ByteBuffer frame, String connectionId, InetSocketAddress remote) {
        return parse(frame, connectionId, remote, PLAINTEXT);
    }

    /** Parses one frame of a connection whose listener and principal are {@code identity}'s. */
    static ParsedRequest parse(ByteBuffer frame, String connectionId, InetSocketAddress remote, ConnectionIdentity identity) {
        RequestHeader header = RequestHeader.parse(frame);
        RequestContext context = new RequestContext(header, connectionId, remote.getAddress(),
                Optional.of(remote.getPort()), identity.principal(), identity.listener(), identity.protocol(),
                ClientInformation.EMPTY, false);
        return new ParsedRequest(context, context.parseRequest(frame).request);
    }

    private void handle(ChannelHandlerContext ctx, RequestContext context, AbstractRequest request, ByteBuf frame,
                        Pending slot) {
        CompletableFuture<AbstractResponse> future;
        try {
            future = handler.handle(context, request, frame.readableBytes(), throttle);
        } catch (RuntimeException e) {
            LOG.errorf(e, "Unexpected failure handling %s from %s", context.header.apiKey(), connectionId);
            future = CompletableFuture.completedFuture(request.getErrorResponse(e));
        } finally {
            frame.release();
        }
        future.whenComplete((response, error) -> {
            AbstractResponse answer = response;
            Throwable cause = error instanceof CompletionException ? error.getCause() : error;
            if (cause instanceof CloseConnectionException close) {
                LOG.infof("Closing connection %s: %s", connectionId, close.getMessage());
                slot.closeAfter();
            } else if (error != null) {
                LOG.errorf(error, "Unexpected failure completing %s from %s", request.apiKey(), connectionId);
                answer = request.getErrorResponse(error);
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
            if (head.close) {
                ctx.flush();
                ctx.close();
                return;
            }
            if (head.response != null && ctx.channel().isActive()) {
                try {
                    Send send = head.context.buildResponseSend(head.response);
                    // TLS encrypts in the engine, which takes buffers: the copy replaces sendfile there.
                    ctx.write(tls == null ? new SendFileRegion(send) : SendFileRegion.copy(send, ctx.alloc()),
                            ctx.voidPromise());
                    wrote = true;
                } catch (IOException | RuntimeException e) {
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
        if (!muted && pending.size() < maxQueued && !ctx.channel().config().isAutoRead()) {
            ctx.channel().config().setAutoRead(true);
        }
    }

    /** Mutes the connection for {@code millis} from now (or longer, if already muted longer). Any thread. */
    private void throttle(long millis) {
        ChannelHandlerContext ctx = channel;
        if (ctx == null || millis <= 0) {
            return;
        }
        if (!ctx.executor().inEventLoop()) {
            ctx.executor().execute(() -> throttle(millis));
            return;
        }
        long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
        if (muted && until - mutedUntilNanos <= 0) {
            return;
        }
        muted = true;
        mutedUntilNanos = until;
        ctx.channel().config().setAutoRead(false);
        if (unmuteTask != null) {
            unmuteTask.cancel(false);
        }
        unmuteTask = ctx.executor().schedule(() -> unmute(ctx), millis, TimeUnit.MILLISECONDS);
    }

    /** The throttle time is over: handles the frames held meanwhile, in order, then reads again. */
    private void unmute(ChannelHandlerContext ctx) {
        muted = false;
        unmuteTask = null;
        if (!ctx.channel().isActive()) {
            return;
        }
        while (!muted && !held.isEmpty()) {
            channelRead(ctx, held.poll()); // may mute again
        }
        if (!muted && pending.size() < maxQueued) {
            ctx.channel().config().setAutoRead(true);
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        // Answers still being computed are dropped when they complete; release their in-flight count now.
        inFlight.addAndGet(-pending.size());
        pending.clear();
        held.forEach(ByteBuf::release);
        held.clear();
        if (unmuteTask != null) {
            unmuteTask.cancel(false);
        }
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
            LOG.warnf("Closing connection %s: %s%s", connectionId, cause.getMessage(),
                    cause.getMessage().contains("before authentication") ? "" : " (limit is strata.kafka.max-request-bytes)");
        } else if (cause instanceof io.netty.handler.codec.DecoderException && cause.getCause() instanceof javax.net.ssl.SSLException) {
            LOG.infof("Closing connection %s: TLS failed: %s", connectionId, cause.getCause().getMessage());
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
        volatile boolean close;

        Pending(RequestContext context, long startNanos) {
            this.context = context;
            this.startNanos = startNanos;
        }

        /** Closes the connection once the answers before this request are written; this one has none. */
        void closeAfter() {
            this.close = true;
        }

        void complete(AbstractResponse response) {
            this.response = response;
            this.done = true;
        }
    }
}
