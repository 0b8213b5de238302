package io.strata.loadtests.security;

import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ScramCredentialInfo;
import org.apache.kafka.clients.admin.ScramMechanism;
import org.apache.kafka.clients.admin.UserScramCredentialUpsertion;
import org.apache.kafka.common.config.SaslConfigs;
import org.apache.kafka.common.config.SslConfigs;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import java.io.InputStream;
import java.nio.file.Files;
import java.security.KeyStore;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

/**
 * The one broker setup the security benchmark gives both systems, in each system's own configuration language: a
 * PLAINTEXT listener and a SASL_SSL listener on 127.0.0.1, SCRAM-SHA-512 as the only SASL mechanism, the key store of
 * {@link BenchCertificates}, TLS and cipher suites left at both brokers' defaults (TLSv1.2 and TLSv1.3, the JVM's
 * suites), no client certificates; one SCRAM user with {@value #ITERATIONS} iterations (Strata's bootstrap user,
 * Kafka's AlterUserScramCredentials through the PLAINTEXT listener). Also the client properties of each protocol.
 * Stateless apart from the certificates; thread-safe.
 */
public final class SecuredListeners {

    public static final String USER = "bench";
    public static final String PASSWORD = "bench-secret";
    /** SCRAM iterations of the user on both systems (Strata's bootstrap default). */
    public static final int ITERATIONS = 8192;

    /** The two protocols measured, in the order the report lists them. */
    public static final List<String> PROTOCOLS = List.of("PLAINTEXT", "SASL_SSL");

    private final BenchCertificates certs;

    public SecuredListeners(BenchCertificates certs) {
        this.certs = certs;
    }

    /** Strata's environment on top of the benchmark defaults. */
    public Map<String, String> strataEnv(int plainPort, int securedPort) {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("STRATA_KAFKA_LISTENERS", "PLAINTEXT://127.0.0.1:" + plainPort + ",SASL_SSL://127.0.0.1:" + securedPort);
        env.put("STRATA_KAFKA_SASL_ENABLED_MECHANISMS", "SCRAM-SHA-512");
        env.put("STRATA_KAFKA_SASL_BOOTSTRAP_USERS", USER + ":" + PASSWORD);
        env.put("STRATA_KAFKA_SASL_BOOTSTRAP_ITERATIONS", Integer.toString(ITERATIONS));
        env.put("STRATA_KAFKA_SSL_KEYSTORE_TYPE", "PKCS12");
        env.put("STRATA_KAFKA_SSL_KEYSTORE_LOCATION", certs.keystore().toString());
        env.put("STRATA_KAFKA_SSL_KEYSTORE_PASSWORD", BenchCertificates.PASSWORD);
        env.put("STRATA_KAFKA_SSL_KEY_PASSWORD", BenchCertificates.PASSWORD);
        return env;
    }

    /** Kafka's server properties over test-support's single-node defaults. */
    public Map<String, String> kafkaProperties(int plainPort, int securedPort, int controllerPort) {
        Map<String, String> p = new LinkedHashMap<>();
        p.put("listeners", "PLAINTEXT://127.0.0.1:" + plainPort + ",SASL_SSL://127.0.0.1:" + securedPort
                + ",CONTROLLER://127.0.0.1:" + controllerPort);
        p.put("advertised.listeners", "PLAINTEXT://127.0.0.1:" + plainPort + ",SASL_SSL://127.0.0.1:" + securedPort);
        p.put("listener.security.protocol.map", "CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT,SASL_SSL:SASL_SSL");
        p.put("sasl.enabled.mechanisms", "SCRAM-SHA-512");
        p.put("listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config",
                "org.apache.kafka.common.security.scram.ScramLoginModule required;");
        p.put("ssl.keystore.type", "PKCS12");
        p.put("ssl.keystore.location", certs.keystore().toString());
        p.put("ssl.keystore.password", BenchCertificates.PASSWORD);
        p.put("ssl.key.password", BenchCertificates.PASSWORD);
        return p;
    }

    /** Client properties (besides bootstrap.servers) for {@code protocol}. */
    public Map<String, String> clientProperties(String protocol) {
        Map<String, String> c = new LinkedHashMap<>();
        c.put(CommonClientConfigs.SECURITY_PROTOCOL_CONFIG, protocol);
        if (protocol.equals("SASL_SSL")) {
            c.put(SaslConfigs.SASL_MECHANISM, "SCRAM-SHA-512");
            c.put(SaslConfigs.SASL_JAAS_CONFIG, "org.apache.kafka.common.security.scram.ScramLoginModule required "
                    + "username=\"" + USER + "\" password=\"" + PASSWORD + "\";");
            c.put(SslConfigs.SSL_TRUSTSTORE_TYPE_CONFIG, "PKCS12");
            c.put(SslConfigs.SSL_TRUSTSTORE_LOCATION_CONFIG, certs.truststore().toString());
            c.put(SslConfigs.SSL_TRUSTSTORE_PASSWORD_CONFIG, BenchCertificates.PASSWORD);
        }
        return c;
    }

    /** Gives the benchmark user its SCRAM-SHA-512 credential on a Kafka broker, through the PLAINTEXT listener. */
    public static void createKafkaUser(String plainBootstrap) throws Exception {
        try (Admin admin = admin(plainBootstrap, Map.of())) {
            admin.alterUserScramCredentials(List.of(new UserScramCredentialUpsertion(USER,
                    new ScramCredentialInfo(ScramMechanism.SCRAM_SHA_512, ITERATIONS), PASSWORD)))
                    .all().get(30, TimeUnit.SECONDS);
        }
    }

    /**
     * Waits until the user authenticates on the SASL_SSL listener and sees a broker there (Kafka applies a new
     * credential once its metadata log has it).
     */
    public void awaitAuthenticated(String securedBootstrap, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        Exception last = null;
        while (System.nanoTime() < deadline) {
            try (Admin admin = admin(securedBootstrap, clientProperties("SASL_SSL"))) {
                if (!admin.describeCluster().nodes().get(10, TimeUnit.SECONDS).isEmpty()) {
                    return;
                }
            } catch (Exception e) {
                last = e;
            }
            Thread.sleep(200);
        }
        throw new IllegalStateException("user " + USER + " not authenticated on " + securedBootstrap + " within "
                + timeout.toSeconds() + " s", last);
    }

    /** The TLS version and cipher suite a client of this JVM negotiates with the listener at {@code port}. */
    public String negotiated(int port) throws Exception {
        KeyStore trust = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(certs.truststore())) {
            trust.load(in, BenchCertificates.PASSWORD.toCharArray());
        }
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(null, tmf.getTrustManagers(), null);
        try (SSLSocket s = (SSLSocket) ctx.getSocketFactory().createSocket("127.0.0.1", port)) {
            s.setSoTimeout(10_000);
            s.startHandshake();
            return s.getSession().getProtocol() + " " + s.getSession().getCipherSuite();
        }
    }

    private static Admin admin(String bootstrap, Map<String, String> security) {
        Properties p = new Properties();
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000);
        p.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 15_000);
        p.putAll(security);
        return Admin.create(p);
    }
}
