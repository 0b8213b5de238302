package io.strata.ingest.group;

import io.strata.ingest.group.consumer.RangeAssignor;
import io.strata.ingest.group.consumer.UniformAssignor;
import org.junit.jupiter.api.Test;

import java.util.HashSet;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

class AssignorTest {

    @Test
    void uniformIsBalancedCompleteAndSticky() {
        UniformAssignor uniform = new UniformAssignor();
        Map<String, Integer> counts = Map.of("t", 7, "u", 3);
        Map<String, Set<String>> three = Map.of("a", Set.of("t", "u"), "b", Set.of("t", "u"), "c", Set.of("t", "u"));
        var first = uniform.assign(three, counts, Map.of());
        assertBalancedAndComplete(first, 10);

        Map<String, Set<String>> four = new java.util.HashMap<>(three);
        four.put("d", Set.of("t", "u"));
        var second = uniform.assign(four, counts, first);
        assertBalancedAndComplete(second, 10);
        int kept = 0;
        for (String m : three.keySet()) {
            for (var e : second.get(m).entrySet()) {
                for (int p : e.getValue()) {
                    if (first.get(m).getOrDefault(e.getKey(), Set.of()).contains(p)) {
                        kept++;
                    }
                }
            }
        }
        assertThat(kept).as("partitions that stayed put").isGreaterThanOrEqualTo(7);
    }

    @Test
    void uniformRespectsDifferentSubscriptions() {
        var result = new UniformAssignor().assign(Map.of("a", Set.of("t"), "b", Set.of("t", "u")),
                Map.of("t", 4, "u", 4), Map.of());
        assertThat(result.get("a").keySet()).containsOnly("t");
        assertThat(result.get("b").get("u")).hasSize(4);
        int total = result.values().stream().mapToInt(m -> m.values().stream().mapToInt(Set::size).sum()).sum();
        assertThat(total).isEqualTo(8);
    }

    @Test
    void rangeGivesContiguousRanges() {
        var result = new RangeAssignor().assign(Map.of("a", Set.of("t"), "b", Set.of("t")), Map.of("t", 5), Map.of());
        assertThat(result.get("a")).isEqualTo(Map.of("t", Set.of(0, 1, 2)));
        assertThat(result.get("b")).isEqualTo(Map.of("t", Set.of(3, 4)));
    }

    private static void assertBalancedAndComplete(Map<String, Map<String, Set<Integer>>> assignment, int total) {
        Set<String> seen = new HashSet<>();
        int min = Integer.MAX_VALUE;
        int max = 0;
        for (var member : assignment.values()) {
            int n = 0;
            for (var e : member.entrySet()) {
                for (int p : e.getValue()) {
                    assertThat(seen.add(e.getKey() + "-" + p)).as("assigned once: %s-%d", e.getKey(), p).isTrue();
                    n++;
                }
            }
            min = Math.min(min, n);
            max = Math.max(max, n);
        }
        assertThat(seen).hasSize(total);
        assertThat(max - min).isLessThanOrEqualTo(1);
    }
}
