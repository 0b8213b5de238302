package io.strata.ingest.broker;

import io.strata.membership.partition.PartitionState;
import io.strata.storage.log.LogAppendInfo;
import io.strata.storage.log.LogConfig;
import io.strata.storage.log.PartitionLog;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.SimpleRecord;
import org.apache.kafka.common.utils.Time;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The leader's side of ISR replication on a real log: the high watermark waits for every in-sync
 * follower, acks=all completes (or fails) by it, and the ISR shrinks and expands as followers lag
 * and catch up.
 */
class PartitionReplicationTest {

    private static final int LEADER = 1;
    private static final UUID TOPIC_ID = UUID.randomUUID();

    @TempDir
    Path dir;

    private PartitionLog log;
    private ProducePurgatory produces;
    private final List<List<Integer>> wantedIsrs = new ArrayList<>();
    private final List<Long> advancedBytes = new ArrayList<>();
    private Partition partition;

    @BeforeEach
    void open() throws Exception {
        TopicPartition tp = new TopicPartition("replicated", 0);
        log = PartitionLog.open(dir.resolve("replicated-0"), tp, Uuid.randomUuid(), LogConfig.create(Map.of(), Map.of()),
                0L, false, Time.SYSTEM);
        produces = new ProducePurgatory();
        partition = new Partition(tp, log.topicId(), log, LEADER, null, new Partition.ReplicaChanges() {
            @Override
            public void highWatermarkAdvanced(Partition p, long bytes) {
                advancedBytes.add(bytes);
            }

            @Override
            public void isrChangeWanted(Partition p, PartitionState basedOn, List<Integer> newIsr) {
                wantedIsrs.add(newIsr);
            }
        }, produces);
    }

    @AfterEach
    void close() throws Exception {
        produces.close();
        log.close();
    }

    private static PartitionState state(int partitionEpoch, List<Integer> isr) {
        return new PartitionState(TOPIC_ID, LEADER, 0, partitionEpoch, List.of(1, 2, 3), isr);
    }

    private LogAppendInfo append(String... values) {
        SimpleRecord[] records = new SimpleRecord[values.length];
        for (int i = 0; i < values.length; i++) {
            records[i] = new SimpleRecord(values[i].getBytes(StandardCharsets.UTF_8));
        }
        return partition.appendAsLeader(MemoryRecords.withRecords(Compression.NONE, records), Runnable::run).join();
    }

    @Test
    void highWatermarkWaitsForEveryInSyncFollowerAndAcksAllCompletesByIt() throws Exception {
        partition.becomeLeader(state(0, List.of(1, 2, 3)), 0L);
        LogAppendInfo info = append("a", "b", "c");
        CompletableFuture<Errors> acked = partition.awaitReplication(info.lastOffset() + 1, 2, 30_000);

        assertThat(log.highWatermark()).as("no follower has fetched yet").isZero();
        partition.followerFetched(2, 3, log.logEndOffset(), 10L);
        assertThat(log.highWatermark()).as("follower 3 has not fetched").isZero();
        assertThat(acked).isNotDone();

        partition.followerFetched(3, 2, log.logEndOffset(), 10L);
        assertThat(log.highWatermark()).as("the slowest in-sync follower sets the mark").isEqualTo(2);
        assertThat(acked).isNotDone();

        partition.followerFetched(3, 3, log.logEndOffset(), 20L);
        assertThat(log.highWatermark()).isEqualTo(3);
        assertThat(acked.get(5, TimeUnit.SECONDS)).isEqualTo(Errors.NONE);
        assertThat(advancedBytes.stream().mapToLong(Long::longValue).sum())
                .as("consumers are told the appended bytes became readable").isEqualTo(info.validBytes());
    }

    @Test
    void acksAllFailsAfterTheAppendWhenTheIsrShrankBelowTheMinimum() throws Exception {
        partition.becomeLeader(state(0, List.of(1, 2)), 0L);
        LogAppendInfo info = append("x");
        CompletableFuture<Errors> acked = partition.awaitReplication(info.lastOffset() + 1, 2, 30_000);
        partition.updateState(state(1, List.of(1)));
        assertThat(log.highWatermark()).as("the leader alone is the ISR now").isEqualTo(1);
        assertThat(acked.get(5, TimeUnit.SECONDS)).isEqualTo(Errors.NOT_ENOUGH_REPLICAS_AFTER_APPEND);
    }

    @Test
    void acksAllTimesOutAndFailsOverWhenLeadershipMoves() throws Exception {
        partition.becomeLeader(state(0, List.of(1, 2)), 0L);
        CompletableFuture<Errors> timedOut = partition.awaitReplication(append("t").lastOffset() + 1, 1, 50);
        assertThat(timedOut.get(5, TimeUnit.SECONDS)).isEqualTo(Errors.REQUEST_TIMED_OUT);

        CompletableFuture<Errors> moved = partition.awaitReplication(append("m").lastOffset() + 1, 1, 30_000);
        partition.becomeFollower(new PartitionState(TOPIC_ID, 2, 1, 1, List.of(1, 2, 3), List.of(2)));
        assertThat(moved.get(5, TimeUnit.SECONDS)).isEqualTo(Errors.NOT_LEADER_OR_FOLLOWER);
        assertThat(partition.isLeader()).isFalse();
    }

    @Test
    void laggingFollowersLeaveTheIsrAndCaughtUpOnesComeBack() {
        partition.becomeLeader(state(0, List.of(1, 2, 3)), 1_000L);
        append("1", "2");
        partition.followerFetched(2, 2, 2, 1_500L);
        assertThat(partition.maybeShrinkIsr(1_600L, 1_000L)).as("nobody lags 1 s yet").isFalse();

        assertThat(partition.maybeShrinkIsr(2_200L, 1_000L)).isTrue();
        assertThat(wantedIsrs).containsExactly(List.of(1, 2));
        partition.updateState(state(1, List.of(1, 2)));

        // Follower 3 comes back and reaches the high watermark: it is asked back in.
        partition.followerFetched(2, 2, 2, 2_300L);
        assertThat(log.highWatermark()).isEqualTo(2);
        partition.followerFetched(3, 1, 2, 2_400L);
        assertThat(wantedIsrs).as("below the high watermark it stays out").hasSize(1);
        partition.followerFetched(3, 2, 2, 2_500L);
        assertThat(wantedIsrs).containsExactly(List.of(1, 2), List.of(1, 2, 3));
    }

    @Test
    void aPendingShrinkKeepsCountingTheFollowerForTheHighWatermark() {
        partition.becomeLeader(state(0, List.of(1, 2, 3)), 0L);
        append("p");
        partition.followerFetched(2, 1, 1, 4_500L);
        assertThat(partition.maybeShrinkIsr(5_000L, 1_000L)).isTrue();
        assertThat(wantedIsrs).containsExactly(List.of(1, 2));
        assertThat(log.highWatermark()).as("follower 3 is still in the committed ISR").isZero();
        partition.updateState(state(1, List.of(1, 2)));
        assertThat(log.highWatermark()).as("once the shrink is committed the mark moves").isEqualTo(1);
    }
}
