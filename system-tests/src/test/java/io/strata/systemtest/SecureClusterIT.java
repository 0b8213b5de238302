package io.strata.systemtest;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;

import io.strata.systemtest.support.Clients;
import io.strata.systemtest.support.StrataCluster;
import io.strata.testsupport.NodeLogOnFailure;
import io.strata.testsupport.Ports;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.ScramCredentialInfo;
import org.apache.kafka.clients.admin.ScramMechanism;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.admin.UserScramCredentialUpsertion;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.config.SaslConfigs;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Two nodes, each with a PLAINTEXT listener (between the nodes) and a SASL_PLAINTEXT one (for clients): clients of
 * either listener are told every node's endpoint of that listener, followers replicate over PLAINTEXT while clients
 * produce acks=all and consume as a group over SASL, and a user added through one node authenticates on the other.
 */
@ExtendWith(NodeLogOnFailure.class)
class SecureClusterIT {
    private static final String ADMIN = "admin";
    private static final String ADMIN_PASSWORD = "admin-secret";

    private static Map<String, Object> scram(String user, String password) {
        return Map.of(CommonClientConfigs.SECURITY_PROTOCOL_CONFIG, "SASL_PLAINTEXT",
                SaslConfigs.SASL_MECHANISM, "SCRAM-SHA-256",
                SaslConfigs.SASL_JAAS_CONFIG, "org.apache.kafka.common.security.scram.ScramLoginModule required "
                        + "username=\"" + user + "\" password=\"" + password + "\";");
    }

    private static Admin admin(String bootstrap, Map<String, Object> security) {
        Properties props = new Properties();
        props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, "15000");
        props.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "30000");
        props.putAll(security);
        return Admin.create(props);
    }

    @Test
    void clientsOfTheSaslListenerSeeItOnEveryNodeWhileNodesReplicateOverPlaintext() throws Exception {
        Map<Integer, Integer> saslPorts = new ConcurrentHashMap<>();
        Map<String, String> env = Map.of("STRATA_KAFKA_SASL_ENABLED_MECHANISMS", "SCRAM-SHA-256",
                "STRATA_KAFKA_SASL_BOOTSTRAP_USERS", ADMIN + ":" + ADMIN_PASSWORD,
                "STRATA_GROUP_INITIAL_REBALANCE_DELAY", "0s",
                "STRATA_TIERING_ENABLED", "false");
        try (StrataCluster cluster = StrataCluster.start("secure", 2, env, (id, kafkaPort) -> {
            int sasl = Ports.free();
            saslPorts.put(id, sasl);
            return Map.of("STRATA_KAFKA_LISTENERS", "PLAINTEXT://127.0.0.1:" + kafkaPort + ",SASL_PLAINTEXT://127.0.0.1:" + sasl);
        })) {
            String saslBootstrap = "127.0.0.1:" + saslPorts.get(1);
            try (Admin admin = admin(saslBootstrap, scram(ADMIN, ADMIN_PASSWORD))) {
                assertThat(Clients.get(admin.describeCluster().nodes())).extracting(Node::port)
                        .containsExactlyInAnyOrderElementsOf(saslPorts.values());
                Clients.get(admin.createTopics(List.of(new NewTopic("replicated", 2, (short) 2))).all());
                TopicDescription topic = Clients.get(admin.describeTopics(List.of("replicated")).allTopicNames()).get("replicated");
                assertThat(topic.partitions()).flatExtracting(TopicPartitionInfo::replicas).extracting(Node::port)
                        .containsOnlyElementsOf(saslPorts.values());
                Clients.get(admin.alterUserScramCredentials(List.of(new UserScramCredentialUpsertion("carol",
                        new ScramCredentialInfo(ScramMechanism.SCRAM_SHA_256, 4096), "carol-secret"))).all());
            }
            try (Admin plain = Clients.admin(cluster.node(2).bootstrap())) {
                assertThat(Clients.get(plain.describeCluster().nodes())).extracting(Node::port)
                        .containsExactlyInAnyOrder(cluster.node(1).kafkaPort(), cluster.node(2).kafkaPort());
            }

            // carol was added through node 1 and connects to node 2 only.
            String node2 = "127.0.0.1:" + saslPorts.get(2);
            Map<String, Object> producerConfig = new HashMap<>(scram("carol", "carol-secret"));
            producerConfig.put(ProducerConfig.ACKS_CONFIG, "all");
            try (KafkaProducer<byte[], byte[]> producer = Clients.producer(node2, producerConfig)) {
                for (int i = 0; i < 20; i++) {
                    producer.send(new ProducerRecord<>("replicated", i % 2, null, ("r" + i).getBytes(StandardCharsets.UTF_8))).get();
                }
            }
            Map<String, Object> consumerConfig = new HashMap<>(scram("carol", "carol-secret"));
            consumerConfig.put(ConsumerConfig.GROUP_ID_CONFIG, "secure-readers");
            List<String> read = new ArrayList<>();
            try (KafkaConsumer<byte[], byte[]> consumer = Clients.consumer(node2, consumerConfig)) {
                consumer.subscribe(List.of("replicated"));
                long deadline = System.nanoTime() + Duration.ofSeconds(45).toNanos();
                while (read.size() < 20 && System.nanoTime() < deadline) {
                    consumer.poll(Duration.ofMillis(500)).forEach(r -> read.add(new String(r.value(), StandardCharsets.UTF_8)));
                }
                consumer.commitSync();
            }
            Set<String> expected = java.util.stream.IntStream.range(0, 20).mapToObj(i -> "r" + i).collect(Collectors.toSet());
            assertThat(read).containsExactlyInAnyOrderElementsOf(expected);
            try (Admin admin = admin(node2, scram(ADMIN, ADMIN_PASSWORD))) {
                TopicDescription topic = Clients.get(admin.describeTopics(List.of("replicated")).allTopicNames()).get("replicated");
                assertThat(topic.partitions()).as("both replicas in sync: followers fetched over PLAINTEXT")
                        .allSatisfy(p -> assertThat(p.isr()).hasSize(2));
            }
        }
    }
}
