package io.strata.ingest.group;

import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * The groups this coordinator holds in memory, by id. A group id names one group of one type; an
 * empty group gives way to a group of the other type (as Kafka converts empty groups), a group with
 * members does not. Thread-safe.
 */
public final class GroupRegistry {

    private final Map<String, Group> groups = new ConcurrentHashMap<>();

    public Group get(String groupId) {
        return groups.get(groupId);
    }

    public Collection<Group> all() {
        return List.copyOf(groups.values());
    }

    /**
     * The group of the given type, created if absent. Returns null when a group of the other type
     * with members holds the id. The caller locks the returned group and retries if it is dead.
     */
    @SuppressWarnings("unchecked")
    public <T extends Group> T getOrCreate(String groupId, GroupType type, Function<String, T> factory) {
        while (true) {
            Group existing = groups.get(groupId);
            if (existing == null) {
                T created = factory.apply(groupId);
                if (groups.putIfAbsent(groupId, created) == null) {
                    return created;
                }
                continue;
            }
            if (existing.type() == type) {
                return (T) existing;
            }
            synchronized (existing) {
                if (!existing.isDead()) {
                    if (!existing.isEmpty()) {
                        return null;
                    }
                    remove(existing);
                }
            }
        }
    }

    /** Marks the group dead and forgets it. Call with the group's monitor held. */
    public void remove(Group group) {
        group.markDead();
        groups.remove(group.groupId(), group);
    }
}
