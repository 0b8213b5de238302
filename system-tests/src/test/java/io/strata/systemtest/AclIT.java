package io.strata.systemtest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;

import io.strata.systemtest.support.Clients;
import io.strata.systemtest.support.KafkaCli;
import io.strata.systemtest.support.StrataCluster;
import io.strata.systemtest.support.ToolResult;
import io.strata.testsupport.NodeLogOnFailure;
import io.strata.testsupport.Ports;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.config.SaslConfigs;
import org.apache.kafka.common.errors.GroupAuthorizationException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Two nodes with the authorizer on, a PLAINTEXT listener between them and a SASL_PLAINTEXT one (PLAIN) for
 * clients, a super user and two users: ACLs added and removed with Apache Kafka's kafka-acls through one node
 * are enforced by the other (produce without WRITE fails with TOPIC_AUTHORIZATION_FAILED, consuming without
 * group READ with GROUP_AUTHORIZATION_FAILED, a PREFIXED ALLOW with a LITERAL DENY as in Kafka), removing one
 * ACL keeps the others, and ACLs and credentials survive a restart of the whole cluster.
 */
@ExtendWith(NodeLogOnFailure.class)
class AclIT {
    private static final Duration TIMEOUT = Duration.ofSeconds(45);
    private static final String ACL_COMMAND = "org.apache.kafka.tools.AclCommand";

    private static Map<String, Object> plain(String user) {
        return Map.of(CommonClientConfigs.SECURITY_PROTOCOL_CONFIG, "SASL_PLAINTEXT",
                SaslConfigs.SASL_MECHANISM, "PLAIN",
                SaslConfigs.SASL_JAAS_CONFIG, "org.apache.kafka.common.security.plain.PlainLoginModule required "
                        + "username=\"" + user + "\" password=\"" + user + "-secret\";");
    }

    /** kafka-acls as the super user through {@code bootstrap}; fails the test unless it succeeds. */
    private static ToolResult acls(String bootstrap, Path adminConfig, String... args) {
        List<String> all = new ArrayList<>(List.of("--bootstrap-server", bootstrap, "--command-config", adminConfig.toString()));
        all.addAll(List.of(args));
        return KafkaCli.run(ACL_COMMAND, null, TIMEOUT, all.toArray(String[]::new)).assertSuccess();
    }

    /** Produces one record without idempotence (so only the topic's WRITE is asked); the failure's cause, or null. */
    private static Throwable produce(String bootstrap, String user, String topic) {
        Map<String, Object> config = new HashMap<>(plain(user));
        config.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "false");
        config.put(ProducerConfig.ACKS_CONFIG, "1");
        config.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, "10000");
        try (KafkaProducer<byte[], byte[]> producer = Clients.producer(bootstrap, config)) {
            producer.send(new ProducerRecord<>(topic, "v".getBytes(StandardCharsets.UTF_8))).get();
            return null;
        } catch (ExecutionException e) {
            return e.getCause();
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        } catch (RuntimeException e) {
            return e;
        }
    }

    /** Reads a topic in group {@code group} until a record arrives; returns the count, or throws the poll's error. */
    private static int consume(String bootstrap, String user, String group, String topic) {
        return consume(bootstrap, user, group, topic, "classic");
    }

    /** As above with the given group.protocol (classic, or consumer: KIP-848's ConsumerGroupHeartbeat). */
    private static int consume(String bootstrap, String user, String group, String topic, String protocol) {
        Map<String, Object> config = new HashMap<>(plain(user));
        config.put(ConsumerConfig.GROUP_PROTOCOL_CONFIG, protocol);
        config.put(ConsumerConfig.GROUP_ID_CONFIG, group);
        config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        try (KafkaConsumer<byte[], byte[]> consumer = Clients.consumer(bootstrap, config)) {
            consumer.subscribe(List.of(topic));
            long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
            int read = 0;
            while (read == 0 && System.nanoTime() < deadline) {
                read += consumer.poll(Duration.ofMillis(500)).count();
            }
            return read;
        }
    }

    @Test
    void aclsFromKafkaAclsOnOneNodeAreEnforcedOnTheOtherAndSurviveARestart() throws Exception {
        Map<Integer, Integer> saslPorts = new ConcurrentHashMap<>();
        Map<String, String> env = Map.of("STRATA_KAFKA_SASL_ENABLED_MECHANISMS", "PLAIN,SCRAM-SHA-256",
                "STRATA_KAFKA_SASL_BOOTSTRAP_USERS", "admin:admin-secret,alice:alice-secret,bob:bob-secret",
                "STRATA_SECURITY_AUTHORIZER_ENABLED", "true",
                "STRATA_SECURITY_SUPER_USERS", "User:admin",
                "STRATA_GROUP_INITIAL_REBALANCE_DELAY", "0s",
                "STRATA_TIERING_ENABLED", "false");
        Path adminConfig = Paths.get(System.getProperty("strata.test.target.dir", "target"), "acl-admin.properties")
                .toAbsolutePath();
        Files.createDirectories(adminConfig.getParent());
        Files.writeString(adminConfig, "security.protocol=SASL_PLAINTEXT\nsasl.mechanism=PLAIN\n"
                + "sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required "
                + "username=\"admin\" password=\"admin-secret\";\n");
        try (StrataCluster cluster = StrataCluster.start("acl", 2, env, (id, kafkaPort) -> {
            int sasl = Ports.free();
            saslPorts.put(id, sasl);
            return Map.of("STRATA_KAFKA_LISTENERS", "PLAINTEXT://127.0.0.1:" + kafkaPort + ",SASL_PLAINTEXT://127.0.0.1:" + sasl);
        })) {
            String node1 = "127.0.0.1:" + saslPorts.get(1);
            String node2 = "127.0.0.1:" + saslPorts.get(2);
            Map<String, Object> adminProps = new HashMap<>(plain("admin"));
            adminProps.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, node1);
            try (Admin admin = Admin.create(adminProps)) {
                Clients.get(admin.createTopics(List.of(new NewTopic("orders", 1, (short) 2),
                        new NewTopic("orders-secret", 1, (short) 2))).all());
            }
            assertThat(produce(node2, "alice", "orders")).as("no ACL yet: denied by default")
                    .isInstanceOf(TopicAuthorizationException.class);

            // Through node 1: alice may read and write every topic starting with "ord", but not read orders-secret.
            acls(node1, adminConfig, "--add", "--allow-principal", "User:alice", "--operation", "Read",
                    "--operation", "Write", "--topic", "ord", "--resource-pattern-type", "prefixed");
            acls(node1, adminConfig, "--add", "--deny-principal", "User:alice", "--operation", "Read",
                    "--topic", "orders-secret");
            String listed = acls(node1, adminConfig, "--list", "--topic", "orders-secret",
                    "--resource-pattern-type", "match").stdout();
            assertThat(listed).contains("principal=User:alice", "operation=READ", "permissionType=DENY",
                    "operation=WRITE", "permissionType=ALLOW", "patternType=PREFIXED");

            // Enforced by node 2 (its local copy follows within milliseconds; the producer's first try may race it).
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            Throwable aliceWrite;
            do {
                aliceWrite = produce(node2, "alice", "orders");
            } while (aliceWrite != null && System.nanoTime() < deadline);
            assertThat(aliceWrite).isNull();
            assertThat(produce(node2, "alice", "orders-secret")).as("the DENY is of READ only").isNull();
            assertThat(produce(node2, "bob", "orders")).isInstanceOf(TopicAuthorizationException.class);

            assertThatThrownBy(() -> consume(node2, "alice", "readers", "orders"))
                    .isInstanceOf(GroupAuthorizationException.class);
            acls(node1, adminConfig, "--add", "--allow-principal", "User:alice", "--operation", "Read", "--group", "readers");
            assertThat(consume(node2, "alice", "readers", "orders")).isPositive();
            assertThat(consume(node2, "alice", "readers", "orders", "consumer")).isPositive();
            assertThatThrownBy(() -> consume(node2, "alice", "strangers", "orders", "consumer"))
                    .isInstanceOf(GroupAuthorizationException.class);
            assertThatThrownBy(() -> consume(node2, "alice", "readers", "orders-secret"))
                    .as("the literal DENY beats the prefixed ALLOW").isInstanceOf(TopicAuthorizationException.class);

            // Removing one of alice's ACLs on the prefix keeps the others, the DENY included.
            acls(node1, adminConfig, "--remove", "--force", "--allow-principal", "User:alice", "--operation", "Write",
                    "--topic", "ord", "--resource-pattern-type", "prefixed");
            deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            do {
                aliceWrite = produce(node2, "alice", "orders");
            } while (aliceWrite == null && System.nanoTime() < deadline);
            assertThat(aliceWrite).isInstanceOf(TopicAuthorizationException.class);
            String afterRemove = acls(node2, adminConfig, "--list", "--principal", "User:alice").stdout();
            assertThat(afterRemove).contains("operation=READ, permissionType=ALLOW", "operation=READ, permissionType=DENY")
                    .doesNotContain("operation=WRITE");

            // The node's own producers use the inter-broker listener, which acts as the broker: an HTTP upload to
            // node 2 stores the records of partitions node 1 leads too (forwarded there) with the authorizer on.
            try (Admin admin = Admin.create(adminProps)) {
                Clients.get(admin.createTopics(List.of(new NewTopic("http-events", 4, (short) 1))).all());
            }
            StringBuilder lines = new StringBuilder();
            for (int i = 0; i < 40; i++) {
                lines.append("{\"device\":\"d").append(i).append("\",\"n\":").append(i).append("}\n");
            }
            HttpResponse<String> upload = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build().send(
                    HttpRequest.newBuilder(URI.create(cluster.node(2).httpBase() + "/ingest/http-events"))
                            .header("Content-Type", "application/x-ndjson").header("X-Strata-Key-Field", "device")
                            // With the authorizer on the HTTP port authenticates too: the super user, with HTTP Basic.
                            .header("Authorization", "Basic " + java.util.Base64.getEncoder()
                                    .encodeToString("admin:admin-secret".getBytes(StandardCharsets.UTF_8)))
                            .timeout(Duration.ofSeconds(30)).POST(HttpRequest.BodyPublishers.ofString(lines.toString()))
                            .build(), HttpResponse.BodyHandlers.ofString());
            assertThat(upload.statusCode()).as(upload.body()).isEqualTo(200);
            assertThat(upload.body()).contains("\"records\":40", "\"rejected\":0");

            // A restart of the whole cluster keeps the ACLs and the credentials.
            cluster.stop(2);
            cluster.stop(1);
            cluster.startTogether(1, 2);
            assertThat(consume(node2, "alice", "readers", "orders")).isPositive();
            assertThatThrownBy(() -> consume(node1, "alice", "readers", "orders-secret"))
                    .isInstanceOf(TopicAuthorizationException.class);
            assertThat(produce(node1, "alice", "orders")).isInstanceOf(TopicAuthorizationException.class);
            assertThat(acls(node1, adminConfig, "--list").stdout()).contains("readers", "orders-secret", "ord");
        }
    }
}
