package io.strata.ingest.kafka.network;

import io.netty.channel.FileRegion;
import io.netty.util.AbstractReferenceCounted;
import org.apache.kafka.common.network.Send;
import org.apache.kafka.common.network.TransferableChannel;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.GatheringByteChannel;
import java.nio.channels.WritableByteChannel;

/**
 * Lets Netty write a Kafka {@link Send} (a response as built by the Kafka codec) straight to the
 * socket. Record sets backed by segment files reach the socket through
 * {@link FileChannel#transferTo}, i.e. sendfile: log bytes are never copied into the heap.
 *
 * <p>Netty calls {@link #transferTo} on its event loop until {@link #transferred()} reaches
 * {@link #count()}; the Send keeps its own progress, so partial writes resume where they stopped.
 */
final class SendFileRegion extends AbstractReferenceCounted implements FileRegion {

    private final Send send;
    private final long size;
    private long transferred;

    SendFileRegion(Send send) {
        this.send = send;
        this.size = send.size();
    }

    /**
     * The whole of a Send copied into one buffer, for pipelines that cannot take a file region (TLS: the bytes
     * must go through the engine). Record sets backed by segment files are read into the buffer.
     */
    static io.netty.buffer.ByteBuf copy(Send send, io.netty.buffer.ByteBufAllocator alloc) throws IOException {
        long size = send.size();
        if (size > Integer.MAX_VALUE - 8) {
            throw new IOException("Response of " + size + " bytes is too large to encrypt in one piece");
        }
        io.netty.buffer.ByteBuf buf = alloc.buffer((int) size);
        WritableByteChannel sink = new WritableByteChannel() {
            @Override
            public int write(ByteBuffer src) {
                int n = src.remaining();
                buf.writeBytes(src);
                return n;
            }

            @Override
            public boolean isOpen() {
                return true;
            }

            @Override
            public void close() {
            }
        };
        try {
            ChannelAdapter adapter = new ChannelAdapter(sink);
            while (!send.completed()) {
                if (send.writeTo(adapter) <= 0 && !send.completed()) {
                    throw new IOException("A response stopped short of its size");
                }
            }
            return buf;
        } catch (IOException | RuntimeException e) {
            buf.release();
            throw e;
        }
    }

    @Override
    public long position() {
        return 0;
    }

    @Override
    @Deprecated
    public long transfered() {
        return transferred;
    }

    @Override
    public long transferred() {
        return transferred;
    }

    @Override
    public long count() {
        return size;
    }

    @Override
    public long transferTo(WritableByteChannel target, long position) throws IOException {
        long written = send.writeTo(new ChannelAdapter(target));
        transferred += written;
        return written;
    }

    @Override
    public FileRegion retain() {
        super.retain();
        return this;
    }

    @Override
    public FileRegion retain(int increment) {
        super.retain(increment);
        return this;
    }

    @Override
    public FileRegion touch() {
        return this;
    }

    @Override
    public FileRegion touch(Object hint) {
        return this;
    }

    @Override
    protected void deallocate() {
        // Nothing pooled: segment files stay open in the log, buffers are heap buffers.
    }

    /** The socket as Kafka's record sends expect to see it. */
    private static final class ChannelAdapter implements TransferableChannel {
        private final WritableByteChannel target;

        ChannelAdapter(WritableByteChannel target) {
            this.target = target;
        }

        @Override
        public boolean hasPendingWrites() {
            return false;
        }

        @Override
        public long transferFrom(FileChannel fileChannel, long position, long count) throws IOException {
            return fileChannel.transferTo(position, count, target);
        }

        @Override
        public long write(ByteBuffer[] srcs, int offset, int length) throws IOException {
            if (target instanceof GatheringByteChannel gathering) {
                return gathering.write(srcs, offset, length);
            }
            long written = 0;
            for (int i = offset; i < offset + length; i++) {
                int n = target.write(srcs[i]);
                written += n;
                if (srcs[i].hasRemaining()) {
                    break;
                }
            }
            return written;
        }

        @Override
        public long write(ByteBuffer[] srcs) throws IOException {
            return write(srcs, 0, srcs.length);
        }

        @Override
        public int write(ByteBuffer src) throws IOException {
            return target.write(src);
        }

        @Override
        public boolean isOpen() {
            return target.isOpen();
        }

        @Override
        public void close() throws IOException {
            target.close();
        }
    }
}
