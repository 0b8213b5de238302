package io.strata.ingest.kafka;

import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.requests.AbstractRequest;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.RequestHeader;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.Socket;
import java.nio.ByteBuffer;

/**
 * A blocking one-request-at-a-time Kafka connection for protocol tests: frames requests with the
 * Kafka codec and parses the answers, so tests can send exact versions and malformed bytes.
 */
final class RawKafkaClient implements AutoCloseable {

    private final Socket socket;
    private final DataOutputStream out;
    private final DataInputStream in;
    private int correlationId;

    RawKafkaClient(String host, int port) throws IOException {
        socket = new Socket(host, port);
        socket.setSoTimeout(10_000);
        out = new DataOutputStream(socket.getOutputStream());
        in = new DataInputStream(socket.getInputStream());
    }

    AbstractResponse send(AbstractRequest request) throws IOException {
        RequestHeader header = new RequestHeader(request.apiKey(), request.version(), "raw-test", ++correlationId);
        ByteBuffer bytes = request.serializeWithHeader(header);
        writeFrame(bytes);
        ByteBuffer response = readFrame();
        return AbstractResponse.parseResponse(response, header);
    }

    /** Sends an ApiVersions header with an arbitrary version and an empty body; returns the raw response frame. */
    ByteBuffer sendApiVersionsAtVersion(short version) throws IOException {
        ByteBuffer frame = ByteBuffer.allocate(2 + 2 + 4 + 2 + 1);
        frame.putShort(ApiKeys.API_VERSIONS.id).putShort(version).putInt(++correlationId).putShort((short) -1).put((byte) 0);
        frame.flip();
        writeFrame(frame);
        return readFrame();
    }

    void writeRaw(byte[] bytes) throws IOException {
        out.write(bytes);
        out.flush();
    }

    void writeFrame(ByteBuffer payload) throws IOException {
        out.writeInt(payload.remaining());
        byte[] b = new byte[payload.remaining()];
        payload.get(b);
        out.write(b);
        out.flush();
    }

    ByteBuffer readFrame() throws IOException {
        int size = in.readInt();
        byte[] b = new byte[size];
        in.readFully(b);
        return ByteBuffer.wrap(b);
    }

    /** True when the node closed the connection (read returns end of stream). */
    boolean closedByPeer() {
        try {
            return in.read() == -1;
        } catch (IOException e) {
            return true;
        }
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
