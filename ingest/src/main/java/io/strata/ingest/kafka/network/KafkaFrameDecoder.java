package io.strata.ingest.kafka.network;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.LengthFieldBasedFrameDecoder;
import io.netty.handler.codec.TooLongFrameException;

/**
 * Kafka's framing (a 4-byte big-endian size, then the request) with a size limit that can be raised once:
 * a SASL connection accepts only small frames until it has authenticated (Kafka's 524288 bytes,
 * CVE-2022-34917), then frames up to {@code strata.kafka.max-request-bytes}. A size above the current
 * limit fails the pipeline before any of the body is buffered; the connection is then closed.
 *
 * <p>Used on the connection's event loop only.
 */
final class KafkaFrameDecoder extends LengthFieldBasedFrameDecoder {

    /** Kafka's sasl.server.max.receive.size default. */
    static final int PRE_AUTHENTICATION_LIMIT = 524288;

    private final int maxRequestBytes;
    private int limit;

    KafkaFrameDecoder(int maxRequestBytes, boolean authenticated) {
        super(maxRequestBytes, 0, 4, 0, 4, true);
        this.maxRequestBytes = maxRequestBytes;
        this.limit = authenticated ? maxRequestBytes : Math.min(PRE_AUTHENTICATION_LIMIT, maxRequestBytes);
    }

    /** Allows frames up to the node's request limit: the connection has authenticated. */
    void authenticated() {
        limit = maxRequestBytes;
    }

    boolean preAuthentication() {
        return limit < maxRequestBytes;
    }

    @Override
    protected Object decode(ChannelHandlerContext ctx, ByteBuf in) throws Exception {
        if (limit < maxRequestBytes && in.readableBytes() >= 4) {
            int size = in.getInt(in.readerIndex());
            if (size > limit) {
                in.skipBytes(in.readableBytes());
                throw new TooLongFrameException("Frame of " + size + " bytes before authentication; the limit is "
                        + limit + " bytes");
            }
        }
        return super.decode(ctx, in);
    }
}
