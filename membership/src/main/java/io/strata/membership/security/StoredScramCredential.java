package io.strata.membership.security;

import java.util.Objects;

/**
 * One SCRAM credential of a user as the cluster keeps it (RFC 5802): salt, StoredKey, ServerKey and the
 * iteration count; never the password. Immutable (the arrays are not copied: do not modify them).
 *
 * @param mechanism SCRAM-SHA-256 or SCRAM-SHA-512
 */
public record StoredScramCredential(String mechanism, byte[] salt, byte[] storedKey, byte[] serverKey, int iterations) {
    public StoredScramCredential {
        Objects.requireNonNull(mechanism, "mechanism");
        Objects.requireNonNull(salt, "salt");
        Objects.requireNonNull(storedKey, "storedKey");
        Objects.requireNonNull(serverKey, "serverKey");
    }
}
