package io.strata.ingest.kafka.api;

import io.strata.ingest.quota.QuotaType;
import io.strata.membership.security.ClientQuotaStore;
import org.apache.kafka.common.errors.InvalidRequestException;
import org.apache.kafka.common.quota.ClientQuotaAlteration;
import org.apache.kafka.common.quota.ClientQuotaEntity;
import org.apache.kafka.common.quota.ClientQuotaFilter;
import org.apache.kafka.common.quota.ClientQuotaFilterComponent;
import org.apache.kafka.common.requests.AlterClientQuotasRequest;
import org.apache.kafka.common.requests.AlterClientQuotasResponse;
import org.apache.kafka.common.requests.ApiError;
import org.apache.kafka.common.requests.DescribeClientQuotasRequest;
import org.apache.kafka.common.requests.DescribeClientQuotasResponse;

import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * DescribeClientQuotas and AlterClientQuotas (KIP-546) over the cluster's client quota store, with Apache Kafka's
 * filter semantics and validation: entities are users, client ids or both (named, or the default one, sent as a
 * null name); the keys are {@code producer_byte_rate} and {@code consumer_byte_rate} (whole numbers) and
 * {@code request_percentage}, each positive; an entity of an unknown type, an empty name, a key of another entity
 * type and an entity named twice in one request are INVALID_REQUEST. IP entities ({@code connection_creation_rate})
 * and {@code controller_mutation_rate} are not enforced by this node and are refused with INVALID_REQUEST rather
 * than stored to no effect. Describe reads the store itself, not the local copy, so a change through any node is
 * listed at once. Thread-safe (the store is).
 */
public final class ClientQuotasApi {

    private static final Set<String> ENTITY_TYPES = Set.of(ClientQuotaEntity.USER, ClientQuotaEntity.CLIENT_ID);
    /** Keys whose values Kafka types as LONG: they must be whole numbers. */
    private static final Set<String> WHOLE = Set.of(QuotaType.PRODUCE.configKey(), QuotaType.FETCH.configKey());

    private final ClientQuotaStore store;

    public ClientQuotasApi(ClientQuotaStore store) {
        this.store = store;
    }

    public DescribeClientQuotasResponse describe(DescribeClientQuotasRequest request) {
        try {
            ClientQuotaFilter filter = request.filter();
            Map<String, String> exact = new HashMap<>();
            Set<String> anyName = new HashSet<>();
            for (ClientQuotaFilterComponent c : filter.components()) {
                String type = c.entityType();
                if (!ClientQuotaEntity.isValidEntityType(type)) {
                    throw new InvalidRequestException("Invalid entity type " + type);
                }
                if (exact.containsKey(type) || anyName.contains(type)) {
                    throw new InvalidRequestException("Entity type " + type + " cannot appear more than once in the filter.");
                }
                if (c.match() == null) {
                    anyName.add(type);
                } else {
                    exact.put(type, c.match().orElse(null)); // empty: the default entity
                }
            }
            if ((exact.containsKey(ClientQuotaEntity.IP) || anyName.contains(ClientQuotaEntity.IP))
                    && exact.size() + anyName.size() > 1) {
                throw new InvalidRequestException("Invalid entity filter component combination, IP filter component "
                        + "should not be used with user or clientId filter component.");
            }
            Map<ClientQuotaEntity, Map<String, Double>> out = new LinkedHashMap<>();
            store.storedQuotas().forEach((entity, quotas) -> {
                if (matches(entity, exact, anyName, filter.strict())) {
                    out.put(entity, quotas);
                }
            });
            return DescribeClientQuotasResponse.fromQuotaEntities(out, 0);
        } catch (RuntimeException e) {
            return request.getErrorResponse(0, e);
        }
    }

    /** Kafka's match: each exact component names the entity's part (null: default), each type component needs it. */
    private static boolean matches(ClientQuotaEntity entity, Map<String, String> exact, Set<String> anyName,
                                   boolean strict) {
        Map<String, String> entries = entity.entries();
        if (strict && entries.size() != exact.size() + anyName.size()) {
            return false;
        }
        for (Map.Entry<String, String> e : exact.entrySet()) {
            if (!entries.containsKey(e.getKey()) || !Objects.equals(entries.get(e.getKey()), e.getValue())) {
                return false;
            }
        }
        return entries.keySet().containsAll(anyName);
    }

    public AlterClientQuotasResponse alter(AlterClientQuotasRequest request) {
        Map<ClientQuotaEntity, ApiError> results = new LinkedHashMap<>();
        Map<ClientQuotaEntity, Integer> counts = new HashMap<>();
        request.entries().forEach(a -> counts.merge(a.entity(), 1, Integer::sum));
        for (ClientQuotaAlteration alteration : request.entries()) {
            ClientQuotaEntity entity = alteration.entity();
            if (results.containsKey(entity)) {
                continue;
            }
            try {
                if (counts.get(entity) > 1) {
                    throw new InvalidRequestException("Entity " + entity + " cannot be altered twice in one request");
                }
                validateEntity(entity);
                Map<String, Double> set = new HashMap<>();
                Set<String> remove = new HashSet<>();
                for (ClientQuotaAlteration.Op op : alteration.ops()) {
                    if (set.containsKey(op.key()) || remove.contains(op.key())) {
                        throw new InvalidRequestException("Duplicate quota key " + op.key() + " for " + entity);
                    }
                    validateKey(op.key(), op.value());
                    if (op.value() == null) {
                        remove.add(op.key());
                    } else {
                        set.put(op.key(), op.value());
                    }
                }
                if (!request.validateOnly()) {
                    store.alter(entity, set, remove);
                }
                results.put(entity, ApiError.NONE);
            } catch (RuntimeException e) {
                results.put(entity, ApiError.fromThrowable(e));
            }
        }
        return AlterClientQuotasResponse.fromQuotaEntities(results, 0);
    }

    private static void validateEntity(ClientQuotaEntity entity) {
        Map<String, String> entries = entity.entries();
        if (entries.isEmpty()) {
            throw new InvalidRequestException("Invalid empty client quota entity");
        }
        for (Map.Entry<String, String> e : entries.entrySet()) {
            if (ClientQuotaEntity.IP.equals(e.getKey())) {
                throw new InvalidRequestException("IP quotas (connection_creation_rate) are not supported by this node");
            }
            if (!ENTITY_TYPES.contains(e.getKey())) {
                throw new InvalidRequestException("Unhandled client quota entity type: " + e.getKey());
            }
            if (e.getValue() != null && e.getValue().isEmpty()) {
                throw new InvalidRequestException("Empty " + e.getKey() + " not supported");
            }
        }
    }

    private static void validateKey(String key, Double value) {
        boolean known = false;
        for (QuotaType type : QuotaType.values()) {
            known |= type.configKey().equals(key);
        }
        if (!known) {
            throw new InvalidRequestException("Invalid configuration key " + key + (
                    "controller_mutation_rate".equals(key) ? ": controller mutation quotas are not supported by this node"
                            : ""));
        }
        if (value == null) {
            return;
        }
        if (!(value > 0) || value.isInfinite()) {
            throw new InvalidRequestException("Configuration " + key + " must be a positive number, not " + value);
        }
        if (WHOLE.contains(key) && Math.abs(value - Math.rint(value)) > 1e-6) {
            throw new InvalidRequestException("Configuration " + key + " must be a Long value");
        }
    }
}
