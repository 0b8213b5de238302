package io.strata.membership.local;

import io.strata.membership.durable.ByteReader;
import io.strata.membership.durable.ByteWriter;
import io.strata.membership.group.CommittedOffset;
import io.strata.membership.group.GroupOffsetStore;
import io.strata.membership.partition.PartitionId;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Collection;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;

/**
 * A single node's committed consumer offsets, one file per group in a directory of its own.
 *
 * <p>File name: the group id with every character outside {@code [A-Za-z0-9._-]} written as
 * {@code %XX} (UTF-8 bytes), plus {@code .offsets}; ids whose escaped form is too long for a file
 * name use {@code sha256-<hex>.offsets}. The file holds the id itself, so the name is only a key.
 * Format, version 1, big-endian, strings as {@code i32 length | UTF-8} (-1 for null):
 * <pre>
 *   u8 1 | str groupId | i32 count | (str topic | i32 partition | i64 offset | i32 leaderEpoch
 *                                     | str metadata | i64 commitTimestamp) * count
 * </pre>
 * Each commit replaces the group's file atomically and fsyncs it (see {@link DurableFiles}) before
 * returning, so an acknowledged commit survives a crash. Thread-safe; commits of one group are
 * serialised, different groups proceed in parallel.
 */
public final class FileGroupOffsetStore implements GroupOffsetStore {

    private static final String SUFFIX = ".offsets";
    private static final int FORMAT_VERSION = 1;
    private static final int MAX_NAME = 200;

    private final Path dir;
    private final Map<String, Map<PartitionId, CommittedOffset>> groups = new ConcurrentHashMap<>();
    private final Map<String, Object> locks = new ConcurrentHashMap<>();

    public FileGroupOffsetStore(Path dir) {
        this.dir = dir;
        try {
            Files.createDirectories(dir);
            try (Stream<Path> files = Files.list(dir)) {
                for (Path file : (Iterable<Path>) files::iterator) {
                    if (file.getFileName().toString().endsWith(SUFFIX)) {
                        read(file);
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot load group offsets from " + dir, e);
        }
    }

    @Override
    public void commit(String groupId, Map<PartitionId, CommittedOffset> offsets) {
        if (offsets.isEmpty()) {
            return;
        }
        synchronized (lock(groupId)) {
            Map<PartitionId, CommittedOffset> merged = new LinkedHashMap<>(groups.getOrDefault(groupId, Map.of()));
            merged.putAll(offsets);
            write(groupId, merged);
            groups.put(groupId, Map.copyOf(merged));
        }
    }

    @Override
    public Optional<CommittedOffset> fetch(String groupId, PartitionId partition) {
        return Optional.ofNullable(groups.getOrDefault(groupId, Map.of()).get(partition));
    }

    @Override
    public Map<PartitionId, CommittedOffset> fetchAll(String groupId) {
        return new LinkedHashMap<>(groups.getOrDefault(groupId, Map.of()));
    }

    @Override
    public void delete(String groupId, Collection<PartitionId> partitions) {
        if (partitions.isEmpty()) {
            return;
        }
        synchronized (lock(groupId)) {
            Map<PartitionId, CommittedOffset> current = groups.get(groupId);
            if (current == null) {
                return;
            }
            Map<PartitionId, CommittedOffset> remaining = new LinkedHashMap<>(current);
            if (!remaining.keySet().removeAll(partitions)) {
                return;
            }
            if (remaining.isEmpty()) {
                DurableFiles.delete(file(groupId));
                groups.remove(groupId);
            } else {
                write(groupId, remaining);
                groups.put(groupId, Map.copyOf(remaining));
            }
        }
    }

    @Override
    public Set<String> groups() {
        return Set.copyOf(groups.keySet());
    }

    @Override
    public boolean deleteGroup(String groupId) {
        synchronized (lock(groupId)) {
            if (groups.remove(groupId) == null) {
                return false;
            }
            DurableFiles.delete(file(groupId));
            return true;
        }
    }

    private Object lock(String groupId) {
        return locks.computeIfAbsent(groupId, k -> new Object());
    }

    private void write(String groupId, Map<PartitionId, CommittedOffset> offsets) {
        ByteWriter w = new ByteWriter().writeByte(FORMAT_VERSION).writeString(groupId).writeInt(offsets.size());
        offsets.forEach((tp, o) -> w.writeString(tp.topic()).writeInt(tp.partition()).writeLong(o.offset())
                .writeInt(o.leaderEpoch()).writeString(o.metadata()).writeLong(o.commitTimestamp()));
        DurableFiles.write(file(groupId), w.toByteArray());
    }

    private void read(Path file) throws IOException {
        ByteReader r = new ByteReader(Files.readAllBytes(file)).expectVersion(FORMAT_VERSION, "group offsets " + file);
        String groupId = r.readString();
        int n = r.readCount(32);
        Map<PartitionId, CommittedOffset> offsets = new LinkedHashMap<>();
        for (int i = 0; i < n; i++) {
            PartitionId tp = new PartitionId(r.readString(), r.readInt());
            offsets.put(tp, new CommittedOffset(r.readLong(), r.readInt(), r.readString(), r.readLong()));
        }
        r.expectEnd();
        if (!offsets.isEmpty()) {
            groups.put(groupId, Map.copyOf(offsets));
        }
    }

    Path file(String groupId) {
        StringBuilder name = new StringBuilder();
        for (byte b : groupId.getBytes(StandardCharsets.UTF_8)) {
            char c = (char) (b & 0xff);
            if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-'
                    || (c == '.' && name.length() > 0)) {
                name.append(c);
            } else {
                name.append('%').append(HexFormat.of().withUpperCase().toHexDigits(b));
            }
        }
        if (name.length() > MAX_NAME) {
            try {
                byte[] digest = MessageDigest.getInstance("SHA-256").digest(groupId.getBytes(StandardCharsets.UTF_8));
                return dir.resolve("sha256-" + HexFormat.of().formatHex(digest) + SUFFIX);
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException(e);
            }
        }
        return dir.resolve(name + SUFFIX);
    }
}
