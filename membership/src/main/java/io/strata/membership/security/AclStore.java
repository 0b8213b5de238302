package io.strata.membership.security;

import com.hazelcast.map.IMap;
import io.strata.membership.hazelcast.KeyChangeListener;
import io.strata.membership.cluster.WriteQuorum;
import io.strata.membership.durable.ByteReader;
import io.strata.membership.durable.ByteWriter;
import org.apache.kafka.common.acl.AccessControlEntry;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclBindingFilter;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourceType;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.UnaryOperator;

/**
 * The cluster's access control lists: a durable Hazelcast map from a resource pattern (type, pattern type,
 * name) to every ACL entry on that pattern, written through to the metadata store like the SCRAM
 * credentials, so ACLs survive restarts and are the same on every node.
 *
 * <p>Each change is a compare-and-set on the one entry of its resource pattern, retried until it lands:
 * removing one ACL of a resource rewrites the pattern's set without that ACL and keeps every other one,
 * and two nodes adding and removing ACLs of one resource at once both land (Kafka lost a DENY in exactly
 * that situation, CVE-2024-27309). Writes are refused on a minority side ({@link WriteQuorum}).
 *
 * <p>Authorization reads a local copy of the whole map ({@link #bindings()}), kept current by a map listener
 * that re-reads a changed entry from the map, so every check runs without a network round trip; a change
 * made on another node is seen here within the event delivery time (milliseconds on a LAN).
 *
 * <p>Thread-safe. Value format 1: {@code u8 1 | i32 count | count x (principal, host, operation, permission)},
 * strings length-prefixed UTF-8, operation and permission by their Kafka enum names.
 */
public final class AclStore implements AutoCloseable {

    private static final int FORMAT = 1;

    private final IMap<String, byte[]> map;
    private final WriteQuorum quorum;
    private final Map<ResourcePattern, Set<AccessControlEntry>> local = new ConcurrentHashMap<>();
    private final Object refreshLock = new Object();
    private final UUID listenerId;

    public AclStore(IMap<String, byte[]> map, WriteQuorum quorum) {
        this.map = map;
        this.quorum = quorum;
        // Listen first, then read everything: a change made in between is read again by its event.
        this.listenerId = map.addEntryListener(new KeyChangeListener(this::refresh, this::refreshAll), false);
        for (String key : map.keySet()) {
            refresh(key);
        }
    }

    /** Every ACL of the cluster as this node sees it (its local copy); never blocks on the network. */
    public List<AclBinding> bindings() {
        List<AclBinding> out = new ArrayList<>();
        local.forEach((pattern, entries) -> entries.forEach(e -> out.add(new AclBinding(pattern, e))));
        return out;
    }

    /** The local copy by resource pattern (unmodifiable sets); for the authorizer's lookups. */
    public Map<ResourcePattern, Set<AccessControlEntry>> byPattern() {
        return java.util.Collections.unmodifiableMap(local);
    }

    /** The ACLs stored in the map now (a cluster read, not the local copy). */
    public List<AclBinding> storedBindings() {
        List<AclBinding> out = new ArrayList<>();
        for (Map.Entry<String, byte[]> e : map.entrySet()) {
            ResourcePattern pattern = patternOf(e.getKey());
            decode(e.getValue()).forEach(ace -> out.add(new AclBinding(pattern, ace)));
        }
        return out;
    }

    /**
     * Adds an ACL; returns whether it was new (an identical ACL is kept once).
     *
     * @throws IllegalArgumentException for a binding with an unknown or filter-only field (ANY, MATCH, UNKNOWN)
     */
    public boolean add(AclBinding binding) {
        validate(binding);
        boolean[] added = {false};
        update(binding.pattern(), current -> {
            Set<AccessControlEntry> next = new LinkedHashSet<>(current);
            added[0] = next.add(binding.entry());
            return next;
        });
        return added[0];
    }

    /** Removes every ACL the filter matches, each pattern's set by compare-and-set; returns the removed ones. */
    public List<AclBinding> remove(AclBindingFilter filter) {
        List<AclBinding> removed = new ArrayList<>();
        for (String key : map.keySet()) {
            ResourcePattern pattern = patternOf(key);
            if (!filter.patternFilter().matches(pattern)) {
                continue;
            }
            List<AclBinding> removedHere = new ArrayList<>();
            update(pattern, current -> {
                removedHere.clear();
                Set<AccessControlEntry> next = new LinkedHashSet<>();
                for (AccessControlEntry e : current) {
                    if (filter.entryFilter().matches(e)) {
                        removedHere.add(new AclBinding(pattern, e));
                    } else {
                        next.add(e);
                    }
                }
                return next;
            });
            removed.addAll(removedHere);
        }
        return removed;
    }

    @Override
    public void close() {
        try {
            map.removeEntryListener(listenerId);
        } catch (RuntimeException e) {
            // the member is already gone: nothing left to stop
        }
    }

    private void update(ResourcePattern pattern, UnaryOperator<Set<AccessControlEntry>> change) {
        String key = keyOf(pattern);
        while (true) {
            byte[] current = map.get(key);
            Set<AccessControlEntry> next = change.apply(decode(current));
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
                refresh(key); // this node's own change is visible to its next check at once
                return;
            }
        }
    }

    /** Re-reads one entry into the local copy; serialized so an older read never overwrites a newer one. */
    private void refresh(String key) {
        synchronized (refreshLock) {
            ResourcePattern pattern = patternOf(key);
            byte[] value = map.get(key);
            if (value == null) {
                local.remove(pattern);
            } else {
                local.put(pattern, java.util.Collections.unmodifiableSet(decode(value)));
            }
        }
    }

    private void refreshAll() {
        synchronized (refreshLock) {
            local.clear();
            for (String key : map.keySet()) {
                refresh(key);
            }
        }
    }

    private static void validate(AclBinding binding) {
        if (binding.isUnknown()) {
            throw new IllegalArgumentException("ACL binding has an unknown field: " + binding);
        }
        ResourcePattern p = binding.pattern();
        if (p.resourceType() == ResourceType.ANY || (p.patternType() != PatternType.LITERAL
                && p.patternType() != PatternType.PREFIXED)) {
            throw new IllegalArgumentException("An ACL needs a concrete resource type and a LITERAL or PREFIXED pattern: " + p);
        }
        AccessControlEntry e = binding.entry();
        if (e.operation() == AclOperation.ANY || e.permissionType() == AclPermissionType.ANY
                || e.principal() == null || e.host() == null) {
            throw new IllegalArgumentException("An ACL needs a concrete principal, host, operation and permission: " + e);
        }
    }

    static String keyOf(ResourcePattern pattern) {
        return pattern.resourceType().name() + ":" + pattern.patternType().name() + ":" + pattern.name();
    }

    static ResourcePattern patternOf(String key) {
        int first = key.indexOf(':');
        int second = key.indexOf(':', first + 1);
        return new ResourcePattern(ResourceType.valueOf(key.substring(0, first)),
                key.substring(second + 1), PatternType.valueOf(key.substring(first + 1, second)));
    }

    static byte[] encode(Collection<AccessControlEntry> entries) {
        ByteWriter w = new ByteWriter().writeByte(FORMAT).writeInt(entries.size());
        for (AccessControlEntry e : entries) {
            w.writeString(e.principal()).writeString(e.host()).writeString(e.operation().name())
                    .writeString(e.permissionType().name());
        }
        return w.toByteArray();
    }

    static Set<AccessControlEntry> decode(byte[] value) {
        Set<AccessControlEntry> out = new LinkedHashSet<>();
        if (value == null) {
            return out;
        }
        ByteReader r = new ByteReader(value).expectVersion(FORMAT, "ACLs");
        int count = r.readCount(4);
        for (int i = 0; i < count; i++) {
            out.add(new AccessControlEntry(r.readString(), r.readString(), AclOperation.valueOf(r.readString()),
                    AclPermissionType.valueOf(r.readString())));
        }
        r.expectEnd();
        return out;
    }
}
