package io.strata.ingest.http.security;

import io.smallrye.jwt.auth.principal.JWTParser;
import io.smallrye.jwt.auth.principal.ParseException;
import io.strata.ingest.config.StrataConfig;
import io.strata.ingest.http.common.HttpConfig;
import io.strata.ingest.node.StrataNode;
import io.strata.membership.hazelcast.ClusterMember;
import io.strata.membership.security.StoredScramCredential;
import io.quarkus.runtime.Startup;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Instance;
import jakarta.inject.Inject;
import org.apache.kafka.common.security.auth.KafkaPrincipal;
import org.apache.kafka.common.security.scram.internals.ScramFormatter;
import org.apache.kafka.common.security.scram.internals.ScramMechanism;
import org.eclipse.microprofile.jwt.JsonWebToken;
import org.jboss.logging.Logger;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Proves who an HTTP request comes from, from its {@code Authorization} header:
 * <ul>
 * <li>{@code Basic}: a user and password checked against the user's SCRAM credential in the cluster (the one
 *     Kafka clients log in with; SCRAM-SHA-512 if the user has one, else SCRAM-SHA-256): the password is salted
 *     and hashed as SCRAM does and the stored key compared in constant time. No other password store exists.
 *     A proven password is remembered (as a salted digest, with the stored key it matched) so that a device
 *     posting often does not pay the thousands of PBKDF2 iterations each time; a changed credential no longer
 *     matches the remembered stored key.</li>
 * <li>{@code Bearer}: a JWT verified by SmallRye JWT ({@code mp.jwt.verify.publickey.location},
 *     {@code mp.jwt.verify.issuer}: signature, issuer, expiry), whose {@code sub} is the principal's name, and
 *     which is not revoked in the cluster ({@link io.strata.membership.security.RevokedTokenStore}).</li>
 * </ul>
 * Principals are {@code User:<name>}, as for SASL on the Kafka port, so the same ACLs apply. Thread-safe.
 */
@ApplicationScoped
@Startup // says at start whether the HTTP API authenticates
public class HttpAuthenticator {

    private static final Logger LOG = Logger.getLogger(HttpAuthenticator.class);
    private static final int MAX_REMEMBERED = 10_000;

    /** Why a request did not authenticate; the message goes to the client. */
    public static final class AuthenticationFailed extends Exception {
        private final String scheme;

        AuthenticationFailed(String scheme, String message) {
            super(message, null, false, false);
            this.scheme = scheme;
        }

        /** {@code Basic}, {@code Bearer}, or null when no credentials were given. */
        public String scheme() {
            return scheme;
        }
    }

    private record Proven(byte[] passwordDigest, byte[] storedKey) {
    }

    private final boolean enabled;
    private final String realm;
    private final StrataNode node;
    private final Instance<JWTParser> jwt;
    private final byte[] digestSalt = new byte[32];
    private final Map<String, Proven> proven = new ConcurrentHashMap<>();

    @Inject
    public HttpAuthenticator(HttpConfig http, StrataConfig config, StrataNode node, Instance<JWTParser> jwt) {
        this.enabled = http.auth().enabled().orElse(config.security().authorizer().enabled());
        this.realm = http.auth().realm();
        this.node = node;
        this.jwt = jwt;
        new SecureRandom().nextBytes(digestSalt);
        if (enabled) {
            LOG.info("HTTP API requires authentication (Basic with SCRAM users, bearer JWT)");
        }
    }

    /** Whether requests must authenticate (strata.http.auth.enabled, by default the authorizer's switch). */
    public boolean enabled() {
        return enabled;
    }

    /** The realm of the WWW-Authenticate challenges (strata.http.auth.realm). */
    public String realm() {
        return realm;
    }

    /** The principal proven by the header's credentials. */
    public KafkaPrincipal authenticate(String authorization) throws AuthenticationFailed {
        if (authorization == null || authorization.isBlank()) {
            throw new AuthenticationFailed(null, "Authentication required: send HTTP Basic credentials or a bearer token.");
        }
        String header = authorization.trim();
        int space = header.indexOf(' ');
        String scheme = space < 0 ? header : header.substring(0, space);
        String credentials = space < 0 ? "" : header.substring(space + 1).trim();
        if (scheme.equalsIgnoreCase("Basic")) {
            return basic(credentials);
        }
        if (scheme.equalsIgnoreCase("Bearer")) {
            return bearer(credentials);
        }
        throw new AuthenticationFailed(null, "Unsupported authentication scheme '" + scheme + "': use Basic or Bearer.");
    }

    private KafkaPrincipal basic(String encoded) throws AuthenticationFailed {
        String decoded;
        try {
            decoded = new String(Base64.getDecoder().decode(encoded), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            throw new AuthenticationFailed("Basic", "Malformed Basic credentials.");
        }
        int colon = decoded.indexOf(':');
        if (colon <= 0) {
            throw new AuthenticationFailed("Basic", "Malformed Basic credentials.");
        }
        String user = decoded.substring(0, colon);
        String password = decoded.substring(colon + 1);
        ClusterMember member = node.member();
        if (member == null) {
            throw new AuthenticationFailed("Basic", "The node has not joined its cluster yet; retry.");
        }
        Map<String, StoredScramCredential> credentials = member.scramCredentials().credentials(user);
        StoredScramCredential credential = credentials.getOrDefault(ScramMechanism.SCRAM_SHA_512.mechanismName(),
                credentials.get(ScramMechanism.SCRAM_SHA_256.mechanismName()));
        if (credential == null || !passwordMatches(user, password, credential)) {
            // The same answer for an unknown user and a wrong password: user names are not disclosed.
            throw new AuthenticationFailed("Basic", "Invalid user name or password.");
        }
        return new KafkaPrincipal(KafkaPrincipal.USER_TYPE, user);
    }

    private boolean passwordMatches(String user, String password, StoredScramCredential credential) {
        byte[] digest = digest(password);
        Proven remembered = proven.get(user);
        if (remembered != null && MessageDigest.isEqual(remembered.storedKey(), credential.storedKey())
                && MessageDigest.isEqual(remembered.passwordDigest(), digest)) {
            return true;
        }
        ScramMechanism mechanism = ScramMechanism.forMechanismName(credential.mechanism());
        try {
            ScramFormatter formatter = new ScramFormatter(mechanism);
            byte[] salted = formatter.saltedPassword(password, credential.salt(), credential.iterations());
            byte[] storedKey = formatter.storedKey(formatter.clientKey(salted));
            if (!MessageDigest.isEqual(storedKey, credential.storedKey())) {
                return false;
            }
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalStateException("SCRAM hashing unavailable for " + credential.mechanism(), e);
        }
        if (proven.size() >= MAX_REMEMBERED) {
            proven.clear();
        }
        proven.put(user, new Proven(digest, credential.storedKey()));
        return true;
    }

    private byte[] digest(String password) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            sha.update(digestSalt);
            return sha.digest(password.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private KafkaPrincipal bearer(String token) throws AuthenticationFailed {
        if (token.isEmpty()) {
            throw new AuthenticationFailed("Bearer", "Empty bearer token.");
        }
        JsonWebToken parsed;
        try {
            parsed = jwt.get().parse(token);
        } catch (ParseException e) {
            // Bad signature, wrong issuer, expired, malformed: the client learns only that the token is refused.
            LOG.debugf("Bearer token refused: %s", e.getMessage());
            throw new AuthenticationFailed("Bearer", "Invalid bearer token: signature, issuer or expiry not accepted.");
        } catch (RuntimeException e) {
            LOG.warnf("Bearer token refused, token verification not configured (mp.jwt.verify.publickey.location): %s",
                    e.toString());
            throw new AuthenticationFailed("Bearer", "Bearer tokens are not accepted by this node.");
        }
        String subject = parsed.getSubject();
        if (subject == null || subject.isBlank()) {
            throw new AuthenticationFailed("Bearer", "Invalid bearer token: it has no subject (sub).");
        }
        ClusterMember member = node.member();
        if (member == null) {
            throw new AuthenticationFailed("Bearer", "The node has not joined its cluster yet; retry.");
        }
        if (member.revokedTokens().isRevoked(parsed.getTokenID(), subject, parsed.getIssuedAtTime())) {
            throw new AuthenticationFailed("Bearer", "The bearer token has been revoked.");
        }
        return new KafkaPrincipal(KafkaPrincipal.USER_TYPE, subject);
    }
}
