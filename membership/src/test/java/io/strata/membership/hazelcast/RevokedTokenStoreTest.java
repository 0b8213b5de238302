package io.strata.membership.hazelcast;

import io.strata.membership.security.RevokedTokenStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Token revocations on a real member: by id, by subject up to the revocation time, lifted, and kept across a restart. */
class RevokedTokenStoreTest {

    @TempDir
    Path dir;

    private TestCluster cluster;

    @AfterEach
    void stop() {
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    void revocationsByIdAndSubjectHoldAcrossARestartUntilLifted() {
        cluster = new TestCluster(dir, 1);
        RevokedTokenStore store = cluster.start(cluster.config(1, 0).build()).revokedTokens();
        long revokedAt = 1_700_000_000_000L;
        store.revokeTokenId("tok-1", revokedAt);
        store.revokeSubject("dev-9", revokedAt);

        assertThat(store.isRevoked("tok-1", "dev-1", 0)).isTrue();
        assertThat(store.isRevoked("tok-2", "dev-1", 0)).as("another token of the device").isFalse();
        assertThat(store.isRevoked("tok-3", "dev-9", revokedAt / 1000 - 5)).as("issued before").isTrue();
        assertThat(store.isRevoked("tok-3", "dev-9", revokedAt / 1000)).as("issued in the same second").isTrue();
        assertThat(store.isRevoked("tok-4", "dev-9", revokedAt / 1000 + 1)).as("issued after: a new token").isFalse();
        assertThat(store.isRevoked(null, "dev-9", 0)).as("no iat counts as issued before").isTrue();
        assertThatThrownBy(() -> store.revokeTokenId(" ", revokedAt)).isInstanceOf(IllegalArgumentException.class);

        cluster.close();
        RevokedTokenStore again = cluster.start(cluster.config(1, 0).build()).revokedTokens();
        assertThat(again.revocations()).containsOnlyKeys("jti:tok-1", "sub:dev-9").containsEntry("jti:tok-1", revokedAt);
        assertThat(again.isRevoked("tok-1", "dev-1", 0)).isTrue();
        assertThat(again.remove("jti", "tok-1")).isTrue();
        assertThat(again.remove("jti", "tok-1")).isFalse();
        assertThat(again.isRevoked("tok-1", "dev-1", 0)).isFalse();
        assertThat(again.isRevoked("tok-5", "dev-9", 0)).isTrue();
    }
}
