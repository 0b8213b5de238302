package io.strata.membership.security;

import org.apache.kafka.common.acl.AccessControlEntry;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourceType;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

class AclStoreCodecTest {

    @Test
    void keysKeepNamesWithColonsAndEveryPatternType() {
        for (ResourcePattern p : List.of(
                new ResourcePattern(ResourceType.GROUP, "app:billing:v2", PatternType.LITERAL),
                new ResourcePattern(ResourceType.TOPIC, "orders.", PatternType.PREFIXED),
                new ResourcePattern(ResourceType.TOPIC, "*", PatternType.LITERAL),
                new ResourcePattern(ResourceType.CLUSTER, "kafka-cluster", PatternType.LITERAL),
                new ResourcePattern(ResourceType.TRANSACTIONAL_ID, "tx-", PatternType.PREFIXED))) {
            assertThat(AclStore.patternOf(AclStore.keyOf(p))).isEqualTo(p);
        }
    }

    @Test
    void entriesRoundTripInOrder() {
        Set<AccessControlEntry> in = new java.util.LinkedHashSet<>(List.of(
                new AccessControlEntry("User:alice", "*", AclOperation.READ, AclPermissionType.ALLOW),
                new AccessControlEntry("User:alice", "10.0.0.1", AclOperation.ALL, AclPermissionType.DENY),
                new AccessControlEntry("User:*", "*", AclOperation.IDEMPOTENT_WRITE, AclPermissionType.ALLOW)));
        assertThat(AclStore.decode(AclStore.encode(in))).containsExactlyElementsOf(in);
        assertThat(AclStore.decode(null)).isEmpty();
    }
}
