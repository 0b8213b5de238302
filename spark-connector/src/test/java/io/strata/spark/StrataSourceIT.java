package io.strata.spark;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.strata.storage.remote.RemoteSegment;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.streaming.StreamingQuery;
import org.apache.spark.sql.streaming.StreamingQueryProgress;
import org.apache.spark.sql.streaming.Trigger;
import org.apache.spark.sql.types.DataTypes;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.sql.Timestamp;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;

import static org.apache.spark.sql.functions.avg;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The connector end to end: a packaged Strata node tiers small segments to S3Proxy; kafka-clients produce with
 * every compression codec, with keys and headers; a local Spark session reads the bucket directly and must see
 * exactly what a kafka-clients consumer reads of the same offsets.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@ExtendWith(io.strata.testsupport.NodeLogOnFailure.class)
class StrataSourceIT {

    private static final String TOPIC = "readings";
    private static final List<String> CODECS = List.of("none", "gzip", "snappy", "lz4", "zstd");
    private static final int PER_CODEC = 700;
    /** Recent enough that the topic's default retention.ms (7 days) keeps everything. */
    private static final long BASE_TS = System.currentTimeMillis() - 3_600_000L;

    private StrataClusterFixture cluster;
    /** The records of the sealed, uploaded segments of {@link #TOPIC}, as a consumer reads them, by "p/offset". */
    private Map<String, ConsumerRecord<byte[], byte[]>> expected;
    private Map<TopicPartition, PartitionCatalog.PartitionSource> tiered;

    @BeforeAll
    void start() throws Exception {
        cluster = new StrataClusterFixture();
        cluster.createTopic(TOPIC, 3);
        Random random = new Random(42);
        int i = 0;
        for (String codec : CODECS) {
            try (KafkaProducer<byte[], byte[]> producer = cluster.producer(codec)) {
                for (int n = 0; n < PER_CODEC; n++, i++) {
                    byte[] value = new byte[40 + random.nextInt(160)];
                    random.nextBytes(value);
                    byte[] key = i % 7 == 0 ? null : ("k-" + i).getBytes(StandardCharsets.UTF_8);
                    RecordHeaders headers = new RecordHeaders();
                    headers.add("codec", codec.getBytes(StandardCharsets.UTF_8));
                    headers.add("seq", Integer.toString(i).getBytes(StandardCharsets.UTF_8));
                    if (i % 5 == 0) {
                        headers.add(new RecordHeader("empty", null));
                    }
                    producer.send(new ProducerRecord<>(TOPIC, i % 3, BASE_TS + i * 10L, key, value, headers));
                }
                producer.flush();
            }
        }
        cluster.awaitTiered();
        tiered = cluster.tiered(TOPIC);
        assertThat(tiered).hasSize(3);
        Map<TopicPartition, Long> ends = new HashMap<>();
        tiered.forEach((tp, s) -> ends.put(tp, s.endOffset()));
        assertThat(ends.values()).allSatisfy(end -> assertThat(end).as("tiered end").isGreaterThan(300));
        expected = new HashMap<>();
        for (ConsumerRecord<byte[], byte[]> r : cluster.consume(ends)) {
            expected.put(r.partition() + "/" + r.offset(), r);
        }
    }

    @AfterAll
    void stop() {
        if (cluster != null) {
            cluster.close();
        }
    }

    private Dataset<Row> readings() {
        return readings(Map.of());
    }

    private Dataset<Row> readings(Map<String, String> options) {
        return cluster.read().option("subscribe", TOPIC).option("includeHeaders", "true").options(options).load();
    }

    @Test
    void everyRecordOfTheSealedSegmentsIsByteIdenticalToWhatAConsumerReads() {
        assertThat(readings().schema().fieldNames()).containsExactly("key", "value", "topic", "partition", "offset",
                "timestamp", "timestampType", "headers");
        List<Row> rows = readings().collectAsList();
        assertThat(rows).hasSize(expected.size());
        Set<String> seen = new HashSet<>();
        for (Row row : rows) {
            String id = row.<Integer>getAs("partition") + "/" + row.<Long>getAs("offset");
            assertThat(seen.add(id)).as("row %s read once", id).isTrue();
            ConsumerRecord<byte[], byte[]> r = expected.get(id);
            assertThat(r).as("record %s", id).isNotNull();
            assertThat(row.<String>getAs("topic")).isEqualTo(TOPIC);
            assertThat((byte[]) row.getAs("key")).isEqualTo(r.key());
            assertThat((byte[]) row.getAs("value")).isEqualTo(r.value());
            assertThat(row.<Timestamp>getAs("timestamp").getTime()).isEqualTo(r.timestamp());
            assertThat(row.<Integer>getAs("timestampType")).isEqualTo(r.timestampType().id);
            List<Row> headers = row.getList(row.fieldIndex("headers"));
            Header[] want = r.headers().toArray();
            assertThat(headers).hasSize(want.length);
            for (int h = 0; h < want.length; h++) {
                assertThat(headers.get(h).getString(0)).isEqualTo(want[h].key());
                assertThat((byte[]) headers.get(h).get(1)).isEqualTo(want[h].value());
            }
        }
        // Every codec went through (the headers name the producer's codec).
        assertThat(expected.values().stream().map(r -> new String(r.headers().lastHeader("codec").value(),
                StandardCharsets.UTF_8)).collect(Collectors.toSet())).containsExactlyInAnyOrderElementsOf(CODECS);
    }

    @Test
    void theStoreComesFromHadoopS3aPropertiesWhenNotGiven() {
        org.apache.hadoop.conf.Configuration hadoop = cluster.spark.sparkContext().hadoopConfiguration();
        Map<String, String> s3a = Map.of("fs.s3a.endpoint", cluster.s3.endpoint(),
                "fs.s3a.access.key", io.strata.storage.remote.EmbeddedS3Proxy.IDENTITY,
                "fs.s3a.secret.key", io.strata.storage.remote.EmbeddedS3Proxy.CREDENTIAL);
        s3a.forEach(hadoop::set);
        try {
            long count = cluster.spark.read().format("strata").option("bucket", "strata").option("subscribe", TOPIC)
                    .load().count();
            assertThat(count).isEqualTo(expected.size());
        } finally {
            s3a.keySet().forEach(hadoop::unset);
        }
    }

    @Test
    void patternAndAssignSelectPartitionsAsKafkaDoes() {
        // Whole-name match, as Kafka's pattern subscription: "device-readings" etc. do not match "read.*".
        assertThat(ids(cluster.read().option("subscribePattern", "read.*").load())).isEqualTo(expected.keySet());
        assertThat(ids(cluster.read().option("assign", "{\"" + TOPIC + "\":[1]}").load()))
                .isEqualTo(expected.keySet().stream().filter(id -> id.startsWith("1/")).collect(Collectors.toSet()));
        assertThatThrownBy(() -> cluster.read().option("assign", "{\"" + TOPIC + "\":[7]}").load().count())
                .hasStackTraceContaining(TOPIC + "-7");
        assertThatThrownBy(() -> cluster.read().option("subscribe", TOPIC).option("assign", "{}").load())
                .hasStackTraceContaining("exactly one of");
    }

    @Test
    void offsetRangesReturnExactlyTheirRecords() {
        Dataset<Row> df = cluster.read().option("subscribe", TOPIC)
                .option("startingOffsets", "{\"" + TOPIC + "\":{\"0\":5,\"1\":-2,\"2\":100}}")
                .option("endingOffsets", "{\"" + TOPIC + "\":{\"0\":60,\"1\":30,\"2\":-1}}")
                .load();
        Set<String> want = expected.keySet().stream().filter(id -> {
            int p = Integer.parseInt(id.split("/")[0]);
            long o = Long.parseLong(id.split("/")[1]);
            return p == 0 ? o >= 5 && o < 60 : p == 1 ? o < 30 : o >= 100;
        }).collect(Collectors.toSet());
        assertThat(ids(df)).isEqualTo(want);
    }

    @Test
    void timestampRangesReturnExactlyTheirRecords() {
        long from = BASE_TS + 1000 * 10L;
        long to = BASE_TS + 2000 * 10L;
        Dataset<Row> df = cluster.read().option("subscribe", TOPIC)
                .option("startingTimestamp", Long.toString(from))
                .option("endingTimestamp", Long.toString(to))
                .load();
        // Timestamps grow with offsets in every partition here, so the offset range is the timestamp range.
        Set<String> want = expected.entrySet().stream()
                .filter(e -> e.getValue().timestamp() >= from && e.getValue().timestamp() < to)
                .map(Map.Entry::getKey).collect(Collectors.toSet());
        assertThat(want).hasSizeGreaterThan(500);
        assertThat(ids(df)).isEqualTo(want);
    }

    @Test
    void perPartitionTimestampsBoundEachPartitionAndWinOverOffsets() {
        long from0 = BASE_TS + 500 * 10L;
        long from1 = BASE_TS + 1500 * 10L;
        long to0 = BASE_TS + 2500 * 10L;
        long to2 = BASE_TS + 1000 * 10L;
        // startingOffsets=latest would read nothing: the per-partition timestamps take precedence, as in Spark's
        // Kafka source. Partition 2 is not named on the start side (earliest), partition 1 not on the end side.
        Dataset<Row> df = cluster.read().option("subscribe", TOPIC).option("startingOffsets", "latest")
                .option("startingOffsetsByTimestamp", "{\"" + TOPIC + "\":{\"0\":" + from0 + ",\"1\":" + from1 + "}}")
                .option("endingOffsetsByTimestamp", "{\"" + TOPIC + "\":{\"0\":" + to0 + ",\"2\":" + to2 + "}}")
                .load();
        long[] from = {from0, from1, Long.MIN_VALUE};
        long[] to = {to0, Long.MAX_VALUE, to2};
        // Timestamps grow with offsets in every partition here, so each offset range is its timestamp range.
        Set<String> want = expected.entrySet().stream().filter(e -> {
            ConsumerRecord<byte[], byte[]> r = e.getValue();
            return r.timestamp() >= from[r.partition()] && r.timestamp() < to[r.partition()];
        }).map(Map.Entry::getKey).collect(Collectors.toSet());
        assertThat(want.stream().map(id -> id.charAt(0)).collect(Collectors.toSet())).containsExactlyInAnyOrder('0', '1',
                '2');
        assertThat(ids(df)).isEqualTo(want);
        assertThatThrownBy(() -> cluster.read().option("subscribe", TOPIC)
                .option("startingOffsetsByTimestamp", "{\"" + TOPIC + "\":{\"0\":-5}}").load().count())
                .hasStackTraceContaining("negative");
    }

    @Test
    void topicIdsPlanFromManifestsWithoutListingTheBucket() throws Exception {
        String id;
        try (org.apache.kafka.clients.admin.Admin admin = org.apache.kafka.clients.admin.Admin.create(Map.of(
                org.apache.kafka.clients.admin.AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.node.bootstrap()))) {
            id = admin.describeTopics(List.of(TOPIC)).allTopicNames().get().get(TOPIC).topicId().toString();
        }
        ReadMetrics.Snapshot before = ReadMetrics.snapshot();
        assertThat(ids(readings())).isEqualTo(expected.keySet());
        assertThat(ReadMetrics.snapshot().minus(before).listRequests()).as("listings without topicIds").isPositive();

        before = ReadMetrics.snapshot();
        assertThat(ids(readings(Map.of("topicIds", "{\"" + TOPIC + "\":\"" + id + "\"}"))))
                .isEqualTo(expected.keySet());
        assertThat(ids(cluster.read().option("assign", "{\"" + TOPIC + "\":[2]}")
                .option("topicIds", "{\"" + TOPIC + "\":{\"id\":\"" + id + "\",\"partitions\":3}}").load()))
                .isEqualTo(expected.keySet().stream().filter(k -> k.startsWith("2/")).collect(Collectors.toSet()));
        assertThat(ReadMetrics.snapshot().minus(before).listRequests()).as("listings with topicIds").isZero();

        assertThatThrownBy(() -> cluster.read().option("subscribePattern", "read.*")
                .option("topicIds", "{\"" + TOPIC + "\":\"" + id + "\"}").load().count())
                .hasStackTraceContaining("subscribePattern");
        assertThatThrownBy(() -> cluster.read().option("subscribe", TOPIC).option("topicIds", "{\"other\":\"" + id + "\"}")
                .load().count()).hasStackTraceContaining("has no id");
    }

    @Test
    void onlyTheColumnsAQueryNeedsAreProduced() {
        Dataset<Row> offsets = readings().select("partition", "offset");
        assertThat(scanColumns(offsets)).containsExactly("partition", "offset");
        assertThat(ids(offsets)).isEqualTo(expected.keySet());

        // A filter's column stays produced (Spark evaluates every filter on the rows).
        long since = BASE_TS + 3000 * 10L;
        Dataset<Row> recent = readings().where(col("timestamp").geq(lit(new Timestamp(since))))
                .select("partition", "offset", "key");
        assertThat(scanColumns(recent)).containsExactlyInAnyOrder("partition", "offset", "key", "timestamp");
        List<Row> rows = recent.collectAsList();
        assertThat(rows).hasSize((int) expected.values().stream().filter(r -> r.timestamp() >= since).count());
        for (Row row : rows) {
            assertThat((byte[]) row.get(2)).isEqualTo(expected.get(row.getInt(0) + "/" + row.getLong(1)).key());
        }
        assertThat(scanColumns(readings().groupBy().count())).isEmpty();
        assertThat(readings().count()).isEqualTo(expected.size());
    }

    /**
     * {@link SparkReadBenchmark} at its smallest (8 MiB, 1 MiB segments, one read of each source) on this node, so
     * that it cannot rot: both sources read every record of the sealed segments with the same totals, each has a time
     * and a rate, the direct read fetched the segments from the store itself, and both reports are written.
     */
    @Test
    void theReadBenchmarkHasNumbersForBothSources() throws Exception {
        Path out = Files.createTempDirectory(Files.createDirectories(Paths.get("target")), "spark-bench");
        SparkReadBenchmark.Result result = SparkReadBenchmark.run(SparkReadBenchmark.Settings.smoke(out), cluster);

        assertThat(result.tieredRecords()).as("records in sealed, uploaded segments").isGreaterThan(2000);
        for (String source : List.of(SparkReadBenchmark.DIRECT, SparkReadBenchmark.KAFKA)) {
            List<SparkReadBenchmark.Read> reads = result.of(source);
            assertThat(reads).as(source).hasSize(1);
            SparkReadBenchmark.Read read = reads.get(0);
            assertThat(read.records()).as(source).isEqualTo(result.tieredRecords());
            assertThat(read.valueBytes()).as(source).isEqualTo(result.tieredRecords() * 1024);
            assertThat(read.mibPerSecond()).as(source).isPositive();
            assertThat(read.recordsPerSecond()).as(source).isPositive();
            assertThat(read.nodeCpuSeconds()).as(source).isGreaterThanOrEqualTo(0);
        }
        SparkReadBenchmark.Read direct = result.of(SparkReadBenchmark.DIRECT).get(0);
        assertThat(direct.sparkGetBytes()).as("segment bytes Spark fetched from the store")
                .isGreaterThanOrEqualTo(result.tieredLogBytes());
        assertThat(result.of(SparkReadBenchmark.KAFKA).get(0).sparkGetBytes()).as("the Kafka source never reads the store")
                .isZero();
        assertThat(Files.readString(out.resolve("spark-read.md"))).contains(SparkReadBenchmark.DIRECT)
                .contains(SparkReadBenchmark.KAFKA).contains("node CPU");
        assertThat(out.resolve("spark-read.json")).isNotEmptyFile();
    }

    /** The columns the source's scan of {@code df} produces. */
    private static List<String> scanColumns(Dataset<Row> df) {
        return scala.jdk.javaapi.CollectionConverters.asJava(df.queryExecution().optimizedPlan().collectLeaves()).stream()
                .filter(p -> p instanceof org.apache.spark.sql.execution.datasources.v2.DataSourceV2ScanRelation)
                .map(p -> ((org.apache.spark.sql.execution.datasources.v2.DataSourceV2ScanRelation) p).scan().readSchema())
                .flatMap(s -> java.util.Arrays.stream(s.fieldNames())).toList();
    }

    @Test
    void aTimestampFilterReadsFewerSegmentsThanAFullScan() {
        ReadMetrics.Snapshot before = ReadMetrics.snapshot();
        long all = readings().count();
        ReadMetrics.Snapshot full = ReadMetrics.snapshot().minus(before);
        assertThat(all).isEqualTo(expected.size());

        long since = BASE_TS + 2800 * 10L;
        before = ReadMetrics.snapshot();
        Dataset<Row> df = readings().where(col("timestamp").geq(lit(new Timestamp(since))));
        Set<String> got = ids(df);
        ReadMetrics.Snapshot filtered = ReadMetrics.snapshot().minus(before);
        Set<String> want = expected.entrySet().stream().filter(e -> e.getValue().timestamp() >= since)
                .map(Map.Entry::getKey).collect(Collectors.toSet());
        assertThat(got).isEqualTo(want);
        System.out.printf("Full scan: %s%nWith timestamp >= filter: %s%n", full, filtered);
        assertThat(filtered.slicesRead()).as("segments read with the filter (full scan: %s)", full.slicesRead())
                .isLessThan(full.slicesRead() / 2);
        assertThat(filtered.bytesDownloaded()).as("bytes fetched with the filter (full scan: %s)", full.bytesDownloaded())
                .isLessThan(full.bytesDownloaded() / 2);
        assertThat(filtered.getRequests()).isLessThan(full.getRequests());
    }

    @Test
    void partitionAndOffsetFiltersPrune() {
        ReadMetrics.Snapshot before = ReadMetrics.snapshot();
        Dataset<Row> df = readings().where(col("partition").equalTo(1)
                .and(col("offset").geq(100)).and(col("offset").lt(200)));
        assertThat(ids(df)).isEqualTo(expected.keySet().stream().filter(id -> id.startsWith("1/"))
                .filter(id -> Long.parseLong(id.substring(2)) >= 100 && Long.parseLong(id.substring(2)) < 200)
                .collect(Collectors.toSet()));
        ReadMetrics.Snapshot used = ReadMetrics.snapshot().minus(before);
        long segmentsOfPartition1 = tiered.get(new TopicPartition(TOPIC, 1)).manifest().segments().size();
        assertThat(used.slicesRead()).isLessThan(segmentsOfPartition1).isPositive();
    }

    @Test
    void minPartitionsSplitsSegmentsAtBatchBoundaries() {
        int segments = tiered.values().stream().mapToInt(s -> s.manifest().segments().size()).sum();
        Dataset<Row> df = cluster.read().option("subscribe", TOPIC).option("minPartitions", Integer.toString(segments * 3))
                .load();
        assertThat(df.rdd().getNumPartitions()).isGreaterThan(segments);
        List<Row> rows = df.select("partition", "offset").collectAsList();
        assertThat(rows).hasSize(expected.size());
        assertThat(rows.stream().map(r -> r.getInt(0) + "/" + r.getLong(1)).collect(Collectors.toSet()))
                .isEqualTo(expected.keySet());
    }

    @Test
    void jsonValuesBecomeTypedColumns() throws Exception {
        String topic = "device-readings";
        cluster.createTopic(topic, 2);
        try (KafkaProducer<byte[], byte[]> producer = cluster.producer("lz4")) {
            for (int i = 0; i < 1500; i++) {
                String device = "d" + (i % 6);
                String json = "{\"device\":\"" + device + "\",\"temperature\":" + (18 + (i % 11) * 0.5)
                        + ",\"humidity\":" + (40 + i % 7) + ",\"ts\":" + i + "}";
                producer.send(new ProducerRecord<>(topic, device.getBytes(StandardCharsets.UTF_8),
                        json.getBytes(StandardCharsets.UTF_8)));
            }
        }
        cluster.awaitTiered();
        Map<TopicPartition, Long> ends = new HashMap<>();
        cluster.tiered(topic).forEach((tp, s) -> ends.put(tp, s.endOffset()));
        ObjectMapper json = new ObjectMapper();
        Map<String, List<Double>> temperatures = new TreeMap<>();
        for (ConsumerRecord<byte[], byte[]> r : cluster.consume(ends)) {
            JsonNode node = json.readTree(r.value());
            temperatures.computeIfAbsent(node.get("device").asText(), d -> new ArrayList<>())
                    .add(node.get("temperature").asDouble());
        }
        long count = temperatures.values().stream().mapToLong(List::size).sum();
        assertThat(count).isGreaterThan(500);

        Dataset<Row> typed = cluster.read().option("subscribe", topic).option("valueFormat", "json")
                .option("valueSchema", "device STRING, temperature DOUBLE, humidity INT, ts LONG").load();
        assertThat(typed.schema().apply("temperature").dataType()).isEqualTo(DataTypes.DoubleType);
        assertThat(typed.schema().fieldNames()).contains("device", "humidity", "ts", "key", "offset", "timestamp");
        Map<String, Double> averages = new TreeMap<>();
        for (Row row : typed.groupBy("device").agg(avg("temperature")).collectAsList()) {
            averages.put(row.getString(0), row.getDouble(1));
        }
        assertThat(averages.keySet()).isEqualTo(temperatures.keySet());
        temperatures.forEach((device, values) -> assertThat(averages.get(device))
                .isCloseTo(values.stream().mapToDouble(Double::doubleValue).average().orElseThrow(),
                        org.assertj.core.data.Offset.offset(1e-9)));

        Dataset<Row> inferred = cluster.read().option("subscribe", topic).option("valueFormat", "json").load();
        assertThat(inferred.schema().apply("temperature").dataType()).isEqualTo(DataTypes.DoubleType);
        assertThat(inferred.schema().apply("device").dataType()).isEqualTo(DataTypes.StringType);
        assertThat(inferred.schema().apply("humidity").dataType()).isEqualTo(DataTypes.LongType);
        assertThat(inferred.where(col("device").equalTo("d3")).count())
                .isEqualTo(temperatures.get("d3").size());
    }

    @Test
    void streamingFollowsNewSegmentsAndRestartsFromItsCheckpointWithoutSkipOrRepeat() throws Exception {
        String topic = "stream-readings";
        cluster.createTopic(topic, 2);
        Path dir = Files.createTempDirectory(Files.createDirectories(Paths.get("target")), "stream");
        String output = dir.resolve("out").toString();
        String checkpoint = dir.resolve("checkpoint").toString();
        produce(topic, 0, 1500);
        cluster.awaitTiered();

        StreamingQuery running = cluster.readStream().option("subscribe", topic).option("startingOffsets", "earliest")
                .option("maxOffsetsPerTrigger", "300").load()
                .select("partition", "offset", "value")
                .writeStream().format("parquet").option("path", output).option("checkpointLocation", checkpoint)
                .trigger(Trigger.ProcessingTime(Duration.ofMillis(300).toMillis()))
                .start();
        try {
            awaitOutput(output, tieredTotal(topic));
            produce(topic, 1500, 3000); // sealed while the query runs
            cluster.awaitTiered();
            long afterSecond = tieredTotal(topic);
            assertThat(afterSecond).isGreaterThan(1500);
            awaitOutput(output, afterSecond);
            for (StreamingQueryProgress progress : running.recentProgress()) {
                assertThat(progress.numInputRows()).as("rows of one trigger").isLessThanOrEqualTo(300);
            }
        } finally {
            running.stop();
        }

        produce(topic, 3000, 4000); // sealed while no query runs
        cluster.awaitTiered();
        StreamingQuery restarted = cluster.readStream().option("subscribe", topic).load()
                .select("partition", "offset", "value")
                .writeStream().format("parquet").option("path", output).option("checkpointLocation", checkpoint)
                .trigger(Trigger.AvailableNow())
                .start();
        restarted.awaitTermination(StrataClusterFixture.TIMEOUT.toMillis());
        assertThat(restarted.isActive()).isFalse();
        assertThat(restarted.exception().isEmpty()).isTrue();

        Map<TopicPartition, PartitionCatalog.PartitionSource> ends = cluster.tiered(topic);
        List<Row> rows = cluster.spark.read().parquet(output).select("partition", "offset").collectAsList();
        Set<String> ids = rows.stream().map(r -> r.getInt(0) + "/" + r.getLong(1)).collect(Collectors.toSet());
        assertThat(rows).as("no record twice").hasSize(ids.size());
        Set<String> want = new HashSet<>();
        ends.forEach((tp, s) -> {
            for (long o = s.logStartOffset(); o < s.endOffset(); o++) {
                want.add(tp.partition() + "/" + o);
            }
        });
        assertThat(ids).as("every offset of the sealed segments, none skipped").isEqualTo(want);
    }

    @Test
    void aMissingOrCorruptSegmentObjectFailsNamingItOrIsSkippedWithFailOnDataLossFalse() throws Exception {
        String topic = "loss-readings";
        cluster.createTopic(topic, 1);
        produce(topic, 0, 1200);
        cluster.awaitTiered();
        PartitionCatalog.PartitionSource source = cluster.tiered(topic).get(new TopicPartition(topic, 0));
        assertThat(source.manifest().segments()).hasSizeGreaterThan(3);
        io.strata.storage.remote.ObjectStore store = cluster.storeSettings().store();

        RemoteSegment missing = source.manifest().segments().get(1);
        String missingKey = source.root() + missing.objectStem() + ".log";
        store.delete(missingKey);
        assertThatThrownBy(() -> cluster.read().option("subscribe", topic).load().count())
                .hasStackTraceContaining(missingKey);

        // One flipped byte inside the records of the first batch (past its 61-byte header): its CRC-32C no longer
        // matches.
        RemoteSegment corrupt = source.manifest().segments().get(2);
        String corruptKey = source.root() + corrupt.objectStem() + ".log";
        byte[] bytes = store.get(corruptKey).orElseThrow();
        bytes[70] ^= 0x5a;
        store.putBytes(corruptKey, bytes);
        assertThatThrownBy(() -> cluster.read().option("subscribe", topic)
                .option("startingOffsets", "{\"" + topic + "\":{\"0\":" + corrupt.baseOffset() + "}}").load().count())
                .hasStackTraceContaining(corruptKey).hasStackTraceContaining("corrupt");

        long count = cluster.read().option("subscribe", topic).option("failOnDataLoss", "false").load().count();
        assertThat(count).isEqualTo(source.endOffset() - source.logStartOffset()
                - (missing.nextOffset() - missing.baseOffset()) - (corrupt.nextOffset() - corrupt.baseOffset()));
    }

    @Test
    void aMapReduceJobReadsTheSameRecords() throws Exception {
        Path dir = Files.createTempDirectory(Files.createDirectories(Paths.get("target")), "mapreduce");
        org.apache.hadoop.conf.Configuration conf = new org.apache.hadoop.conf.Configuration();
        conf.set("mapreduce.framework.name", "local");
        conf.set("fs.defaultFS", "file:///");
        conf.set("hadoop.tmp.dir", dir.resolve("tmp").toAbsolutePath().toString());
        Map<String, String> options = new HashMap<>(cluster.storeOptions());
        options.put("subscribe", TOPIC);
        io.strata.spark.hadoop.StrataInputFormat.configure(conf, options);
        org.apache.hadoop.mapreduce.Job job = org.apache.hadoop.mapreduce.Job.getInstance(conf, "strata-read");
        job.setInputFormatClass(io.strata.spark.hadoop.StrataInputFormat.class);
        job.setMapperClass(RecordLineMapper.class);
        job.setNumReduceTasks(0);
        job.setOutputKeyClass(org.apache.hadoop.io.Text.class);
        job.setOutputValueClass(org.apache.hadoop.io.Text.class);
        Path out = dir.resolve("out").toAbsolutePath();
        org.apache.hadoop.mapreduce.lib.output.FileOutputFormat.setOutputPath(job,
                new org.apache.hadoop.fs.Path(out.toUri()));
        assertThat(job.waitForCompletion(false)).as("MapReduce job succeeded").isTrue();

        Map<String, String> lines = new HashMap<>();
        try (var files = Files.list(out)) {
            for (Path part : files.filter(f -> f.getFileName().toString().startsWith("part-m-")).toList()) {
                for (String line : Files.readAllLines(part)) {
                    String[] kv = line.split("\t", 2);
                    assertThat(lines.put(kv[0], kv[1])).as("record %s once", kv[0]).isNull();
                }
            }
        }
        assertThat(lines.keySet()).isEqualTo(expected.keySet());
        expected.forEach((id, r) -> assertThat(lines.get(id)).as(id).isEqualTo(RecordLineMapper.describe(r.key(),
                r.value(), r.timestamp(), r.headers().toArray().length)));
    }

    /** Writes "partition/offset" and a digest of key, value, timestamp and header count of each record. */
    public static final class RecordLineMapper extends org.apache.hadoop.mapreduce.Mapper<org.apache.hadoop.io.LongWritable,
            io.strata.spark.hadoop.StrataRecordWritable, org.apache.hadoop.io.Text, org.apache.hadoop.io.Text> {
        @Override
        protected void map(org.apache.hadoop.io.LongWritable offset, io.strata.spark.hadoop.StrataRecordWritable record,
                           Context context) throws java.io.IOException, InterruptedException {
            context.write(new org.apache.hadoop.io.Text(record.partition() + "/" + offset.get()),
                    new org.apache.hadoop.io.Text(describe(record.key(), record.value(), record.timestamp(),
                            record.headers().size())));
        }

        static String describe(byte[] key, byte[] value, long timestamp, int headers) {
            java.util.Base64.Encoder b64 = java.util.Base64.getEncoder();
            return (key == null ? "-" : b64.encodeToString(key)) + " " + b64.encodeToString(value) + " " + timestamp
                    + " " + headers;
        }
    }

    /** Records {@code [from, to)}: random values, so that compression keeps them about 100 bytes each. */
    private void produce(String topic, int from, int to) {
        Random random = new Random(from);
        try (KafkaProducer<byte[], byte[]> producer = cluster.producer("snappy")) {
            for (int i = from; i < to; i++) {
                byte[] value = new byte[100];
                random.nextBytes(value);
                producer.send(new ProducerRecord<>(topic, ("k" + i).getBytes(StandardCharsets.UTF_8), value));
            }
        }
    }

    private long tieredTotal(String topic) {
        return cluster.tiered(topic).values().stream().mapToLong(s -> s.endOffset() - s.logStartOffset()).sum();
    }

    private void awaitOutput(String path, long rows) {
        Awaitility.await().atMost(StrataClusterFixture.TIMEOUT).pollInterval(Duration.ofMillis(500))
                .until(() -> outputRows(path) >= rows);
    }

    /** Rows the file sink committed so far (none before its first batch). */
    private long outputRows(String path) {
        try {
            return cluster.spark.read().parquet(path).count();
        } catch (Exception e) { // AnalysisException (undeclared): nothing to infer a schema from
            return 0;
        }
    }

    private static Set<String> ids(Dataset<Row> df) {
        return df.select("partition", "offset").collectAsList().stream()
                .map(r -> r.getInt(0) + "/" + r.getLong(1)).collect(Collectors.toSet());
    }
}
