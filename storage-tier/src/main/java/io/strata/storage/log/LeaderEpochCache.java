package io.strata.storage.log;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;

/**
 * Which leader epoch started at which offset, persisted as Kafka's {@code leader-epoch-checkpoint}:
 * <pre>
 * 0                 version
 * N                 number of entries
 * epoch startOffset N lines, ascending
 * </pre>
 * The file is replaced atomically (temporary file, fsync, rename, directory fsync).
 *
 * <p>Invariants: epochs and start offsets both strictly increase from entry to entry.
 *
 * <p>Thread-safety: mutations are serialised by the owning log (its append lock) and are also
 * synchronized here; readers ({@link #endOffsetFor}, {@link #latestEpoch}, {@link #epochForOffset})
 * take no lock and see an immutable snapshot through a volatile reference.
 */
final class LeaderEpochCache {

    static final String FILE_NAME = "leader-epoch-checkpoint";

    /** One entry: {@code epoch} was the leader epoch from {@code startOffset} on. */
    record EpochEntry(int epoch, long startOffset) {
    }

    private final Path file;
    private volatile List<EpochEntry> entries;

    private LeaderEpochCache(Path file, List<EpochEntry> entries) {
        this.file = file;
        this.entries = List.copyOf(entries);
    }

    /** Loads the checkpoint in {@code dir}, or starts empty when there is none. */
    static LeaderEpochCache load(Path dir) throws IOException {
        Path file = dir.resolve(FILE_NAME);
        List<EpochEntry> entries = new ArrayList<>();
        if (Files.exists(file)) {
            List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
            try {
                if (lines.size() < 2 || Integer.parseInt(lines.get(0).trim()) != 0) {
                    throw new IOException("Unsupported leader epoch checkpoint " + file);
                }
                int count = Integer.parseInt(lines.get(1).trim());
                if (lines.size() < 2 + count) {
                    throw new IOException("Leader epoch checkpoint " + file + " is truncated");
                }
                for (int i = 0; i < count; i++) {
                    String[] parts = lines.get(2 + i).trim().split("\\s+");
                    entries.add(new EpochEntry(Integer.parseInt(parts[0]), Long.parseLong(parts[1])));
                }
            } catch (NumberFormatException | ArrayIndexOutOfBoundsException e) {
                throw new IOException("Malformed leader epoch checkpoint " + file, e);
            }
        }
        LeaderEpochCache cache = new LeaderEpochCache(file, List.of());
        for (EpochEntry e : entries) {
            cache.assign(e.epoch(), e.startOffset());
        }
        return cache;
    }

    List<EpochEntry> entries() {
        return entries;
    }

    OptionalInt latestEpoch() {
        List<EpochEntry> current = entries;
        return current.isEmpty() ? OptionalInt.empty() : OptionalInt.of(current.get(current.size() - 1).epoch());
    }

    /**
     * Records that {@code epoch} starts at {@code startOffset}, Kafka's rule: nothing changes when it
     * is the latest epoch already starting at or before that offset; otherwise entries that would
     * break monotonicity (an epoch not below it, or a start offset not below it) are dropped first.
     *
     * @return true when the cache changed (the caller then persists it)
     */
    synchronized boolean assign(int epoch, long startOffset) {
        if (epoch < 0 || startOffset < 0) {
            return false;
        }
        List<EpochEntry> current = entries;
        if (!current.isEmpty()) {
            EpochEntry last = current.get(current.size() - 1);
            if (last.epoch() == epoch && last.startOffset() <= startOffset) {
                return false;
            }
        }
        List<EpochEntry> updated = new ArrayList<>(current.size() + 1);
        for (EpochEntry e : current) {
            if (e.epoch() < epoch && e.startOffset() < startOffset) {
                updated.add(e);
            }
        }
        updated.add(new EpochEntry(epoch, startOffset));
        entries = List.copyOf(updated);
        return true;
    }

    /** Drops entries starting at or after {@code endOffset} (log truncated to that end). */
    synchronized boolean truncateFromEnd(long endOffset) {
        List<EpochEntry> current = entries;
        List<EpochEntry> kept = current.stream().filter(e -> e.startOffset() < endOffset).toList();
        if (kept.size() == current.size()) {
            return false;
        }
        entries = kept;
        return true;
    }

    /**
     * Forgets epochs that ended before {@code startOffset} (log start advanced); the epoch in force
     * at the new start keeps an entry, moved up to the new start offset.
     */
    synchronized boolean truncateFromStart(long startOffset) {
        List<EpochEntry> current = entries;
        int keepFrom = -1;
        for (int i = 0; i < current.size(); i++) {
            if (current.get(i).startOffset() <= startOffset) {
                keepFrom = i;
            }
        }
        if (keepFrom < 0 || current.get(keepFrom).startOffset() == startOffset && keepFrom == 0) {
            return false;
        }
        List<EpochEntry> updated = new ArrayList<>(current.subList(keepFrom, current.size()));
        updated.set(0, new EpochEntry(updated.get(0).epoch(), startOffset));
        entries = List.copyOf(updated);
        return true;
    }

    /** The epoch of the batch holding {@code offset}, when known. */
    OptionalInt epochForOffset(long offset) {
        List<EpochEntry> current = entries;
        for (int i = current.size() - 1; i >= 0; i--) {
            if (current.get(i).startOffset() <= offset) {
                return OptionalInt.of(current.get(i).epoch());
            }
        }
        return OptionalInt.empty();
    }

    /**
     * OffsetForLeaderEpoch: the largest epoch not above {@code requested} and the start offset of the
     * next epoch, or {@code logEndOffset} when it is the latest. UNDEFINED when {@code requested} is
     * below the first known epoch, above the latest one, or the cache is empty.
     */
    EpochEndOffset endOffsetFor(int requested, long logEndOffset) {
        List<EpochEntry> current = entries;
        if (requested < 0 || current.isEmpty()) {
            return EpochEndOffset.UNDEFINED;
        }
        EpochEntry last = current.get(current.size() - 1);
        if (requested == last.epoch()) {
            return new EpochEndOffset(requested, logEndOffset);
        }
        if (requested > last.epoch() || requested < current.get(0).epoch()) {
            return EpochEndOffset.UNDEFINED;
        }
        for (int i = current.size() - 2; i >= 0; i--) {
            if (current.get(i).epoch() <= requested) {
                return new EpochEndOffset(current.get(i).epoch(), current.get(i + 1).startOffset());
            }
        }
        return EpochEndOffset.UNDEFINED;
    }

    /** Writes the checkpoint file atomically. */
    synchronized void persist() throws IOException {
        List<EpochEntry> current = entries;
        StringBuilder sb = new StringBuilder(16 + current.size() * 24);
        sb.append("0\n").append(current.size()).append('\n');
        for (EpochEntry e : current) {
            sb.append(e.epoch()).append(' ').append(e.startOffset()).append('\n');
        }
        CheckpointFile.writeAtomically(file, sb.toString());
    }
}
