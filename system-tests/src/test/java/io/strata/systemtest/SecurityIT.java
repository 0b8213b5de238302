package io.strata.systemtest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;

import com.fasterxml.jackson.databind.JsonNode;
import io.strata.systemtest.support.Clients;
import io.strata.systemtest.support.KafkaCli;
import io.strata.systemtest.support.Kafkajs;
import io.strata.systemtest.support.Kcat;
import io.strata.systemtest.support.RawKafkaSocket;
import io.strata.systemtest.support.SaslProbe;
import io.strata.systemtest.support.TestCertificates;
import io.strata.systemtest.support.ToolResult;
import io.strata.testsupport.NodeLogOnFailure;
import io.strata.testsupport.Ports;
import io.strata.testsupport.StrataNode;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.ScramMechanism;
import org.apache.kafka.clients.admin.UserScramCredentialsDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.SaslConfigs;
import org.apache.kafka.common.config.SslConfigs;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.apache.kafka.common.message.ApiVersionsRequestData;
import org.apache.kafka.common.message.MetadataRequestData;
import org.apache.kafka.common.message.ProduceRequestData;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.ApiVersionsRequest;
import org.apache.kafka.common.requests.ApiVersionsResponse;
import org.apache.kafka.common.requests.MetadataRequest;
import org.apache.kafka.common.requests.ProduceRequest;
import org.apache.kafka.common.requests.SaslAuthenticateResponse;
import org.apache.kafka.common.requests.SaslHandshakeResponse;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A node with four listeners (PLAINTEXT, SASL_SSL, SSL with required client certificates, SASL_PLAINTEXT),
 * SCRAM-SHA-256, SCRAM-SHA-512 and PLAIN, a bootstrap admin user and 3-second SASL sessions (so every client
 * here re-authenticates, KIP-368): real clients (kafka-clients, kafkajs, kcat, kafka-configs) over each, then
 * the refusals (bad credentials, tampered SCRAM nonce, authorization id of another user, requests and large
 * frames before authentication), and a restart that keeps the credentials.
 */
@ExtendWith(NodeLogOnFailure.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class SecurityIT {
    private static final Duration TIMEOUT = Duration.ofSeconds(45);
    private static final String ADMIN = "admin";
    private static final String ADMIN_PASSWORD = "admin-secret";
    private static final long SESSION_MS = 3000;
    private static TestCertificates certs;
    private static StrataNode node;
    private static int saslSslPort;
    private static int sslPort;
    private static int saslPlainPort;

    @BeforeAll
    static void startNode() {
        Path dir = Paths.get(System.getProperty("strata.test.target.dir", "target"), "security-certs").toAbsolutePath();
        certs = TestCertificates.create(dir, "CN=Alice-App,OU=apps,O=Strata");
        int plain = Ports.free();
        saslSslPort = Ports.free();
        sslPort = Ports.free();
        saslPlainPort = Ports.free();
        node = StrataNode.builder("security").kafkaPort(plain)
                .env("STRATA_KAFKA_LISTENERS", "PLAINTEXT://127.0.0.1:" + plain + ",SASL_SSL://127.0.0.1:" + saslSslPort
                        + ",SSL://127.0.0.1:" + sslPort + ",SASL_PLAINTEXT://127.0.0.1:" + saslPlainPort)
                .env("STRATA_KAFKA_SASL_ENABLED_MECHANISMS", "SCRAM-SHA-256,SCRAM-SHA-512,PLAIN")
                .env("STRATA_KAFKA_SASL_BOOTSTRAP_USERS", ADMIN + ":" + ADMIN_PASSWORD)
                .env("STRATA_KAFKA_CONNECTIONS_MAX_REAUTH", SESSION_MS + "ms")
                // The node's key as PEM, the trust store as PKCS12: both formats in one node.
                .env("STRATA_KAFKA_SSL_KEYSTORE_TYPE", "PEM")
                .env("STRATA_KAFKA_SSL_KEYSTORE_LOCATION", certs.serverPem().toString())
                .env("STRATA_KAFKA_SSL_TRUSTSTORE_LOCATION", certs.truststore().toString())
                .env("STRATA_KAFKA_SSL_TRUSTSTORE_PASSWORD", TestCertificates.PASSWORD)
                .env("STRATA_KAFKA_SSL_CLIENT_AUTH", "required")
                .env("STRATA_KAFKA_SSL_PRINCIPAL_MAPPING_RULES", "RULE:^CN=([a-zA-Z0-9.-]*),.*$/$1/L,DEFAULT")
                .env("STRATA_GROUP_INITIAL_REBALANCE_DELAY", "0s")
                .jvmOption("-Dquarkus.log.category.\"io.strata.ingest.kafka.network\".level=DEBUG")
                .start();
    }

    @AfterAll
    static void stopNode() {
        if (node != null) {
            node.close();
        }
    }

    private static String saslSsl() {
        return "127.0.0.1:" + saslSslPort;
    }

    private static Map<String, Object> scram(String mechanism, String user, String password) {
        Map<String, Object> c = new HashMap<>(tlsTrust());
        c.put(CommonClientConfigs.SECURITY_PROTOCOL_CONFIG, "SASL_SSL");
        c.put(SaslConfigs.SASL_MECHANISM, mechanism);
        c.put(SaslConfigs.SASL_JAAS_CONFIG, "org.apache.kafka.common.security.scram.ScramLoginModule required "
                + "username=\"" + user + "\" password=\"" + password + "\";");
        return c;
    }

    private static Map<String, Object> tlsTrust() {
        return Map.of(SslConfigs.SSL_TRUSTSTORE_LOCATION_CONFIG, certs.truststore().toString(),
                SslConfigs.SSL_TRUSTSTORE_PASSWORD_CONFIG, TestCertificates.PASSWORD,
                SslConfigs.SSL_TRUSTSTORE_TYPE_CONFIG, "PKCS12");
    }

    private static Admin admin(String bootstrap, Map<String, Object> security) {
        Properties props = new Properties();
        props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, "15000");
        props.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "20000");
        props.putAll(security);
        return Admin.create(props);
    }

    /** Produces {@code count} records to a new topic and reads them back, all with {@code security}. */
    private static void roundTrip(String bootstrap, Map<String, Object> security, String topic, int count, boolean group)
            throws Exception {
        try (Admin admin = admin(bootstrap, security)) {
            Clients.get(admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1))).all());
            Collection<Node> brokers = Clients.get(admin.describeCluster().nodes());
            assertThat(brokers).as("brokers as told on the listener connected to")
                    .extracting(Node::port).containsExactly(Integer.parseInt(bootstrap.split(":")[1]));
        }
        try (KafkaProducer<byte[], byte[]> producer = Clients.producer(bootstrap, security)) {
            for (int i = 0; i < count; i++) {
                producer.send(new ProducerRecord<>(topic, ("v" + i).getBytes(StandardCharsets.UTF_8))).get();
            }
        }
        List<String> values = new ArrayList<>();
        if (group) {
            Map<String, Object> c = new HashMap<>(security);
            c.put(ConsumerConfig.GROUP_ID_CONFIG, topic + "-group");
            try (KafkaConsumer<byte[], byte[]> consumer = Clients.consumer(bootstrap, c)) {
                consumer.subscribe(List.of(topic));
                long deadline = System.nanoTime() + TIMEOUT.toNanos();
                while (values.size() < count && System.nanoTime() < deadline) {
                    consumer.poll(Duration.ofMillis(500)).forEach(r -> values.add(new String(r.value(), StandardCharsets.UTF_8)));
                }
                consumer.commitSync();
            }
        } else {
            try (KafkaConsumer<byte[], byte[]> consumer = Clients.consumer(bootstrap, security)) {
                for (ConsumerRecord<byte[], byte[]> r : Clients.readAll(consumer, List.of(new TopicPartition(topic, 0)), TIMEOUT)) {
                    values.add(new String(r.value(), StandardCharsets.UTF_8));
                }
            }
        }
        List<String> expected = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            expected.add("v" + i);
        }
        assertThat(values).containsExactlyElementsOf(expected);
    }

    @Test
    @Order(1)
    void scramSha256AndSha512OverSaslSslOutliveSeveralSessionLifetimes() throws Exception {
        roundTrip(saslSsl(), scram("SCRAM-SHA-256", ADMIN, ADMIN_PASSWORD), "scram-256", 5, false);
        // One client kept busy for longer than two sessions: it re-authenticates on the same connections.
        Map<String, Object> sha512 = scram("SCRAM-SHA-512", ADMIN, ADMIN_PASSWORD);
        roundTrip(saslSsl(), sha512, "scram-512", 5, true);
        try (KafkaProducer<byte[], byte[]> producer = Clients.producer(saslSsl(), sha512)) {
            long end = System.nanoTime() + Duration.ofMillis(2 * SESSION_MS + 1000).toNanos();
            int sent = 0;
            while (System.nanoTime() < end) {
                producer.send(new ProducerRecord<>("scram-512", ("late" + sent++).getBytes(StandardCharsets.UTF_8))).get();
                Thread.sleep(200);
            }
            assertThat(sent).isGreaterThan(10);
        }
        assertThat(Files.readString(node.logFile())).contains("re-authenticated as User:admin with SCRAM-SHA-512")
                .doesNotContain("expired without re-authentication");
    }

    @Test
    @Order(2)
    void sslWithAClientCertificateMapsItsSubjectToThePrincipalAndRefusesAClientWithout() throws Exception {
        Map<String, Object> ssl = new HashMap<>(tlsTrust());
        ssl.put(CommonClientConfigs.SECURITY_PROTOCOL_CONFIG, "SSL");
        ssl.put(SslConfigs.SSL_KEYSTORE_LOCATION_CONFIG, certs.clientKeystore().toString());
        ssl.put(SslConfigs.SSL_KEYSTORE_PASSWORD_CONFIG, TestCertificates.PASSWORD);
        ssl.put(SslConfigs.SSL_KEYSTORE_TYPE_CONFIG, "PKCS12");
        roundTrip("127.0.0.1:" + sslPort, ssl, "ssl-topic", 5, false);
        assertThat(Files.readString(node.logFile())).contains("authenticated as User:alice-app by its certificate");

        Map<String, Object> noCertificate = new HashMap<>(tlsTrust());
        noCertificate.put(CommonClientConfigs.SECURITY_PROTOCOL_CONFIG, "SSL");
        try (Admin admin = admin("127.0.0.1:" + sslPort, noCertificate)) {
            assertThatThrownBy(() -> admin.listTopics().names().get()).hasRootCauseInstanceOf(javax.net.ssl.SSLException.class);
        }
    }

    @Test
    @Order(3)
    void plainOverSaslPlaintextChecksTheScramCredentials() throws Exception {
        Map<String, Object> plain = Map.of(CommonClientConfigs.SECURITY_PROTOCOL_CONFIG, "SASL_PLAINTEXT",
                SaslConfigs.SASL_MECHANISM, "PLAIN",
                SaslConfigs.SASL_JAAS_CONFIG, "org.apache.kafka.common.security.plain.PlainLoginModule required "
                        + "username=\"" + ADMIN + "\" password=\"" + ADMIN_PASSWORD + "\";");
        roundTrip("127.0.0.1:" + saslPlainPort, plain, "plain-topic", 5, false);
    }

    @Test
    @Order(4)
    void wrongCredentialsAreRefusedWithSaslAuthenticationFailed() {
        for (String[] attempt : new String[][]{{ADMIN, "not-the-password", "SCRAM-SHA-256"},
                {"nobody", "whatever", "SCRAM-SHA-512"}}) {
            try (Admin admin = admin(saslSsl(), scram(attempt[2], attempt[0], attempt[1]))) {
                assertThatThrownBy(() -> admin.listTopics().names().get())
                        .as("%s with %s", attempt[0], attempt[2]).hasCauseInstanceOf(SaslAuthenticationException.class);
            }
        }
        try (SaslProbe probe = probe()) {
            SaslAuthenticateResponse wrong = probe.plain("", ADMIN, "nope");
            assertThat(wrong.error()).isEqualTo(Errors.SASL_AUTHENTICATION_FAILED);
            assertThat(probe.closedByNode()).isTrue();
        }
        assertServesAnotherClient();
    }

    @Test
    @Order(5)
    void aTamperedScramNonceAndAnAuthorizationIdOfAnotherUserAreRefused() throws Exception {
        try (SaslProbe probe = probe()) {
            SaslAuthenticateResponse honest = probe.scram(
                    org.apache.kafka.common.security.scram.internals.ScramMechanism.SCRAM_SHA_256, ADMIN, ADMIN_PASSWORD,
                    null, false);
            assertThat(honest.error()).as("the probe itself authenticates").isEqualTo(Errors.NONE);
        }
        try (SaslProbe probe = probe()) {
            SaslAuthenticateResponse tampered = probe.scram(
                    org.apache.kafka.common.security.scram.internals.ScramMechanism.SCRAM_SHA_256, ADMIN, ADMIN_PASSWORD,
                    null, true);
            assertThat(tampered.error()).isEqualTo(Errors.SASL_AUTHENTICATION_FAILED);
            assertThat(probe.closedByNode()).isTrue();
        }
        try (SaslProbe probe = probe()) {
            SaslAuthenticateResponse other = probe.scram(
                    org.apache.kafka.common.security.scram.internals.ScramMechanism.SCRAM_SHA_512, ADMIN, ADMIN_PASSWORD,
                    "root", false);
            assertThat(other.error()).isEqualTo(Errors.SASL_AUTHENTICATION_FAILED);
            assertThat(other.errorMessage()).contains("authorization id");
        }
        try (SaslProbe probe = probe()) {
            SaslAuthenticateResponse other = probe.plain("root", ADMIN, ADMIN_PASSWORD);
            assertThat(other.error()).isEqualTo(Errors.SASL_AUTHENTICATION_FAILED);
            assertThat(other.errorMessage()).contains("authorization id");
        }
        assertServesAnotherClient();
    }

    @Test
    @Order(6)
    void beforeAuthenticationOnlyApiVersionsAndSaslAreAnsweredInSmallFrames() {
        try (SaslProbe probe = probe()) {
            ApiVersionsResponse versions = (ApiVersionsResponse) probe.send(new ApiVersionsRequest.Builder(
                    new ApiVersionsRequestData().setClientSoftwareName("probe").setClientSoftwareVersion("1"), (short) 3,
                    (short) 3).build());
            assertThat(versions.data().errorCode()).isZero();
            assertThat(versions.apiVersion((short) 36).maxVersion()).as("SaslAuthenticate").isEqualTo((short) 2);
            SaslHandshakeResponse unknown = probe.handshake("GSSAPI");
            assertThat(unknown.error()).isEqualTo(Errors.UNSUPPORTED_SASL_MECHANISM);
            assertThat(unknown.data().mechanisms()).containsExactly("SCRAM-SHA-256", "SCRAM-SHA-512", "PLAIN");
        }
        try (SaslProbe probe = probe()) {
            ProduceRequest produce = ProduceRequest.builder(new ProduceRequestData().setAcks((short) 1).setTimeoutMs(1000),
                    true).build((short) 9);
            assertThat(probe.send(produce)).as("a Produce before authentication closes the connection").isNull();
        }
        try (SaslProbe probe = probe()) {
            assertThat(probe.send(new MetadataRequest(new MetadataRequestData(), (short) 12))).isNull();
        }
        try (SaslProbe probe = probe()) {
            byte[] answer = probe.legacy("PLAIN", ("\u0000" + ADMIN + "\u0000" + ADMIN_PASSWORD).getBytes(StandardCharsets.UTF_8));
            assertThat(answer).as("SaslHandshake v0, then a raw PLAIN token").isEmpty();
            assertThat(probe.send(new MetadataRequest(new MetadataRequestData(), (short) 12))).as("authenticated").isNotNull();
        }
        try (SaslProbe probe = probe()) {
            assertThat(probe.legacy("PLAIN", ("\u0000" + ADMIN + "\u0000wrong").getBytes(StandardCharsets.UTF_8)))
                    .as("a wrong raw token closes the connection").isNull();
        }
        try (SaslProbe probe = probe()) {
            // 600 kB announced and sent: above the 512 KiB limit before authentication.
            byte[] body = new byte[600_000];
            RawKafkaSocket socket = probe.socket();
            socket.write(RawKafkaSocket.frame(body));
            assertThat(socket.awaitOutcome("an oversized frame")).isInstanceOf(RawKafkaSocket.Closed.class);
        }
        assertServesAnotherClient();
    }

    @Test
    @Order(7)
    void aSessionNotRenewedEndsWithTheConnection() throws Exception {
        try (SaslProbe probe = probe()) {
            SaslAuthenticateResponse ok = probe.scram(
                    org.apache.kafka.common.security.scram.internals.ScramMechanism.SCRAM_SHA_512, ADMIN, ADMIN_PASSWORD,
                    null, false);
            assertThat(ok.sessionLifetimeMs()).isEqualTo(SESSION_MS);
            assertThat(probe.send(new MetadataRequest(new MetadataRequestData(), (short) 12))).as("in session").isNotNull();
            Thread.sleep(SESSION_MS + 300);
            assertThat(probe.send(new MetadataRequest(new MetadataRequestData(), (short) 12))).as("expired").isNull();
        }
    }

    @Test
    @Order(8)
    void kafkajsAuthenticatesWithScramOverSaslSsl() {
        for (String mechanism : List.of("scram-sha-256", "scram-sha-512")) {
            ToolResult run = Kafkajs.run("sasl-scram.js", Duration.ofSeconds(90), saslSsl(), mechanism, ADMIN,
                    ADMIN_PASSWORD, certs.caPem().toString(), "kafkajs-" + mechanism, "10").assertSuccess();
            JsonNode result = Kafkajs.result(run);
            assertThat(result.get("produced").get(0).get("errorCode").asInt()).isZero();
            assertThat(result.get("consumed")).hasSize(10);
            assertThat(result.get("consumed").get(9).asText()).isEqualTo("kafkajs " + mechanism + " 9");
            assertThat(result.get("wrongPassword").asText()).contains("SASL").doesNotContain("accepted");
        }
    }

    @Test
    @Order(9)
    void kcatOverSslWithACertificateAndWithPlainOverSaslSsl() {
        List<String> ssl = List.of("-b", "127.0.0.1:" + sslPort, "-X", "security.protocol=SSL",
                "-X", "ssl.ca.location=" + certs.caPem(), "-X", "ssl.keystore.location=" + certs.clientKeystore(),
                "-X", "ssl.keystore.password=" + TestCertificates.PASSWORD);
        List<String> plain = List.of("-b", saslSsl(), "-X", "security.protocol=SASL_SSL",
                "-X", "ssl.ca.location=" + certs.caPem(), "-X", "sasl.mechanisms=PLAIN",
                "-X", "sasl.username=" + ADMIN, "-X", "sasl.password=" + ADMIN_PASSWORD);
        for (List<String> connection : List.of(ssl, plain)) {
            String topic = "kcat-" + (connection == ssl ? "ssl" : "plain");
            List<String> produce = new ArrayList<>(connection);
            produce.addAll(List.of("-P", "-t", topic, "-p", "0"));
            Kcat.run("one\ntwo\nthree\n", TIMEOUT, produce.toArray(String[]::new)).assertSuccess();
            List<String> consume = new ArrayList<>(connection);
            consume.addAll(List.of("-C", "-t", topic, "-p", "0", "-o", "beginning", "-e"));
            assertThat(Kcat.run(null, TIMEOUT, consume.toArray(String[]::new)).assertSuccess().stdoutLines())
                    .containsExactly("one", "two", "three");
        }
    }

    @Test
    @Order(10)
    void kafkaConfigsAddsAScramUserWhoThenAuthenticatesAlsoAfterARestart() throws Exception {
        Path adminConfig = Files.createTempFile("admin", ".properties");
        Properties p = new Properties();
        scram("SCRAM-SHA-512", ADMIN, ADMIN_PASSWORD).forEach((k, v) -> p.setProperty(k, v.toString()));
        try (var out = Files.newBufferedWriter(adminConfig)) {
            p.store(out, null);
        }
        ToolResult added = KafkaCli.run("org.apache.kafka.tools.ConfigCommand", null, TIMEOUT, "--bootstrap-server",
                saslSsl(), "--command-config", adminConfig.toString(), "--entity-type", "users", "--entity-name", "alice",
                "--alter", "--add-config", "SCRAM-SHA-256=[iterations=4096,password=alice-secret],SCRAM-SHA-512=[password=alice-secret]");
        assertThat(added.stdout()).contains("Completed updating config for user alice");
        try (Admin alice = admin(saslSsl(), scram("SCRAM-SHA-256", "alice", "alice-secret"))) {
            Map<String, UserScramCredentialsDescription> described = Clients.get(alice.describeUserScramCredentials(List.of("alice")).all());
            assertThat(described.get("alice").credentialInfos()).extracting(c -> c.mechanism())
                    .containsExactlyInAnyOrder(ScramMechanism.SCRAM_SHA_256, ScramMechanism.SCRAM_SHA_512);
        }

        node.restart();
        roundTrip(saslSsl(), scram("SCRAM-SHA-512", "alice", "alice-secret"), "after-restart", 3, false);
        ToolResult deleted = KafkaCli.run("org.apache.kafka.tools.ConfigCommand", null, TIMEOUT, "--bootstrap-server",
                saslSsl(), "--command-config", adminConfig.toString(), "--entity-type", "users", "--entity-name", "alice",
                "--alter", "--delete-config", "SCRAM-SHA-512");
        assertThat(deleted.stdout()).contains("Completed updating config for user alice");
        try (Admin alice = admin(saslSsl(), scram("SCRAM-SHA-512", "alice", "alice-secret"))) {
            assertThatThrownBy(() -> alice.listTopics().names().get()).hasCauseInstanceOf(SaslAuthenticationException.class);
        }
    }

    private static SaslProbe probe() {
        return new SaslProbe("127.0.0.1", saslPlainPort);
    }

    /** After a refused client the node still serves others, on a SASL listener and on plaintext. */
    private static void assertServesAnotherClient() {
        try (Admin admin = admin(saslSsl(), scram("SCRAM-SHA-256", ADMIN, ADMIN_PASSWORD))) {
            assertThat(Clients.get(admin.describeCluster().clusterId())).isNotBlank();
        }
        try (Admin admin = Clients.admin(node.bootstrap())) {
            assertThat(Clients.get(admin.describeCluster().nodes())).extracting(Node::port).containsExactly(node.kafkaPort());
        }
    }
}
