package io.strata.membership.local;

import io.strata.membership.group.CommittedOffset;
import io.strata.membership.partition.PartitionId;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class FileGroupOffsetStoreTest {

    @TempDir
    Path dir;

    @Test
    void commitsSurviveReopeningAndMerge() {
        PartitionId p0 = new PartitionId("orders", 0);
        PartitionId p1 = new PartitionId("orders", 1);
        FileGroupOffsetStore store = new FileGroupOffsetStore(dir);
        store.commit("billing", Map.of(p0, new CommittedOffset(10, 3, "meta", 1000L)));
        store.commit("billing", Map.of(p1, new CommittedOffset(20, -1, null, 2000L)));
        store.commit("billing", Map.of(p0, new CommittedOffset(11, 3, "", 3000L)));

        FileGroupOffsetStore reopened = new FileGroupOffsetStore(dir);
        assertThat(reopened.groups()).containsExactly("billing");
        assertThat(reopened.fetchAll("billing")).containsOnly(
                Map.entry(p0, new CommittedOffset(11, 3, "", 3000L)),
                Map.entry(p1, new CommittedOffset(20, -1, null, 2000L)));
        assertThat(reopened.fetch("billing", p1)).contains(new CommittedOffset(20, -1, null, 2000L));
        assertThat(reopened.fetchAll("unknown")).isEmpty();
    }

    @Test
    void groupIdsOfAnyCharactersAndLengthAreKeptApart() {
        FileGroupOffsetStore store = new FileGroupOffsetStore(dir);
        List<String> ids = List.of("a/b", "a%2Fb", "..", ".hidden", "grüße", "x".repeat(300), "x".repeat(301), "");
        for (int i = 0; i < ids.size(); i++) {
            store.commit(ids.get(i), Map.of(new PartitionId("t", 0), new CommittedOffset(i, -1, null, 0)));
        }
        FileGroupOffsetStore reopened = new FileGroupOffsetStore(dir);
        assertThat(reopened.groups()).containsExactlyInAnyOrderElementsOf(ids);
        for (int i = 0; i < ids.size(); i++) {
            assertThat(reopened.fetch(ids.get(i), new PartitionId("t", 0)).orElseThrow().offset()).isEqualTo(i);
        }
    }

    @Test
    void deletingPartitionsAndGroups() throws Exception {
        PartitionId p0 = new PartitionId("t", 0);
        PartitionId p1 = new PartitionId("t", 1);
        FileGroupOffsetStore store = new FileGroupOffsetStore(dir);
        store.commit("g", Map.of(p0, new CommittedOffset(1, -1, null, 0), p1, new CommittedOffset(2, -1, null, 0)));
        store.delete("g", List.of(p0));
        assertThat(new FileGroupOffsetStore(dir).fetchAll("g")).containsOnlyKeys(p1);
        store.delete("g", List.of(p1));
        assertThat(store.groups()).isEmpty();
        assertThat(new FileGroupOffsetStore(dir).groups()).isEmpty();

        store.commit("h", Map.of(p0, new CommittedOffset(5, -1, null, 0)));
        assertThat(store.deleteGroup("h")).isTrue();
        assertThat(store.deleteGroup("h")).isFalse();
        try (var files = Files.list(dir)) {
            assertThat(files.toList()).isEmpty();
        }
    }
}
