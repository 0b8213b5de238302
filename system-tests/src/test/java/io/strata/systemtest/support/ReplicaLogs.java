package io.strata.systemtest.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.OptionalLong;
import java.util.TreeMap;
import java.util.stream.Stream;

import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.record.internal.FileLogInputStream.FileChannelRecordBatch;
import org.apache.kafka.common.record.internal.FileRecords;
import org.apache.kafka.common.record.internal.Record;

/**
 * A partition's records as each replica holds them on disk, read with Kafka's own record classes from
 * {@code <dataDir>/logs/<topic>-<partition>/<20-digit base offset>.log}. Read only from stopped nodes: a running
 * node may be appending or truncating.
 */
public final class ReplicaLogs {
    public static final String HIGH_WATERMARK_CHECKPOINT = "replication-offset-checkpoint";

    private ReplicaLogs() {
    }

    /**
     * Bytes of a partition's segment files in a node's data directory (0 without any); safe on a running node, where
     * segments come and go: a file deleted while it is measured counts 0.
     */
    public static long localLogBytes(Path dataDir, TopicPartition tp) {
        Path dir = dataDir.resolve("logs").resolve(tp.topic() + "-" + tp.partition());
        if (!Files.isDirectory(dir)) {
            return 0;
        }
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(p -> p.getFileName().toString().endsWith(".log")).mapToLong(p -> {
                try {
                    return Files.size(p);
                } catch (IOException e) {
                    return 0;
                }
            }).sum();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** One record as stored: the leader epoch is that of the batch it is in. */
    public record StoredRecord(long offset, byte[] key, byte[] value, int leaderEpoch) {
        boolean sameAs(StoredRecord other) {
            return Arrays.equals(key, other.key) && Arrays.equals(value, other.value) && leaderEpoch == other.leaderEpoch;
        }

        @Override
        public String toString() {
            return "[key " + text(key) + ", value " + text(value) + ", epoch " + leaderEpoch + "]";
        }
    }

    /**
     * One replica's copy of a partition.
     *
     * @param problems anything unreadable (e.g. a torn batch at the end of a segment), so a comparison is not
     *                 silently made over less than the whole file
     */
    public record Replica(int nodeId, Path dir, NavigableMap<Long, StoredRecord> records, List<String> problems) {
        /** One past the last offset held; 0 for an empty or missing log. */
        public long logEndOffset() {
            return records.isEmpty() ? 0 : records.lastKey() + 1;
        }

        public long logStartOffset() {
            return records.isEmpty() ? 0 : records.firstKey();
        }

        @Override
        public String toString() {
            return "replica on node " + nodeId + " (" + records.size() + " records, offsets " + logStartOffset() + ".."
                    + (logEndOffset() - 1) + (problems.isEmpty() ? "" : ", problems " + problems) + ")";
        }
    }

    /** Reads the partition's segments under {@code dataDir}; a missing directory is an empty replica. */
    public static Replica read(int nodeId, Path dataDir, String topic, int partition) {
        Path dir = partitionDir(dataDir, topic, partition);
        NavigableMap<Long, StoredRecord> records = new TreeMap<>();
        List<String> problems = new ArrayList<>();
        if (!Files.isDirectory(dir)) {
            return new Replica(nodeId, dir, records, problems);
        }
        List<Path> segments;
        try (Stream<Path> files = Files.list(dir)) {
            segments = files.filter(p -> p.getFileName().toString().matches("\\d{20}\\.log")).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        for (Path segment : segments) {
            try (FileRecords file = FileRecords.open(segment.toFile(), false, true, 0, false)) {
                for (FileChannelRecordBatch batch : file.batches()) {
                    if (batch.isControlBatch()) {
                        continue;
                    }
                    for (Record r : batch) {
                        StoredRecord stored = new StoredRecord(r.offset(), bytes(r.key()), bytes(r.value()),
                                batch.partitionLeaderEpoch());
                        StoredRecord before = records.put(r.offset(), stored);
                        if (before != null) {
                            problems.add("offset " + r.offset() + " stored twice: " + before + " and " + stored);
                        }
                    }
                }
            } catch (IOException | RuntimeException e) {
                problems.add(segment.getFileName() + ": " + e);
            }
        }
        return new Replica(nodeId, dir, records, problems);
    }

    public static Path partitionDir(Path dataDir, String topic, int partition) {
        return dataDir.resolve("logs").resolve(topic + "-" + partition);
    }

    /**
     * Every offset present on both replicas, below the smaller log end offset, must name the same record (key,
     * value and leader epoch: replicas hold byte-identical batches). Returns every mismatch, empty when they agree.
     */
    public static List<String> sameRecordsBelow(Replica a, Replica b) {
        List<String> mismatches = new ArrayList<>();
        long end = Math.min(a.logEndOffset(), b.logEndOffset());
        for (Map.Entry<Long, StoredRecord> e : a.records().headMap(end, false).entrySet()) {
            StoredRecord other = b.records().get(e.getKey());
            if (other != null && !e.getValue().sameAs(other)) {
                mismatches.add("offset " + e.getKey() + ": node " + a.nodeId() + " has " + e.getValue() + ", node "
                        + b.nodeId() + " has " + other);
            }
        }
        return mismatches;
    }

    /** {@link #sameRecordsBelow} over every pair, plus anything a replica could not read. */
    public static List<String> disagreements(List<Replica> replicas) {
        List<String> all = new ArrayList<>();
        for (Replica r : replicas) {
            r.problems().forEach(p -> all.add("node " + r.nodeId() + ": " + p));
        }
        for (int i = 0; i < replicas.size(); i++) {
            for (int j = i + 1; j < replicas.size(); j++) {
                all.addAll(sameRecordsBelow(replicas.get(i), replicas.get(j)));
            }
        }
        return all;
    }

    /**
     * The high watermark a node checkpointed for the partition (Kafka's checkpoint format: version 0, entry count,
     * then "topic partition offset" lines), or empty when the file or the entry is absent.
     */
    public static OptionalLong checkpointedHighWatermark(Path dataDir, String topic, int partition) {
        Path file = dataDir.resolve("logs").resolve(HIGH_WATERMARK_CHECKPOINT);
        if (!Files.isRegularFile(file)) {
            return OptionalLong.empty();
        }
        try {
            List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
            for (String line : lines.subList(Math.min(2, lines.size()), lines.size())) {
                String[] parts = line.trim().split("\\s+");
                if (parts.length == 3 && parts[0].equals(topic) && parts[1].equals(Integer.toString(partition))) {
                    return OptionalLong.of(Long.parseLong(parts[2]));
                }
            }
            return OptionalLong.empty();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static byte[] bytes(ByteBuffer buffer) {
        if (buffer == null) {
            return null;
        }
        byte[] out = new byte[buffer.remaining()];
        buffer.duplicate().get(out);
        return out;
    }

    static String text(byte[] bytes) {
        if (bytes == null) {
            return "null";
        }
        String s = new String(bytes, StandardCharsets.UTF_8);
        return '"' + (s.length() > 60 ? s.substring(0, 60) + "..." : s) + '"';
    }
}
