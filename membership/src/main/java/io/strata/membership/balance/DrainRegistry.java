package io.strata.membership.balance;

import com.hazelcast.core.EntryEvent;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.IMap;
import com.hazelcast.map.listener.EntryAddedListener;
import com.hazelcast.map.listener.EntryRemovedListener;
import com.hazelcast.map.listener.EntryUpdatedListener;

import java.util.HashMap;
import java.util.Map;
import java.util.UUID;

/**
 * The nodes told to leave the cluster: node id → whether the node stops by itself once it hosts no
 * replica. The controller's {@link ClusterBalancer} moves every replica off a draining node and never
 * onto one. Kept in a Hazelcast map (in memory, one backup): a drain is an instruction for the running
 * cluster, not metadata that must survive a full restart; a node removes its own entry when it starts,
 * so an id that comes back is not drained again. Thread-safe.
 */
public final class DrainRegistry {

    /** The Hazelcast map holding the draining nodes. */
    public static final String MAP = "strata-draining-nodes";

    private final IMap<Integer, Boolean> map;

    public DrainRegistry(HazelcastInstance hz) {
        this.map = hz.getMap(MAP);
    }

    /** Marks a node as draining; {@code stopWhenDrained}: the node exits once it hosts no replica. */
    public void drain(int nodeId, boolean stopWhenDrained) {
        map.put(nodeId, stopWhenDrained);
    }

    /** Ends a drain (a node that starts calls this for itself). */
    public void cancel(int nodeId) {
        map.remove(nodeId);
    }

    public boolean isDraining(int nodeId) {
        return map.containsKey(nodeId);
    }

    /** Whether the node was told to stop once drained (false when it is not draining). */
    public boolean stopsWhenDrained(int nodeId) {
        return Boolean.TRUE.equals(map.get(nodeId));
    }

    /** Draining node ids → stop when drained. */
    public Map<Integer, Boolean> draining() {
        return new HashMap<>(map);
    }

    /** Calls {@code onChange} (on a Hazelcast event thread) whenever a drain starts, changes or ends. */
    public UUID addListener(Runnable onChange) {
        class Listener implements EntryAddedListener<Integer, Boolean>, EntryUpdatedListener<Integer, Boolean>,
                EntryRemovedListener<Integer, Boolean> {
            @Override
            public void entryAdded(EntryEvent<Integer, Boolean> event) {
                onChange.run();
            }

            @Override
            public void entryUpdated(EntryEvent<Integer, Boolean> event) {
                onChange.run();
            }

            @Override
            public void entryRemoved(EntryEvent<Integer, Boolean> event) {
                onChange.run();
            }
        }
        return map.addEntryListener(new Listener(), false);
    }

    public void removeListener(UUID registration) {
        map.removeEntryListener(registration);
    }
}
