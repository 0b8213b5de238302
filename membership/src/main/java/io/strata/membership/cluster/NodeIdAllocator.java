package io.strata.membership.cluster;

import io.strata.membership.durable.MetadataStore;

import java.nio.charset.StandardCharsets;
import java.util.Objects;
import java.util.Optional;

/**
 * Node ids that nobody writes by hand: each machine claims one in the cluster's shared durable metadata store, keyed
 * by a name stable for the machine (the EC2 instance id, or its advertised address), before it joins the cluster.
 * The same machine always gets its id back, also after it lost its data directory; another machine never gets it.
 *
 * <p>Generated ids start above {@value #RESERVED_MAX}, as Kafka's generated broker ids do
 * ({@code reserved.broker.max.id}), so they never collide with ids set by hand. A claim is two records:
 * {@code node-ids/<id>} holding the machine's name, created once ({@link MetadataStore#putIfAbsent}, atomic against
 * every other starter, so two machines racing for one id get different ones), then {@code node-claims/<name>}
 * holding the id, which makes the next start find it at once. A start interrupted between the two finds its name
 * under the id on the next attempt and completes the claim.
 *
 * <p>Stateless and thread-safe; concurrent claims from several processes are safe as far as the store's
 * {@code putIfAbsent} is atomic (the object store's and the file store's are).
 */
public final class NodeIdAllocator {

    /** Generated ids are above this (Kafka's default {@code reserved.broker.max.id}). */
    public static final int RESERVED_MAX = 1000;
    static final String IDS = "node-ids/";
    static final String CLAIMS = "node-claims/";

    private NodeIdAllocator() {
    }

    /**
     * The node id of the machine named {@code claimant}: the one it claimed before, else the lowest free id above
     * {@value #RESERVED_MAX}.
     */
    public static int claim(MetadataStore store, String claimant) {
        Objects.requireNonNull(claimant, "claimant");
        if (claimant.isBlank()) {
            throw new IllegalArgumentException("A node id claim needs the machine's name");
        }
        Optional<byte[]> known = store.get(CLAIMS + claimant);
        if (known.isPresent()) {
            return Integer.parseInt(new String(known.get(), StandardCharsets.UTF_8));
        }
        byte[] name = claimant.getBytes(StandardCharsets.UTF_8);
        int candidate = RESERVED_MAX + 1;
        while (true) {
            String key = IDS + candidate;
            if (store.putIfAbsent(key, name) || store.get(key).map(v -> claimant.equals(
                    new String(v, StandardCharsets.UTF_8))).orElse(false)) {
                store.put(CLAIMS + claimant, Integer.toString(candidate).getBytes(StandardCharsets.UTF_8));
                return candidate;
            }
            candidate++;
        }
    }

    /** The machine that claimed {@code nodeId}, if any. */
    public static Optional<String> claimantOf(MetadataStore store, int nodeId) {
        return store.get(IDS + nodeId).map(v -> new String(v, StandardCharsets.UTF_8));
    }
}
