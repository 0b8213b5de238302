package io.strata.membership.hazelcast;

import io.strata.membership.security.ClientQuotaStore;
import org.apache.kafka.common.quota.ClientQuotaEntity;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;

import static io.strata.membership.hazelcast.TestCluster.await;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The client quota store on real members: changes through either member reach the other's local copy. (Restarts:
 * the map is written through like the ACLs; QuotaIT restarts a node.)
 */
class ClientQuotaStoreTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(20);

    @TempDir
    Path dir;

    private TestCluster cluster;

    @AfterEach
    void stop() {
        if (cluster != null) {
            cluster.close();
        }
    }

    private static ClientQuotaEntity entity(String user, String clientId) {
        Map<String, String> entries = new HashMap<>();
        if (user != null) {
            entries.put(ClientQuotaEntity.USER, user.equals("<default>") ? null : user);
        }
        if (clientId != null) {
            entries.put(ClientQuotaEntity.CLIENT_ID, clientId.equals("<default>") ? null : clientId);
        }
        return new ClientQuotaEntity(entries);
    }

    @Test
    void quotasChangedThroughEitherMemberReachTheOther() {
        cluster = new TestCluster(dir, 2);
        List<ClusterMember> members = cluster.startAll(cluster.config(1, 0).build(), cluster.config(2, 1).build());
        ClientQuotaStore a = members.get(0).clientQuotas();
        ClientQuotaStore b = members.get(1).clientQuotas();
        AtomicInteger changes = new AtomicInteger();
        b.onChange(changes::incrementAndGet);

        ClientQuotaEntity aliceApp = entity("alice/ops", "app:1");
        ClientQuotaEntity defaultUser = entity("<default>", null);
        ClientQuotaEntity defaultClientOfBob = entity("bob", "<default>");
        a.alter(aliceApp, Map.of("producer_byte_rate", 1024.0, "consumer_byte_rate", 2048.0), Set.of());
        a.alter(defaultUser, Map.of("request_percentage", 50.5), Set.of());
        a.alter(defaultClientOfBob, Map.of("producer_byte_rate", 10.0), Set.of());
        a.alter(aliceApp, Map.of(), Set.of("consumer_byte_rate"));
        Map<ClientQuotaEntity, Map<String, Double>> expected = Map.of(
                aliceApp, Map.of("producer_byte_rate", 1024.0),
                defaultUser, Map.of("request_percentage", 50.5),
                defaultClientOfBob, Map.of("producer_byte_rate", 10.0));
        assertThat(a.quotas()).isEqualTo(expected);
        assertThat(a.storedQuotas()).isEqualTo(expected);
        await("the other member's copy follows", TIMEOUT, () -> b.quotas().equals(expected));
        assertThat(changes.get()).as("change listeners ran").isPositive();

        // Removing an entity's last key removes the entity.
        b.alter(defaultClientOfBob, Map.of(), Set.of("producer_byte_rate"));
        await("the removal reaches the first member", TIMEOUT, () -> !a.quotas().containsKey(defaultClientOfBob));
    }
}
