package io.strata.loadtests.limits;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;

/** Small measurements of what the machine can do at most: disk writes and loopback TCP. */
public final class PhysicalLimits {
    private static final double MIB = 1024.0 * 1024.0;

    private PhysicalLimits() {
    }

    /**
     * Writes and deletes a file without measuring: the first use of fresh memory for the page cache can be much
     * slower on a virtual machine than later ones, which would make the first measurement an outlier.
     */
    public static void warmUp(Path dir, long bytes) throws IOException {
        sequentialWrite(dir, bytes, false);
    }

    /** Sequential write in 1 MiB chunks into the page cache, no sync. MiB/s. */
    public static double bufferedWrite(Path dir, long bytes) throws IOException {
        return sequentialWrite(dir, bytes, false);
    }

    /** Sequential write in 1 MiB chunks followed by one fdatasync, time includes the sync. MiB/s. */
    public static double writeThenSync(Path dir, long bytes) throws IOException {
        return sequentialWrite(dir, bytes, true);
    }

    private static double sequentialWrite(Path dir, long bytes, boolean syncAtEnd) throws IOException {
        Files.createDirectories(dir);
        Path f = Files.createTempFile(dir, "seq-write", ".bin");
        ByteBuffer chunk = randomBuffer(1 << 20);
        try (FileChannel ch = FileChannel.open(f, StandardOpenOption.WRITE)) {
            long t0 = System.nanoTime();
            long written = 0;
            while (written < bytes) {
                chunk.clear();
                while (chunk.hasRemaining()) {
                    written += ch.write(chunk);
                }
            }
            if (syncAtEnd) {
                ch.force(false);
            }
            return written / MIB / ((System.nanoTime() - t0) / 1e9);
        } finally {
            Files.deleteIfExists(f);
        }
    }

    /** Result of writes that are each followed by fdatasync. */
    public record SyncedWrites(double mibPerSec, double syncsPerSec, int chunkBytes) {
    }

    /** Appends of {@code chunkBytes}, each followed by fdatasync, for at most the given time or bytes. */
    public static SyncedWrites syncEveryWrite(Path dir, int chunkBytes, long maxBytes, double maxSeconds)
            throws IOException {
        Files.createDirectories(dir);
        Path f = Files.createTempFile(dir, "sync-write", ".bin");
        ByteBuffer chunk = randomBuffer(chunkBytes);
        try (FileChannel ch = FileChannel.open(f, StandardOpenOption.WRITE)) {
            long t0 = System.nanoTime();
            long deadline = t0 + (long) (maxSeconds * 1e9);
            long written = 0;
            long syncs = 0;
            while (written < maxBytes && System.nanoTime() < deadline) {
                chunk.clear();
                while (chunk.hasRemaining()) {
                    written += ch.write(chunk);
                }
                ch.force(false);
                syncs++;
            }
            double secs = (System.nanoTime() - t0) / 1e9;
            return new SyncedWrites(written / MIB / secs, syncs / secs, chunkBytes);
        } finally {
            Files.deleteIfExists(f);
        }
    }

    /** One TCP stream over 127.0.0.1, 64 KiB writes, for the given time. MiB/s as received. */
    public static double loopbackTcp(double seconds) throws Exception {
        try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            AtomicLong received = new AtomicLong();
            Thread reader = new Thread(() -> {
                try (Socket s = server.accept(); InputStream in = s.getInputStream()) {
                    byte[] buf = new byte[1 << 16];
                    int n;
                    while ((n = in.read(buf)) >= 0) {
                        received.addAndGet(n);
                    }
                } catch (IOException e) {
                    // the measurement reports what arrived
                }
            }, "loopback-reader");
            reader.start();
            byte[] buf = new byte[1 << 16];
            ThreadLocalRandom.current().nextBytes(buf);
            long t0;
            try (Socket s = new Socket(InetAddress.getLoopbackAddress(), server.getLocalPort());
                 OutputStream out = s.getOutputStream()) {
                s.setTcpNoDelay(true);
                t0 = System.nanoTime();
                long deadline = t0 + (long) (seconds * 1e9);
                while (System.nanoTime() < deadline) {
                    out.write(buf);
                }
            }
            reader.join(10_000);
            return received.get() / MIB / ((System.nanoTime() - t0) / 1e9);
        }
    }

    private static ByteBuffer randomBuffer(int size) {
        byte[] b = new byte[size];
        ThreadLocalRandom.current().nextBytes(b);
        return ByteBuffer.wrap(b);
    }
}
