package io.strata.ingest.node;

import io.strata.ingest.config.StrataConfig;
import io.strata.ingest.kafka.security.SaslMechanisms;
import io.strata.membership.security.ScramCredentialStore;
import org.apache.kafka.common.security.scram.internals.ScramMechanism;
import org.jboss.logging.Logger;

import java.util.List;

/**
 * Creates the users of {@code strata.kafka.sasl.bootstrap-users} at start, so that a secured cluster has a
 * first user (an administrator) to connect with; more users are then added with kafka-configs. A user
 * keeps credentials it already has: a password changed since is not reset by a restart. Stateless.
 */
final class BootstrapUsers {

    private static final Logger LOG = Logger.getLogger(BootstrapUsers.class);

    private BootstrapUsers() {
    }

    static void create(ScramCredentialStore store, StrataConfig.Sasl sasl) {
        List<String> entries = sasl.bootstrapUsers().orElse(List.of());
        for (String entry : entries) {
            if (entry.isBlank()) {
                continue;
            }
            int colon = entry.indexOf(':');
            if (colon <= 0 || colon == entry.length() - 1) {
                throw new IllegalArgumentException("strata.kafka.sasl.bootstrap-users entries are name:password; got one "
                        + "without " + (colon <= 0 ? "a name" : "a password"));
            }
            String user = entry.substring(0, colon).trim();
            String password = entry.substring(colon + 1);
            int added = 0;
            for (ScramMechanism m : ScramMechanism.values()) {
                if (store.addIfAbsent(user, SaslMechanisms.credential(m.mechanismName(), password,
                        sasl.bootstrapIterations()))) {
                    added++;
                }
            }
            if (added > 0) {
                LOG.infof("Created the SCRAM credentials of bootstrap user %s", user);
            }
        }
    }
}
