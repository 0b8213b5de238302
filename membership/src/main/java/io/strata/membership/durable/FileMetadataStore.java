package io.strata.membership.durable;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Stream;

/**
 * A {@link MetadataStore} in a directory. All members of a cluster point at the same directory,
 * which is fine on one machine (tests, a single-host deployment) and on a shared POSIX file system;
 * in production use shared storage such as the object store instead (see {@link MetadataStore}).
 *
 * <p><b>Layout.</b> Key {@code namespace/name} lives in {@code <dir>/<namespace>/<file>}, where
 * {@code <file>} is the escaped name ({@link MetadataKeys}). Names whose escaped form exceeds 180
 * characters are stored as {@code ~<sha-256 hex>} instead. Temporary files start with a dot and are
 * never keys. The file system must be case-sensitive (topic names are).
 *
 * <p><b>File content</b>: {@link MetadataKeys#frame}, so every file names its own key (needed for
 * hashed names, and handy when inspecting the directory).
 *
 * <p><b>Durability and atomicity.</b> A write goes to a uniquely named temporary file that is fsynced
 * and then renamed over the target ({@link #put}) or hard-linked to it ({@link #putIfAbsent}, which
 * fails atomically when the target exists, also against other processes); the directory is fsynced
 * afterwards. Readers see either the old or the new value, never a torn one.
 */
public final class FileMetadataStore implements MetadataStore {

    private static final int MAX_ESCAPED_LENGTH = 180;

    private final Path root;

    public FileMetadataStore(Path root) {
        this.root = root.toAbsolutePath();
        try {
            Files.createDirectories(this.root);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot create metadata directory " + this.root, e);
        }
    }

    public Path directory() {
        return root;
    }

    @Override
    public Optional<byte[]> get(String key) {
        Path file = fileFor(key);
        byte[] content;
        try {
            content = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read " + file, e);
        }
        // The embedded key also guards against a hash collision of two long names: never a wrong value.
        return Optional.of(MetadataKeys.unframe(key, content, file));
    }

    @Override
    public void put(String key, byte[] value) {
        Path target = fileFor(key);
        Path tmp = writeTemp(target, key, value);
        try {
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            fsyncDirectory(target.getParent());
        } catch (IOException e) {
            deleteQuietly(tmp);
            throw new UncheckedIOException("Cannot write " + target, e);
        }
    }

    @Override
    public boolean putIfAbsent(String key, byte[] value) {
        Path target = fileFor(key);
        Path tmp = writeTemp(target, key, value);
        try {
            Files.createLink(target, tmp);
            fsyncDirectory(target.getParent());
            return true;
        } catch (FileAlreadyExistsException e) {
            return false;
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot create " + target, e);
        } finally {
            deleteQuietly(tmp);
        }
    }

    @Override
    public void delete(String key) {
        Path file = fileFor(key);
        try {
            if (Files.deleteIfExists(file)) {
                fsyncDirectory(file.getParent());
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot delete " + file, e);
        }
    }

    @Override
    public Set<String> keys(String prefix) {
        Set<String> keys = new HashSet<>();
        int slash = prefix.indexOf('/');
        if (slash >= 0) {
            collect(root.resolve(prefix.substring(0, slash)), prefix.substring(0, slash), prefix, keys);
        } else {
            try (Stream<Path> dirs = Files.list(root)) {
                for (Path dir : (Iterable<Path>) dirs::iterator) {
                    String ns = dir.getFileName().toString();
                    if (Files.isDirectory(dir) && ns.startsWith(prefix) && MetadataKeys.isNamespace(ns)) {
                        collect(dir, ns, prefix, keys);
                    }
                }
            } catch (IOException e) {
                throw new UncheckedIOException("Cannot list " + root, e);
            }
        }
        return keys;
    }

    private void collect(Path dir, String namespace, String prefix, Set<String> into) {
        if (!Files.isDirectory(dir)) {
            return;
        }
        try (Stream<Path> files = Files.list(dir)) {
            for (Path file : (Iterable<Path>) files::iterator) {
                String fileName = file.getFileName().toString();
                if (fileName.startsWith(".")) {
                    continue; // a temporary file of a write in progress (or of one that crashed)
                }
                String key;
                if (fileName.startsWith("~")) {
                    try {
                        key = MetadataKeys.readKey(ByteBuffer.wrap(Files.readAllBytes(file)), file);
                    } catch (NoSuchFileException e) {
                        continue; // deleted meanwhile
                    }
                } else {
                    key = namespace + "/" + MetadataKeys.unescape(fileName);
                }
                if (key.startsWith(prefix)) {
                    into.add(key);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot list " + dir, e);
        }
    }

    private Path fileFor(String key) {
        String namespace = MetadataKeys.namespace(key);
        String escaped = MetadataKeys.escapedName(key);
        if (escaped.length() > MAX_ESCAPED_LENGTH) {
            escaped = "~" + sha256(key);
        }
        return root.resolve(namespace).resolve(escaped);
    }

    private static Path writeTemp(Path target, String key, byte[] value) {
        ByteBuffer content = MetadataKeys.frame(key, value);
        Path tmp = target.resolveSibling("." + UUID.randomUUID() + ".tmp");
        try {
            Files.createDirectories(target.getParent());
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                while (content.hasRemaining()) {
                    ch.write(content);
                }
                ch.force(true);
            }
            return tmp;
        } catch (IOException e) {
            deleteQuietly(tmp);
            throw new UncheckedIOException("Cannot write " + tmp, e);
        }
    }

    private static String sha256(String key) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void fsyncDirectory(Path dir) {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        } catch (IOException e) {
            // Some file systems refuse to open directories; the rename is still atomic there.
        }
    }

    private static void deleteQuietly(Path file) {
        try {
            Files.deleteIfExists(file);
        } catch (IOException ignored) {
            // best effort: a leftover temporary file is ignored by readers
        }
    }

    @Override
    public String toString() {
        return "FileMetadataStore[" + root + "]";
    }
}
