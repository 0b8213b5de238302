package io.strata.membership.cluster;

import io.strata.membership.durable.FileMetadataStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class NodeIdAllocatorTest {

    @TempDir
    Path dir;

    @Test
    void aMachineGetsItsIdBackAndAnotherGetsTheNextOne() {
        FileMetadataStore store = new FileMetadataStore(dir);
        int first = NodeIdAllocator.claim(store, "i-0aaa");
        int second = NodeIdAllocator.claim(store, "i-0bbb");
        assertEquals(NodeIdAllocator.RESERVED_MAX + 1, first);
        assertEquals(NodeIdAllocator.RESERVED_MAX + 2, second);
        // The same machine, e.g. after its data directory was lost, gets the same id, also through a new store object.
        assertEquals(first, NodeIdAllocator.claim(new FileMetadataStore(dir), "i-0aaa"));
        assertEquals("i-0bbb", NodeIdAllocator.claimantOf(store, second).orElseThrow());
    }

    @Test
    void aClaimInterruptedAfterTakingTheIdIsCompletedOnTheNextStart() {
        FileMetadataStore store = new FileMetadataStore(dir);
        store.putIfAbsent(NodeIdAllocator.IDS + (NodeIdAllocator.RESERVED_MAX + 1), "i-0ccc".getBytes(StandardCharsets.UTF_8));
        assertEquals(NodeIdAllocator.RESERVED_MAX + 2, NodeIdAllocator.claim(store, "i-0ddd"));
        assertEquals(NodeIdAllocator.RESERVED_MAX + 1, NodeIdAllocator.claim(store, "i-0ccc"));
    }

    @Test
    void concurrentStartersGetDistinctIds() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<Integer>> claims = new ArrayList<>();
            for (int i = 0; i < 16; i++) {
                String name = "host-" + i;
                Callable<Integer> claim = () -> NodeIdAllocator.claim(new FileMetadataStore(dir), name);
                claims.add(pool.submit(claim));
            }
            Set<Integer> ids = new HashSet<>();
            for (Future<Integer> f : claims) {
                ids.add(f.get());
            }
            assertEquals(16, ids.size(), "ids " + ids);
            assertNotEquals(0, ids.stream().mapToInt(Integer::intValue).min().orElseThrow());
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void aBlankNameIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> NodeIdAllocator.claim(new FileMetadataStore(dir), " "));
    }
}
