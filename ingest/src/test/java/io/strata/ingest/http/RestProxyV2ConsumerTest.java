package io.strata.ingest.http;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import io.restassured.response.Response;
import io.strata.ingest.node.StrataNode;
import jakarta.inject.Inject;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.MemberDescription;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;

import static io.restassured.RestAssured.given;
import static io.strata.ingest.http.HttpTests.BINARY_V2;
import static io.strata.ingest.http.HttpTests.JSON_V2;
import static io.strata.ingest.http.HttpTests.V2;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasSize;

/**
 * Confluent REST Proxy v2 consumer instances: records written by Kafka producers read back over HTTP,
 * offsets, positions, and one group shared with kafka-clients consumers.
 */
@QuarkusTest
class RestProxyV2ConsumerTest {

    private static final String RUN = Long.toString(System.nanoTime(), 36);

    @Inject
    StrataNode node;

    @BeforeAll
    static void setUp() {
        HttpTests.textBodies();
    }

    /** Creates an instance and returns its path, /consumers/{group}/instances/{id}. */
    static String create(String group, String config) {
        String baseUri = given().contentType(V2).body(config).when().post("/consumers/" + group)
                .then().statusCode(200).contentType(V2).extract().path("base_uri");
        return baseUri.substring(baseUri.indexOf("/consumers/"));
    }

    /** Reads until {@code count} records have come or 30 s have passed. */
    static List<Map<String, Object>> readAtLeast(String instance, String accept, int count) {
        List<Map<String, Object>> out = new ArrayList<>();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (out.size() < count && System.nanoTime() < deadline) {
            out.addAll(given().accept(accept).queryParam("timeout", 500).when().get(instance + "/records")
                    .then().statusCode(200).contentType(accept).extract().jsonPath().getList("$"));
        }
        return out;
    }

    private static byte[] unbase64(Object value) {
        return value == null ? null : Base64.getDecoder().decode((String) value);
    }

    @Test
    void binaryRecordsFromKafkaProducersAreReadBackIdenticallyAndCommitted() throws Exception {
        String topic = "v2c-binary-" + RUN;
        String group = "v2c-binary-group-" + RUN;
        KafkaSide kafka = new KafkaSide(node);
        kafka.createTopic(topic, 3);
        List<ProducerRecord<byte[], byte[]>> sent = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            byte[] key = i == 5 ? null : new byte[]{(byte) i, (byte) 0xff, 0, (byte) 0x80};
            byte[] value = i == 7 ? null : ("value-" + i + "-\u00e9").getBytes(StandardCharsets.UTF_8);
            sent.add(new ProducerRecord<>(topic, i % 3, key, value));
        }
        List<RecordMetadata> stored = kafka.produceAll(sent);

        String instance = create(group, "{\"name\":\"reader\",\"format\":\"binary\",\"auto.offset.reset\":\"earliest\","
                + "\"auto.commit.enable\":\"false\"}");
        assertThat(instance).isEqualTo("/consumers/" + group + "/instances/reader");
        given().contentType(V2).body("{\"topics\":[\"" + topic + "\"]}").when().post(instance + "/subscription")
                .then().statusCode(204);
        given().when().get(instance + "/subscription").then().statusCode(200).body("topics", equalTo(List.of(topic)));

        List<Map<String, Object>> records = readAtLeast(instance, BINARY_V2, 12);
        assertThat(records).hasSize(12);
        Map<String, Map<String, Object>> byPosition = records.stream().collect(Collectors.toMap(
                r -> r.get("partition") + "@" + r.get("offset"), r -> r));
        for (int i = 0; i < sent.size(); i++) {
            Map<String, Object> r = byPosition.get(stored.get(i).partition() + "@" + stored.get(i).offset());
            assertThat(r).as("record %d", i).isNotNull().containsEntry("topic", topic);
            assertThat(unbase64(r.get("key"))).isEqualTo(sent.get(i).key());
            assertThat(unbase64(r.get("value"))).isEqualTo(sent.get(i).value());
        }
        given().when().get(instance + "/assignments").then().statusCode(200).body("partitions", hasSize(3))
                .body("partitions.topic", equalTo(List.of(topic, topic, topic)))
                .body("partitions.partition", equalTo(List.of(0, 1, 2)));

        // No body: commit what was returned, i.e. the end of every partition.
        given().contentType(V2).when().post(instance + "/offsets").then().statusCode(200).body("$", empty());
        JsonPath committed = given().contentType(V2)
                .body("{\"partitions\":[{\"topic\":\"" + topic + "\",\"partition\":0},{\"topic\":\"" + topic + "\",\"partition\":2}]}")
                .when().get(instance + "/offsets").then().statusCode(200).extract().jsonPath();
        assertThat(committed.getList("offsets.partition", Integer.class)).containsExactlyInAnyOrder(0, 2);
        assertThat(committed.getList("offsets.offset", Integer.class)).containsOnly(4);
        try (Admin admin = kafka.admin()) {
            Map<TopicPartition, OffsetAndMetadata> seen = admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get();
            assertThat(seen).hasSize(3);
            seen.values().forEach(o -> assertThat(o.offset()).isEqualTo(4));
        }

        given().when().delete(instance).then().statusCode(204);
        given().accept(BINARY_V2).when().get(instance + "/records").then().statusCode(404).body("error_code", equalTo(40403));
    }

    @Test
    void jsonRecordsAreEmbeddedAsJsonAndTheAcceptHeaderMustMatchTheFormat() throws Exception {
        String topic = "v2c-json-" + RUN;
        KafkaSide kafka = new KafkaSide(node);
        kafka.createTopic(topic, 1);
        List<ProducerRecord<byte[], byte[]>> sent = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            sent.add(new ProducerRecord<>(topic, 0, ("{\"device\":" + i + "}").getBytes(StandardCharsets.UTF_8),
                    ("{\"temp\":" + (20 + i) + ".5,\"tags\":[\"a\",null],\"ok\":true}").getBytes(StandardCharsets.UTF_8)));
        }
        kafka.produceAll(sent);
        String instance = create("v2c-json-group-" + RUN, "{\"format\":\"json\"}");
        given().contentType(V2).body("{\"partitions\":[{\"topic\":\"" + topic + "\",\"partition\":0}]}")
                .when().post(instance + "/assignments").then().statusCode(204);
        given().contentType(V2).body("{\"partitions\":[{\"topic\":\"" + topic + "\",\"partition\":0}]}")
                .when().post(instance + "/positions/beginning").then().statusCode(204);

        given().accept(BINARY_V2).when().get(instance + "/records").then().statusCode(406).body("error_code", equalTo(40601));
        given().accept("text/plain").when().get(instance + "/records").then().statusCode(406).body("error_code", equalTo(40601));

        List<Map<String, Object>> records = readAtLeast(instance, JSON_V2, 4);
        assertThat(records).hasSize(4);
        for (int i = 0; i < 4; i++) {
            Map<String, Object> r = records.get(i);
            assertThat(r).containsEntry("offset", i).containsEntry("partition", 0);
            assertThat(r.get("key")).isEqualTo(Map.of("device", i));
            @SuppressWarnings("unchecked")
            Map<String, Object> value = (Map<String, Object>) r.get("value");
            assertThat(value).containsEntry("temp", 20 + i + 0.5f).containsEntry("ok", true);
            assertThat(value.get("tags")).isEqualTo(java.util.Arrays.asList("a", null));
        }
        given().when().delete(instance).then().statusCode(204);
    }

    @Test
    void positionsMoveTheNextReadAndExplicitCommitsAreOnePastTheGivenOffset() throws Exception {
        String topic = "v2c-pos-" + RUN;
        String group = "v2c-pos-group-" + RUN;
        KafkaSide kafka = new KafkaSide(node);
        kafka.createTopic(topic, 2);
        List<ProducerRecord<byte[], byte[]>> sent = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            sent.add(new ProducerRecord<>(topic, 1, null, ("v" + i).getBytes(StandardCharsets.UTF_8)));
        }
        kafka.produceAll(sent);
        String instance = create(group, "{\"auto.commit.enable\":\"false\"}");
        String tp = "{\"topic\":\"" + topic + "\",\"partition\":1}";
        given().contentType(V2).body("{\"partitions\":[" + tp + "]}").when().post(instance + "/assignments").then().statusCode(204);

        given().contentType(V2).body("{\"offsets\":[{\"topic\":\"" + topic + "\",\"partition\":1,\"offset\":6}]}")
                .when().post(instance + "/positions").then().statusCode(204);
        List<Map<String, Object>> fromSix = readAtLeast(instance, BINARY_V2, 4);
        assertThat(fromSix).extracting(r -> r.get("offset")).containsExactly(6, 7, 8, 9);
        assertThat(unbase64(fromSix.get(0).get("value"))).isEqualTo("v6".getBytes(StandardCharsets.UTF_8));

        given().contentType(V2).body("{\"partitions\":[" + tp + "]}").when().post(instance + "/positions/beginning").then().statusCode(204);
        // max_bytes bounds a response (at least one record): 2-byte values, 5 bytes allow two.
        List<Map<String, Object>> firstTwo = given().accept(BINARY_V2).queryParam("max_bytes", 5).queryParam("timeout", 5000)
                .when().get(instance + "/records").then().statusCode(200).extract().jsonPath().getList("$");
        assertThat(firstTwo).extracting(r -> r.get("offset")).containsExactly(0, 1);
        // The records polled beyond max_bytes are not lost: the next read goes on from offset 2.
        List<Map<String, Object>> rest = readAtLeast(instance, BINARY_V2, 8);
        assertThat(rest).extracting(r -> r.get("offset")).containsExactly(2, 3, 4, 5, 6, 7, 8, 9);

        given().contentType(V2).body("{\"partitions\":[" + tp + "]}").when().post(instance + "/positions/end").then().statusCode(204);
        given().accept(BINARY_V2).queryParam("timeout", 300).when().get(instance + "/records")
                .then().statusCode(200).body("$", empty());

        given().contentType(V2).body("{\"offsets\":[{\"topic\":\"" + topic + "\",\"partition\":1,\"offset\":4,\"metadata\":\"m-4\"}]}")
                .when().post(instance + "/offsets").then().statusCode(200);
        given().contentType(V2).body("{\"partitions\":[" + tp + ",{\"topic\":\"" + topic + "\",\"partition\":0}]}")
                .when().get(instance + "/offsets").then().statusCode(200)
                .body("offsets", hasSize(1)).body("offsets[0].partition", equalTo(1))
                .body("offsets[0].offset", equalTo(5)).body("offsets[0].metadata", equalTo("m-4"));
        try (Admin admin = kafka.admin()) {
            Map<TopicPartition, OffsetAndMetadata> seen = admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get();
            assertThat(seen).containsOnlyKeys(new TopicPartition(topic, 1));
            assertThat(seen.get(new TopicPartition(topic, 1)).offset()).isEqualTo(5);
            assertThat(seen.get(new TopicPartition(topic, 1)).metadata()).isEqualTo("m-4");
        }
        // A new instance of the group starts where the group committed.
        given().when().delete(instance).then().statusCode(204);
        String next = create(group, "{}");
        given().contentType(V2).body("{\"topics\":[\"" + topic + "\"]}").when().post(next + "/subscription").then().statusCode(204);
        assertThat(readAtLeast(next, BINARY_V2, 5)).extracting(r -> r.get("offset")).containsExactly(5, 6, 7, 8, 9);
        given().when().delete(next).then().statusCode(204);
    }

    @Test
    void anHttpInstanceAndAKafkaConsumerShareOneGroup() throws Exception {
        String topic = "v2c-shared-" + RUN;
        String group = "v2c-shared-group-" + RUN;
        KafkaSide kafka = new KafkaSide(node);
        kafka.createTopic(topic, 4);
        String instance = create(group, "{\"name\":\"http-member\",\"auto.offset.reset\":\"earliest\"}");
        given().contentType(V2).body("{\"topics\":[\"" + topic + "\"]}").when().post(instance + "/subscription").then().statusCode(204);

        AtomicBoolean stop = new AtomicBoolean();
        AtomicReference<Set<TopicPartition>> kafkaAssignment = new AtomicReference<>(Set.of());
        CompletableFuture<Void> member = CompletableFuture.runAsync(() -> {
            try (KafkaConsumer<byte[], byte[]> consumer = kafka.groupConsumer(group)) {
                consumer.subscribe(List.of(topic));
                while (!stop.get()) {
                    consumer.poll(Duration.ofMillis(100));
                    kafkaAssignment.set(Set.copyOf(consumer.assignment()));
                }
            }
        });
        try {
            // The HTTP member takes part in rebalances when it reads, as a Kafka consumer does when it polls.
            Set<TopicPartition> httpAssignment = Set.of();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (System.nanoTime() < deadline) {
                given().accept(BINARY_V2).queryParam("timeout", 200).when().get(instance + "/records").then().statusCode(200);
                httpAssignment = assignment(instance);
                if (!httpAssignment.isEmpty() && !kafkaAssignment.get().isEmpty()
                        && httpAssignment.size() + kafkaAssignment.get().size() == 4) {
                    break;
                }
            }
            assertThat(httpAssignment).isNotEmpty().doesNotContainAnyElementsOf(kafkaAssignment.get());
            Set<TopicPartition> all = new HashSet<>(httpAssignment);
            all.addAll(kafkaAssignment.get());
            assertThat(all).hasSize(4);

            try (Admin admin = kafka.admin()) {
                ConsumerGroupDescription description = admin.describeConsumerGroups(List.of(group)).describedGroups()
                        .get(group).get();
                assertThat(description.members()).hasSize(2);
                MemberDescription http = description.members().stream().filter(m -> m.clientId().equals("http-member"))
                        .findFirst().orElseThrow();
                assertThat(http.assignment().topicPartitions()).isEqualTo(httpAssignment);
            }

            // Deleting the instance makes it leave: the Kafka consumer gets every partition.
            given().when().delete(instance).then().statusCode(204);
            long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (kafkaAssignment.get().size() < 4 && System.nanoTime() < until) {
                Thread.sleep(100);
            }
            assertThat(kafkaAssignment.get()).hasSize(4);
        } finally {
            stop.set(true);
            member.get(30, TimeUnit.SECONDS);
        }
    }

    private static Set<TopicPartition> assignment(String instance) {
        JsonPath body = given().when().get(instance + "/assignments").then().statusCode(200).extract().jsonPath();
        Set<TopicPartition> out = new HashSet<>();
        List<Map<String, Object>> partitions = body.getList("partitions");
        for (Map<String, Object> p : partitions) {
            out.add(new TopicPartition((String) p.get("topic"), (Integer) p.get("partition")));
        }
        return out;
    }

    @Test
    void aTopicPatternSubscribesToEveryMatchingTopic() throws Exception {
        String prefix = "v2c-pattern-" + RUN;
        KafkaSide kafka = new KafkaSide(node);
        kafka.createTopic(prefix + "-a", 1);
        kafka.createTopic(prefix + "-b", 1);
        kafka.createTopic("other-" + prefix, 1);
        Map<String, byte[]> values = new HashMap<>();
        List<ProducerRecord<byte[], byte[]>> sent = new ArrayList<>();
        for (String t : List.of(prefix + "-a", prefix + "-b", "other-" + prefix)) {
            values.put(t, t.getBytes(StandardCharsets.UTF_8));
            sent.add(new ProducerRecord<>(t, values.get(t)));
        }
        kafka.produceAll(sent);
        String instance = create("v2c-pattern-group-" + RUN, "{\"auto.offset.reset\":\"earliest\"}");
        given().contentType(V2).body("{\"topic_pattern\":\"" + prefix + "-.*\"}").when().post(instance + "/subscription")
                .then().statusCode(204);
        List<Map<String, Object>> records = readAtLeast(instance, BINARY_V2, 2);
        assertThat(records).extracting(r -> r.get("topic")).containsExactlyInAnyOrder(prefix + "-a", prefix + "-b");
        records.forEach(r -> assertThat(unbase64(r.get("value"))).isEqualTo(values.get((String) r.get("topic"))));
        given().when().get(instance + "/subscription").then().statusCode(200)
                .body("topics", equalTo(List.of(prefix + "-a", prefix + "-b")));
        given().when().delete(instance + "/subscription").then().statusCode(204);
        given().when().get(instance + "/subscription").then().statusCode(200).body("topics", empty());
        given().when().delete(instance).then().statusCode(204);
    }

    @Test
    void autoCommitStoresExactlyWhatWasReturnedNotWhatWasPolled() throws Exception {
        String topic = "v2c-auto-" + RUN;
        String group = "v2c-auto-group-" + RUN;
        KafkaSide kafka = new KafkaSide(node);
        kafka.createTopic(topic, 1);
        List<ProducerRecord<byte[], byte[]>> sent = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            sent.add(new ProducerRecord<>(topic, 0, null, ("r" + i).getBytes(StandardCharsets.UTF_8)));
        }
        kafka.produceAll(sent);
        String instance = create(group, "{\"auto.offset.reset\":\"earliest\",\"auto.commit.enable\":\"true\"}");
        given().contentType(V2).body("{\"topics\":[\"" + topic + "\"]}").when().post(instance + "/subscription").then().statusCode(204);
        // One poll fetches all ten; max_bytes lets three out (2 bytes each).
        List<Map<String, Object>> got = List.of();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (got.isEmpty() && System.nanoTime() < deadline) {
            got = given().accept(BINARY_V2).queryParam("max_bytes", 6).queryParam("timeout", 500).when().get(instance + "/records")
                    .then().statusCode(200).extract().jsonPath().getList("$");
        }
        assertThat(got).extracting(r -> r.get("offset")).containsExactly(0, 1, 2);
        // Closing an auto-committing consumer commits its position: just past what the client got.
        given().when().delete(instance).then().statusCode(204);
        try (Admin admin = kafka.admin()) {
            Map<TopicPartition, OffsetAndMetadata> seen = admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get();
            assertThat(seen.get(new TopicPartition(topic, 0)).offset()).isEqualTo(3);
        }
    }

    @Test
    void deletingAnInstanceAnswersItsWaitingReadAtOnce() throws Exception {
        String topic = "v2c-delete-" + RUN;
        new KafkaSide(node).createTopic(topic, 1);
        String instance = create("v2c-delete-group-" + RUN, "{}");
        given().contentType(V2).body("{\"partitions\":[{\"topic\":\"" + topic + "\",\"partition\":0}]}")
                .when().post(instance + "/assignments").then().statusCode(204);
        long start = System.nanoTime();
        CompletableFuture<Response> read = CompletableFuture.supplyAsync(() ->
                given().accept(BINARY_V2).queryParam("timeout", 20000).when().get(instance + "/records"));
        Thread.sleep(500);
        given().when().delete(instance).then().statusCode(204);
        read.get(10, TimeUnit.SECONDS).then().statusCode(404).body("error_code", equalTo(40403));
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(10));
    }

    @Test
    void badRequestsGetRestProxyErrorsAndTheNodeStaysUp() throws Exception {
        String topic = "v2c-errors-" + RUN;
        String group = "v2c-errors-group-" + RUN;
        new KafkaSide(node).createTopic(topic, 2);
        String instance = create(group, "{\"name\":\"only\"}");
        String tp = "{\"topic\":\"" + topic + "\",\"partition\":0}";

        given().contentType(V2).body("{\"name\":\"only\"}").when().post("/consumers/" + group)
                .then().statusCode(409).body("error_code", equalTo(40902));
        // The same name in another group is another instance.
        given().when().delete(create(group + "-other", "{\"name\":\"only\"}")).then().statusCode(204);
        given().contentType(V2).body("{\"format\":\"avro\"}").when().post("/consumers/" + group)
                .then().statusCode(422).body("error_code", equalTo(42204));
        given().contentType(V2).body("{\"auto.offset.reset\":\"sometimes\"}").when().post("/consumers/" + group)
                .then().statusCode(422).body("error_code", equalTo(42204));
        given().contentType(V2).body("{\"auto.commit.enable\":\"maybe\"}").when().post("/consumers/" + group)
                .then().statusCode(422).body("error_code", equalTo(42204));
        given().contentType(V2).body("{\"name\": ").when().post("/consumers/" + group)
                .then().statusCode(400).contentType("application/json").body("error_code", equalTo(400));
        given().contentType("text/plain").body("{}").when().post("/consumers/" + group)
                .then().statusCode(415).body("error_code", equalTo(415));

        // Reading before subscribing or assigning is an illegal state.
        given().accept(BINARY_V2).when().get(instance + "/records").then().statusCode(409).body("error_code", equalTo(40903));
        given().contentType(V2).body("{\"topics\":\"not-a-list\"}").when().post(instance + "/subscription")
                .then().statusCode(422).body("error_code", equalTo(42206));
        given().contentType(V2).body("{\"topics\":[\"" + topic + "\"],\"topic_pattern\":\"x.*\"}").when().post(instance + "/subscription")
                .then().statusCode(422).body("error_code", equalTo(42206));
        given().contentType(V2).body("{\"topic_pattern\":\"([\"}").when().post(instance + "/subscription")
                .then().statusCode(422).body("error_code", equalTo(42206));
        given().contentType(V2).body("{\"topics\":[").when().post(instance + "/subscription")
                .then().statusCode(400).body("error_code", equalTo(400));

        given().contentType(V2).body("{\"partitions\":[{\"topic\":\"no-such-" + RUN + "\",\"partition\":0}]}")
                .when().post(instance + "/assignments").then().statusCode(404).body("error_code", equalTo(40401));
        given().contentType(V2).body("{\"partitions\":[{\"topic\":\"" + topic + "\",\"partition\":7}]}")
                .when().post(instance + "/assignments").then().statusCode(404).body("error_code", equalTo(40402));
        given().contentType(V2).body("{\"partitions\":[{\"topic\":\"" + topic + "\"}]}")
                .when().post(instance + "/assignments").then().statusCode(422).body("error_code", equalTo(42206));
        // Seeking a partition that is not assigned.
        given().contentType(V2).body("{\"offsets\":[{\"topic\":\"" + topic + "\",\"partition\":1,\"offset\":0}]}")
                .when().post(instance + "/positions").then().statusCode(409).body("error_code", equalTo(40903));
        given().contentType(V2).body("{\"offsets\":[{\"topic\":\"" + topic + "\",\"partition\":0,\"offset\":-3}]}")
                .when().post(instance + "/positions").then().statusCode(422).body("error_code", equalTo(42206));

        given().contentType(V2).body("{\"topics\":[\"" + topic + "\"]}").when().post(instance + "/subscription").then().statusCode(204);
        // Subscribing and assigning are mutually exclusive.
        given().contentType(V2).body("{\"partitions\":[" + tp + "]}").when().post(instance + "/assignments")
                .then().statusCode(409).body("error_code", equalTo(40903));
        given().contentType(V2).when().get(instance + "/offsets").then().statusCode(404).body("error_code", equalTo(40402));
        given().contentType(V2).body("{\"offsets\":[{\"topic\":\"no-such-" + RUN + "\",\"partition\":0,\"offset\":1}]}")
                .when().post(instance + "/offsets").then().statusCode(404).body("error_code", equalTo(40401));

        String missing = "/consumers/" + group + "/instances/nobody";
        List<Response> notFound = List.of(
                given().when().delete(missing),
                given().contentType(V2).body("{\"topics\":[\"" + topic + "\"]}").when().post(missing + "/subscription"),
                given().when().get(missing + "/subscription"),
                given().when().delete(missing + "/subscription"),
                given().contentType(V2).body("{\"partitions\":[" + tp + "]}").when().post(missing + "/assignments"),
                given().when().get(missing + "/assignments"),
                given().contentType(V2).body("{\"offsets\":[{\"topic\":\"" + topic + "\",\"partition\":0,\"offset\":0}]}")
                        .when().post(missing + "/positions"),
                given().contentType(V2).body("{\"partitions\":[" + tp + "]}").when().post(missing + "/positions/beginning"),
                given().contentType(V2).body("{\"partitions\":[" + tp + "]}").when().post(missing + "/positions/end"),
                given().accept(BINARY_V2).when().get(missing + "/records"),
                given().contentType(V2).when().post(missing + "/offsets"),
                given().contentType(V2).body("{\"partitions\":[" + tp + "]}").when().get(missing + "/offsets"));
        for (Response r : notFound) {
            r.then().statusCode(404).contentType("application/json").body("error_code", equalTo(40403))
                    .body("message", equalTo("Consumer instance not found."));
        }

        // Still serving: the instance works after all that.
        given().when().get(instance + "/subscription").then().statusCode(200).body("topics", equalTo(List.of(topic)));
        given().when().delete(instance).then().statusCode(204);
        given().when().delete(instance).then().statusCode(404).body("error_code", equalTo(40403));
        // Without a name an id is generated; base_uri is absolute.
        JsonPath generated = given().contentType(V2).body("{}").when().post("/consumers/" + group)
                .then().statusCode(200).extract().jsonPath();
        String id = generated.getString("instance_id");
        assertThat(id).startsWith("rest-consumer-");
        assertThat(generated.getString("base_uri")).startsWith("http://").endsWith("/consumers/" + group + "/instances/" + id);
        given().when().delete("/consumers/" + group + "/instances/" + id).then().statusCode(204);
    }
}
