package io.strata.ingest.group.consumer;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Spreads all subscribed partitions evenly over the members, sticky: a partition stays with its
 * previous owner while that keeps the balance. With identical subscriptions every member ends with
 * {@code floor(P/N)} or {@code ceil(P/N)} partitions; with different subscriptions a partition only
 * goes to a member subscribed to its topic and the counts are levelled as far as subscriptions allow.
 */
public final class UniformAssignor implements PartitionAssignor {

    public static final String NAME = "uniform";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Map<String, Map<String, Set<Integer>>> assign(Map<String, Set<String>> subscriptions,
                                                        Map<String, Integer> partitionCounts,
                                                        Map<String, Map<String, Set<Integer>>> previous) {
        Map<String, List<TopicPartitionRef>> owned = new TreeMap<>();
        subscriptions.keySet().forEach(m -> owned.put(m, new ArrayList<>()));
        if (owned.isEmpty()) {
            return Map.of();
        }
        // Every partition of a subscribed topic, in a fixed order.
        List<TopicPartitionRef> all = new ArrayList<>();
        new TreeSet<>(subscriptions.values().stream().flatMap(Set::stream).filter(partitionCounts::containsKey)
                .toList()).forEach(topic -> {
                    for (int p = 0; p < partitionCounts.get(topic); p++) {
                        all.add(new TopicPartitionRef(topic, p));
                    }
                });
        int quota = (int) Math.ceil(all.size() / (double) owned.size());
        // 1. Keep previous owners where still subscribed and within the quota.
        Map<TopicPartitionRef, String> owner = new HashMap<>();
        for (Map.Entry<String, List<TopicPartitionRef>> e : owned.entrySet()) {
            Map<String, Set<Integer>> before = previous.getOrDefault(e.getKey(), Map.of());
            Set<String> topics = subscriptions.get(e.getKey());
            before.forEach((topic, partitions) -> {
                if (!topics.contains(topic) || !partitionCounts.containsKey(topic)) {
                    return;
                }
                for (int p : partitions) {
                    TopicPartitionRef tp = new TopicPartitionRef(topic, p);
                    if (p < partitionCounts.get(topic) && !owner.containsKey(tp) && e.getValue().size() < quota) {
                        owner.put(tp, e.getKey());
                        e.getValue().add(tp);
                    }
                }
            });
        }
        // 2. Give each unowned partition to the least loaded subscribed member.
        for (TopicPartitionRef tp : all) {
            if (owner.containsKey(tp)) {
                continue;
            }
            String best = leastLoaded(owned, subscriptions, tp.topic());
            if (best != null) {
                owner.put(tp, best);
                owned.get(best).add(tp);
            }
        }
        // 3. Level: move partitions from the most to the least loaded member while that narrows the gap.
        boolean moved = true;
        while (moved) {
            moved = false;
            List<String> byLoad = new ArrayList<>(owned.keySet());
            byLoad.sort(Comparator.comparingInt((String m) -> owned.get(m).size()).reversed()
                    .thenComparing(Comparator.naturalOrder()));
            outer:
            for (String heavy : byLoad) {
                for (int i = byLoad.size() - 1; i >= 0; i--) {
                    String light = byLoad.get(i);
                    if (owned.get(heavy).size() - owned.get(light).size() <= 1) {
                        continue;
                    }
                    List<TopicPartitionRef> heavyOwned = owned.get(heavy);
                    for (int k = heavyOwned.size() - 1; k >= 0; k--) {
                        TopicPartitionRef tp = heavyOwned.get(k);
                        if (subscriptions.get(light).contains(tp.topic())) {
                            heavyOwned.remove(k);
                            owned.get(light).add(tp);
                            moved = true;
                            break outer;
                        }
                    }
                }
            }
        }
        Map<String, Map<String, Set<Integer>>> result = new TreeMap<>();
        owned.forEach((member, tps) -> {
            Map<String, Set<Integer>> byTopic = new TreeMap<>();
            tps.forEach(tp -> byTopic.computeIfAbsent(tp.topic(), k -> new TreeSet<>()).add(tp.partition()));
            result.put(member, byTopic);
        });
        return result;
    }

    private static String leastLoaded(Map<String, List<TopicPartitionRef>> owned, Map<String, Set<String>> subscriptions,
                                      String topic) {
        String best = null;
        for (Map.Entry<String, List<TopicPartitionRef>> e : owned.entrySet()) {
            if (subscriptions.get(e.getKey()).contains(topic)
                    && (best == null || e.getValue().size() < owned.get(best).size())) {
                best = e.getKey();
            }
        }
        return best;
    }

    private record TopicPartitionRef(String topic, int partition) {
    }
}
