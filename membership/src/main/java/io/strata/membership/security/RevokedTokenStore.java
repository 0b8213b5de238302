package io.strata.membership.security;

import com.hazelcast.map.IMap;
import io.strata.membership.hazelcast.KeyChangeListener;
import io.strata.membership.cluster.WriteQuorum;
import io.strata.membership.durable.ByteReader;
import io.strata.membership.durable.ByteWriter;

import java.util.Collections;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Revoked bearer tokens of HTTP clients (devices): a durable Hazelcast map written through to the metadata
 * store like the ACLs, so a revocation holds on every node and across restarts. An entry revokes either one
 * token, by its {@code jti} claim (key {@code jti:<id>}), or every token of a subject issued up to the moment of
 * revocation (key {@code sub:<subject>}), so a device whose key leaked is locked out and can be given a new token
 * later. The value is the revocation time.
 *
 * <p>Checks read a local copy kept current by a map listener (as {@link AclStore} does), so an HTTP request is
 * checked without a network round trip. Writes are refused on a minority side ({@link WriteQuorum}).
 *
 * <p>Thread-safe. Value format 1: {@code u8 1 | i64 revokedAtMillis}.
 */
public final class RevokedTokenStore implements AutoCloseable {

    private static final int FORMAT = 1;
    private static final String JTI = "jti:";
    private static final String SUBJECT = "sub:";

    private final IMap<String, byte[]> map;
    private final WriteQuorum quorum;
    private final Map<String, Long> local = new ConcurrentHashMap<>();
    private final Object refreshLock = new Object();
    private final UUID listenerId;

    public RevokedTokenStore(IMap<String, byte[]> map, WriteQuorum quorum) {
        this.map = map;
        this.quorum = quorum;
        // Listen first, then read everything: a change made in between is read again by its event.
        this.listenerId = map.addEntryListener(new KeyChangeListener(this::refresh, this::refreshAll), false);
        for (String key : map.keySet()) {
            refresh(key);
        }
    }

    /** Revokes the token with this {@code jti}. */
    public void revokeTokenId(String jti, long nowMillis) {
        put(JTI + require(jti, "jti"), nowMillis);
    }

    /** Revokes every token of the subject issued at or before {@code nowMillis}. */
    public void revokeSubject(String subject, long nowMillis) {
        put(SUBJECT + require(subject, "subject"), nowMillis);
    }

    /** Lifts a revocation; returns whether there was one. {@code kind} is {@code jti} or {@code subject}. */
    public boolean remove(String kind, String value) {
        String key = ("subject".equals(kind) ? SUBJECT : JTI) + value;
        quorum.check();
        boolean removed = map.remove(key) != null;
        quorum.confirmWritten();
        refresh(key);
        return removed;
    }

    /**
     * Whether a token is revoked: its {@code jti} is listed, or its subject is listed with a revocation time at
     * or after the token's issue time (a token without {@code iat} counts as issued before any revocation).
     *
     * @param issuedAtSeconds the token's {@code iat}, or 0 when it has none
     */
    public boolean isRevoked(String jti, String subject, long issuedAtSeconds) {
        if (jti != null && local.containsKey(JTI + jti)) {
            return true;
        }
        Long subjectRevokedAt = subject == null ? null : local.get(SUBJECT + subject);
        return subjectRevokedAt != null && issuedAtSeconds * 1000 <= subjectRevokedAt;
    }

    /** Every revocation as {@code jti:<id>} or {@code sub:<subject>} to its time in milliseconds, sorted. */
    public Map<String, Long> revocations() {
        return Collections.unmodifiableMap(new TreeMap<>(local));
    }

    @Override
    public void close() {
        try {
            map.removeEntryListener(listenerId);
        } catch (RuntimeException e) {
            // the member is already gone: nothing left to stop
        }
    }

    private void put(String key, long nowMillis) {
        quorum.check();
        map.put(key, new ByteWriter().writeByte(FORMAT).writeLong(nowMillis).toByteArray());
        quorum.confirmWritten();
        refresh(key); // enforced by this node's next request at once
    }

    private static String require(String value, String what) {
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException("A revocation needs a non-empty " + what);
        }
        return value;
    }

    /** Re-reads one entry; serialized so that an older read never overwrites a newer one. */
    private void refresh(String key) {
        synchronized (refreshLock) {
            byte[] value = map.get(key);
            if (value == null) {
                local.remove(key);
            } else {
                ByteReader r = new ByteReader(value).expectVersion(FORMAT, "token revocation");
                long at = r.readLong();
                r.expectEnd();
                local.put(key, at);
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
}
