package io.strata.systemtest;

import static io.strata.systemtest.support.RawKafkaSocket.bytes;
import static io.strata.systemtest.support.RawKafkaSocket.frame;
import static io.strata.systemtest.support.RawKafkaSocket.headerV1;
import static io.strata.systemtest.support.RawKafkaSocket.headerV2;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import io.strata.systemtest.support.AckLog;
import io.strata.systemtest.support.Clients;
import io.strata.systemtest.support.ProtocolClient;
import io.strata.testsupport.NodeLogOnFailure;
import io.strata.systemtest.support.RawKafkaSocket;
import io.strata.systemtest.support.RawKafkaSocket.Closed;
import io.strata.systemtest.support.RawKafkaSocket.Outcome;
import io.strata.systemtest.support.RawKafkaSocket.Response;
import io.strata.systemtest.support.RecordChecks;
import io.strata.testsupport.StrataNode;
import io.strata.systemtest.support.TestRecords;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.message.ProduceRequestData;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.SimpleRecord;
import org.apache.kafka.common.requests.ApiVersionsRequest;
import org.apache.kafka.common.requests.ApiVersionsResponse;
import org.apache.kafka.common.requests.ProduceRequest;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Malformed input on the Kafka port gets an error response or a closed connection, never a hang, and never harms
 * the node: after each case it is still ready, serves a producer that was connected all along, and earlier data is
 * intact.
 */
@ExtendWith(NodeLogOnFailure.class)
class BadInputIT {
    private static final int MAX_REQUEST_BYTES = 1024 * 1024;
    private static final Duration ANSWER_TIMEOUT = Duration.ofSeconds(15);
    private static final String TOPIC = "bad-input-survivor";
    private static final int EARLIER = 500;
    private static final short API_VERSIONS = 18;

    private static StrataNode node;
    private static KafkaProducer<byte[], byte[]> producer;
    private static TestRecords records;
    private static AckLog acks;
    private static int nextSeq;

    @BeforeAll
    static void startNodeWithData() {
        node = StrataNode.builder("bad-input")
                .env("STRATA_KAFKA_MAX_REQUEST_BYTES", Integer.toString(MAX_REQUEST_BYTES)).start();
        Clients.createTopic(node.bootstrap(), TOPIC, 1);
        records = new TestRecords(TOPIC, System.currentTimeMillis() - 60_000);
        acks = new AckLog();
        producer = Clients.producer(node.bootstrap());
        for (nextSeq = 0; nextSeq < EARLIER; nextSeq++) {
            producer.send(records.record(TOPIC, 0, nextSeq), acks.callback(nextSeq));
        }
        producer.flush();
        acks.assertAllAcknowledged(EARLIER);
    }

    @AfterAll
    static void stopNode() {
        if (producer != null) {
            producer.close(Duration.ofSeconds(5));
        }
        if (node != null) {
            node.close();
        }
    }

    @AfterEach
    void nodeStillServes() throws Exception {
        if (node.isManaged()) {
            assertThat(node.isRunning()).as("node process alive").isTrue();
            assertThat(node.httpGet("/q/health/ready").status()).as("readiness").isEqualTo(200);
        }
        int seq = nextSeq++;
        RecordMetadata meta = producer.send(records.record(TOPIC, 0, seq), acks.callback(seq)).get();
        assertThat(meta.offset()).isEqualTo(seq);
        List<ConsumerRecord<byte[], byte[]>> read = Clients.readAll(node.bootstrap(),
                List.of(new TopicPartition(TOPIC, 0)), Duration.ofMinutes(1));
        RecordChecks.assertExactlyOnce(read, records, acks, nextSeq, 1);
    }

    @Test
    void randomGarbageFrames() {
        long seed = Long.getLong("strata.test.seed", 20260101L);
        Random random = new Random(seed);
        for (int i = 0; i < 40; i++) {
            byte[] garbage = new byte[1 + random.nextInt(i % 2 == 0 ? 32 : 4000)];
            random.nextBytes(garbage);
            if (i % 4 == 1) {
                // keep the api key in range so the frame gets past the first check
                garbage = withPrefix(bytes(0, random.nextInt(20)), garbage);
            }
            String what = "garbage frame #" + i + " of " + garbage.length + " bytes (seed " + seed + ")";
            try (RawKafkaSocket socket = connect()) {
                socket.write(frame(garbage));
                assertErrorOrClosed(socket.awaitOutcome(what), what, null);
            }
        }
    }

    @Test
    void truncatedFrameThenEndOfStream() {
        byte[] header = headerV2(3, 12, 7, "truncated");
        byte[] partial = new byte[4 + header.length];
        ByteBuffer.wrap(partial).putInt(100).put(header);
        try (RawKafkaSocket socket = connect()) {
            socket.write(partial);
            socket.shutdownOutput();
            Outcome outcome = socket.awaitOutcome("frame announcing 100 bytes, " + header.length + " sent, then EOF");
            assertThat(outcome).isInstanceOf(Closed.class);
        }
        try (RawKafkaSocket socket = connect()) {
            socket.write(bytes(0, 0));
            socket.shutdownOutput();
            assertThat(socket.awaitOutcome("half a size prefix, then EOF")).isInstanceOf(Closed.class);
        }
    }

    @Test
    void sizePrefixOverTheLimitClosesWithoutReadingTheBody() {
        int limit = node.isManaged() ? MAX_REQUEST_BYTES : 104_857_600;
        for (int size : new int[] {limit + 1, Integer.MAX_VALUE, -1, Integer.MIN_VALUE}) {
            String what = "size prefix " + size + " (max request bytes " + limit + ")";
            try (RawKafkaSocket socket = connect()) {
                byte[] start = new byte[4 + 16];
                ByteBuffer.wrap(start).putInt(size).put(headerV1(0, 9, 1, "big"));
                socket.write(start);
                Outcome outcome = socket.awaitOutcome(what);
                assertThat(outcome).as(what).isInstanceOf(Closed.class);
            }
        }
    }

    @Test
    void emptyFrame() {
        try (RawKafkaSocket socket = connect()) {
            socket.write(frame());
            assertErrorOrClosed(socket.awaitOutcome("frame of size 0"), "frame of size 0", null);
        }
    }

    @Test
    void unknownApiKey() {
        for (int apiKey : new int[] {32_000, 999, -5}) {
            String what = "request with api key " + apiKey;
            try (RawKafkaSocket socket = connect()) {
                socket.write(frame(headerV1(apiKey, 0, 4242, "unknown-api"), new byte[8]));
                assertErrorOrClosed(socket.awaitOutcome(what), what, 4242);
            }
        }
    }

    @Test
    void validHeaderWithTruncatedBody() {
        // Produce v9: transactional id (compact nullable string: null), acks -1, timeout, then the topic array cut off.
        byte[] produceBody = ByteBuffer.allocate(7).put((byte) 0).putShort((short) -1).putInt(30_000).array();
        // Produce v3 (not flexible): transactional id -1, acks, timeout, topic count 1, topic name length 10, "ab".
        byte[] produceV3Body = ByteBuffer.allocate(16).putShort((short) -1).putShort((short) 1).putInt(30_000)
                .putInt(1).putShort((short) 10).put((byte) 'a').put((byte) 'b').array();
        // Metadata v12: topics array says 3 entries, none follows.
        byte[] metadataBody = bytes(4);
        // Fetch v4: replica id, max wait, min bytes, then nothing.
        byte[] fetchBody = ByteBuffer.allocate(12).putInt(-1).putInt(500).putInt(1).array();
        Map<String, byte[]> cases = new HashMap<>();
        cases.put("Produce v9", frame(headerV2(0, 9, 101, "trunc"), produceBody));
        cases.put("Produce v3", frame(headerV1(0, 3, 102, "trunc"), produceV3Body));
        cases.put("Metadata v12", frame(headerV2(3, 12, 103, "trunc"), metadataBody));
        cases.put("Fetch v4", frame(headerV1(1, 4, 104, "trunc"), fetchBody));
        cases.put("CreateTopics v7 without a body", frame(headerV2(19, 7, 105, "trunc")));
        cases.put("header cut inside the client id", frame(ByteBuffer.allocate(10).putShort((short) 3)
                .putShort((short) 4).putInt(106).putShort((short) 50).array()));
        cases.forEach((what, bytes) -> {
            int correlationId = what.startsWith("header cut") ? 106 : ByteBuffer.wrap(bytes, 8, 4).getInt();
            try (RawKafkaSocket socket = connect()) {
                socket.write(bytes);
                assertErrorOrClosed(socket.awaitOutcome(what), what, correlationId);
            }
        });
    }

    @Test
    void apiVersionsAtAnUnknownVersionGetsTheSupportedRange() {
        // Clients newer than the broker send ApiVersions at a version it does not know; the answer is a v0
        // response with UNSUPPORTED_VERSION (35) and the supported ApiVersions range, so the client can retry lower.
        byte[] body = bytes(4, 'j', 'a', 'v', 6, '9', '.', '9', '.', '9', 0);
        try (RawKafkaSocket socket = connect()) {
            socket.write(frame(headerV2(API_VERSIONS, 99, 77, "future-client"), body));
            Outcome outcome = socket.awaitOutcome("ApiVersions v99");
            assertThat(outcome).as("ApiVersions v99 must be answered, not dropped").isInstanceOf(Response.class);
            ByteBuffer response = ByteBuffer.wrap(((Response) outcome).body());
            assertThat(response.getInt()).as("correlation id").isEqualTo(77);
            assertThat(response.getShort()).as("error code").isEqualTo((short) 35);
            int count = response.getInt();
            Map<Short, short[]> ranges = new HashMap<>();
            for (int i = 0; i < count; i++) {
                ranges.put(response.getShort(), new short[] {response.getShort(), response.getShort()});
            }
            // Apache Kafka lists only ApiVersions itself here; more is allowed.
            assertThat(ranges).containsKey(API_VERSIONS);
            assertThat(ranges.get(API_VERSIONS)[0]).isZero();
            assertThat(ranges.get(API_VERSIONS)[1]).isGreaterThanOrEqualTo((short) 3);
        }
    }

    @Test
    void unsupportedVersionOfAnotherApi() {
        try (RawKafkaSocket socket = connect()) {
            socket.write(frame(headerV2(3, 999, 88, "future-client"), bytes(1, 0, 0, 0)));
            assertErrorOrClosed(socket.awaitOutcome("Metadata v999"), "Metadata v999", 88);
        }
    }

    @Test
    void manyBrokenConnectionsAtOnce() {
        List<RawKafkaSocket> sockets = new ArrayList<>();
        try {
            for (int i = 0; i < 50; i++) {
                RawKafkaSocket socket = connect();
                sockets.add(socket);
                socket.write(bytes(0, 0, 0, 20, 1, 2, 3));
            }
            for (RawKafkaSocket socket : sockets) {
                socket.shutdownOutput();
            }
            for (int i = 0; i < sockets.size(); i++) {
                assertThat(sockets.get(i).awaitOutcome("half frame on connection " + i)).isInstanceOf(Closed.class);
            }
        } finally {
            sockets.forEach(RawKafkaSocket::close);
        }
    }

    @Test
    void failedProduceWithAcksZeroClosesTheConnection() {
        // With acks=0 there is no response to carry an error: as in Apache Kafka, the node closes the
        // connection, which makes the producer refresh its metadata. A successful one keeps it open.
        String topic = "bad-input-acks-zero";
        Clients.createTopic(node.bootstrap(), topic, 1);
        try (ProtocolClient client = new ProtocolClient(node, ANSWER_TIMEOUT)) {
            client.sendLater(acksZeroProduce(topic));
            ApiVersionsResponse answer = client.send(new ApiVersionsRequest.Builder().build());
            assertThat(answer.data().errorCode()).as("connection still serves after a good acks=0 produce").isZero();

            client.sendLater(acksZeroProduce("bad-input-no-such-topic"));
            assertThatThrownBy(() -> client.send(new ApiVersionsRequest.Builder().build()))
                    .as("the request after a failed acks=0 produce finds the connection closed")
                    .hasMessageContaining("connection closed");
        }
    }

    private static ProduceRequest acksZeroProduce(String topic) {
        MemoryRecords batch = MemoryRecords.withRecords(Compression.NONE,
                new SimpleRecord(System.currentTimeMillis(), "k".getBytes(), "acks=0".getBytes()));
        ProduceRequestData data = new ProduceRequestData().setAcks((short) 0).setTimeoutMs(30_000);
        ProduceRequestData.TopicProduceData topicData = new ProduceRequestData.TopicProduceData().setName(topic);
        topicData.partitionData().add(new ProduceRequestData.PartitionProduceData().setIndex(0).setRecords(batch));
        data.topicData().add(topicData);
        return ProduceRequest.builder(data).build((short) 12);
    }

    private static RawKafkaSocket connect() {
        return new RawKafkaSocket(node.kafkaHost(), node.kafkaPort(), ANSWER_TIMEOUT);
    }

    /** A closed connection, or a response frame (for our correlation id, when the request had a readable one). */
    private static void assertErrorOrClosed(Outcome outcome, String what, Integer correlationId) {
        if (outcome instanceof Response response && correlationId != null) {
            assertThat(response.correlationId()).as("correlation id of the answer to %s", what)
                    .isEqualTo(correlationId);
            assertThat(response.body().length).as("an error answer to %s has a body", what).isGreaterThan(4);
        }
    }

    private static byte[] withPrefix(byte[] prefix, byte[] rest) {
        byte[] out = new byte[prefix.length + rest.length];
        System.arraycopy(prefix, 0, out, 0, prefix.length);
        System.arraycopy(rest, 0, out, prefix.length, rest.length);
        return out;
    }
}
