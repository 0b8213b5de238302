package io.strata.membership.security;

import org.apache.kafka.common.quota.ClientQuotaEntity;
import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ClientQuotaStoreCodecTest {

    private static ClientQuotaEntity entity(String... typeAndName) {
        Map<String, String> entries = new HashMap<>();
        for (int i = 0; i < typeAndName.length; i += 2) {
            entries.put(typeAndName[i], typeAndName[i + 1]);
        }
        return new ClientQuotaEntity(entries);
    }

    @Test
    void keysKeepAnyNameAndTellDefaultsFromNamesThatLookLikeThem() {
        for (ClientQuotaEntity e : List.of(
                entity(ClientQuotaEntity.USER, "alice"),
                entity(ClientQuotaEntity.USER, null),
                entity(ClientQuotaEntity.USER, "<default>"),
                entity(ClientQuotaEntity.CLIENT_ID, "app/1=x%20y"),
                entity(ClientQuotaEntity.CLIENT_ID, null),
                entity(ClientQuotaEntity.USER, "CN=svc,O=Example", ClientQuotaEntity.CLIENT_ID, "app"),
                entity(ClientQuotaEntity.USER, null, ClientQuotaEntity.CLIENT_ID, null))) {
            assertThat(ClientQuotaStore.entityOf(ClientQuotaStore.keyOf(e))).isEqualTo(e);
        }
        assertThat(ClientQuotaStore.keyOf(entity(ClientQuotaEntity.USER, null))).isEqualTo("user=<default>");
        assertThat(ClientQuotaStore.keyOf(entity(ClientQuotaEntity.USER, "<default>"))).isNotEqualTo("user=<default>");
        assertThatThrownBy(() -> ClientQuotaStore.keyOf(entity(ClientQuotaEntity.IP, "10.0.0.1")))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void valuesRoundTrip() {
        Map<String, Double> in = Map.of("producer_byte_rate", 1048576.0, "request_percentage", 12.5);
        assertThat(ClientQuotaStore.decode(ClientQuotaStore.encode(new java.util.TreeMap<>(in)))).isEqualTo(in);
        assertThat(ClientQuotaStore.decode(null)).isEmpty();
    }
}
