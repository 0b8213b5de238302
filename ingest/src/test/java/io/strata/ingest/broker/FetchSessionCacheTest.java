package io.strata.ingest.broker;

import io.strata.ingest.broker.FetchSessionCache.Context;
import io.strata.ingest.broker.FetchSessionCache.Kind;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.message.FetchRequestData;
import org.apache.kafka.common.message.FetchRequestData.FetchPartition;
import org.apache.kafka.common.message.FetchRequestData.FetchTopic;
import org.apache.kafka.common.message.FetchRequestData.ForgottenTopic;
import org.apache.kafka.common.message.FetchResponseData;
import org.apache.kafka.common.message.FetchResponseData.FetchableTopicResponse;
import org.apache.kafka.common.message.FetchResponseData.PartitionData;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.SimpleRecord;
import org.apache.kafka.common.utils.Time;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Supplier;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The session rules of {@link FetchSessionCache}: which requests open, use, close or are refused a session,
 * which partitions an incremental response keeps, and which session loses its slot when the cache is full.
 * The "node" here is a map of partition to high watermark and optional records, read the way FetchApi does.
 */
class FetchSessionCacheTest {

    private static final Uuid TOPIC = Uuid.randomUuid();
    private static final Uuid OTHER = Uuid.randomUuid();

    private final ManualTime time = new ManualTime();
    private final Map<String, Long> highWatermarks = new TreeMap<>();
    private final Map<String, Errors> errors = new TreeMap<>();
    private final List<String> withRecords = new ArrayList<>();

    @Test
    void sessionlessFetchAnswersEverythingAndKeepsNoSession() {
        FetchSessionCache cache = new FetchSessionCache(10, 120_000, time);
        Context ctx = cache.newContext(request(0, -1, parts(TOPIC, 0, 1)), false);
        assertThat(ctx.kind()).isEqualTo(Kind.SESSIONLESS);
        FetchResponseData response = ctx.respond(read(ctx));
        assertThat(response.sessionId()).isZero();
        assertThat(partitionsOf(response)).containsExactly(TOPIC + "-0", TOPIC + "-1");
        assertThat(cache.size()).isZero();
    }

    @Test
    void incrementalResponsesCarryOnlyPartitionsWithNews() {
        FetchSessionCache cache = new FetchSessionCache(10, 120_000, time);
        highWatermarks.put(TOPIC + "-0", 5L);
        highWatermarks.put(TOPIC + "-1", 7L);
        highWatermarks.put(TOPIC + "-2", 0L);
        Context full = cache.newContext(request(0, 0, parts(TOPIC, 0, 1, 2)), false);
        assertThat(full.kind()).isEqualTo(Kind.FULL);
        FetchResponseData first = full.respond(read(full));
        int id = first.sessionId();
        assertThat(id).isNotZero();
        assertThat(partitionsOf(first)).hasSize(3);
        assertThat(cache.size()).isEqualTo(1);
        assertThat(cache.partitions()).isEqualTo(3);

        // Nothing changed: the session reads all three and answers none.
        Context quiet = cache.newContext(request(id, 1), false);
        assertThat(quiet.kind()).isEqualTo(Kind.INCREMENTAL);
        assertThat(topicPartitions(quiet.toRead())).containsExactly(TOPIC + "-0", TOPIC + "-1", TOPIC + "-2");
        FetchResponseData empty = quiet.respond(read(quiet));
        assertThat(empty.sessionId()).isEqualTo(id);
        assertThat(partitionsOf(empty)).isEmpty();

        // A new high watermark on 1 and records on 0.
        highWatermarks.put(TOPIC + "-1", 9L);
        withRecords.add(TOPIC + "-0");
        Context news = cache.newContext(request(id, 2), false);
        assertThat(partitionsOf(news.respond(read(news)))).containsExactly(TOPIC + "-0", TOPIC + "-1");
        withRecords.clear();

        // Partition 0 had records, so it is read last from now on (fairness under response limits).
        Context next = cache.newContext(request(id, 3, parts(TOPIC, 1)), false);
        assertThat(topicPartitions(next.toRead())).containsExactly(TOPIC + "-1", TOPIC + "-2", TOPIC + "-0");
        assertThat(partitionsOf(next.respond(read(next)))).isEmpty();
        assertThat(cache.incrementalResponses()).isEqualTo(3);
        assertThat(cache.fullResponses()).isEqualTo(1);
    }

    @Test
    void incrementalRequestsAddAndForgetPartitions() {
        FetchSessionCache cache = new FetchSessionCache(10, 120_000, time);
        Context full = cache.newContext(request(0, 0, parts(TOPIC, 0, 1)), false);
        int id = full.respond(read(full)).sessionId();

        FetchRequestData change = request(id, 1, parts(OTHER, 0));
        change.forgottenTopicsData().add(new ForgottenTopic().setTopicId(TOPIC).setPartitions(List.of(0)));
        Context ctx = cache.newContext(change, false);
        assertThat(topicPartitions(ctx.toRead())).containsExactly(TOPIC + "-1", OTHER + "-0");
        // The added partition goes out once even without news: the client learns its state.
        assertThat(partitionsOf(ctx.respond(read(ctx)))).containsExactly(OTHER + "-0");
        assertThat(cache.partitions()).isEqualTo(2);
    }

    @Test
    void partitionErrorsAlwaysGoOutAndSoDoesTheRecovery() {
        FetchSessionCache cache = new FetchSessionCache(10, 120_000, time);
        Context full = cache.newContext(request(0, 0, parts(TOPIC, 0, 1)), false);
        int id = full.respond(read(full)).sessionId();

        errors.put(TOPIC + "-1", Errors.NOT_LEADER_OR_FOLLOWER);
        for (int epoch = 1; epoch <= 2; epoch++) {
            Context ctx = cache.newContext(request(id, epoch), false);
            assertThat(partitionsOf(ctx.respond(read(ctx)))).containsExactly(TOPIC + "-1");
        }
        errors.clear();
        Context recovered = cache.newContext(request(id, 3), false);
        assertThat(partitionsOf(recovered.respond(read(recovered)))).containsExactly(TOPIC + "-1");
        Context after = cache.newContext(request(id, 4), false);
        assertThat(partitionsOf(after.respond(read(after)))).isEmpty();
    }

    @Test
    void unknownSessionsAndWrongEpochsAreRefused() {
        FetchSessionCache cache = new FetchSessionCache(10, 120_000, time);
        Context full = cache.newContext(request(0, 0, parts(TOPIC, 0)), false);
        int id = full.respond(read(full)).sessionId();

        Context unknown = cache.newContext(request(id + 1, 1), false);
        assertThat(unknown.kind()).isEqualTo(Kind.ERROR);
        assertThat(unknown.error()).isEqualTo(Errors.FETCH_SESSION_ID_NOT_FOUND);
        assertThat(unknown.errorResponse().errorCode()).isEqualTo(Errors.FETCH_SESSION_ID_NOT_FOUND.code());
        assertThat(unknown.errorResponse().sessionId()).isZero();

        Context stale = cache.newContext(request(id, 5), false);
        assertThat(stale.error()).isEqualTo(Errors.INVALID_FETCH_SESSION_EPOCH);
        // The refused epoch did not move the session on: epoch 1 still works.
        assertThat(cache.newContext(request(id, 1), false).kind()).isEqualTo(Kind.INCREMENTAL);
        assertThat(cache.newContext(request(id, 1), false).error()).isEqualTo(Errors.INVALID_FETCH_SESSION_EPOCH);
        assertThat(cache.sessionErrors()).isEqualTo(3);

        // Epoch -1 closes the session and is served sessionless.
        Context close = cache.newContext(request(id, -1, parts(TOPIC, 0)), false);
        assertThat(close.kind()).isEqualTo(Kind.SESSIONLESS);
        assertThat(cache.size()).isZero();
        assertThat(cache.newContext(request(id, 2), false).error()).isEqualTo(Errors.FETCH_SESSION_ID_NOT_FOUND);
    }

    @Test
    void aFullCacheGivesSlotsToIdleSessionsFirstThenToStrongerOnes() {
        FetchSessionCache cache = new FetchSessionCache(2, 1_000, time);
        int small = open(cache, false, parts(TOPIC, 0));
        int medium = open(cache, false, parts(TOPIC, 0, 1));
        // No idle session and not stronger than the weakest (one partition): no slot.
        assertThat(open(cache, false, parts(OTHER, 0))).isZero();
        // Bigger than the weakest: takes its slot.
        int big = open(cache, false, parts(OTHER, 0, 1, 2));
        assertThat(big).isNotZero();
        assertThat(cache.newContext(request(small, 1), false).error()).isEqualTo(Errors.FETCH_SESSION_ID_NOT_FOUND);
        assertThat(cache.evictions()).isEqualTo(1);
        // A follower's session outranks a consumer's of any size.
        int follower = open(cache, true, parts(TOPIC, 5));
        assertThat(follower).isNotZero();
        assertThat(cache.newContext(request(medium, 1), false).error()).isEqualTo(Errors.FETCH_SESSION_ID_NOT_FOUND);

        // Once the least recently used session is idle past the eviction time, anyone may take its slot.
        time.sleep(500);
        assertThat(cache.newContext(request(follower, 1), true).kind()).isEqualTo(Kind.INCREMENTAL);
        time.sleep(600);
        int late = open(cache, false, parts(TOPIC, 9));
        assertThat(late).isNotZero();
        assertThat(cache.newContext(request(big, 1), false).error()).isEqualTo(Errors.FETCH_SESSION_ID_NOT_FOUND);
        assertThat(cache.newContext(request(follower, 2), true).kind()).isEqualTo(Kind.INCREMENTAL);
        assertThat(cache.size()).isEqualTo(2);
        assertThat(cache.partitions()).isEqualTo(2);
    }

    @Test
    void noSlotsMeansNoSessions() {
        FetchSessionCache cache = new FetchSessionCache(0, 1_000, time);
        assertThat(open(cache, false, parts(TOPIC, 0))).isZero();
        assertThat(cache.size()).isZero();
    }

    private int open(FetchSessionCache cache, boolean follower, FetchTopic... topics) {
        Context ctx = cache.newContext(request(0, 0, topics), follower);
        return ctx.respond(read(ctx)).sessionId();
    }

    /** Reads the context's partitions as FetchApi does: one response topic per fetch topic, in order. */
    private FetchResponseData read(Context ctx) {
        FetchResponseData data = new FetchResponseData();
        for (FetchTopic topic : ctx.toRead()) {
            FetchableTopicResponse out = new FetchableTopicResponse().setTopic(topic.topic()).setTopicId(topic.topicId());
            data.responses().add(out);
            for (FetchPartition p : topic.partitions()) {
                String key = topic.topicId() + "-" + p.partition();
                Errors error = errors.getOrDefault(key, Errors.NONE);
                PartitionData pd = new PartitionData().setPartitionIndex(p.partition()).setErrorCode(error.code())
                        .setHighWatermark(highWatermarks.getOrDefault(key, 0L))
                        .setLastStableOffset(highWatermarks.getOrDefault(key, 0L)).setLogStartOffset(0)
                        .setRecords(withRecords.contains(key)
                                ? MemoryRecords.withRecords(Compression.NONE, new SimpleRecord("v".getBytes()))
                                : MemoryRecords.EMPTY);
                out.partitions().add(pd);
            }
        }
        return data;
    }

    private static FetchRequestData request(int sessionId, int epoch, FetchTopic... topics) {
        return new FetchRequestData().setSessionId(sessionId).setSessionEpoch(epoch)
                .setTopics(new ArrayList<>(List.of(topics)));
    }

    private static FetchTopic parts(Uuid topicId, int... partitions) {
        FetchTopic topic = new FetchTopic().setTopicId(topicId);
        for (int p : partitions) {
            topic.partitions().add(new FetchPartition().setPartition(p).setFetchOffset(0).setPartitionMaxBytes(1024));
        }
        return topic;
    }

    private static List<String> partitionsOf(FetchResponseData response) {
        List<String> out = new ArrayList<>();
        for (FetchableTopicResponse topic : response.responses()) {
            for (PartitionData pd : topic.partitions()) {
                out.add(topic.topicId() + "-" + pd.partitionIndex());
            }
        }
        return out;
    }

    private static List<String> topicPartitions(List<FetchTopic> topics) {
        List<String> out = new ArrayList<>();
        for (FetchTopic topic : topics) {
            for (FetchPartition p : topic.partitions()) {
                out.add(topic.topicId() + "-" + p.partition());
            }
        }
        return out;
    }

    /** A clock moved only by the test. */
    private static final class ManualTime implements Time {
        private long nowMs = 1_000_000;

        @Override
        public long milliseconds() {
            return nowMs;
        }

        @Override
        public long nanoseconds() {
            return nowMs * 1_000_000;
        }

        @Override
        public void sleep(long ms) {
            nowMs += ms;
        }

        @Override
        public void waitObject(Object obj, Supplier<Boolean> condition, long deadlineMs) {
            throw new UnsupportedOperationException();
        }
    }
}
