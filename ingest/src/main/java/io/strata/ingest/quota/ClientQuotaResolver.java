package io.strata.ingest.quota;

import org.apache.kafka.common.quota.ClientQuotaEntity;

import java.util.HashMap;
import java.util.Map;

/**
 * Which configured quota applies to a (user, client id), with Apache Kafka's precedence (KIP-55), the first
 * entity that sets the quota winning:
 * <ol>
 * <li>user and client id</li>
 * <li>user and the default client id</li>
 * <li>user</li>
 * <li>default user and client id</li>
 * <li>default user and default client id</li>
 * <li>default user</li>
 * <li>client id</li>
 * <li>default client id</li>
 * </ol>
 * The answer also names who shares the quota, as Kafka's metric tags do: a quota of a user alone is shared by all
 * of that user's clients (tags {@code (user, "")}), one of a client id alone by every user of that client id
 * ({@code ("", clientId)}), one of a user and client id (named or default) by that pair only. The default user
 * applies to every principal's name, {@code ANONYMOUS} included.
 *
 * <p>Immutable and thread-safe: built over a snapshot of the quotas.
 */
public final class ClientQuotaResolver {

    /** The quota that applies and the (user, client id) tags of the rate it is measured over. */
    public record Resolution(String userTag, String clientIdTag, double limit) {
    }

    private final Map<ClientQuotaEntity, Map<String, Double>> quotas;

    public ClientQuotaResolver(Map<ClientQuotaEntity, Map<String, Double>> quotas) {
        this.quotas = Map.copyOf(quotas);
    }

    /** Whether any entity sets one of the quotas this node enforces. */
    public boolean any() {
        for (Map<String, Double> q : quotas.values()) {
            for (QuotaType type : QuotaType.values()) {
                if (q.containsKey(type.configKey())) {
                    return true;
                }
            }
        }
        return false;
    }

    /** The quota of {@code key} that applies to the user's client, or null when none does. */
    public Resolution resolve(String key, String user, String clientId) {
        Double q;
        if ((q = limit(key, user, true, clientId, true)) != null) {
            return new Resolution(user, clientId, q);
        }
        if ((q = limit(key, user, true, null, true)) != null) {
            return new Resolution(user, clientId, q);
        }
        if ((q = limit(key, user, true, null, false)) != null) {
            return new Resolution(user, "", q);
        }
        if ((q = limit(key, null, true, clientId, true)) != null) {
            return new Resolution(user, clientId, q);
        }
        if ((q = limit(key, null, true, null, true)) != null) {
            return new Resolution(user, clientId, q);
        }
        if ((q = limit(key, null, true, null, false)) != null) {
            return new Resolution(user, "", q);
        }
        if ((q = limit(key, null, false, clientId, true)) != null) {
            return new Resolution("", clientId, q);
        }
        if ((q = limit(key, null, false, null, true)) != null) {
            return new Resolution("", clientId, q);
        }
        return null;
    }

    /**
     * The quota of {@code key} for a rate measured over these tags (what {@link #resolve} answered before the
     * quotas changed), or null: Kafka's lookup by metric tags, used to re-bound existing rates after a change.
     */
    public Double limitForTags(String key, String userTag, String clientIdTag) {
        Double q = null;
        if (!userTag.isEmpty() && !clientIdTag.isEmpty()) {
            q = first(limit(key, userTag, true, clientIdTag, true), limit(key, userTag, true, null, true),
                    limit(key, null, true, clientIdTag, true), limit(key, null, true, null, true));
        } else if (!userTag.isEmpty()) {
            q = first(limit(key, userTag, true, null, false), limit(key, null, true, null, false));
        } else if (!clientIdTag.isEmpty()) {
            q = first(limit(key, null, false, clientIdTag, true), limit(key, null, false, null, true));
        }
        return q;
    }

    private static Double first(Double... candidates) {
        for (Double d : candidates) {
            if (d != null) {
                return d;
            }
        }
        return null;
    }

    /** The value of {@code key} on one entity; a null name with its flag set is that type's default entity. */
    private Double limit(String key, String user, boolean hasUser, String clientId, boolean hasClientId) {
        Map<String, String> entries = new HashMap<>(4);
        if (hasUser) {
            entries.put(ClientQuotaEntity.USER, user);
        }
        if (hasClientId) {
            entries.put(ClientQuotaEntity.CLIENT_ID, clientId);
        }
        Map<String, Double> q = quotas.get(new ClientQuotaEntity(entries));
        return q == null ? null : q.get(key);
    }
}
