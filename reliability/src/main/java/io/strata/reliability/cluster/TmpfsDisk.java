package io.strata.reliability.cluster;

import io.strata.reliability.net.HostCommand;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * A small file system of a node's own: a tmpfs of a fixed size mounted at {@link #mountPoint()}, holding the node's
 * data directory ({@link #dataDir()}) and, while the disk is {@linkplain #fill() full}, a filler file beside it (not
 * inside it, so the node never sees a file it did not write). Filling it makes the node's writes fail with "No space
 * left on device"; {@link #free()} deletes the filler. Needs root (mount). Not thread-safe.
 */
final class TmpfsDisk {

    static final String DATA = "data";
    private static final String FILLER = "disk-filler";

    private final Path mountPoint;
    private final long sizeBytes;

    private TmpfsDisk(Path mountPoint, long sizeBytes) {
        this.mountPoint = mountPoint;
        this.sizeBytes = sizeBytes;
    }

    /** Mounts a fresh, empty tmpfs of {@code sizeBytes} at {@code mountPoint} (created if missing). */
    static TmpfsDisk mount(Path mountPoint, long sizeBytes) {
        Path dir = mountPoint.toAbsolutePath().normalize();
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        HostCommand.run("mount", "-t", "tmpfs", "-o", "size=" + sizeBytes + ",mode=0755", "tmpfs", dir.toString());
        TmpfsDisk disk = new TmpfsDisk(dir, sizeBytes);
        try {
            Files.createDirectories(disk.dataDir());
        } catch (IOException e) {
            disk.unmount();
            throw new UncheckedIOException(e);
        }
        return disk;
    }

    /** Unmounts every mount at or below {@code root}, deepest first: what a crashed earlier run left mounted. */
    static void unmountAllUnder(Path root) {
        String prefix = root.toAbsolutePath().normalize().toString();
        List<String> mounted = new ArrayList<>();
        try (Stream<String> lines = Files.lines(Path.of("/proc/self/mounts"))) {
            lines.map(l -> l.split(" ")[1].replace("\\040", " "))
                    .filter(p -> p.equals(prefix) || p.startsWith(prefix + "/")).forEach(mounted::add);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        mounted.sort(Comparator.comparingInt(String::length).reversed());
        for (String point : mounted) {
            if (!HostCommand.attempt("umount", point).ok()) {
                HostCommand.run("umount", "-l", point);
            }
        }
    }

    Path mountPoint() {
        return mountPoint;
    }

    /** The node's data directory on this file system. */
    Path dataDir() {
        return mountPoint.resolve(DATA);
    }

    long sizeBytes() {
        return sizeBytes;
    }

    /** Bytes still free, as the file system reports them. */
    long usableBytes() {
        try {
            return Files.getFileStore(mountPoint).getUsableSpace();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Takes all the free space: a filler file grows in 1 MiB writes, then smaller ones, until the file system answers
     * "No space left on device". Returns the filler's size. Whatever the node frees later (e.g. a deleted segment)
     * it may write again; call again to take that too.
     */
    long fill() {
        Path filler = mountPoint.resolve(FILLER);
        try (FileChannel channel = FileChannel.open(filler, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.APPEND)) {
            for (int chunk = 1 << 20; chunk >= 512; chunk >>= 1) {
                ByteBuffer zeros = ByteBuffer.allocate(chunk);
                try {
                    while (true) {
                        zeros.clear();
                        channel.write(zeros);
                    }
                } catch (IOException full) {
                    if (!String.valueOf(full.getMessage()).contains("No space left")) {
                        throw full;
                    }
                }
            }
            return channel.size();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot fill " + mountPoint, e);
        }
    }

    /** Deletes the filler, giving back what {@link #fill()} took. */
    void free() {
        try {
            Files.deleteIfExists(mountPoint.resolve(FILLER));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    boolean isFull() {
        return Files.exists(mountPoint.resolve(FILLER));
    }

    /** Unmounts the file system; its content is gone. Lazily if something still holds it open. */
    void unmount() {
        if (!HostCommand.attempt("umount", mountPoint.toString()).ok()) {
            HostCommand.run("umount", "-l", mountPoint.toString());
        }
    }

    @Override
    public String toString() {
        return "tmpfs " + (sizeBytes >> 20) + " MiB at " + mountPoint;
    }
}
