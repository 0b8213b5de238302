package io.strata.ingest.kafka.network;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.strata.ingest.kafka.network.KafkaConnection.ParsedRequest;
import io.strata.ingest.node.InProcessNode;
import io.strata.ingest.node.LoggedFailures;
import io.strata.membership.topic.TopicDescriptor;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.AbstractRequest;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.AlterPartitionReassignmentsResponse;
import org.apache.kafka.common.requests.ConsumerGroupHeartbeatResponse;
import org.apache.kafka.common.requests.CreatePartitionsResponse;
import org.apache.kafka.common.requests.CreateTopicsResponse;
import org.apache.kafka.common.requests.DeleteGroupsResponse;
import org.apache.kafka.common.requests.DescribeConfigsResponse;
import org.apache.kafka.common.requests.DescribeTopicPartitionsResponse;
import org.apache.kafka.common.requests.DescribeUserScramCredentialsResponse;
import org.apache.kafka.common.requests.ElectLeadersResponse;
import org.apache.kafka.common.requests.MetadataResponse;
import org.apache.kafka.common.requests.OffsetFetchResponse;
import org.apache.kafka.common.requests.ProduceRequest;
import org.apache.kafka.common.requests.ProduceResponse;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.WritableByteChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Coverage-guided fuzzing of whole Kafka request frames (any API key, version and body) through the
 * node's request path, in-process and on one thread: {@link KafkaConnection#parse} (header, then body)
 * → {@link io.strata.ingest.kafka.api.KafkaApis} → the response's {@code Send} written through
 * {@link SendFileRegion} → parsed back as a client would. The node is a lone {@link InProcessNode}
 * with a topic {@value #TOPIC} (two partitions, a few records); in fuzzing mode it lives for the
 * whole run, so what one input creates, commits or deletes, the next one sees.
 *
 * <p>A frame the codec cannot read closes the connection, as in Apache Kafka: not a finding. Findings:
 * an exception escaping the handler or failing its future (the node would answer
 * UNKNOWN_SERVER_ERROR), a response carrying UNKNOWN_SERVER_ERROR, no response where one is due, a
 * request that does not complete once waiting fetches are released and the group clock has moved
 * past every deadline a request can set (a hang), a handler that holds its thread for more than
 * {@value #SLOW_MS} ms, a response that cannot be serialised at the request's version or parsed
 * back, and an internal failure the node caught and logged (a warning or error with an exception) while
 * answering.
 *
 * <p>{@code mvn test} replays the inputs under {@code KafkaRequestFuzzTestInputs/}; with
 * {@code JAZZER_FUZZ=1} Jazzer fuzzes (see {@code reliability/fuzz}). The plain tests pin the exact
 * Kafka error of each past finding ({@link KafkaRequestSeeds#regressions()}).
 */
class KafkaRequestFuzzTest {

    static final String TOPIC = "fuzz";
    /** Kept small here: each partition takes milliseconds to create, and an input may ask for many. */
    static final int MAX_PARTITIONS_PER_REQUEST = 16;
    private static final long SLOW_MS = 5_000;
    private static final InetSocketAddress CLIENT = new InetSocketAddress("127.0.0.1", 40000);
    /** Past the longest deadline a request can set (an int of milliseconds). */
    private static final long BEYOND_ANY_DEADLINE_MS = Integer.MAX_VALUE + 1_000L;
    /** Topics created by inputs are deleted once there are more than this many, to keep the node small. */
    private static final int MAX_TOPICS = 50;

    private static Path dataDir;
    private static InProcessNode node;
    /** Internal failures a handler catches and logs (answering some other error) are findings too. */
    private static LoggedFailures loggedFailures;

    @BeforeAll
    static void startNode() throws Exception {
        loggedFailures = LoggedFailures.install();
        dataDir = Files.createTempDirectory("kafka-request-fuzz");
        node = InProcessNode.start(dataDir, Map.of(
                "strata.group.initial-rebalance-delay", "0s",
                "strata.kafka.max-partitions-per-request", String.valueOf(MAX_PARTITIONS_PER_REQUEST)));
        ensureTopic();
    }

    /** The topic the seeds are about; inputs may delete it or change its configs. */
    private static void ensureTopic() {
        if (node.topics().topic(TOPIC).isEmpty()) {
            node.topics().createTopic(TOPIC, 2, 1, Map.of(), Map.of(), false);
        }
    }

    @AfterAll
    static void stopNode() throws Exception {
        if (loggedFailures != null) {
            loggedFailures.close();
        }
        if (node != null) {
            node.close();
        }
        if (dataDir != null) {
            try (var files = Files.walk(dataDir)) {
                files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    @FuzzTest
    void requestFrame(byte[] frame) throws Exception {
        exchange(frame);
        keepTopicsBounded();
    }

    /**
     * Hands one frame to the node and checks what comes back; returns the response as the client
     * parses it, or null when the connection would be closed or nothing is due (acks=0).
     */
    static AbstractResponse exchange(byte[] frame) throws Exception {
        ParsedRequest parsed;
        try {
            parsed = KafkaConnection.parse(ByteBuffer.wrap(frame), "fuzz-connection", CLIENT);
        } catch (RuntimeException unreadable) {
            return null; // the connection is closed, as Apache Kafka does
        }
        AbstractRequest request = parsed.request();
        ApiKeys api = request.apiKey();
        String what = api + " v" + request.version();

        long started = System.nanoTime();
        CompletableFuture<AbstractResponse> future;
        loggedFailures.watch();
        try {
            future = node.apis().handle(parsed.context(), request);
        } catch (RuntimeException e) {
            throw new AssertionError(what + " threw out of the handler", e);
        }
        long heldMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
        assertThat(heldMs).as("%s held the handler thread (ms)", what).isLessThan(SLOW_MS);

        AbstractResponse response = await(future, what);
        assertThat(loggedFailures.failures()).as("%s: failures the node logged while answering it", what).isEmpty();
        if (response == null) {
            assertThat(api == ApiKeys.PRODUCE && ((ProduceRequest) request).acks() == 0)
                    .as("%s answered nothing", what).isTrue();
            return null;
        }
        assertThat(errorCounts(response)).as("%s error counts", what).doesNotContainKey(Errors.UNKNOWN_SERVER_ERROR);
        AbstractResponse parsedBack = roundTrip(parsed, response, what);
        assertThat(parsedBack.apiKey()).isEqualTo(api);
        return parsedBack;
    }

    // ------------------------------------------------------------------ what the fuzzer found, with exact answers

    @Test
    void aBatchWhoseSizeFieldOverflowsIsACorruptMessage() throws Exception {
        ProduceResponse r = (ProduceResponse) exchange(regression("regression-produce-v9-batch-size-overflow"));
        assertThat(partitionErrors(r)).containsExactly(Errors.CORRUPT_MESSAGE);
    }

    @Test
    void theEmptyTopicNameIsAnUnknownOrInvalidTopic() throws Exception {
        ProduceResponse produce = (ProduceResponse) exchange(regression("regression-produce-v9-empty-topic-name"));
        assertThat(partitionErrors(produce)).containsExactly(Errors.UNKNOWN_TOPIC_OR_PARTITION);
        MetadataResponse metadata = (MetadataResponse) exchange(regression("regression-metadata-v12-empty-topic-name"));
        assertThat(metadata.data().topics()).singleElement()
                .satisfies(t -> assertThat(t.errorCode()).isEqualTo(Errors.INVALID_TOPIC_EXCEPTION.code()));
        DescribeConfigsResponse configs = (DescribeConfigsResponse) exchange(
                regression("regression-describeconfigs-v4-empty-topic-name"));
        assertThat(configs.data().results()).singleElement().satisfies(t -> assertThat(Errors.forCode(t.errorCode()))
                .isIn(Errors.UNKNOWN_TOPIC_OR_PARTITION, Errors.INVALID_TOPIC_EXCEPTION));
    }

    @Test
    void aNegativeDescribeTopicPartitionsCursorIsAnInvalidRequest() throws Exception {
        DescribeTopicPartitionsResponse r = (DescribeTopicPartitionsResponse) exchange(
                regression("regression-describetopicpartitions-v0-negative-cursor-partition"));
        assertThat(r.data().topics()).singleElement()
                .satisfies(t -> assertThat(t.errorCode()).isEqualTo(Errors.INVALID_REQUEST.code()));
    }

    @Test
    void aTopicRegexThatDoesNotCompileIsAnInvalidRegularExpression() throws Exception {
        ConsumerGroupHeartbeatResponse r = (ConsumerGroupHeartbeatResponse) exchange(
                regression("regression-consumergroupheartbeat-v1-unclosed-regex"));
        assertThat(r.data().errorCode()).isEqualTo(Errors.INVALID_REGULAR_EXPRESSION.code());
    }

    @Test
    void theEmptyGroupIdHasNoOffsetsAndIsNoGroup() throws Exception {
        OffsetFetchResponse fetch = (OffsetFetchResponse) exchange(regression("regression-offsetfetch-v1-empty-group-id"));
        assertThat(fetch.data().errorCode()).isEqualTo(Errors.NONE.code());
        assertThat(fetch.data().topics()).singleElement().satisfies(t -> assertThat(t.partitions()).singleElement()
                .satisfies(p -> assertThat(p.committedOffset()).isEqualTo(-1L)));
        DeleteGroupsResponse delete = (DeleteGroupsResponse) exchange(regression("regression-deletegroups-v2-empty-group-id"));
        assertThat(delete.errors()).containsEntry("", Errors.GROUP_ID_NOT_FOUND);
    }

    @Test
    void metadataV10AndV11ForAnUnknownTopicIdAnswerUnknownTopicId() throws Exception {
        for (String name : List.of("regression-metadata-v10-unknown-topic-id", "regression-metadata-v11-unknown-topic-id")) {
            MetadataResponse r = (MetadataResponse) exchange(regression(name));
            assertThat(r.data().topics()).as(name).singleElement()
                    .satisfies(t -> assertThat(t.errorCode()).isEqualTo(Errors.UNKNOWN_TOPIC_ID.code()));
        }
    }

    @Test
    void describeUserScramCredentialsV0ForAllUsersAnswersEveryUser() throws Exception {
        DescribeUserScramCredentialsResponse r = (DescribeUserScramCredentialsResponse) exchange(
                regression("regression-describeuserscramcredentials-v0-null-users"));
        assertThat(r.data().errorCode()).isEqualTo(Errors.NONE.code());
        assertThat(r.data().results()).as("no users on this node").isEmpty();
    }

    @Test
    void electionsAndReassignmentsOfImpossiblePartitionsAnswerKafkaErrors() throws Exception {
        ElectLeadersResponse unknownType = (ElectLeadersResponse) exchange(
                regression("regression-electleaders-v2-unknown-election-type"));
        assertThat(unknownType.data().errorCode()).isEqualTo(Errors.INVALID_REQUEST.code());
        ElectLeadersResponse negative = (ElectLeadersResponse) exchange(
                regression("regression-electleaders-v2-negative-partition"));
        assertThat(negative.data().replicaElectionResults()).singleElement().satisfies(t ->
                assertThat(t.partitionResult()).singleElement().satisfies(p ->
                        assertThat(p.errorCode()).isEqualTo(Errors.UNKNOWN_TOPIC_OR_PARTITION.code())));
        AlterPartitionReassignmentsResponse reassign = (AlterPartitionReassignmentsResponse) exchange(
                regression("regression-alterpartitionreassignments-v0-negative-partition"));
        assertThat(reassign.data().responses()).singleElement().satisfies(t ->
                assertThat(t.partitions()).singleElement().satisfies(p ->
                        assertThat(p.errorCode()).isEqualTo(Errors.UNKNOWN_TOPIC_OR_PARTITION.code())));
    }

    @Test
    void partitionCountsPastTheRequestLimitAreInvalidPartitions() throws Exception {
        for (String name : List.of("many-a", "many-b", "many-c", "huge")) {
            if (node.topics().topic(name).isPresent()) {
                node.topics().deleteTopic(name);
            }
        }
        CreateTopicsResponse huge = (CreateTopicsResponse) exchange(regression("regression-createtopics-v7-max-int-partitions"));
        assertThat(huge.data().topics()).singleElement()
                .satisfies(t -> assertThat(t.errorCode()).isEqualTo(Errors.INVALID_PARTITIONS.code()));
        CreateTopicsResponse many = (CreateTopicsResponse) exchange(
                regression("regression-createtopics-v7-partitions-past-request-limit"));
        assertThat(many.data().topics()).extracting(t -> Errors.forCode(t.errorCode()))
                .containsExactly(Errors.NONE, Errors.INVALID_PARTITIONS, Errors.INVALID_PARTITIONS);
        int partitions = node.topics().topic(TOPIC).orElseThrow().partitions();
        CreatePartitionsResponse grow = (CreatePartitionsResponse) exchange(regression("regression-createpartitions-v3-million"));
        assertThat(grow.data().results()).singleElement()
                .satisfies(t -> assertThat(t.errorCode()).isEqualTo(Errors.INVALID_PARTITIONS.code()));
        assertThat(node.topics().topic(TOPIC).orElseThrow().partitions()).isEqualTo(partitions);
    }

    private static byte[] regression(String name) {
        ByteBuffer frame = KafkaRequestSeeds.regressions().get(name);
        byte[] bytes = new byte[frame.remaining()];
        frame.get(bytes);
        return bytes;
    }

    private static List<Errors> partitionErrors(ProduceResponse r) {
        List<Errors> out = new ArrayList<>();
        r.data().responses().forEach(t -> t.partitionResponses().forEach(p -> out.add(Errors.forCode(p.errorCode()))));
        return out;
    }

    /**
     * The response's error counts. kafka-clients' own counting of some responses (AlterConfigs) fails when a
     * request names the same resource twice; the response itself is fine, so such a response counts as none.
     */
    static Map<Errors, Integer> errorCounts(AbstractResponse response) {
        try {
            return response.errorCounts();
        } catch (IllegalStateException duplicateResources) {
            return Map.of();
        }
    }

    /** The response, releasing everything that waits on time if it is not there at once. */
    private static AbstractResponse await(CompletableFuture<AbstractResponse> future, String what) throws Exception {
        if (!future.isDone()) {
            node.releaseWaiting(BEYOND_ANY_DEADLINE_MS);
        }
        try {
            return future.get(10, TimeUnit.SECONDS);
        } catch (TimeoutException e) {
            throw new AssertionError(what + " never completed", e);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause() instanceof CompletionException c ? c.getCause() : e.getCause();
            if (cause instanceof CloseConnectionException) {
                return null; // acks=0 produce that failed: the connection closes, which is the client's signal
            }
            throw new AssertionError(what + " failed", cause);
        }
    }

    /** Writes the response as the connection would and parses it back as a client would. */
    static AbstractResponse roundTrip(ParsedRequest parsed, AbstractResponse response, String what) throws Exception {
        SendFileRegion region;
        try {
            region = new SendFileRegion(parsed.context().buildResponseSend(response));
        } catch (RuntimeException e) {
            throw new AssertionError(what + " response cannot be serialised: " + response, e);
        }
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        WritableByteChannel channel = Channels.newChannel(bytes);
        while (region.transferred() < region.count()) {
            if (region.transferTo(channel, region.transferred()) <= 0) {
                throw new AssertionError(what + " response stopped after " + region.transferred() + " of "
                        + region.count() + " bytes");
            }
        }
        ByteBuffer frame = ByteBuffer.wrap(bytes.toByteArray());
        assertThat(frame.getInt()).as("%s response size prefix", what).isEqualTo(frame.remaining());
        try {
            return AbstractResponse.parseResponse(frame, parsed.context().header);
        } catch (RuntimeException e) {
            throw new AssertionError(what + " response cannot be parsed back: " + response, e);
        }
    }

    private static void keepTopicsBounded() {
        ensureTopic();
        if (node.topics().topics().size() <= MAX_TOPICS) {
            return;
        }
        for (TopicDescriptor topic : Set.copyOf(node.topics().topics())) {
            if (!topic.name().equals(TOPIC)) {
                node.topics().deleteTopic(topic.name());
            }
        }
    }
}
