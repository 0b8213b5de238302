package io.strata.systemtest.support;

import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A TCP proxy that understands Kafka framing (4-byte size, then the request header: api key, api version,
 * correlation id) and can, for chosen requests, forward the request to the broker but swallow the broker's
 * response and close the client's connection: the client cannot know whether the request took effect.
 */
public final class FaultInjectingProxy implements AutoCloseable {
    /** Decides, per forwarded request, whether its response is dropped. */
    public interface Policy {
        /**
         * @param apiKey the request's api key
         * @param ordinal how many requests with this api key the proxy has seen, counting this one (from 1)
         */
        boolean dropResponse(short apiKey, int ordinal);
    }

    private final ServerSocket server;
    private final String targetHost;
    private final int targetPort;
    private final Policy policy;
    private final Map<Short, AtomicInteger> requestsByApi = new ConcurrentHashMap<>();
    private final AtomicInteger droppedResponses = new AtomicInteger();
    private final AtomicInteger connections = new AtomicInteger();
    private final List<Socket> sockets = new CopyOnWriteArrayList<>();
    private final Thread acceptor;
    private volatile boolean closed;

    public FaultInjectingProxy(String targetHost, int targetPort, Policy policy) {
        this(0, targetHost, targetPort, policy);
    }

    public FaultInjectingProxy(int listenPort, String targetHost, int targetPort, Policy policy) {
        this.targetHost = targetHost;
        this.targetPort = targetPort;
        this.policy = policy;
        try {
            this.server = new ServerSocket(listenPort, 50, InetAddress.getLoopbackAddress());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        this.acceptor = new Thread(this::acceptLoop, "proxy-accept-" + server.getLocalPort());
        acceptor.setDaemon(true);
        acceptor.start();
    }

    public int port() {
        return server.getLocalPort();
    }

    public int droppedResponses() {
        return droppedResponses.get();
    }

    public int requests(short apiKey) {
        AtomicInteger count = requestsByApi.get(apiKey);
        return count == null ? 0 : count.get();
    }

    public int connections() {
        return connections.get();
    }

    private void acceptLoop() {
        while (!closed) {
            try {
                Socket client = server.accept();
                connections.incrementAndGet();
                Socket broker;
                try {
                    broker = new Socket(targetHost, targetPort);
                } catch (IOException e) {
                    client.close();
                    continue;
                }
                client.setTcpNoDelay(true);
                broker.setTcpNoDelay(true);
                sockets.add(client);
                sockets.add(broker);
                new Connection(client, broker).start();
            } catch (IOException e) {
                if (!closed) {
                    System.err.println("proxy accept failed: " + e);
                }
            }
        }
    }

    private final class Connection {
        private final Socket client;
        private final Socket broker;
        /** correlation id -> (api key, drop?) of the requests in flight on this connection */
        private final Map<Integer, Boolean> dropByCorrelation = new ConcurrentHashMap<>();

        Connection(Socket client, Socket broker) {
            this.client = client;
            this.broker = broker;
        }

        void start() {
            Thread up = new Thread(this::clientToBroker, "proxy-up-" + client.getPort());
            Thread down = new Thread(this::brokerToClient, "proxy-down-" + client.getPort());
            up.setDaemon(true);
            down.setDaemon(true);
            up.start();
            down.start();
        }

        private void clientToBroker() {
            try {
                DataInputStream in = new DataInputStream(client.getInputStream());
                OutputStream out = broker.getOutputStream();
                while (true) {
                    byte[] frame = readFrame(in);
                    if (frame == null) {
                        break;
                    }
                    if (frame.length >= 12) {
                        ByteBuffer header = ByteBuffer.wrap(frame, 4, frame.length - 4);
                        short apiKey = header.getShort();
                        header.getShort();
                        int correlationId = header.getInt();
                        int ordinal = requestsByApi.computeIfAbsent(apiKey, k -> new AtomicInteger()).incrementAndGet();
                        dropByCorrelation.put(correlationId, policy.dropResponse(apiKey, ordinal));
                    }
                    out.write(frame);
                    out.flush();
                }
            } catch (IOException ignored) {
                // connection closed by either side
            } finally {
                closeBoth();
            }
        }

        private void brokerToClient() {
            try {
                DataInputStream in = new DataInputStream(broker.getInputStream());
                OutputStream out = client.getOutputStream();
                while (true) {
                    byte[] frame = readFrame(in);
                    if (frame == null) {
                        break;
                    }
                    if (frame.length >= 8) {
                        int correlationId = ByteBuffer.wrap(frame, 4, 4).getInt();
                        Boolean drop = dropByCorrelation.remove(correlationId);
                        if (Boolean.TRUE.equals(drop)) {
                            droppedResponses.incrementAndGet();
                            break;
                        }
                    }
                    out.write(frame);
                    out.flush();
                }
            } catch (IOException ignored) {
                // connection closed by either side
            } finally {
                closeBoth();
            }
        }

        private void closeBoth() {
            closeQuietly(client);
            closeQuietly(broker);
            sockets.remove(client);
            sockets.remove(broker);
        }
    }

    /** A whole frame including its 4-byte size prefix, or null at a clean end of stream. */
    private static byte[] readFrame(DataInputStream in) throws IOException {
        int size;
        try {
            size = in.readInt();
        } catch (EOFException e) {
            return null;
        }
        if (size < 0 || size > 200 * 1024 * 1024) {
            throw new SocketException("implausible frame size " + size);
        }
        byte[] frame = new byte[4 + size];
        ByteBuffer.wrap(frame).putInt(size);
        in.readFully(frame, 4, size);
        return frame;
    }

    private static void closeQuietly(Socket socket) {
        try {
            socket.close();
        } catch (IOException ignored) {
            // already closed
        }
    }

    @Override
    public void close() {
        closed = true;
        try {
            server.close();
        } catch (IOException ignored) {
            // already closed
        }
        sockets.forEach(FaultInjectingProxy::closeQuietly);
    }
}
