package io.strata.systemtest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;

import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.strata.systemtest.support.Clients;
import io.strata.systemtest.support.TestCertificates;
import io.strata.testsupport.NodeLogOnFailure;
import io.strata.testsupport.StrataNode;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.ScramCredentialInfo;
import org.apache.kafka.clients.admin.ScramMechanism;
import org.apache.kafka.clients.admin.UserScramCredentialUpsertion;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.acl.AccessControlEntry;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourceType;
import org.jose4j.jws.AlgorithmIdentifiers;
import org.jose4j.jws.JsonWebSignature;
import org.jose4j.jwt.JwtClaims;
import org.jose4j.jwt.NumericDate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * One node with the authorizer on and its HTTP API on HTTPS only (a PKCS12 key through the Quarkus TLS registry,
 * plain HTTP disabled), bearer JWTs verified against a public key and HTTP Basic against SCRAM users: devices
 * with a valid token upload NDJSON and produce through REST Proxy v2 and v3; missing, expired and wrongly signed
 * tokens are 401 with a challenge; a device allowed WRITE on the prefix {@code telemetry.} is refused {@code billing}
 * (403, nothing written); a SCRAM user made with the Kafka Admin API logs in with Basic; a revoked token is 401;
 * REST Proxy consumer instances and HTTP fetch need READ and act only for their creator; {@code /admin} is for
 * super users. Kafka admin calls use the PLAINTEXT listener, the inter-broker one, which acts as the broker.
 */
@ExtendWith(NodeLogOnFailure.class)
class HttpSecurityIT {
    private static final String ISSUER = "https://devices.strata.test";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static TestCertificates certs;
    private static StrataNode node;
    private static HttpClient https;
    private static PrivateKey signingKey;
    private static PrivateKey otherKey;

    @BeforeAll
    static void startNode() throws Exception {
        Path dir = Paths.get(System.getProperty("strata.test.target.dir", "target"), "http-security").toAbsolutePath();
        certs = TestCertificates.selfSignedServer(dir);
        KeyPairGenerator rsa = KeyPairGenerator.getInstance("RSA");
        rsa.initialize(2048);
        KeyPair issuerKeys = rsa.generateKeyPair();
        signingKey = issuerKeys.getPrivate();
        otherKey = rsa.generateKeyPair().getPrivate();
        Path publicKey = dir.resolve("issuer-public.pem");
        Files.writeString(publicKey, "-----BEGIN PUBLIC KEY-----\n"
                + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(issuerKeys.getPublic().getEncoded())
                + "\n-----END PUBLIC KEY-----\n");

        SSLContext trust = trust(certs.truststore());
        https = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).sslContext(trust)
                .connectTimeout(Duration.ofSeconds(5)).build();
        node = StrataNode.builder("http-security").httpsOnly(trust)
                .env("STRATA_SECURITY_AUTHORIZER_ENABLED", "true")
                .env("STRATA_SECURITY_SUPER_USERS", "User:admin")
                .env("STRATA_KAFKA_SASL_BOOTSTRAP_USERS", "admin:admin-secret")
                .env("STRATA_GROUP_INITIAL_REBALANCE_DELAY", "0s")
                .env("STRATA_TIERING_ENABLED", "false")
                .env("QUARKUS_TLS_KEY_STORE_P12_PATH", certs.serverKeystore().toString())
                .env("QUARKUS_TLS_KEY_STORE_P12_PASSWORD", TestCertificates.PASSWORD)
                .env("QUARKUS_TLS_KEY_STORE_P12_ALIAS", "server")
                .env("QUARKUS_TLS_KEY_STORE_P12_ALIAS_PASSWORD", TestCertificates.PASSWORD)
                .env("MP_JWT_VERIFY_PUBLICKEY_LOCATION", publicKey.toString())
                .env("MP_JWT_VERIFY_ISSUER", ISSUER)
                .start();

        try (Admin admin = Clients.admin(node.bootstrap())) {
            Clients.get(admin.createTopics(List.of(new NewTopic("telemetry.a", 1, (short) 1),
                    new NewTopic("billing", 1, (short) 1))).all());
            Clients.get(admin.alterUserScramCredentials(List.of(new UserScramCredentialUpsertion("alice",
                    new ScramCredentialInfo(ScramMechanism.SCRAM_SHA_256, 4096), "alice-secret"))).all());
            Clients.get(admin.createAcls(List.of(
                    acl("User:dev-1", AclOperation.WRITE, ResourceType.TOPIC, "telemetry.", PatternType.PREFIXED),
                    acl("User:alice", AclOperation.WRITE, ResourceType.TOPIC, "telemetry.a", PatternType.LITERAL),
                    acl("User:alice", AclOperation.READ, ResourceType.TOPIC, "telemetry.a", PatternType.LITERAL),
                    acl("User:alice", AclOperation.READ, ResourceType.GROUP, "dashboards", PatternType.LITERAL),
                    acl("User:dev-1", AclOperation.READ, ResourceType.GROUP, "dashboards", PatternType.LITERAL))).all());
        }
    }

    @AfterAll
    static void stopNode() {
        if (node != null) {
            node.close();
        }
    }

    private static AclBinding acl(String principal, AclOperation op, ResourceType type, String name, PatternType pattern) {
        return new AclBinding(new ResourcePattern(type, name, pattern),
                new AccessControlEntry(principal, "*", op, AclPermissionType.ALLOW));
    }

    private static SSLContext trust(Path truststore) throws Exception {
        KeyStore ks = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(truststore)) {
            ks.load(in, TestCertificates.PASSWORD.toCharArray());
        }
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(ks);
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(null, tmf.getTrustManagers(), null);
        return ctx;
    }

    /** A JWT of the issuer (or signed by {@code key}) for {@code subject}, expiring {@code expiresInSeconds} from now. */
    private static String token(PrivateKey key, String subject, String jti, long expiresInSeconds) throws Exception {
        JwtClaims claims = new JwtClaims();
        claims.setIssuer(ISSUER);
        claims.setSubject(subject);
        claims.setJwtId(jti);
        long now = System.currentTimeMillis() / 1000;
        claims.setIssuedAt(NumericDate.fromSeconds(Math.min(now, now + expiresInSeconds - 60)));
        claims.setExpirationTime(NumericDate.fromSeconds(now + expiresInSeconds));
        JsonWebSignature jws = new JsonWebSignature();
        jws.setPayload(claims.toJson());
        jws.setKey(key);
        jws.setAlgorithmHeaderValue(AlgorithmIdentifiers.RSA_USING_SHA256);
        return jws.getCompactSerialization();
    }

    private static String bearer(String token) {
        return "Bearer " + token;
    }

    private static String basic(String user, String password) {
        return "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
    }

    private static HttpResponse<String> send(String method, String path, String authorization, String contentType,
                                             String body) throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(node.httpBase() + path)).timeout(Duration.ofSeconds(30))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (authorization != null) {
            b.header("Authorization", authorization);
        }
        if (contentType != null) {
            b.header("Content-Type", contentType);
        }
        return https.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static HttpResponse<String> ingest(String topic, String authorization) throws Exception {
        return send("POST", "/ingest/" + topic, authorization, "application/x-ndjson",
                "{\"device\":\"d1\",\"t\":21.5}\n{\"device\":\"d1\",\"t\":21.7}\n");
    }

    private static HttpResponse<String> v2Produce(String topic, String authorization) throws Exception {
        return send("POST", "/topics/" + topic, authorization, "application/vnd.kafka.json.v2+json",
                "{\"records\":[{\"value\":{\"t\":1}}]}");
    }

    private static JsonNode json(HttpResponse<String> response) throws IOException {
        return JSON.readTree(response.body());
    }

    private static void assertUnauthorized(HttpResponse<String> response, int errorCode) throws IOException {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(401);
        assertThat(response.headers().allValues("WWW-Authenticate")).anySatisfy(v -> assertThat(v).startsWith("Bearer realm="))
                .anySatisfy(v -> assertThat(v).startsWith("Basic realm="));
        assertThat(json(response).path("error_code").asInt()).isEqualTo(errorCode);
        assertThat(json(response).path("message").asText()).isNotBlank();
    }

    private static long endOffset(String topic) {
        try (Admin admin = Clients.admin(node.bootstrap())) {
            TopicPartition tp = new TopicPartition(topic, 0);
            return Clients.get(admin.listOffsets(Map.of(tp, OffsetSpec.latest())).all()).get(tp).offset();
        }
    }

    @Test
    void devicesBasicUsersRevocationAndTls() throws Exception {
        // TLS only: health is open over HTTPS, plain HTTP is not served.
        assertThat(send("GET", "/q/health/ready", null, null, null).statusCode()).isEqualTo(200);
        HttpClient plain = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(3)).build();
        assertThatThrownBy(() -> plain.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + node.insecureHttpPort()
                + "/ingest/telemetry.a")).timeout(Duration.ofSeconds(5)).POST(HttpRequest.BodyPublishers.ofString("{}\n"))
                .header("Content-Type", "application/x-ndjson").build(), HttpResponse.BodyHandlers.ofString()))
                .isInstanceOf(IOException.class);

        // A device with a valid token: NDJSON, REST Proxy v2 and v3 produce.
        String device = token(signingKey, "dev-1", "tok-1", 600);
        HttpResponse<String> upload = ingest("telemetry.a", bearer(device));
        assertThat(upload.statusCode()).as(upload.body()).isEqualTo(200);
        assertThat(json(upload).path("records").asLong()).isEqualTo(2);
        HttpResponse<String> v2 = v2Produce("telemetry.a", bearer(device));
        assertThat(v2.statusCode()).as(v2.body()).isEqualTo(200);
        assertThat(json(v2).path("offsets").get(0).path("offset").asLong()).isEqualTo(2);
        String cluster = json(send("GET", "/v3/clusters", bearer(device), null, null)).path("data").get(0)
                .path("cluster_id").asText();
        HttpResponse<String> v3 = send("POST", "/v3/clusters/" + cluster + "/topics/telemetry.a/records", bearer(device),
                "application/json", "{\"value\":{\"type\":\"JSON\",\"data\":{\"t\":2}}}");
        assertThat(v3.statusCode()).as(v3.body()).isEqualTo(200);
        assertThat(endOffset("telemetry.a")).isEqualTo(4);

        // No, expired and wrongly signed tokens: 401 with a challenge and a JSON error (v2 paths: Confluent's code).
        assertUnauthorized(ingest("telemetry.a", null), 401);
        assertUnauthorized(ingest("telemetry.a", bearer(token(signingKey, "dev-1", "tok-old", -300))), 401);
        assertUnauthorized(ingest("telemetry.a", bearer(token(otherKey, "dev-1", "tok-forged", 600))), 401);
        assertUnauthorized(v2Produce("telemetry.a", bearer(device.substring(0, device.length() - 4) + "AAAA")), 40101);
        assertThat(endOffset("telemetry.a")).isEqualTo(4);

        // WRITE on the prefix telemetry. does not reach billing: 403 naming the topic, nothing written.
        HttpResponse<String> billing = ingest("billing", bearer(device));
        assertThat(billing.statusCode()).as(billing.body()).isEqualTo(403);
        assertThat(json(billing).path("message").asText()).contains("WRITE", "'billing'", "User:dev-1");
        HttpResponse<String> billingV2 = v2Produce("billing", bearer(device));
        assertThat(billingV2.statusCode()).isEqualTo(403);
        assertThat(json(billingV2).path("error_code").asInt()).isEqualTo(40301);
        assertThat(endOffset("billing")).isZero();

        // Basic with the SCRAM user made through the Kafka Admin API; a wrong password is 401.
        HttpResponse<String> alice = ingest("telemetry.a", basic("alice", "alice-secret"));
        assertThat(alice.statusCode()).as(alice.body()).isEqualTo(200);
        assertUnauthorized(ingest("telemetry.a", basic("alice", "not-her-password")), 401);
        assertUnauthorized(ingest("telemetry.a", basic("nobody", "alice-secret")), 401);
        assertThat(endOffset("telemetry.a")).isEqualTo(6);

        // HTTP fetch needs READ: alice has it, the device (WRITE only) does not.
        HttpResponse<String> fetched = send("GET", "/topics/telemetry.a/partitions/0/records?offset=0&timeout=0",
                basic("alice", "alice-secret"), null, null);
        assertThat(fetched.statusCode()).as(fetched.body()).isEqualTo(200);
        assertThat(fetched.body()).contains("\"offset\":5");
        assertThat(send("GET", "/topics/telemetry.a/partitions/0/records?offset=0", bearer(device), null, null).statusCode())
                .isEqualTo(403);

        // A REST Proxy consumer instance acts as its creator: the device may read the group, but not use alice's instance.
        String v2Json = "application/vnd.kafka.v2+json";
        HttpResponse<String> created = send("POST", "/consumers/dashboards", basic("alice", "alice-secret"), v2Json,
                "{\"name\":\"alice-1\",\"format\":\"json\",\"auto.offset.reset\":\"earliest\"}");
        assertThat(created.statusCode()).as(created.body()).isEqualTo(200);
        String instance = "/consumers/dashboards/instances/alice-1";
        assertThat(send("POST", instance + "/subscription", basic("alice", "alice-secret"), v2Json,
                "{\"topics\":[\"telemetry.a\"]}").statusCode()).isEqualTo(204);
        HttpResponse<String> stolen = send("GET", instance + "/records", bearer(device), null, null);
        assertThat(stolen.statusCode()).as(stolen.body()).isEqualTo(403);
        assertThat(json(stolen).path("error_code").asInt()).isEqualTo(40301);
        assertThat(send("GET", instance + "/records?timeout=2000", basic("alice", "alice-secret"), null, null).statusCode())
                .isEqualTo(200);
        assertThat(send("DELETE", instance, bearer(device), null, null).statusCode()).isEqualTo(403);
        assertThat(send("DELETE", instance, basic("alice", "alice-secret"), null, null).statusCode()).isEqualTo(204);

        // /admin is for super users; the admin revokes the device's token, which is then refused; a new one works.
        assertThat(send("GET", "/admin/token-revocations", bearer(device), null, null).statusCode()).isEqualTo(403);
        HttpResponse<String> revoked = send("POST", "/admin/token-revocations", basic("admin", "admin-secret"),
                "application/json", "{\"jti\":\"tok-1\"}");
        assertThat(revoked.statusCode()).as(revoked.body()).isEqualTo(200);
        assertUnauthorized(ingest("telemetry.a", bearer(device)), 401);
        assertThat(ingest("telemetry.a", bearer(token(signingKey, "dev-1", "tok-2", 600))).statusCode()).isEqualTo(200);
        assertThat(send("GET", "/admin/token-revocations", basic("admin", "admin-secret"), null, null).body())
                .contains("\"jti\":\"tok-1\"");

        // Revoking the subject refuses every token of the device issued until then.
        String issuedBefore = token(signingKey, "dev-1", "tok-3", 600);
        assertThat(send("POST", "/admin/token-revocations", basic("admin", "admin-secret"), "application/json",
                "{\"subject\":\"dev-1\"}").statusCode()).isEqualTo(200);
        assertUnauthorized(ingest("telemetry.a", bearer(issuedBefore)), 401);
    }
}
