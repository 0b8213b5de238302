package io.strata.storage.log;

import org.apache.kafka.common.Uuid;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Kafka's {@code partition.metadata} file, which ties a partition directory to its topic id:
 * <pre>
 * version: 0
 * topic_id: &lt;base64 topic id&gt;
 * </pre>
 * Written atomically. Thread-safety: stateless.
 */
final class PartitionMetadataFile {

    static final String FILE_NAME = "partition.metadata";

    private PartitionMetadataFile() {
    }

    static Optional<Uuid> read(Path dir) throws IOException {
        Path file = dir.resolve(FILE_NAME);
        if (!Files.exists(file)) {
            return Optional.empty();
        }
        String version = null;
        String topicId = null;
        for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
            int colon = line.indexOf(':');
            if (colon < 0) {
                continue;
            }
            String key = line.substring(0, colon).trim();
            String value = line.substring(colon + 1).trim();
            if (key.equals("version")) {
                version = value;
            } else if (key.equals("topic_id")) {
                topicId = value;
            }
        }
        if (!"0".equals(version) || topicId == null) {
            throw new IOException("Malformed partition metadata file " + file);
        }
        try {
            return Optional.of(Uuid.fromString(topicId));
        } catch (IllegalArgumentException e) {
            throw new IOException("Malformed topic id in " + file, e);
        }
    }

    static void write(Path dir, Uuid topicId) throws IOException {
        CheckpointFile.writeAtomically(dir.resolve(FILE_NAME), "version: 0\ntopic_id: " + topicId + "\n");
    }
}
