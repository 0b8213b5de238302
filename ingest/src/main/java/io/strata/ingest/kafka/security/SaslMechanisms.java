package io.strata.ingest.kafka.security;

import io.strata.membership.security.StoredScramCredential;
import org.apache.kafka.common.security.plain.PlainAuthenticateCallback;
import org.apache.kafka.common.security.plain.internals.PlainSaslServer;
import org.apache.kafka.common.security.scram.ScramCredential;
import org.apache.kafka.common.security.scram.ScramCredentialCallback;
import org.apache.kafka.common.security.scram.internals.ScramFormatter;
import org.apache.kafka.common.security.scram.internals.ScramMechanism;
import org.apache.kafka.common.security.scram.internals.ScramSaslServer;

import javax.security.auth.callback.Callback;
import javax.security.auth.callback.NameCallback;
import javax.security.auth.callback.UnsupportedCallbackException;
import javax.security.sasl.SaslServer;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.BiFunction;

/**
 * The SASL mechanisms of the SASL listeners: a thin layer over kafka-clients' server-side
 * {@link ScramSaslServer} (SCRAM-SHA-256, SCRAM-SHA-512) and {@link PlainSaslServer} (PLAIN), both fed from
 * the cluster's SCRAM credential store. Those servers refuse an authorization id that differs from the
 * user (CVE-2017-12610), a client-final nonce that is not the one the server issued (CVE-2024-56128) and
 * compare proofs in constant time.
 *
 * <p>PLAIN checks the password against the user's SCRAM credential (SCRAM-SHA-512 when the user has one,
 * else SCRAM-SHA-256): the password is salted and hashed as SCRAM does and the StoredKeys compared with
 * {@link MessageDigest#isEqual}. So one set of users, managed with kafka-configs, serves every mechanism.
 * An unknown user costs the same hashing as a known one, so timing does not tell which users exist.
 *
 * <p>Thread-safe; each {@link SaslServer} it creates serves one authentication of one connection.
 */
public final class SaslMechanisms {

    public static final String PLAIN = "PLAIN";
    private static final List<String> KNOWN = List.of(PLAIN, ScramMechanism.SCRAM_SHA_256.mechanismName(),
            ScramMechanism.SCRAM_SHA_512.mechanismName());
    /** Hashed for unknown PLAIN users; never matches (no password hashes to an all-zero key). */
    private static final StoredScramCredential DECOY = new StoredScramCredential(
            ScramMechanism.SCRAM_SHA_512.mechanismName(), new byte[32], new byte[64], new byte[64], 4096);

    private final List<String> enabled;
    private final BiFunction<String, String, Optional<StoredScramCredential>> credentials;

    /**
     * @param enabled     mechanism names, in the order the handshake lists them
     * @param credentials a user's credential of a SCRAM mechanism, (user, mechanism) to credential
     * @throws IllegalArgumentException for an unknown mechanism
     */
    public SaslMechanisms(List<String> enabled, BiFunction<String, String, Optional<StoredScramCredential>> credentials) {
        this.enabled = enabled.stream().map(m -> m.trim().toUpperCase(Locale.ROOT)).filter(m -> !m.isEmpty()).distinct().toList();
        for (String m : this.enabled) {
            if (!KNOWN.contains(m)) {
                throw new IllegalArgumentException("Unsupported SASL mechanism " + m + " (sasl.enabled.mechanisms): "
                        + "supported are " + KNOWN);
            }
        }
        if (this.enabled.isEmpty()) {
            throw new IllegalArgumentException("sasl.enabled.mechanisms is empty");
        }
        this.credentials = credentials;
    }

    public List<String> enabled() {
        return enabled;
    }

    /** A server for one authentication, empty when the mechanism is not enabled. */
    public Optional<SaslServer> newServer(String mechanism) {
        if (!enabled.contains(mechanism)) {
            return Optional.empty();
        }
        if (PLAIN.equals(mechanism)) {
            return Optional.of(new PlainSaslServer(this::handlePlain));
        }
        try {
            ScramMechanism scram = ScramMechanism.forMechanismName(mechanism);
            return Optional.of(new ScramSaslServer(scram, Map.of(), callbacks -> handleScram(scram, callbacks)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("This JVM lacks " + mechanism, e);
        }
    }

    private void handleScram(ScramMechanism mechanism, Callback[] callbacks) throws UnsupportedCallbackException {
        String user = null;
        for (Callback callback : callbacks) {
            if (callback instanceof NameCallback name) {
                user = name.getDefaultName();
            } else if (callback instanceof ScramCredentialCallback credential) {
                // Null for an unknown user: the server then fails with "Invalid user credentials".
                credential.scramCredential(user == null ? null : credentials.apply(user, mechanism.mechanismName())
                        .map(c -> new ScramCredential(c.salt(), c.storedKey(), c.serverKey(), c.iterations())).orElse(null));
            } else {
                // Delegation tokens (the tokenauth extension) are not supported.
                throw new UnsupportedCallbackException(callback);
            }
        }
    }

    private void handlePlain(Callback[] callbacks) throws UnsupportedCallbackException {
        String user = null;
        for (Callback callback : callbacks) {
            if (callback instanceof NameCallback name) {
                user = name.getDefaultName();
            } else if (callback instanceof PlainAuthenticateCallback plain) {
                plain.authenticated(user != null && checkPassword(user, plain.password()));
            } else {
                throw new UnsupportedCallbackException(callback);
            }
        }
    }

    private boolean checkPassword(String user, char[] password) {
        Optional<StoredScramCredential> stored = credentials.apply(user, ScramMechanism.SCRAM_SHA_512.mechanismName())
                .or(() -> credentials.apply(user, ScramMechanism.SCRAM_SHA_256.mechanismName()));
        StoredScramCredential credential = stored.orElse(DECOY);
        try {
            ScramFormatter formatter = new ScramFormatter(ScramMechanism.forMechanismName(credential.mechanism()));
            byte[] salted = formatter.saltedPassword(new String(password), credential.salt(), credential.iterations());
            byte[] storedKey = formatter.storedKey(formatter.clientKey(salted));
            return MessageDigest.isEqual(storedKey, credential.storedKey()) && stored.isPresent();
        } catch (GeneralSecurityException e) {
            return false;
        }
    }

    /** A new credential of a SCRAM mechanism for a password (random salt), as kafka-configs makes them. */
    public static StoredScramCredential credential(String mechanism, String password, int iterations) {
        try {
            ScramMechanism scram = ScramMechanism.forMechanismName(mechanism);
            if (scram == null) {
                throw new IllegalArgumentException("Not a SCRAM mechanism: " + mechanism);
            }
            ScramCredential c = new ScramFormatter(scram).generateCredential(password, iterations);
            return new StoredScramCredential(scram.mechanismName(), c.salt(), c.storedKey(), c.serverKey(), c.iterations());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
