package io.strata.reliability.cluster;

import io.strata.reliability.net.HostCommand;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** Kafka clients and process checks shared by the lab cluster tests. */
final class LabClients {

    private LabClients() {
    }

    static Admin admin(String bootstrap) {
        Properties p = new Properties();
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, "10000");
        p.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "60000");
        p.put(AdminClientConfig.SOCKET_CONNECTION_SETUP_TIMEOUT_MS_CONFIG, "2000");
        p.put(AdminClientConfig.SOCKET_CONNECTION_SETUP_TIMEOUT_MAX_MS_CONFIG, "4000");
        return Admin.create(p);
    }

    /** Creates a one-partition topic with replication factor 3 and the cluster's topic configs; waits for it. */
    static void createTopic(ClusterUnderTest cluster, String topic) throws Exception {
        try (Admin admin = admin(cluster.bootstrap())) {
            admin.createTopics(List.of(new NewTopic(topic, 1, (short) 3).configs(cluster.topicConfigs())))
                    .all().get(60, TimeUnit.SECONDS);
            TopicDescription d = admin.describeTopics(List.of(topic)).allTopicNames().get(60, TimeUnit.SECONDS)
                    .get(topic);
            assertThat(d.partitions().get(0).replicas()).hasSize(3);
        }
    }

    /** Sends {@code values} with acks=all and waits for every acknowledgement. */
    static void produce(String bootstrap, String topic, List<String> values) throws Exception {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, "90000");
        p.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, "10000");
        p.put(ProducerConfig.SOCKET_CONNECTION_SETUP_TIMEOUT_MS_CONFIG, "2000");
        p.put(ProducerConfig.SOCKET_CONNECTION_SETUP_TIMEOUT_MAX_MS_CONFIG, "4000");
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(p, new StringSerializer(),
                new StringSerializer())) {
            List<java.util.concurrent.Future<?>> acks = new ArrayList<>();
            for (String v : values) {
                acks.add(producer.send(new ProducerRecord<>(topic, 0, v, v)));
            }
            for (java.util.concurrent.Future<?> ack : acks) {
                ack.get(120, TimeUnit.SECONDS);
            }
        }
    }

    /** Reads partition 0 from the beginning until {@code count} records arrived (or the timeout passed). */
    static List<String> consume(String bootstrap, String topic, int count, Duration timeout) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        p.put(ConsumerConfig.SOCKET_CONNECTION_SETUP_TIMEOUT_MS_CONFIG, "2000");
        p.put(ConsumerConfig.SOCKET_CONNECTION_SETUP_TIMEOUT_MAX_MS_CONFIG, "4000");
        List<String> values = new ArrayList<>();
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(p, new StringDeserializer(),
                new StringDeserializer())) {
            TopicPartition tp = new TopicPartition(topic, 0);
            consumer.assign(List.of(tp));
            consumer.seekToBeginning(List.of(tp));
            long deadline = System.nanoTime() + timeout.toNanos();
            while (values.size() < count && System.nanoTime() < deadline) {
                for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(500))) {
                    values.add(r.value());
                }
            }
        }
        return values;
    }

    static List<String> values(String prefix, int from, int to) {
        List<String> v = new ArrayList<>();
        for (int i = from; i < to; i++) {
            v.add(prefix + "-" + i);
        }
        return v;
    }

    /** The program a pid runs, and the network namespace it runs in. */
    static void assertJvmInNamespace(long pid, String namespace) throws Exception {
        assertThat(Files.readString(Path.of("/proc", Long.toString(pid), "comm")).trim()).as("pid " + pid)
                .isEqualTo("java");
        assertThat(HostCommand.run("ip", "netns", "identify", Long.toString(pid)).trim()).as("namespace of " + pid)
                .isEqualTo(namespace);
    }

    /** Neither a namespace of the lab nor a mount under its work directory is left. */
    static void assertNothingLeft(LabCluster cluster) throws Exception {
        String namespaces = HostCommand.run("ip", "netns", "list");
        for (int id : cluster.nodeIds()) {
            assertThat(namespaces).as("namespaces").doesNotContain(cluster.network().namespace(id));
        }
        assertThat(HostCommand.run("ip", "-o", "link", "show")).doesNotContain(cluster.network().bridge());
        assertThat(Files.readString(Path.of("/proc/self/mounts"))).as("mounts")
                .doesNotContain(cluster.workDir().toString());
        assertThat(cluster.workDir()).doesNotExist();
    }
}
