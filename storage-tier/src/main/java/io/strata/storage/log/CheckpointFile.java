package io.strata.storage.log;

import org.apache.kafka.common.TopicPartition;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Kafka's per-log-directory offset checkpoint files ({@code recovery-point-offset-checkpoint},
 * {@code log-start-offset-checkpoint}, {@code replication-offset-checkpoint}), in Kafka's text format:
 * <pre>
 * 0                      version
 * N                      number of entries
 * topic partition offset N lines
 * </pre>
 * Also the atomic file replacement every checkpoint in this package uses: write a temporary file,
 * fsync it, rename it over the target, fsync the directory.
 *
 * <p>Thread-safety: stateless; callers serialise writes to the same file.
 */
final class CheckpointFile {

    private CheckpointFile() {
    }

    /** Reads a checkpoint; an absent file is empty. */
    static Map<TopicPartition, Long> read(Path file) throws IOException {
        Map<TopicPartition, Long> result = new HashMap<>();
        if (!Files.exists(file)) {
            return result;
        }
        List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        try {
            if (lines.size() < 2 || Integer.parseInt(lines.get(0).trim()) != 0) {
                throw new IOException("Unsupported checkpoint file " + file);
            }
            int count = Integer.parseInt(lines.get(1).trim());
            if (lines.size() < 2 + count) {
                throw new IOException("Checkpoint file " + file + " is truncated");
            }
            for (int i = 0; i < count; i++) {
                String line = lines.get(2 + i).trim();
                // The topic may not contain spaces, so the last two fields are partition and offset.
                int last = line.lastIndexOf(' ');
                int middle = line.lastIndexOf(' ', last - 1);
                String topic = line.substring(0, middle);
                int partition = Integer.parseInt(line.substring(middle + 1, last));
                long offset = Long.parseLong(line.substring(last + 1));
                result.put(new TopicPartition(topic, partition), offset);
            }
        } catch (NumberFormatException | StringIndexOutOfBoundsException e) {
            throw new IOException("Malformed checkpoint file " + file, e);
        }
        return result;
    }

    /** Replaces the checkpoint with {@code offsets}. */
    static void write(Path file, Map<TopicPartition, Long> offsets) throws IOException {
        StringBuilder sb = new StringBuilder(32 + offsets.size() * 40);
        sb.append("0\n").append(offsets.size()).append('\n');
        offsets.forEach((tp, offset) ->
                sb.append(tp.topic()).append(' ').append(tp.partition()).append(' ').append(offset).append('\n'));
        writeAtomically(file, sb.toString());
    }

    /** Temporary file, fsync, atomic rename, directory fsync: a crash leaves the old or the new content. */
    static void writeAtomically(Path file, String content) throws IOException {
        writeAtomically(file, ByteBuffer.wrap(content.getBytes(StandardCharsets.UTF_8)));
    }

    static void writeAtomically(Path file, ByteBuffer content) throws IOException {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            while (content.hasRemaining()) {
                ch.write(content);
            }
            ch.force(true);
        }
        try {
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
        }
        fsyncDirectory(file.getParent());
    }

    /** Makes a rename or a file creation in {@code dir} durable. */
    static void fsyncDirectory(Path dir) {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        } catch (IOException e) {
            // Some platforms cannot open directories; the rename itself has still happened.
        }
    }
}
