package io.strata.membership.hazelcast;

import io.strata.membership.security.AclStore;
import org.apache.kafka.common.acl.AccessControlEntry;
import org.apache.kafka.common.acl.AccessControlEntryFilter;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclBindingFilter;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourcePatternFilter;
import org.apache.kafka.common.resource.ResourceType;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static io.strata.membership.hazelcast.TestCluster.await;
import static org.assertj.core.api.Assertions.assertThat;

/** The ACL store on real members: removals keep the other ACLs of a resource, under concurrency and restarts. */
class AclStoreTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(20);
    private static final ResourcePattern ORDERS = new ResourcePattern(ResourceType.TOPIC, "orders", PatternType.LITERAL);

    @TempDir
    Path dir;

    private TestCluster cluster;

    @AfterEach
    void stop() {
        if (cluster != null) {
            cluster.close();
        }
    }

    private static AclBinding acl(ResourcePattern pattern, String user, AclOperation op, AclPermissionType permission) {
        return new AclBinding(pattern, new AccessControlEntry("User:" + user, "*", op, permission));
    }

    private static AclBindingFilter exactly(AclBinding b) {
        return new AclBindingFilter(new ResourcePatternFilter(b.pattern().resourceType(), b.pattern().name(),
                b.pattern().patternType()), new AccessControlEntryFilter(b.entry().principal(), b.entry().host(),
                b.entry().operation(), b.entry().permissionType()));
    }

    @Test
    void concurrentAddsAndRemovesOnOneResourceFromTwoMembersNeverLoseAnAcl() throws Exception {
        cluster = new TestCluster(dir, 2);
        List<ClusterMember> members = cluster.startAll(cluster.config(1, 0).build(), cluster.config(2, 1).build());
        AclStore a = members.get(0).acls();
        AclStore b = members.get(1).acls();
        AclBinding deny = acl(ORDERS, "mallory", AclOperation.READ, AclPermissionType.DENY);
        assertThat(a.add(deny)).isTrue();
        assertThat(b.add(deny)).as("an identical ACL is kept once").isFalse();

        // Each member adds 80 ALLOWs on the same resource and removes every other one right away, at once.
        int perMember = 40;
        CountDownLatch go = new CountDownLatch(1);
        ExecutorService threads = Executors.newFixedThreadPool(2);
        try {
            List<Future<Set<AclBinding>>> kept = List.of(
                    threads.submit(() -> churn(a, "a", perMember, go)),
                    threads.submit(() -> churn(b, "b", perMember, go)));
            go.countDown();
            Set<AclBinding> expected = new HashSet<>();
            expected.add(deny);
            for (Future<Set<AclBinding>> f : kept) {
                expected.addAll(f.get());
            }
            assertThat(expected).hasSize(1 + 2 * perMember);
            assertThat(new HashSet<>(a.storedBindings())).isEqualTo(expected);
            await("both local copies converge", TIMEOUT, () -> new HashSet<>(a.bindings()).equals(expected)
                    && new HashSet<>(b.bindings()).equals(expected));
        } finally {
            threads.shutdownNow();
        }

        // CVE-2024-27309: removing one ALLOW of the resource keeps the DENY and the other ALLOWs.
        AclBinding oneAllow = acl(ORDERS, "a-0", AclOperation.WRITE, AclPermissionType.ALLOW);
        assertThat(b.remove(exactly(oneAllow))).containsExactly(oneAllow);
        assertThat(a.storedBindings()).contains(deny).doesNotContain(oneAllow).hasSize(2 * perMember);
        await("the removal reaches the other member", TIMEOUT, () -> !a.bindings().contains(oneAllow)
                && a.bindings().contains(deny) && a.bindings().size() == 2 * perMember);
    }

    /** Adds n ALLOWs, removing every odd one right after adding it; returns the ones it kept. */
    private static Set<AclBinding> churn(AclStore store, String prefix, int n, CountDownLatch go) throws InterruptedException {
        go.await();
        Set<AclBinding> kept = new HashSet<>();
        for (int i = 0; i < n * 2; i++) {
            AclBinding allow = acl(ORDERS, prefix + "-" + i, AclOperation.WRITE, AclPermissionType.ALLOW);
            assertThat(store.add(allow)).isTrue();
            if (i % 2 == 1) {
                assertThat(store.remove(exactly(allow))).containsExactly(allow);
            } else {
                kept.add(allow);
            }
        }
        return kept;
    }

    @Test
    void filtersRemoveOnlyWhatTheyMatchAndAclsSurviveAFullRestart() {
        cluster = new TestCluster(dir, 1);
        ClusterMember first = cluster.start(cluster.config(1, 0).build());
        ResourcePattern prefixed = new ResourcePattern(ResourceType.TOPIC, "ord", PatternType.PREFIXED);
        ResourcePattern group = new ResourcePattern(ResourceType.GROUP, "*", PatternType.LITERAL);
        AclBinding allowPrefixed = acl(prefixed, "alice", AclOperation.READ, AclPermissionType.ALLOW);
        AclBinding denyLiteral = acl(ORDERS, "alice", AclOperation.READ, AclPermissionType.DENY);
        AclBinding allowGroup = acl(group, "alice", AclOperation.READ, AclPermissionType.ALLOW);
        AclBinding allowBob = acl(ORDERS, "bob", AclOperation.WRITE, AclPermissionType.ALLOW);
        for (AclBinding b : List.of(allowPrefixed, denyLiteral, allowGroup, allowBob)) {
            first.acls().add(b);
        }
        // A MATCH filter for topic "orders" matches the literal and the prefixed pattern, not the group.
        AclBindingFilter aliceOnOrders = new AclBindingFilter(
                new ResourcePatternFilter(ResourceType.TOPIC, "orders", PatternType.MATCH),
                new AccessControlEntryFilter("User:alice", null, AclOperation.ANY, AclPermissionType.ALLOW));
        assertThat(first.acls().remove(aliceOnOrders)).containsExactly(allowPrefixed);
        assertThat(first.acls().bindings()).containsExactlyInAnyOrder(denyLiteral, allowGroup, allowBob);

        cluster.close();
        ClusterMember again = cluster.start(cluster.config(1, 0).build());
        assertThat(again.acls().bindings()).containsExactlyInAnyOrder(denyLiteral, allowGroup, allowBob);
        assertThat(again.acls().remove(AclBindingFilter.ANY)).hasSize(3);
        assertThat(again.acls().bindings()).isEmpty();
    }
}
