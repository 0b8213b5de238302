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
import io.netty.handler.codec.LengthFieldBasedFrameDecoder;
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
 * The Kafka wire-protocol listener.
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
    private volatile Channel listener;
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
     * Binds the listener without accepting yet, so the bound port (port 0 picks a free one) can be
     * advertised before the first client arrives; returns the bound address.
     */
    public InetSocketAddress bind(String host, int port) throws InterruptedException {
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
                        ch.pipeline()
                                .addLast("idle", new IdleStateHandler(0, 0, IDLE_TIMEOUT_MS, TimeUnit.MILLISECONDS))
                                .addLast("frames", new LengthFieldBasedFrameDecoder(maxRequestBytes, 0, 4, 0, 4, true))
                                .addLast("kafka", new KafkaConnection(handler, handlers.next(), metrics,
                                        maxQueuedPerConnection, inFlight));
                    }
                });
        if (socketSendBufferBytes > 0) {
            bootstrap.childOption(ChannelOption.SO_SNDBUF, socketSendBufferBytes);
        }
        if (socketReceiveBufferBytes > 0) {
            // Set on the listening socket so that accepted sockets negotiate their window with it.
            bootstrap.option(ChannelOption.SO_RCVBUF, socketReceiveBufferBytes);
        }
        listener = bootstrap.bind(host, port).sync().channel();
        return (InetSocketAddress) listener.localAddress();
    }

    /** Starts accepting connections, answered by {@code requestHandler}. */
    public void startAccepting(KafkaRequestHandler requestHandler) {
        this.handler = requestHandler;
        Channel ch = listener;
        ch.config().setAutoRead(true);
        ch.read();
        accepting = true;
        InetSocketAddress bound = (InetSocketAddress) ch.localAddress();
        LOG.infof("Kafka listener accepting on %s:%d", bound.getHostString(), bound.getPort());
    }

    /** True while the listener is bound and accepting connections. */
    public boolean isAccepting() {
        Channel ch = listener;
        return accepting && ch != null && ch.isActive();
    }

    /**
     * Stops accepting, lets requests already received finish (up to {@code grace}), then closes
     * every connection and the thread pools.
     */
    public void stop(Duration grace) {
        accepting = false;
        Channel ch = listener;
        if (ch != null) {
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
