package io.strata.membership.cluster;

import io.strata.membership.durable.MetadataStore;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.UUID;

/**
 * The cluster id: created once per cluster by whichever node starts first (create-if-absent in the
 * shared metadata store, so concurrent starters agree), then read by every node.
 *
 * <p>Stored under {@value #KEY} as the UTF-8 bytes of the id: 22 characters of URL-safe base64
 * (no padding) of a random UUID, as Kafka's {@code kafka-storage random-uuid}.
 */
public final class ClusterIds {

    public static final String KEY = "cluster/id";

    private ClusterIds() {
    }

    public static String loadOrCreate(MetadataStore store) {
        var existing = store.get(KEY);
        if (existing.isPresent()) {
            return new String(existing.get(), StandardCharsets.UTF_8);
        }
        store.putIfAbsent(KEY, randomClusterId().getBytes(StandardCharsets.UTF_8));
        return new String(store.get(KEY).orElseThrow(), StandardCharsets.UTF_8);
    }

    public static String randomClusterId() {
        UUID uuid = UUID.randomUUID();
        ByteBuffer bytes = ByteBuffer.allocate(16).putLong(uuid.getMostSignificantBits()).putLong(uuid.getLeastSignificantBits());
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes.array());
    }
}
