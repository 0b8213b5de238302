package io.strata.membership.partition;

import com.hazelcast.map.IMap;
import io.strata.membership.hazelcast.KeyChangeListener;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * This node's copy of every partition state of the cluster, decoded, for the reads that are asked on every
 * client request (Metadata, DescribeTopicPartitions): they are answered from memory without a cluster
 * operation or a decode per partition.
 *
 * <p>Kept current by a {@link KeyChangeListener} on the partition-state map: each entry event names a key that
 * is read again from the map. Every read of the map and its application to the copy happen under one lock, so a
 * later read (never older than an earlier one) always lands last: the copy never goes back. The store calls
 * {@link #refresh} after each of its own writes before it returns, so a node sees its own writes at once
 * (read-your-writes); changes made on other members are seen once their events arrive (milliseconds). Events
 * are not delivered in two cases, and {@link #refreshAllSoon} (called on every membership change) reads
 * everything again: an owner that crashed after a change reached its backup but before it sent the event, and
 * a member merging back after a network split, which receives the larger side's entries by migration and merge;
 * in case a membership change goes unnoticed too, everything is also read again every
 * {@value #FULL_READ_INTERVAL_SECONDS} seconds.
 *
 * <p>Thread-safe; readers never block.
 */
public final class LocalPartitionStates implements AutoCloseable {

    static final int FULL_READ_INTERVAL_SECONDS = 30;
    private static final Logger LOG = LoggerFactory.getLogger(LocalPartitionStates.class);

    private final IMap<String, byte[]> map;
    private final Map<String, PartitionState> local = new ConcurrentHashMap<>();
    /**
     * The same states by topic and partition index (null where none), for reads of whole topics without a key
     * string and a hash lookup per partition. Written with {@link #local} under the refresh lock.
     */
    private final Map<String, AtomicReferenceArray<PartitionState>> byTopic = new ConcurrentHashMap<>();
    private final Object refreshLock = new Object();
    private final UUID listenerId;
    private final ScheduledExecutorService refresher = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "strata-partition-states");
        t.setDaemon(true);
        return t;
    });
    private final AtomicBoolean refreshAllPending = new AtomicBoolean();

    LocalPartitionStates(IMap<String, byte[]> map) {
        this.map = map;
        // Listen first, then read everything: a change made in between is read again by its event.
        this.listenerId = map.addEntryListener(new KeyChangeListener(this::refresh, this::refreshAll), false);
        refreshAll();
        refresher.scheduleWithFixedDelay(this::refreshAllSoon, FULL_READ_INTERVAL_SECONDS, FULL_READ_INTERVAL_SECONDS,
                TimeUnit.SECONDS);
    }

    /** The state of one partition as this node knows it. */
    public Optional<PartitionState> get(PartitionId partition) {
        return Optional.ofNullable(local.get(partition.key()));
    }

    /** States of partitions {@code 0..partitionCount-1} of a topic (missing ones are absent). */
    public Map<PartitionId, PartitionState> forTopic(String topic, int partitionCount) {
        Map<PartitionId, PartitionState> result = new HashMap<>(Math.max(16, partitionCount * 4 / 3 + 1));
        for (int p = 0; p < partitionCount; p++) {
            PartitionId id = new PartitionId(topic, p);
            PartitionState state = local.get(id.key());
            if (state != null) {
                result.put(id, state);
            }
        }
        return result;
    }

    /**
     * States of partitions {@code 0..partitionCount-1} of a topic, indexed by partition (null where none): the
     * allocation-light form of {@link #forTopic} for the reads every Metadata request makes.
     */
    public PartitionState[] statesOf(String topic, int partitionCount) {
        PartitionState[] result = new PartitionState[partitionCount];
        AtomicReferenceArray<PartitionState> states = byTopic.get(topic);
        if (states != null) {
            for (int p = 0; p < Math.min(partitionCount, states.length()); p++) {
                result[p] = states.get(p);
            }
        }
        return result;
    }

    /** Reads one entry again from the map. */
    void refresh(String key) {
        synchronized (refreshLock) {
            apply(key, map.get(key));
        }
    }

    /** Reads several entries again from the map, in one bulk read. */
    void refresh(Collection<String> keys) {
        if (keys.isEmpty()) {
            return;
        }
        Set<String> wanted = keys instanceof Set<String> s ? s : new HashSet<>(keys);
        synchronized (refreshLock) {
            Map<String, byte[]> values = map.getAll(wanted);
            for (String key : wanted) {
                apply(key, values.get(key));
            }
        }
    }

    /** Reads every entry again (a cleared map, a membership change). */
    void refreshAll() {
        synchronized (refreshLock) {
            Map<String, byte[]> all = new HashMap<>();
            map.entrySet().forEach(e -> all.put(e.getKey(), e.getValue()));
            for (String key : Set.copyOf(local.keySet())) {
                if (!all.containsKey(key)) {
                    apply(key, null);
                }
            }
            all.forEach(this::apply);
        }
    }

    /**
     * Schedules {@link #refreshAll} on this copy's own thread (coalesced), for callers on Hazelcast event threads,
     * which must not wait on cluster reads.
     */
    public void refreshAllSoon() {
        if (refreshAllPending.compareAndSet(false, true)) {
            try {
                refresher.execute(() -> {
                    refreshAllPending.set(false);
                    try {
                        refreshAll();
                    } catch (RuntimeException e) {
                        // shutting down, or the cluster is unreachable: the next membership change reads again
                        LOG.warn("Could not read the partition states again: {}", e.toString());
                    }
                });
            } catch (RejectedExecutionException e) {
                refreshAllPending.set(false); // closed
            }
        }
    }

    private void apply(String key, byte[] value) {
        PartitionState state = value == null ? null : PartitionState.fromBytes(value);
        if (state == null) {
            local.remove(key);
        } else {
            local.put(key, state);
        }
        PartitionId id = PartitionId.fromKey(key);
        AtomicReferenceArray<PartitionState> states = byTopic.get(id.topic());
        if (states == null || states.length() <= id.partition()) {
            if (state == null) {
                return;
            }
            // Grown by copy; readers holding the old array see the states as they were a moment ago.
            int length = Math.max(id.partition() + 1, states == null ? 0 : states.length() * 2);
            AtomicReferenceArray<PartitionState> grown = new AtomicReferenceArray<>(length);
            for (int p = 0; states != null && p < states.length(); p++) {
                grown.set(p, states.get(p));
            }
            byTopic.put(id.topic(), grown);
            states = grown;
        }
        states.set(id.partition(), state);
        if (state == null && isEmpty(states)) {
            byTopic.remove(id.topic(), states); // a deleted topic
        }
    }

    private static boolean isEmpty(AtomicReferenceArray<PartitionState> states) {
        for (int p = 0; p < states.length(); p++) {
            if (states.get(p) != null) {
                return false;
            }
        }
        return true;
    }

    @Override
    public void close() {
        refresher.shutdownNow();
        try {
            map.removeEntryListener(listenerId);
        } catch (RuntimeException e) {
            // the member is shutting down; its listeners go with it
        }
    }
}
