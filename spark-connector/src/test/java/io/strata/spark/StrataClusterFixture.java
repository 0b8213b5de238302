package io.strata.spark;

import io.strata.storage.remote.EmbeddedS3Proxy;
import io.strata.testsupport.ObjectStoreProcess;
import io.strata.testsupport.StrataNode;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.spark.sql.DataFrameReader;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.streaming.DataStreamReader;
import org.awaitility.Awaitility;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A real Strata node tiering to an S3Proxy in a process of its own (both from test-support), kafka-clients to
 * produce and to read the reference copy, and a local Spark session: what the connector's tests share.
 * Not thread-safe.
 */
final class StrataClusterFixture implements AutoCloseable {

    static final Duration TIMEOUT = Duration.ofMinutes(2);
    /** Small segments so that a few hundred KB make dozens of sealed, uploaded segments. */
    static final Map<String, String> SMALL_SEGMENTS = Map.of("segment.bytes", "16384");

    final ObjectStoreProcess s3;
    final StrataNode node;
    final SparkSession spark;

    StrataClusterFixture() throws Exception {
        this("spark-source", Paths.get("target"), Map.of());
    }

    /**
     * @param name    the node's name (its data directory under the test target directory)
     * @param workDir where the object store keeps its files
     * @param nodeEnv extra settings of the node ({@code STRATA_*})
     */
    StrataClusterFixture(String name, Path workDir, Map<String, String> nodeEnv) throws Exception {
        this(name, workDir, nodeEnv, ObjectStoreProcess.TEST_JVM_OPTIONS);
    }

    /** @param s3JvmOptions the S3Proxy JVM's options (tests: small and quick to start) */
    StrataClusterFixture(String name, Path workDir, Map<String, String> nodeEnv, List<String> s3JvmOptions)
            throws Exception {
        Path objects = Files.createTempDirectory(Files.createDirectories(workDir), "s3proxy-spark");
        s3 = ObjectStoreProcess.builder(objects).jvmOptions(s3JvmOptions).build().start();
        StrataNode.Builder builder = StrataNode.builder(name);
        s3.nodeEnv().forEach(builder::env);
        nodeEnv.forEach(builder::env);
        node = builder.start();
        spark = SparkSession.builder()
                .master("local[2]")
                .appName("strata-connector-test")
                .config("spark.driver.bindAddress", "127.0.0.1")
                .config("spark.driver.host", "127.0.0.1")
                .config("spark.ui.enabled", "false")
                .config("spark.sql.shuffle.partitions", "2")
                .getOrCreate();
    }

    /** {@code spark.read.format("strata")} with the store options. */
    DataFrameReader read() {
        return spark.read().format("strata").options(storeOptions());
    }

    DataStreamReader readStream() {
        return spark.readStream().format("strata").options(storeOptions());
    }

    Map<String, String> storeOptions() {
        return Map.of("endpoint", s3.endpoint(), "bucket", ObjectStoreProcess.BUCKET,
                "accessKey", EmbeddedS3Proxy.IDENTITY, "secretKey", EmbeddedS3Proxy.CREDENTIAL);
    }

    StoreSettings storeSettings() {
        return new StoreSettings(s3.endpoint(), "us-east-1", ObjectStoreProcess.BUCKET, "", true,
                EmbeddedS3Proxy.IDENTITY, EmbeddedS3Proxy.CREDENTIAL);
    }

    void createTopic(String topic, int partitions) throws Exception {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, node.bootstrap()))) {
            admin.createTopics(List.of(new NewTopic(topic, partitions, (short) 1).configs(SMALL_SEGMENTS))).all().get();
        }
    }

    KafkaProducer<byte[], byte[]> producer(String compression) {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, node.bootstrap());
        p.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, compression);
        p.put(ProducerConfig.BATCH_SIZE_CONFIG, 4096); // batches must fit a 16 KB segment
        p.put(ProducerConfig.LINGER_MS_CONFIG, 5);
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        return new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer());
    }

    /** Waits until every sealed segment is uploaded (the node's tiering backlog reads zero). */
    void awaitTiered() {
        Awaitility.await().atMost(TIMEOUT).pollInterval(Duration.ofMillis(300))
                .until(() -> metric("strata_tiering_backlog_bytes") == 0
                        && metric("strata_tiering_segments_copied_total") > 0);
    }

    /** The end of what the bucket holds of each partition of {@code topic} (latest manifests). */
    Map<TopicPartition, PartitionCatalog.PartitionSource> tiered(String topic) {
        Map<TopicPartition, PartitionCatalog.PartitionSource> out = new HashMap<>();
        for (PartitionCatalog.PartitionSource s : PartitionCatalog.resolve(storeSettings(),
                new TopicSelection.Subscribe(List.of(topic)))) {
            out.put(s.tp(), s);
        }
        return out;
    }

    /** What a kafka-clients consumer reads of {@code partitions} in {@code [0, ends)}. */
    List<ConsumerRecord<byte[], byte[]>> consume(Map<TopicPartition, Long> ends) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, node.bootstrap());
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        List<ConsumerRecord<byte[], byte[]>> out = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(p, new ByteArrayDeserializer(),
                new ByteArrayDeserializer())) {
            consumer.assign(ends.keySet());
            consumer.seekToBeginning(ends.keySet());
            Map<TopicPartition, Long> remaining = new HashMap<>(ends);
            remaining.values().removeIf(end -> end == 0);
            long deadline = System.nanoTime() + TIMEOUT.toNanos();
            while (!remaining.isEmpty() && System.nanoTime() < deadline) {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    TopicPartition tp = new TopicPartition(r.topic(), r.partition());
                    Long end = ends.get(tp);
                    if (r.offset() < end) {
                        out.add(r);
                    }
                    if (r.offset() >= end - 1) {
                        remaining.remove(tp);
                    }
                }
            }
            if (!remaining.isEmpty()) {
                throw new AssertionError("consumer did not reach " + remaining);
            }
        }
        return out;
    }

    /** A value from the node's Prometheus endpoint (the sum over all series of that name). */
    double metric(String name) {
        String body = node.httpGet("/q/metrics").body();
        Matcher m = Pattern.compile("(?m)^" + Pattern.quote(name) + "(?:\\{[^}]*})? ([0-9.eE+-]+)$").matcher(body);
        double sum = 0;
        boolean found = false;
        while (m.find()) {
            sum += Double.parseDouble(m.group(1));
            found = true;
        }
        if (!found) {
            throw new AssertionError("metric " + name + " not exported");
        }
        return sum;
    }

    @Override
    public void close() {
        try {
            spark.stop();
        } finally {
            try {
                node.close();
            } finally {
                s3.close();
            }
        }
    }
}
