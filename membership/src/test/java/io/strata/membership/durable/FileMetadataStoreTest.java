package io.strata.membership.durable;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class FileMetadataStoreTest {

    @TempDir
    Path dir;

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void putGetOverwriteDeleteAndList() {
        FileMetadataStore store = new FileMetadataStore(dir);
        assertThat(store.get("topics/a")).isEmpty();
        store.put("topics/a", bytes("1"));
        store.put("topics/b", bytes("2"));
        store.put("partitions/a-0", bytes("3"));
        store.put("topics/a", bytes("11"));
        assertThat(store.get("topics/a")).hasValueSatisfying(v -> assertThat(v).isEqualTo(bytes("11")));
        assertThat(store.keys("topics/")).containsExactlyInAnyOrder("topics/a", "topics/b");
        assertThat(store.keys("")).containsExactlyInAnyOrder("topics/a", "topics/b", "partitions/a-0");
        assertThat(store.keys("topics/b")).containsExactly("topics/b");
        store.delete("topics/a");
        store.delete("topics/never-existed");
        assertThat(store.get("topics/a")).isEmpty();
        assertThat(store.keys("topics/")).containsExactly("topics/b");
        assertThat(store.get("partitions/a-0")).isPresent();
        store.put("topics/empty", new byte[0]);
        assertThat(store.get("topics/empty")).hasValueSatisfying(v -> assertThat(v).isEmpty());
    }

    @Test
    void anyNameRoundTripsIncludingLongOnes() throws Exception {
        FileMetadataStore store = new FileMetadataStore(dir);
        List<String> names = List.of("group with spaces/and:odd*chars", ".hidden", "..", "%41", "ünïcødé-组",
                "x".repeat(300), "a.b_c-D", "~tilde");
        for (String n : names) {
            store.put("group-offsets/" + n, bytes(n));
        }
        FileMetadataStore other = new FileMetadataStore(dir); // another member sharing the directory
        assertThat(other.keys("group-offsets/")).hasSize(names.size());
        for (String n : names) {
            assertThat(other.keys("group-offsets/")).contains("group-offsets/" + n);
            assertThat(other.get("group-offsets/" + n)).hasValueSatisfying(v -> assertThat(v).isEqualTo(bytes(n)));
        }
        try (Stream<Path> files = Files.list(dir.resolve("group-offsets"))) {
            assertThat(files.map(f -> f.getFileName().toString()))
                    .allSatisfy(f -> assertThat(f.length()).isLessThanOrEqualTo(181))
                    .noneMatch(f -> f.startsWith("."));
        }
        Files.writeString(dir.resolve("group-offsets").resolve(".leftover.tmp"), "partial");
        assertThat(other.keys("group-offsets/")).hasSize(names.size());
    }

    @Test
    void putIfAbsentHasExactlyOneWinnerAmongConcurrentWriters() throws Exception {
        int writers = 6;
        ExecutorService pool = Executors.newFixedThreadPool(writers);
        try {
            for (int round = 0; round < 5; round++) {
                String key = "cluster/id-" + round;
                CyclicBarrier barrier = new CyclicBarrier(writers);
                List<Future<Boolean>> results = new ArrayList<>();
                for (int w = 0; w < writers; w++) {
                    FileMetadataStore store = new FileMetadataStore(dir);
                    byte[] value = bytes("writer-" + w);
                    results.add(pool.submit(() -> {
                        barrier.await();
                        return store.putIfAbsent(key, value);
                    }));
                }
                int won = 0;
                for (Future<Boolean> f : results) {
                    won += f.get() ? 1 : 0;
                }
                assertThat(won).isEqualTo(1);
                assertThat(new String(new FileMetadataStore(dir).get(key).orElseThrow(), StandardCharsets.UTF_8)).startsWith("writer-");
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void rejectsKeysWithoutNamespace() {
        FileMetadataStore store = new FileMetadataStore(dir);
        assertThatThrownBy(() -> store.put("no-namespace", bytes("x"))).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> store.put("Bad/x", bytes("x"))).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> store.get("topics/")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void escapingIsReversible() {
        for (String s : List.of("plain", "with space", "a/b", "%", ".dot", "a.dot", "ü", "\u0000x")) {
            assertThat(MetadataKeys.unescape(MetadataKeys.escape(s))).isEqualTo(s);
            assertThat(MetadataKeys.escape(s)).doesNotContain("/").doesNotStartWith(".");
        }
    }
}
