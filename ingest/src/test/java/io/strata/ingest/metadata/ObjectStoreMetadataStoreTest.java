package io.strata.ingest.metadata;

import io.strata.membership.durable.CorruptMetadataException;
import io.strata.storage.remote.EmbeddedS3Proxy;
import io.strata.storage.remote.ObjectStore;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The metadata store contract against a real S3Proxy. */
class ObjectStoreMetadataStoreTest {

    private static EmbeddedS3Proxy proxy;
    private static ObjectStore objects;

    @BeforeAll
    static void start() throws Exception {
        proxy = EmbeddedS3Proxy.start(Files.createTempDirectory("strata-metadata"), 0);
        objects = new ObjectStore(proxy.clientConfig("metadata"));
        objects.ensureBucket();
    }

    @AfterAll
    static void stop() throws Exception {
        objects.close();
        proxy.close();
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void putGetOverwriteDeleteAndList() {
        ObjectStoreMetadataStore store = new ObjectStoreMetadataStore(objects, "c1/cluster-metadata/");
        assertThat(store.get("topics/a")).isEmpty();
        store.put("topics/a", bytes("1"));
        store.put("topics/b", bytes("2"));
        store.put("offsets/group one/é/x.y", bytes("3"));
        store.put("offsets/.hidden", bytes("4"));
        store.put("topics/a", bytes("11"));
        assertThat(store.get("topics/a")).hasValueSatisfying(v -> assertThat(v).isEqualTo(bytes("11")));
        assertThat(store.get("offsets/group one/é/x.y")).hasValueSatisfying(v -> assertThat(v).isEqualTo(bytes("3")));
        assertThat(store.keys("topics/")).containsExactlyInAnyOrder("topics/a", "topics/b");
        assertThat(store.keys("")).containsExactlyInAnyOrder("topics/a", "topics/b", "offsets/group one/é/x.y",
                "offsets/.hidden");
        assertThat(store.keys("offsets/group")).containsExactly("offsets/group one/é/x.y");
        store.delete("topics/a");
        store.delete("topics/never");
        assertThat(store.get("topics/a")).isEmpty();
        assertThat(store.keys("topics/")).containsExactly("topics/b");
        assertThatThrownBy(() -> store.put("no-namespace", bytes("x"))).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void objectsItDidNotWriteAreNeitherKeysNorValues() {
        ObjectStoreMetadataStore store = new ObjectStoreMetadataStore(objects, "c2/cluster-metadata");
        store.put("topics/real", bytes("v"));
        // What an interrupted upload or another tool might leave next to the keys.
        objects.putBytes("c2/cluster-metadata/topics/.s3proxy-tmp-123", bytes("partial"));
        objects.putBytes("c2/cluster-metadata/topics/with space", bytes("x"));
        objects.putBytes("c2/cluster-metadata/topics/a/b", bytes("x"));
        assertThat(store.keys("topics/")).containsExactly("topics/real");
        // A value stored under another key's object is refused, not returned.
        objects.putBytes("c2/cluster-metadata/topics/other", objects.get("c2/cluster-metadata/topics/real").orElseThrow());
        assertThatThrownBy(() -> store.get("topics/other")).isInstanceOf(CorruptMetadataException.class);
    }

    @Test
    void putIfAbsentHasExactlyOneWinnerAcrossWriters() throws Exception {
        ObjectStoreMetadataStore store = new ObjectStoreMetadataStore(objects, "c3/cluster-metadata/");
        int writers = 4;
        CyclicBarrier barrier = new CyclicBarrier(writers);
        ExecutorService pool = Executors.newFixedThreadPool(writers);
        try {
            List<Future<Boolean>> results = new ArrayList<>();
            for (int i = 0; i < writers; i++) {
                String value = "writer-" + i;
                results.add(pool.submit(() -> {
                    barrier.await();
                    return store.putIfAbsent("cluster/id", bytes(value));
                }));
            }
            int winners = 0;
            String winner = null;
            for (int i = 0; i < writers; i++) {
                if (results.get(i).get()) {
                    winners++;
                    winner = "writer-" + i;
                }
            }
            assertThat(winners).isEqualTo(1);
            assertThat(new String(store.get("cluster/id").orElseThrow(), StandardCharsets.UTF_8)).isEqualTo(winner);
            assertThat(store.putIfAbsent("cluster/id", bytes("late"))).isFalse();
        } finally {
            pool.shutdownNow();
        }
    }
}
