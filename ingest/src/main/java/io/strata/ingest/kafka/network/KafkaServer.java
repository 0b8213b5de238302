package io.strata.ingest.kafka.network;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.ssl.SslHandler;
import io.strata.ingest.kafka.security.SaslMechanisms;
import io.strata.ingest.kafka.security.TlsContext;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.concurrent.DefaultEventExecutorGroup;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.EventExecutorGroup;
import io.netty.util.concurrent.GlobalEventExecutor;
import io.strata.ingest.observability.BrokerMetrics;
import org.jboss.logging.Logger;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The Kafka wire-protocol listeners: one or more named listeners (Kafka's {@code listeners}), each
 * PLAINTEXT, SSL, SASL_PLAINTEXT or SASL_SSL.
 *
 * <p>Pipeline of a connection: TLS ({@link SslHandler}, SSL and SASL_SSL), idle time-out, framing
 * ({@link KafkaFrameDecoder}), SASL authentication ({@link SaslAuthenticator}, SASL listeners), then
 * the requests ({@link KafkaConnection}). Each connection carries a {@link ConnectionIdentity} (listener,
 * protocol, principal) into every request's context. On plaintext listeners responses holding log
 * segments go out by sendfile; on TLS listeners they are copied through the engine.
 *
 * <p>Threads: one acceptor, {@code ioThreads} Netty event loops that move bytes, cut frames and answer
 * the non-blocking requests (produce, fetch, offsets), and {@code handlerThreads} threads for requests
 * that may block (cluster metadata, group coordination). Each connection is pinned to one event loop
 * and one blocking thread, which keeps its requests in order.
 *
 * <p>Frames: a 4-byte big-endian size then the request (Kafka's framing). A size above
 * {@code maxRequestBytes} closes the connection before the body is buffered.
 */
public final class KafkaServer {

    private static final Logger LOG = Logger.getLogger(KafkaServer.class);
    /** Kafka's connections.max.idle.ms default. */
    private static final long IDLE_TIMEOUT_MS = Duration.ofMinutes(10).toMillis();

    private final BrokerMetrics metrics;
    private volatile KafkaRequestHandler handler;
    private final int maxRequestBytes;
    private final int maxQueuedPerConnection;
    private final AtomicInteger inFlight = new AtomicInteger();
    private final int socketSendBufferBytes;
    private final int socketReceiveBufferBytes;
    private final EventLoopGroup acceptor;
    private final EventLoopGroup io;
    private final EventExecutorGroup handlers;
    private final ChannelGroup connections = new DefaultChannelGroup("kafka-connections", GlobalEventExecutor.INSTANCE);
    private final java.util.List<Channel> listeners = new java.util.concurrent.CopyOnWriteArrayList<>();
    private volatile boolean accepting;

    /**
     * @param socketSendBufferBytes    SO_SNDBUF of client connections, -1 for the OS default
     * @param socketReceiveBufferBytes SO_RCVBUF of client connections, -1 for the OS default
     */
    public KafkaServer(BrokerMetrics metrics, int maxRequestBytes, int maxQueuedPerConnection, int ioThreads,
                       int handlerThreads, int socketSendBufferBytes, int socketReceiveBufferBytes) {
        this.socketSendBufferBytes = socketSendBufferBytes;
        this.socketReceiveBufferBytes = socketReceiveBufferBytes;
        this.metrics = metrics;
        this.maxRequestBytes = maxRequestBytes;
        this.maxQueuedPerConnection = maxQueuedPerConnection;
        this.acceptor = new NioEventLoopGroup(1, new DefaultThreadFactory("strata-kafka-acceptor", true));
        this.io = new NioEventLoopGroup(ioThreads, new DefaultThreadFactory("strata-kafka-io", true));
        this.handlers = new DefaultEventExecutorGroup(handlerThreads, new DefaultThreadFactory("strata-kafka-handler", true));
    }

    /**
     * Binds a plaintext listener without accepting yet, so the bound port (port 0 picks a free one) can be
     * advertised before the first client arrives; returns the bound address.
     */
    public InetSocketAddress bind(String host, int port) throws InterruptedException {
        return bind(new KafkaListener(org.apache.kafka.common.network.ListenerName.forSecurityProtocol(
                org.apache.kafka.common.security.auth.SecurityProtocol.PLAINTEXT),
                org.apache.kafka.common.security.auth.SecurityProtocol.PLAINTEXT, host, port, host, 0), null, null, 0);
    }

    /**
     * Binds one listener without accepting yet (see {@link #bind(String, int)}); may be called once per listener.
     *
     * @param tls          TLS of an SSL or SASL_SSL listener, else null
     * @param sasl         mechanisms of a SASL_PLAINTEXT or SASL_SSL listener, else null
     * @param maxReauthMs  connections.max.reauth.ms of SASL sessions, 0 for sessions that do not expire
     */
    public InetSocketAddress bind(KafkaListener spec, TlsContext tls, SaslMechanisms sasl, long maxReauthMs)
            throws InterruptedException {
        if (spec.tls() != (tls != null) || spec.sasl() != (sasl != null)) {
            throw new IllegalArgumentException("Listener " + spec.name().value() + " (" + spec.protocol()
                    + ") needs " + (spec.tls() ? "TLS settings" : "no TLS") + " and " + (spec.sasl() ? "SASL mechanisms" : "no SASL"));
        }
        ServerBootstrap bootstrap = new ServerBootstrap()
                .group(acceptor, io)
                .channel(NioServerSocketChannel.class)
                .option(ChannelOption.AUTO_READ, false)
                .option(ChannelOption.SO_BACKLOG, 1024)
                .option(ChannelOption.SO_REUSEADDR, true)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childOption(ChannelOption.SO_KEEPALIVE, true)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        connections.add(ch);
                        ConnectionIdentity identity = new ConnectionIdentity(spec.name(), spec.protocol());
                        KafkaFrameDecoder frames = new KafkaFrameDecoder(maxRequestBytes, sasl == null);
                        if (tls != null) {
                            ch.pipeline().addLast("tls", new SslHandler(tls.newEngine(ch.remoteAddress())));
                        }
                        ch.pipeline()
                                .addLast("idle", new IdleStateHandler(0, 0, IDLE_TIMEOUT_MS, TimeUnit.MILLISECONDS))
                                .addLast("frames", frames);
                        if (sasl != null) {
                            ch.pipeline().addLast("sasl", new SaslAuthenticator(sasl, () -> handler, identity, frames,
                                    maxReauthMs));
                        }
                        ch.pipeline().addLast("kafka", new KafkaConnection(handler, handlers.next(), metrics,
                                maxQueuedPerConnection, inFlight, identity, tls));
                    }
                });
        if (socketSendBufferBytes > 0) {
            bootstrap.childOption(ChannelOption.SO_SNDBUF, socketSendBufferBytes);
        }
        if (socketReceiveBufferBytes > 0) {
            // Set on the listening socket so that accepted sockets negotiate their window with it.
            bootstrap.option(ChannelOption.SO_RCVBUF, socketReceiveBufferBytes);
        }
        Channel listener = bootstrap.bind(spec.bindHost(), spec.bindPort()).sync().channel();
        listeners.add(listener);
        return (InetSocketAddress) listener.localAddress();
    }

    /** Starts accepting connections on every bound listener, answered by {@code requestHandler}. */
    public void startAccepting(KafkaRequestHandler requestHandler) {
        this.handler = requestHandler;
        for (Channel ch : listeners) {
            ch.config().setAutoRead(true);
            ch.read();
            InetSocketAddress bound = (InetSocketAddress) ch.localAddress();
            LOG.infof("Kafka listener accepting on %s:%d", bound.getHostString(), bound.getPort());
        }
        accepting = true;
    }

    /** True while the listener is bound and accepting connections. */
    public boolean isAccepting() {
        return accepting && !listeners.isEmpty() && listeners.stream().allMatch(Channel::isActive);
    }

    /**
     * Stops accepting, lets requests already received finish (up to {@code grace}), then closes
     * every connection and the thread pools.
     */
    public void stop(Duration grace) {
        accepting = false;
        for (Channel ch : listeners) {
            ch.close().syncUninterruptibly();
        }
        long deadline = System.nanoTime() + grace.toNanos();
        while (inFlight.get() > 0 && System.nanoTime() < deadline) {
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        if (inFlight.get() > 0) {
            LOG.warnf("Closing connections with %d requests still in flight", inFlight.get());
        }
        connections.close().syncUninterruptibly();
        handlers.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        io.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        acceptor.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }
}
