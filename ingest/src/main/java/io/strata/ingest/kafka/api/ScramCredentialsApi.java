package io.strata.ingest.kafka.api;

import io.strata.membership.security.ScramCredentialStore;
import io.strata.membership.security.StoredScramCredential;
import org.apache.kafka.common.message.AlterUserScramCredentialsRequestData;
import org.apache.kafka.common.message.AlterUserScramCredentialsResponseData;
import org.apache.kafka.common.message.AlterUserScramCredentialsResponseData.AlterUserScramCredentialsResult;
import org.apache.kafka.common.message.DescribeUserScramCredentialsRequestData;
import org.apache.kafka.common.message.DescribeUserScramCredentialsResponseData;
import org.apache.kafka.common.message.DescribeUserScramCredentialsResponseData.CredentialInfo;
import org.apache.kafka.common.message.DescribeUserScramCredentialsResponseData.DescribeUserScramCredentialsResult;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.AlterUserScramCredentialsRequest;
import org.apache.kafka.common.requests.AlterUserScramCredentialsResponse;
import org.apache.kafka.common.requests.DescribeUserScramCredentialsRequest;
import org.apache.kafka.common.requests.DescribeUserScramCredentialsResponse;
import org.apache.kafka.common.security.scram.ScramCredential;
import org.apache.kafka.common.security.scram.internals.ScramFormatter;
import org.apache.kafka.common.security.scram.internals.ScramMechanism;

import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * DescribeUserScramCredentials and AlterUserScramCredentials (KIP-554), over the cluster's SCRAM credential
 * store, with Apache Kafka's validation and error codes: an empty user name or an iteration count outside
 * the mechanism's range is UNACCEPTABLE_CREDENTIAL, an unknown mechanism UNSUPPORTED_SASL_MECHANISM, a user
 * named twice DUPLICATE_RESOURCE, deleting or describing a credential that does not exist
 * RESOURCE_NOT_FOUND. Clients send the salted password; the node keeps only the derived StoredKey and
 * ServerKey. Thread-safe (the store is).
 */
public final class ScramCredentialsApi {

    private final ScramCredentialStore store;

    public ScramCredentialsApi(ScramCredentialStore store) {
        this.store = store;
    }

    public DescribeUserScramCredentialsResponse describe(DescribeUserScramCredentialsRequest request) {
        DescribeUserScramCredentialsResponseData response = new DescribeUserScramCredentialsResponseData()
                .setErrorCode(Errors.NONE.code());
        List<DescribeUserScramCredentialsRequestData.UserName> requested = request.data().users();
        if (requested == null || requested.isEmpty()) {
            for (String user : store.users()) {
                response.results().add(describeUser(user));
            }
            return new DescribeUserScramCredentialsResponse(response);
        }
        Map<String, Integer> counts = new HashMap<>();
        requested.forEach(u -> counts.merge(u.name(), 1, Integer::sum));
        Set<String> seen = new LinkedHashSet<>();
        for (DescribeUserScramCredentialsRequestData.UserName u : requested) {
            if (!seen.add(u.name())) {
                continue;
            }
            if (counts.get(u.name()) > 1) {
                response.results().add(new DescribeUserScramCredentialsResult().setUser(u.name())
                        .setErrorCode(Errors.DUPLICATE_RESOURCE.code())
                        .setErrorMessage("Cannot describe SCRAM credentials for the same user twice in a single request: " + u.name()));
                continue;
            }
            DescribeUserScramCredentialsResult result = describeUser(u.name());
            if (result.credentialInfos().isEmpty()) {
                result.setErrorCode(Errors.RESOURCE_NOT_FOUND.code())
                        .setErrorMessage("Attempt to describe a user credential that does not exist: " + u.name());
            }
            response.results().add(result);
        }
        return new DescribeUserScramCredentialsResponse(response);
    }

    private DescribeUserScramCredentialsResult describeUser(String user) {
        List<CredentialInfo> infos = new ArrayList<>();
        store.credentials(user).values().forEach(c -> {
            ScramMechanism m = ScramMechanism.forMechanismName(c.mechanism());
            if (m != null) {
                infos.add(new CredentialInfo().setMechanism(m.type()).setIterations(c.iterations()));
            }
        });
        return new DescribeUserScramCredentialsResult().setUser(user).setErrorCode(Errors.NONE.code())
                .setCredentialInfos(infos);
    }

    public AlterUserScramCredentialsResponse alter(AlterUserScramCredentialsRequest request) {
        AlterUserScramCredentialsRequestData data = request.data();
        AlterUserScramCredentialsResponseData response = new AlterUserScramCredentialsResponseData();
        Map<String, Integer> counts = new HashMap<>();
        Set<String> order = new LinkedHashSet<>();
        for (var d : data.deletions()) {
            counts.merge(d.name() + "\u0000" + d.mechanism(), 1, Integer::sum);
            order.add(d.name());
        }
        for (var u : data.upsertions()) {
            counts.merge(u.name() + "\u0000" + u.mechanism(), 1, Integer::sum);
            order.add(u.name());
        }
        Map<String, AlterUserScramCredentialsResult> results = new HashMap<>();
        for (var d : data.deletions()) {
            if (results.containsKey(d.name())) {
                continue;
            }
            Errors error = validate(d.name(), d.mechanism(), counts.get(d.name() + "\u0000" + d.mechanism()));
            if (error != null) {
                results.put(d.name(), result(d.name(), error, message(error, d.name())));
            }
        }
        for (var u : data.upsertions()) {
            if (results.containsKey(u.name())) {
                continue;
            }
            Errors error = validate(u.name(), u.mechanism(), counts.get(u.name() + "\u0000" + u.mechanism()));
            if (error != null) {
                results.put(u.name(), result(u.name(), error, message(error, u.name())));
                continue;
            }
            ScramMechanism m = mechanismOf(u.mechanism());
            if (u.salt() == null || u.salt().length == 0 || u.saltedPassword() == null || u.saltedPassword().length == 0) {
                results.put(u.name(), result(u.name(), Errors.UNACCEPTABLE_CREDENTIAL,
                        "The salt and the salted password must not be empty"));
            } else if (u.iterations() < m.minIterations()) {
                results.put(u.name(), result(u.name(), Errors.UNACCEPTABLE_CREDENTIAL, "Too few iterations"));
            } else if (u.iterations() > m.maxIterations()) {
                results.put(u.name(), result(u.name(), Errors.UNACCEPTABLE_CREDENTIAL, "Too many iterations"));
            }
        }
        // Each user's changes are applied only when all of that user's entries are valid.
        for (var d : data.deletions()) {
            if (results.containsKey(d.name())) {
                continue;
            }
            String mechanism = mechanismOf(d.mechanism()).mechanismName();
            if (store.credentials(d.name()).get(mechanism) == null) {
                results.put(d.name(), result(d.name(), Errors.RESOURCE_NOT_FOUND,
                        "Attempt to delete a user credential that does not exist"));
            }
        }
        try {
            for (var d : data.deletions()) {
                if (!results.containsKey(d.name())) {
                    store.delete(d.name(), mechanismOf(d.mechanism()).mechanismName());
                }
            }
            for (var u : data.upsertions()) {
                if (!results.containsKey(u.name())) {
                    ScramMechanism m = mechanismOf(u.mechanism());
                    ScramCredential c = new ScramFormatter(m).generateCredential(u.salt(), u.saltedPassword(), u.iterations());
                    store.upsert(u.name(), new StoredScramCredential(m.mechanismName(), c.salt(), c.storedKey(),
                            c.serverKey(), c.iterations()));
                }
            }
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        for (String user : order) {
            response.results().add(results.getOrDefault(user, result(user, Errors.NONE, null)));
        }
        return new AlterUserScramCredentialsResponse(response);
    }

    private static Errors validate(String user, byte mechanism, int count) {
        if (user == null || user.isEmpty()) {
            return Errors.UNACCEPTABLE_CREDENTIAL;
        }
        ScramMechanism m = mechanismOf(mechanism);
        if (m == null) {
            return Errors.UNSUPPORTED_SASL_MECHANISM;
        }
        return count > 1 ? Errors.DUPLICATE_RESOURCE : null;
    }

    /** The SCRAM mechanism of a protocol type byte, null for an unknown one. */
    private static ScramMechanism mechanismOf(byte type) {
        for (ScramMechanism m : ScramMechanism.values()) {
            if (m.type() == type) {
                return m;
            }
        }
        return null;
    }

    private static String message(Errors error, String user) {
        return switch (error) {
            case UNACCEPTABLE_CREDENTIAL -> "Username must not be empty";
            case UNSUPPORTED_SASL_MECHANISM -> "Unknown SCRAM mechanism";
            case DUPLICATE_RESOURCE -> "A user credential cannot be altered twice in the same request";
            default -> error.message();
        };
    }

    private static AlterUserScramCredentialsResult result(String user, Errors error, String message) {
        return new AlterUserScramCredentialsResult().setUser(user).setErrorCode(error.code()).setErrorMessage(message);
    }
}
