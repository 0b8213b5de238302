package io.strata.ingest.kafka.security;

import io.strata.membership.security.StoredScramCredential;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.junit.jupiter.api.Test;

import javax.security.sasl.SaslServer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SaslMechanismsTest {

    private final Map<String, StoredScramCredential> alice = Map.of(
            "SCRAM-SHA-256", SaslMechanisms.credential("SCRAM-SHA-256", "alice-secret", 4096));
    private final SaslMechanisms mechanisms = new SaslMechanisms(List.of("plain", "SCRAM-SHA-256"),
            (user, mechanism) -> "alice".equals(user) ? Optional.ofNullable(alice.get(mechanism)) : Optional.empty());

    private static byte[] plain(String authzid, String user, String password) {
        return (authzid + "\u0000" + user + "\u0000" + password).getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void plainChecksThePasswordAgainstTheScramCredential() throws Exception {
        SaslServer ok = mechanisms.newServer("PLAIN").orElseThrow();
        ok.evaluateResponse(plain("", "alice", "alice-secret"));
        assertThat(ok.isComplete()).isTrue();
        assertThat(ok.getAuthorizationID()).isEqualTo("alice");

        assertThatThrownBy(() -> mechanisms.newServer("PLAIN").orElseThrow().evaluateResponse(plain("", "alice", "alice-secreT")))
                .isInstanceOf(SaslAuthenticationException.class);
        assertThatThrownBy(() -> mechanisms.newServer("PLAIN").orElseThrow().evaluateResponse(plain("", "bob", "alice-secret")))
                .as("unknown user").isInstanceOf(SaslAuthenticationException.class);
        assertThatThrownBy(() -> mechanisms.newServer("PLAIN").orElseThrow().evaluateResponse(plain("root", "alice", "alice-secret")))
                .as("authorization id of another user").isInstanceOf(SaslAuthenticationException.class)
                .hasMessageContaining("authorization id");
    }

    @Test
    void onlyEnabledMechanismsGetAServerAndUnknownOnesAreRefusedAtStart() {
        assertThat(mechanisms.enabled()).containsExactly("PLAIN", "SCRAM-SHA-256");
        assertThat(mechanisms.newServer("SCRAM-SHA-512")).isEmpty();
        assertThat(mechanisms.newServer("GSSAPI")).isEmpty();
        assertThatThrownBy(() -> new SaslMechanisms(List.of("GSSAPI"), (u, m) -> Optional.empty()))
                .hasMessageContaining("GSSAPI");
    }
}
