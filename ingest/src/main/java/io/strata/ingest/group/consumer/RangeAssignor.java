package io.strata.ingest.group.consumer;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Range assignment per topic: the members subscribed to a topic, in member-id order, each get a
 * contiguous range of its partitions; the first {@code partitions % members} get one more. Members
 * subscribed to the same topics get the same partition numbers of each (co-partitioning).
 */
public final class RangeAssignor implements PartitionAssignor {

    public static final String NAME = "range";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Map<String, Map<String, Set<Integer>>> assign(Map<String, Set<String>> subscriptions,
                                                        Map<String, Integer> partitionCounts,
                                                        Map<String, Map<String, Set<Integer>>> previous) {
        Map<String, Map<String, Set<Integer>>> result = new TreeMap<>();
        subscriptions.keySet().forEach(m -> result.put(m, new TreeMap<>()));
        Map<String, List<String>> subscribers = new TreeMap<>();
        subscriptions.forEach((member, topics) -> topics.forEach(t -> {
            if (partitionCounts.containsKey(t)) {
                subscribers.computeIfAbsent(t, k -> new ArrayList<>()).add(member);
            }
        }));
        subscribers.forEach((topic, members) -> {
            members.sort(null);
            int partitions = partitionCounts.get(topic);
            int per = partitions / members.size();
            int extra = partitions % members.size();
            int next = 0;
            for (int i = 0; i < members.size(); i++) {
                int count = per + (i < extra ? 1 : 0);
                if (count == 0) {
                    continue;
                }
                Set<Integer> range = new TreeSet<>();
                for (int p = next; p < next + count; p++) {
                    range.add(p);
                }
                next += count;
                result.get(members.get(i)).put(topic, range);
            }
        });
        return result;
    }
}
