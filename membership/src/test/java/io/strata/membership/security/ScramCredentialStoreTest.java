package io.strata.membership.security;

import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class ScramCredentialStoreTest {

    @Test
    void credentialsOfEveryMechanismSurviveTheStoredFormat() {
        Map<String, StoredScramCredential> in = new LinkedHashMap<>();
        in.put("SCRAM-SHA-256", new StoredScramCredential("SCRAM-SHA-256", new byte[]{1, 2}, new byte[]{3, 4, 5},
                new byte[]{6}, 4096));
        in.put("SCRAM-SHA-512", new StoredScramCredential("SCRAM-SHA-512", new byte[]{7}, new byte[]{8}, new byte[]{9, 10},
                8192));

        Map<String, StoredScramCredential> out = ScramCredentialStore.decode(ScramCredentialStore.encode(in));

        assertThat(out).containsOnlyKeys("SCRAM-SHA-256", "SCRAM-SHA-512");
        StoredScramCredential sha512 = out.get("SCRAM-SHA-512");
        assertThat(sha512.salt()).containsExactly(7);
        assertThat(sha512.storedKey()).containsExactly(8);
        assertThat(sha512.serverKey()).containsExactly(9, 10);
        assertThat(sha512.iterations()).isEqualTo(8192);
        assertThat(out.get("SCRAM-SHA-256").storedKey()).containsExactly(3, 4, 5);
        assertThat(ScramCredentialStore.decode(null)).isEmpty();
    }
}
