package io.strata.membership.security;

import com.hazelcast.map.IMap;
import io.strata.membership.cluster.WriteQuorum;
import io.strata.membership.durable.ByteReader;
import io.strata.membership.durable.ByteWriter;

import java.util.Arrays;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.UnaryOperator;

/**
 * The SCRAM credentials of the cluster's users: a durable Hazelcast map (user name to all of that user's
 * credentials, one per mechanism), written through to the metadata store like topics and offsets, so
 * credentials survive restarts and are the same on every node.
 *
 * <p>Writes are compare-and-set loops on the user's entry (two admins changing one user's mechanisms
 * at once both land) and are refused on a minority side ({@link WriteQuorum}). Thread-safe.
 *
 * <p>Value format 1: {@code u8 1 | i32 count | count x (mechanism, i32 iterations, salt, storedKey,
 * serverKey)}, strings length-prefixed UTF-8, byte arrays as base64 strings.
 */
public final class ScramCredentialStore {

    private static final int FORMAT = 1;

    private final IMap<String, byte[]> map;
    private final WriteQuorum quorum;

    public ScramCredentialStore(IMap<String, byte[]> map, WriteQuorum quorum) {
        this.map = map;
        this.quorum = quorum;
    }

    /** The user's credentials by mechanism; empty for an unknown user. */
    public Map<String, StoredScramCredential> credentials(String user) {
        return decode(map.get(user));
    }

    /** Users with at least one credential, sorted. */
    public Set<String> users() {
        return new TreeSet<>(map.keySet());
    }

    /** Adds or replaces the user's credential of {@code credential.mechanism()}. */
    public void upsert(String user, StoredScramCredential credential) {
        update(user, current -> {
            Map<String, StoredScramCredential> next = new LinkedHashMap<>(current);
            next.put(credential.mechanism(), credential);
            return next;
        });
    }

    /** Adds the credential only when the user has none of that mechanism; returns whether it was added. */
    public boolean addIfAbsent(String user, StoredScramCredential credential) {
        boolean[] added = {false};
        update(user, current -> {
            if (current.containsKey(credential.mechanism())) {
                added[0] = false;
                return current;
            }
            Map<String, StoredScramCredential> next = new LinkedHashMap<>(current);
            next.put(credential.mechanism(), credential);
            added[0] = true;
            return next;
        });
        return added[0];
    }

    /** Removes the user's credential of a mechanism; returns whether there was one. */
    public boolean delete(String user, String mechanism) {
        boolean[] removed = {false};
        update(user, current -> {
            removed[0] = current.containsKey(mechanism);
            Map<String, StoredScramCredential> next = new LinkedHashMap<>(current);
            next.remove(mechanism);
            return next;
        });
        return removed[0];
    }

    private void update(String user, UnaryOperator<Map<String, StoredScramCredential>> change) {
        while (true) {
            byte[] current = map.get(user);
            Map<String, StoredScramCredential> next = change.apply(decode(current));
            byte[] encoded = next.isEmpty() ? null : encode(next);
            quorum.check();
            boolean done;
            if (current == null) {
                done = encoded == null || map.putIfAbsent(user, encoded) == null;
            } else if (encoded == null) {
                done = map.remove(user, current);
            } else {
                done = Arrays.equals(current, encoded) || map.replace(user, current, encoded);
            }
            if (done) {
                quorum.confirmWritten();
                return;
            }
        }
    }

    static byte[] encode(Map<String, StoredScramCredential> credentials) {
        Base64.Encoder b64 = Base64.getEncoder();
        ByteWriter w = new ByteWriter().writeByte(FORMAT).writeInt(credentials.size());
        for (StoredScramCredential c : credentials.values()) {
            w.writeString(c.mechanism()).writeInt(c.iterations()).writeString(b64.encodeToString(c.salt()))
                    .writeString(b64.encodeToString(c.storedKey())).writeString(b64.encodeToString(c.serverKey()));
        }
        return w.toByteArray();
    }

    static Map<String, StoredScramCredential> decode(byte[] value) {
        Map<String, StoredScramCredential> out = new LinkedHashMap<>();
        if (value == null) {
            return out;
        }
        Base64.Decoder b64 = Base64.getDecoder();
        ByteReader r = new ByteReader(value).expectVersion(FORMAT, "SCRAM credentials");
        int count = r.readCount(4);
        for (int i = 0; i < count; i++) {
            String mechanism = r.readString();
            int iterations = r.readInt();
            out.put(mechanism, new StoredScramCredential(mechanism, b64.decode(r.readString()),
                    b64.decode(r.readString()), b64.decode(r.readString()), iterations));
        }
        r.expectEnd();
        return out;
    }
}
