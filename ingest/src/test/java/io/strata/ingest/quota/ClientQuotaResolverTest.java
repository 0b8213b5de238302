package io.strata.ingest.quota;

import org.apache.kafka.common.quota.ClientQuotaEntity;
import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** Kafka's quota precedence (KIP-55): each level wins over every level below it, and shares its rate as Kafka does. */
class ClientQuotaResolverTest {

    private static final String KEY = "producer_byte_rate";
    private static final String DEFAULT = "<default>";

    private static ClientQuotaEntity entity(String user, String clientId) {
        Map<String, String> entries = new HashMap<>();
        if (user != null) {
            entries.put(ClientQuotaEntity.USER, DEFAULT.equals(user) ? null : user);
        }
        if (clientId != null) {
            entries.put(ClientQuotaEntity.CLIENT_ID, DEFAULT.equals(clientId) ? null : clientId);
        }
        return new ClientQuotaEntity(entries);
    }

    @Test
    void eachLevelWinsOverTheLevelsBelowItInKafkasOrder() {
        // The eight levels, highest precedence first, each with its quota and the tags its rate is measured over.
        Map<ClientQuotaEntity, Object[]> levels = new LinkedHashMap<>();
        levels.put(entity("alice", "app"), new Object[]{1.0, "alice", "app"});
        levels.put(entity("alice", DEFAULT), new Object[]{2.0, "alice", "app"});
        levels.put(entity("alice", null), new Object[]{3.0, "alice", ""});
        levels.put(entity(DEFAULT, "app"), new Object[]{4.0, "alice", "app"});
        levels.put(entity(DEFAULT, DEFAULT), new Object[]{5.0, "alice", "app"});
        levels.put(entity(DEFAULT, null), new Object[]{6.0, "alice", ""});
        levels.put(entity(null, "app"), new Object[]{7.0, "", "app"});
        levels.put(entity(null, DEFAULT), new Object[]{8.0, "", "app"});

        Map<ClientQuotaEntity, Map<String, Double>> quotas = new HashMap<>();
        levels.forEach((e, v) -> quotas.put(e, Map.of(KEY, (Double) v[0], "consumer_byte_rate", 100.0 + (Double) v[0])));
        // Take the levels away from the top: each time the next one applies.
        for (Map.Entry<ClientQuotaEntity, Object[]> level : levels.entrySet()) {
            ClientQuotaResolver resolver = new ClientQuotaResolver(quotas);
            Object[] v = level.getValue();
            assertThat(resolver.resolve(KEY, "alice", "app")).as("with %s on top", level.getKey())
                    .isEqualTo(new ClientQuotaResolver.Resolution((String) v[1], (String) v[2], (Double) v[0]));
            assertThat(resolver.limitForTags(KEY, (String) v[1], (String) v[2])).isEqualTo((Double) v[0]);
            assertThat(resolver.resolve("consumer_byte_rate", "alice", "app").limit()).isEqualTo(100.0 + (Double) v[0]);
            quotas.remove(level.getKey());
        }
        assertThat(new ClientQuotaResolver(quotas).resolve(KEY, "alice", "app")).isNull();
        assertThat(new ClientQuotaResolver(quotas).any()).isFalse();
    }

    @Test
    void quotasOfOtherTypesOrOtherEntitiesDoNotApply() {
        ClientQuotaResolver resolver = new ClientQuotaResolver(Map.of(
                entity("bob", null), Map.of("consumer_byte_rate", 10.0),
                entity("alice", "other"), Map.of(KEY, 20.0),
                entity(null, "app"), Map.of(KEY, 30.0)));
        assertThat(resolver.any()).isTrue();
        // bob's consumer quota is no producer quota: the client id's applies, shared by every user of "app".
        assertThat(resolver.resolve(KEY, "bob", "app")).isEqualTo(new ClientQuotaResolver.Resolution("", "app", 30.0));
        assertThat(resolver.resolve("consumer_byte_rate", "bob", "app"))
                .isEqualTo(new ClientQuotaResolver.Resolution("bob", "", 10.0));
        assertThat(resolver.resolve(KEY, "alice", "app")).isEqualTo(new ClientQuotaResolver.Resolution("", "app", 30.0));
        assertThat(resolver.resolve(KEY, "ANONYMOUS", "tool")).isNull();
        assertThat(new ClientQuotaResolver(Map.of(entity("bob", null), Map.of("controller_mutation_rate", 1.0))).any())
                .isFalse();
    }
}
