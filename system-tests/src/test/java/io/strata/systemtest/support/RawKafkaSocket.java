package io.strata.systemtest.support;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/** A plain socket to a Kafka listener, for sending hand-made (and broken) frames. */
public final class RawKafkaSocket implements AutoCloseable {
    /** What the broker did after it got our bytes. */
    public sealed interface Outcome permits Closed, Response {
    }

    /** The broker closed (or reset) the connection. */
    public record Closed(String how) implements Outcome {
    }

    /** The broker answered with a frame (size prefix stripped). */
    public record Response(byte[] body) implements Outcome {
        public int correlationId() {
            return ByteBuffer.wrap(body).getInt();
        }
    }

    private final Socket socket;
    private final Duration answerTimeout;

    public RawKafkaSocket(String host, int port, Duration answerTimeout) {
        this.answerTimeout = answerTimeout;
        try {
            socket = new Socket();
            socket.connect(new InetSocketAddress(host, port), 5_000);
            socket.setSoTimeout((int) answerTimeout.toMillis());
            socket.setTcpNoDelay(true);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot connect to " + host + ":" + port, e);
        }
    }

    /** Writes raw bytes; a reset while writing means the broker already closed the connection. */
    public boolean write(byte[] bytes) {
        try {
            socket.getOutputStream().write(bytes);
            socket.getOutputStream().flush();
            return true;
        } catch (SocketException e) {
            return false;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Half-closes our side: the broker sees end of stream. */
    public void shutdownOutput() {
        try {
            socket.shutdownOutput();
        } catch (IOException ignored) {
            // already closed by the broker
        }
    }

    /**
     * Waits for the broker's reaction: a response frame or the connection closing. Fails if neither happens within
     * the answer timeout, i.e. the broker hangs on the input.
     */
    public Outcome awaitOutcome(String what) {
        try {
            DataInputStream in = new DataInputStream(socket.getInputStream());
            int size;
            try {
                size = in.readInt();
            } catch (EOFException e) {
                return new Closed("end of stream");
            }
            if (size < 4 || size > 64 * 1024 * 1024) {
                throw new AssertionError(what + ": implausible response size " + size);
            }
            byte[] body = new byte[size];
            in.readFully(body);
            return new Response(body);
        } catch (SocketTimeoutException e) {
            throw new AssertionError(what + ": the node neither answered nor closed the connection within "
                    + answerTimeout.toSeconds() + " s");
        } catch (EOFException e) {
            return new Closed("end of stream inside a response frame");
        } catch (SocketException e) {
            return new Closed(e.getMessage());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Reads one frame of any size (a raw SASL token may be empty); null when the broker closed the connection. */
    public byte[] readRawFrame() {
        try {
            DataInputStream in = new DataInputStream(socket.getInputStream());
            int size = in.readInt();
            if (size < 0 || size > 64 * 1024 * 1024) {
                throw new AssertionError("implausible frame size " + size);
            }
            byte[] body = new byte[size];
            in.readFully(body);
            return body;
        } catch (EOFException | SocketException e) {
            return null;
        } catch (SocketTimeoutException e) {
            throw new AssertionError("no frame within " + answerTimeout.toSeconds() + " s");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        try {
            socket.close();
        } catch (IOException ignored) {
            // nothing to do
        }
    }

    /** A frame: 4-byte big-endian size, then the parts. */
    public static byte[] frame(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int size = 0;
        for (byte[] part : parts) {
            size += part.length;
        }
        out.writeBytes(ByteBuffer.allocate(4).putInt(size).array());
        for (byte[] part : parts) {
            out.writeBytes(part);
        }
        return out.toByteArray();
    }

    /** Request header v1: api key, api version, correlation id, client id (nullable string). */
    public static byte[] headerV1(int apiKey, int apiVersion, int correlationId, String clientId) {
        byte[] id = clientId.getBytes(StandardCharsets.UTF_8);
        return ByteBuffer.allocate(10 + id.length).putShort((short) apiKey).putShort((short) apiVersion)
                .putInt(correlationId).putShort((short) id.length).put(id).array();
    }

    /** Request header v2 (flexible versions): header v1 followed by an empty tagged-field section. */
    public static byte[] headerV2(int apiKey, int apiVersion, int correlationId, String clientId) {
        byte[] v1 = headerV1(apiKey, apiVersion, correlationId, clientId);
        byte[] v2 = new byte[v1.length + 1];
        System.arraycopy(v1, 0, v2, 0, v1.length);
        return v2;
    }

    public static byte[] bytes(int... values) {
        byte[] out = new byte[values.length];
        for (int i = 0; i < values.length; i++) {
            out[i] = (byte) values[i];
        }
        return out;
    }
}
