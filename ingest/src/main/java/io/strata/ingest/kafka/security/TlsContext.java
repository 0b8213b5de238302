package io.strata.ingest.kafka.security;

import io.strata.ingest.config.StrataConfig;
import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.SslConfigs;
import org.apache.kafka.common.config.internals.BrokerSecurityConfigs;
import org.apache.kafka.common.network.ConnectionMode;
import org.apache.kafka.common.security.auth.KafkaPrincipal;
import org.apache.kafka.common.security.ssl.SslFactory;
import org.apache.kafka.common.security.ssl.SslPrincipalMapper;

import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;
import javax.security.auth.x500.X500Principal;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.security.Principal;
import java.util.HashMap;
import java.util.Map;

/**
 * Server-side TLS of the SSL and SASL_SSL listeners: a thin layer over kafka-clients' {@link SslFactory}
 * (key and trust material in PKCS12, JKS or PEM, {@code ssl.client.auth}, protocols and cipher suites exactly
 * as a Kafka broker reads them) and {@link SslPrincipalMapper} ({@code ssl.principal.mapping.rules}).
 *
 * <p>Thread-safe: engines are created on the event loops, one per connection.
 */
public final class TlsContext implements AutoCloseable {

    private final SslFactory factory;
    private final SslPrincipalMapper mapper;

    private TlsContext(SslFactory factory, SslPrincipalMapper mapper) {
        this.factory = factory;
        this.mapper = mapper;
    }

    /**
     * Reads the node's {@code strata.kafka.ssl.*} settings.
     *
     * @param forSasl for SASL_SSL listeners: clients authenticate with SASL, so no client certificate is asked
     *                for, whatever {@code ssl.client.auth} says (as in Kafka, where it applies to SASL_SSL only
     *                when set for that listener)
     * @throws org.apache.kafka.common.KafkaException when the key or trust material cannot be loaded
     */
    public static TlsContext create(StrataConfig.Ssl ssl, boolean forSasl) {
        Map<String, Object> props = new HashMap<>();
        props.put(SslConfigs.SSL_KEYSTORE_TYPE_CONFIG, ssl.keystoreType());
        ssl.keystoreLocation().ifPresent(v -> props.put(SslConfigs.SSL_KEYSTORE_LOCATION_CONFIG, v));
        ssl.keystorePassword().ifPresent(v -> props.put(SslConfigs.SSL_KEYSTORE_PASSWORD_CONFIG, v));
        ssl.keyPassword().ifPresent(v -> props.put(SslConfigs.SSL_KEY_PASSWORD_CONFIG, v));
        ssl.keystoreCertificateChain().ifPresent(v -> props.put(SslConfigs.SSL_KEYSTORE_CERTIFICATE_CHAIN_CONFIG, v));
        ssl.keystoreKey().ifPresent(v -> props.put(SslConfigs.SSL_KEYSTORE_KEY_CONFIG, v));
        props.put(SslConfigs.SSL_TRUSTSTORE_TYPE_CONFIG, ssl.truststoreType());
        ssl.truststoreLocation().ifPresent(v -> props.put(SslConfigs.SSL_TRUSTSTORE_LOCATION_CONFIG, v));
        ssl.truststorePassword().ifPresent(v -> props.put(SslConfigs.SSL_TRUSTSTORE_PASSWORD_CONFIG, v));
        ssl.truststoreCertificates().ifPresent(v -> props.put(SslConfigs.SSL_TRUSTSTORE_CERTIFICATES_CONFIG, v));
        props.put(SslConfigs.SSL_ENABLED_PROTOCOLS_CONFIG, ssl.enabledProtocols());
        ssl.cipherSuites().ifPresent(v -> props.put(SslConfigs.SSL_CIPHER_SUITES_CONFIG, v));
        props.put(BrokerSecurityConfigs.SSL_CLIENT_AUTH_CONFIG,
                forSasl ? "none" : ssl.clientAuth().trim().toLowerCase(java.util.Locale.ROOT));
        props.put(BrokerSecurityConfigs.SSL_PRINCIPAL_MAPPING_RULES_CONFIG, ssl.principalMappingRules());
        return create(props);
    }

    /** From Kafka-named {@code ssl.*} settings. */
    public static TlsContext create(Map<String, Object> kafkaSslSettings) {
        ConfigDef def = new ConfigDef().withClientSslSupport()
                .define(BrokerSecurityConfigs.SSL_CLIENT_AUTH_CONFIG, ConfigDef.Type.STRING,
                        BrokerSecurityConfigs.SSL_CLIENT_AUTH_DEFAULT,
                        ConfigDef.ValidString.in("required", "requested", "none"), ConfigDef.Importance.MEDIUM,
                        BrokerSecurityConfigs.SSL_CLIENT_AUTH_DOC)
                .define(BrokerSecurityConfigs.SSL_PRINCIPAL_MAPPING_RULES_CONFIG, ConfigDef.Type.STRING,
                        BrokerSecurityConfigs.DEFAULT_SSL_PRINCIPAL_MAPPING_RULES, ConfigDef.Importance.LOW,
                        BrokerSecurityConfigs.SSL_PRINCIPAL_MAPPING_RULES_DOC);
        AbstractConfig parsed = new AbstractConfig(def, kafkaSslSettings, false);
        SslFactory factory = new SslFactory(ConnectionMode.SERVER);
        factory.configure(parsed.values());
        SslPrincipalMapper mapper = SslPrincipalMapper.fromRules(
                parsed.getString(BrokerSecurityConfigs.SSL_PRINCIPAL_MAPPING_RULES_CONFIG));
        return new TlsContext(factory, mapper);
    }

    /** A server engine for one accepted connection (client authentication as configured). */
    public SSLEngine newEngine(InetSocketAddress peer) {
        return factory.createSslEngine(peer.getHostString(), peer.getPort());
    }

    /**
     * The principal of a TLS connection whose handshake completed: the client certificate's subject through
     * the mapping rules, or ANONYMOUS without a client certificate (Kafka's DefaultKafkaPrincipalBuilder).
     */
    public KafkaPrincipal principalOf(SSLSession session) {
        Principal peer;
        try {
            peer = session.getPeerPrincipal();
        } catch (SSLPeerUnverifiedException e) {
            return KafkaPrincipal.ANONYMOUS;
        }
        if (!(peer instanceof X500Principal x500)) {
            return new KafkaPrincipal(KafkaPrincipal.USER_TYPE, peer.getName());
        }
        try {
            return new KafkaPrincipal(KafkaPrincipal.USER_TYPE, mapper.getName(x500.getName()));
        } catch (IOException e) {
            throw new IllegalArgumentException("Cannot map certificate subject " + x500.getName() + " to a principal", e);
        }
    }

    @Override
    public void close() {
        factory.close();
    }
}
