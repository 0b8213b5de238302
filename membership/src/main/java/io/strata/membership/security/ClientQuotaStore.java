package io.strata.membership.security;

import com.hazelcast.map.IMap;
import io.strata.membership.hazelcast.KeyChangeListener;
import io.strata.membership.cluster.WriteQuorum;
import io.strata.membership.durable.ByteReader;
import io.strata.membership.durable.ByteWriter;
import org.apache.kafka.common.quota.ClientQuotaEntity;

import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The cluster's client quotas (Kafka's {@code producer_byte_rate}, {@code consumer_byte_rate},
 * {@code request_percentage}, ...) by quota entity: a user, a client id, or a user and a client id, each either
 * named or the {@code <default>} one (a {@link ClientQuotaEntity} whose entry maps the type to {@code null}).
 * A durable Hazelcast map written through to the metadata store like the ACLs, so quotas survive restarts and are
 * the same on every node.
 *
 * <p>Each change is a compare-and-set on the entity's entry, retried until it lands, so two admins changing
 * different keys of one entity at once both land; writes are refused on a minority side ({@link WriteQuorum}).
 *
 * <p>Quota enforcement reads a local copy ({@link #quotas()}), kept current by a map listener that re-reads a
 * changed entry, so no request waits on the network; listeners added with {@link #onChange} run after each
 * change of the copy (on Hazelcast event threads, or the writer's thread for this node's own changes).
 *
 * <p>Thread-safe. Keys: {@code user=<name>} and/or {@code client-id=<name>} joined by {@code /}, names
 * URL-encoded and {@code <default>} for the default entity (an encoded name never contains {@code <}).
 * Value format 1: {@code u8 1 | i32 count | count x (key, i64 IEEE-754 bits of the value)}.
 */
public final class ClientQuotaStore implements AutoCloseable {

    private static final int FORMAT = 1;
    private static final String DEFAULT = "<default>";
    /** The entity types a stored entity may have, in key order. */
    private static final List<String> TYPES = List.of(ClientQuotaEntity.USER, ClientQuotaEntity.CLIENT_ID);

    private final IMap<String, byte[]> map;
    private final WriteQuorum quorum;
    private final Map<ClientQuotaEntity, Map<String, Double>> local = new ConcurrentHashMap<>();
    private final List<Runnable> changeListeners = new CopyOnWriteArrayList<>();
    private final Object refreshLock = new Object();
    private final UUID listenerId;

    public ClientQuotaStore(IMap<String, byte[]> map, WriteQuorum quorum) {
        this.map = map;
        this.quorum = quorum;
        // Listen first, then read everything: a change made in between is read again by its event.
        this.listenerId = map.addEntryListener(new KeyChangeListener(this::refresh, this::refreshAll), false);
        for (String key : map.keySet()) {
            refresh(key);
        }
    }

    /** Every entity's quotas as this node sees them (its local copy, unmodifiable); never blocks on the network. */
    public Map<ClientQuotaEntity, Map<String, Double>> quotas() {
        return Collections.unmodifiableMap(local);
    }

    /** The quotas stored in the map now (a cluster read, not the local copy). */
    public Map<ClientQuotaEntity, Map<String, Double>> storedQuotas() {
        Map<ClientQuotaEntity, Map<String, Double>> out = new HashMap<>();
        for (Map.Entry<String, byte[]> e : map.entrySet()) {
            out.put(entityOf(e.getKey()), decode(e.getValue()));
        }
        return out;
    }

    /** Runs {@code listener} after every change of the local copy; it must return quickly. */
    public void onChange(Runnable listener) {
        changeListeners.add(listener);
    }

    /**
     * Sets and removes quota keys of one entity in one compare-and-set; an entity left without keys is removed.
     *
     * @param set    keys to set to these values
     * @param remove keys to remove (a key in both is set)
     * @throws IllegalArgumentException for an entity with other types than user and client-id, or none
     */
    public void alter(ClientQuotaEntity entity, Map<String, Double> set, Set<String> remove) {
        String key = keyOf(entity);
        while (true) {
            byte[] current = map.get(key);
            Map<String, Double> next = new TreeMap<>(decode(current));
            remove.forEach(next::remove);
            next.putAll(set);
            byte[] encoded = next.isEmpty() ? null : encode(next);
            if (current == null && encoded == null) {
                return;
            }
            quorum.check();
            boolean done;
            if (current == null) {
                done = map.putIfAbsent(key, encoded) == null;
            } else if (encoded == null) {
                done = map.remove(key, current);
            } else {
                done = Arrays.equals(current, encoded) || map.replace(key, current, encoded);
            }
            if (done) {
                quorum.confirmWritten();
                refresh(key); // this node's own change applies to its next request at once
                return;
            }
        }
    }

    @Override
    public void close() {
        try {
            map.removeEntryListener(listenerId);
        } catch (RuntimeException e) {
            // the member is already gone: nothing left to stop
        }
    }

    /** Re-reads one entry into the local copy; serialized so an older read never overwrites a newer one. */
    private void refresh(String key) {
        synchronized (refreshLock) {
            ClientQuotaEntity entity = entityOf(key);
            byte[] value = map.get(key);
            if (value == null) {
                local.remove(entity);
            } else {
                local.put(entity, Collections.unmodifiableMap(decode(value)));
            }
        }
        changed();
    }

    private void refreshAll() {
        synchronized (refreshLock) {
            local.clear();
            for (String key : map.keySet()) {
                byte[] value = map.get(key);
                if (value != null) {
                    local.put(entityOf(key), Collections.unmodifiableMap(decode(value)));
                }
            }
        }
        changed();
    }

    private void changed() {
        for (Runnable listener : changeListeners) {
            listener.run();
        }
    }

    static String keyOf(ClientQuotaEntity entity) {
        Map<String, String> entries = entity.entries();
        if (entries.isEmpty() || !TYPES.containsAll(entries.keySet())) {
            throw new IllegalArgumentException("A stored quota entity is a user, a client-id or both: " + entity);
        }
        StringBuilder key = new StringBuilder();
        for (String type : TYPES) {
            if (entries.containsKey(type)) {
                String name = entries.get(type);
                key.append(key.isEmpty() ? "" : "/").append(type).append('=')
                        .append(name == null ? DEFAULT : URLEncoder.encode(name, StandardCharsets.UTF_8));
            }
        }
        return key.toString();
    }

    static ClientQuotaEntity entityOf(String key) {
        Map<String, String> entries = new LinkedHashMap<>();
        for (String part : key.split("/")) {
            int eq = part.indexOf('=');
            String value = part.substring(eq + 1);
            entries.put(part.substring(0, eq), DEFAULT.equals(value) ? null : URLDecoder.decode(value, StandardCharsets.UTF_8));
        }
        return new ClientQuotaEntity(entries);
    }

    static byte[] encode(Map<String, Double> quotas) {
        ByteWriter w = new ByteWriter().writeByte(FORMAT).writeInt(quotas.size());
        quotas.forEach((k, v) -> w.writeString(k).writeLong(Double.doubleToLongBits(v)));
        return w.toByteArray();
    }

    static Map<String, Double> decode(byte[] value) {
        Map<String, Double> out = new TreeMap<>();
        if (value == null) {
            return out;
        }
        ByteReader r = new ByteReader(value).expectVersion(FORMAT, "client quotas");
        int count = r.readCount(10);
        for (int i = 0; i < count; i++) {
            out.put(r.readString(), Double.longBitsToDouble(r.readLong()));
        }
        r.expectEnd();
        return out;
    }
}
