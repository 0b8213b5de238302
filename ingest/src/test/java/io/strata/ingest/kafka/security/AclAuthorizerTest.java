package io.strata.ingest.kafka.security;

import org.apache.kafka.common.acl.AccessControlEntry;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourceType;
import org.apache.kafka.common.security.auth.KafkaPrincipal;
import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;

import static org.apache.kafka.common.acl.AclOperation.*;
import static org.apache.kafka.common.acl.AclPermissionType.ALLOW;
import static org.apache.kafka.common.acl.AclPermissionType.DENY;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Kafka's StandardAuthorizer rules, one by one. */
class AclAuthorizerTest {

    private static final KafkaPrincipal ALICE = new KafkaPrincipal("User", "alice");
    private static final KafkaPrincipal BOB = new KafkaPrincipal("User", "bob");
    private static final String HOST = "10.0.0.1";

    private final Map<ResourcePattern, Set<AccessControlEntry>> acls = new HashMap<>();

    private void add(ResourceType type, String name, PatternType pattern, String principal, String host,
                     AclOperation op, AclPermissionType permission) {
        acls.computeIfAbsent(new ResourcePattern(type, name, pattern), k -> new LinkedHashSet<>())
                .add(new AccessControlEntry(principal, host, op, permission));
    }

    private void topic(String name, PatternType pattern, String principal, AclOperation op, AclPermissionType permission) {
        add(ResourceType.TOPIC, name, pattern, principal, "*", op, permission);
    }

    private AclAuthorizer authorizer(String superUsers, boolean allowIfNoAcl) {
        return new AclAuthorizer(() -> acls, AclAuthorizer.parseSuperUsers(superUsers), allowIfNoAcl);
    }

    private boolean can(AclAuthorizer a, KafkaPrincipal p, AclOperation op, String topic) {
        return a.authorize(p, HOST, op, ResourceType.TOPIC, topic);
    }

    @Test
    void withoutAclsOnlyAllowEveryoneDecides() {
        assertThat(can(authorizer("", false), ALICE, READ, "orders")).isFalse();
        assertThat(can(authorizer("", true), ALICE, READ, "orders")).isTrue();
        topic("orders", PatternType.LITERAL, "User:bob", READ, ALLOW);
        // An ACL on the resource, even for someone else, switches allow-everyone off for it.
        assertThat(can(authorizer("", true), ALICE, READ, "orders")).isFalse();
        assertThat(can(authorizer("", true), ALICE, READ, "other")).isTrue();
    }

    @Test
    void denyBeatsAllowAndPrefixedAllowWithLiteralDenyBehavesAsKafka() {
        topic("ord", PatternType.PREFIXED, "User:alice", READ, ALLOW);
        topic("orders-secret", PatternType.LITERAL, "User:alice", READ, DENY);
        AclAuthorizer a = authorizer("", false);
        assertThat(can(a, ALICE, READ, "orders")).isTrue();
        assertThat(can(a, ALICE, READ, "ordinal")).isTrue();
        assertThat(can(a, ALICE, READ, "orders-secret")).isFalse();
        assertThat(can(a, ALICE, READ, "or")).as("shorter than the prefix").isFalse();
        assertThat(can(a, ALICE, READ, "payments")).isFalse();
        assertThat(can(a, BOB, READ, "orders")).isFalse();
        // A wildcard DENY for everyone wins over alice's own ALLOW.
        topic("*", PatternType.LITERAL, "User:*", READ, DENY);
        assertThat(can(a, ALICE, READ, "orders")).isFalse();
    }

    @Test
    void allowOfReadWriteDeleteAlterImpliesDescribeButDenyImpliesNothing() {
        topic("r", PatternType.LITERAL, "User:alice", READ, ALLOW);
        topic("w", PatternType.LITERAL, "User:alice", WRITE, ALLOW);
        topic("d", PatternType.LITERAL, "User:alice", DELETE, ALLOW);
        topic("a", PatternType.LITERAL, "User:alice", ALTER, ALLOW);
        topic("c", PatternType.LITERAL, "User:alice", ALTER_CONFIGS, ALLOW);
        topic("x", PatternType.LITERAL, "User:alice", CREATE, ALLOW);
        topic("all", PatternType.LITERAL, "User:alice", ALL, ALLOW);
        AclAuthorizer a = authorizer("", false);
        for (String t : new String[]{"r", "w", "d", "a", "all"}) {
            assertThat(can(a, ALICE, DESCRIBE, t)).as(t).isTrue();
        }
        assertThat(can(a, ALICE, DESCRIBE, "x")).isFalse();
        assertThat(can(a, ALICE, DESCRIBE_CONFIGS, "c")).isTrue();
        assertThat(can(a, ALICE, DESCRIBE, "c")).isFalse();
        assertThat(can(a, ALICE, WRITE, "r")).isFalse();
        assertThat(can(a, ALICE, DELETE, "all")).isTrue();

        topic("r", PatternType.LITERAL, "User:alice", WRITE, DENY);
        assertThat(can(a, ALICE, DESCRIBE, "r")).as("a DENY of WRITE does not deny DESCRIBE").isTrue();
        topic("r", PatternType.LITERAL, "User:alice", ALL, DENY);
        assertThat(can(a, ALICE, DESCRIBE, "r")).as("a DENY of ALL denies everything").isFalse();
    }

    @Test
    void hostsAndWildcardPrincipalMatch() {
        add(ResourceType.GROUP, "g", PatternType.LITERAL, "User:alice", "10.0.0.2", READ, ALLOW);
        AclAuthorizer a = authorizer("", false);
        assertThat(a.authorize(ALICE, HOST, READ, ResourceType.GROUP, "g")).isFalse();
        assertThat(a.authorize(ALICE, "10.0.0.2", READ, ResourceType.GROUP, "g")).isTrue();
        add(ResourceType.GROUP, "g", PatternType.LITERAL, "User:*", HOST, READ, ALLOW);
        assertThat(a.authorize(BOB, HOST, READ, ResourceType.GROUP, "g")).isTrue();
        assertThat(a.authorize(BOB, "10.0.0.3", READ, ResourceType.GROUP, "g")).isFalse();
        // Types are separate: a GROUP ACL says nothing about a TOPIC of the same name.
        assertThat(a.authorize(BOB, HOST, READ, ResourceType.TOPIC, "g")).isFalse();
    }

    @Test
    void superUsersMayDoAnythingEvenAgainstADeny() {
        topic("orders", PatternType.LITERAL, "User:admin", ALL, DENY);
        AclAuthorizer a = authorizer(" User:admin ; User:ops", false);
        assertThat(can(a, new KafkaPrincipal("User", "admin"), WRITE, "orders")).isTrue();
        assertThat(a.authorize(new KafkaPrincipal("User", "ops"), HOST, ALTER, ResourceType.CLUSTER, "kafka-cluster")).isTrue();
        assertThat(can(a, ALICE, WRITE, "orders")).isFalse();
        assertThatThrownBy(() -> AclAuthorizer.parseSuperUsers("admin")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void anyTopicWriteAllowsIdempotentProducersUnlessDenied() {
        AclAuthorizer a = authorizer("", false);
        assertThat(a.authorizeAny(ALICE, HOST, WRITE, ResourceType.TOPIC)).isFalse();
        topic("orders", PatternType.LITERAL, "User:alice", WRITE, ALLOW);
        assertThat(a.authorizeAny(ALICE, HOST, WRITE, ResourceType.TOPIC)).isTrue();
        assertThat(a.authorizeAny(BOB, HOST, WRITE, ResourceType.TOPIC)).isFalse();
        topic("ord", PatternType.PREFIXED, "User:alice", WRITE, DENY);
        assertThat(a.authorizeAny(ALICE, HOST, WRITE, ResourceType.TOPIC)).as("the only ALLOW is covered").isFalse();
        topic("payments", PatternType.PREFIXED, "User:alice", WRITE, ALLOW);
        assertThat(a.authorizeAny(ALICE, HOST, WRITE, ResourceType.TOPIC)).isTrue();
        topic("*", PatternType.LITERAL, "User:alice", WRITE, DENY);
        assertThat(a.authorizeAny(ALICE, HOST, WRITE, ResourceType.TOPIC)).isFalse();
    }
}
