package io.strata.membership.local;

import io.strata.membership.cluster.ProducerIdAllocator;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * Producer ids for a single node, reserved in blocks so that only one durable write is needed per
 * {@value #BLOCK_SIZE} ids.
 *
 * <p>File format: {@code producer-id-block}, the decimal first id of the next unreserved block. A
 * block is reserved (the file advanced and fsynced) before any id of it is handed out, so a crash
 * skips at most the rest of a block and never repeats an id.
 */
public final class FileProducerIdAllocator implements ProducerIdAllocator {

    static final int BLOCK_SIZE = 1000;

    private final Path file;
    private long next;
    private long blockEnd;

    public FileProducerIdAllocator(Path dir) {
        try {
            Files.createDirectories(dir);
            this.file = dir.resolve("producer-id-block");
            long start = Files.exists(file)
                    ? Long.parseLong(Files.readString(file, StandardCharsets.UTF_8).trim())
                    : 0L;
            this.next = start;
            this.blockEnd = start;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public synchronized long nextProducerId() {
        if (next >= blockEnd) {
            blockEnd = next + BLOCK_SIZE;
            DurableFiles.write(file, Long.toString(blockEnd).getBytes(StandardCharsets.UTF_8));
        }
        return next++;
    }
}
