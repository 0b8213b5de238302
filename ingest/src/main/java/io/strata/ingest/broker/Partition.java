package io.strata.ingest.broker;

import io.strata.ingest.tiering.TieringBackpressure;
import io.strata.storage.log.LogAppendInfo;
import io.strata.storage.log.PartitionLog;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.errors.FencedLeaderEpochException;
import org.apache.kafka.common.errors.UnknownLeaderEpochException;
import org.apache.kafka.common.record.internal.MemoryRecords;

import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;

/**
 * A partition this node leads: its log plus the leader epoch clients are fenced with.
 *
 * <p>The leader epoch comes from the cluster's partition state and only grows. Without follower
 * replicas the leader is the only in-sync replica, so the high watermark follows the log end, or
 * the fsynced end for topics that fsync every batch.
 * Thread-safe: appends are serialised by the log, the epoch is volatile.
 */
public final class Partition {

    private final TopicPartition topicPartition;
    private final Uuid topicId;
    private final PartitionLog log;
    private final TieringBackpressure backpressure;
    private volatile int leaderEpoch;

    /** @param backpressure the disk budget of untiered segments, or null when nothing is tiered */
    public Partition(TopicPartition topicPartition, Uuid topicId, PartitionLog log, int leaderEpoch,
                     TieringBackpressure backpressure) {
        this.topicPartition = topicPartition;
        this.topicId = topicId;
        this.log = log;
        this.backpressure = backpressure;
        becomeLeader(leaderEpoch);
    }

    public TopicPartition topicPartition() {
        return topicPartition;
    }

    public Uuid topicId() {
        return topicId;
    }

    public PartitionLog log() {
        return log;
    }

    public int leaderEpoch() {
        return leaderEpoch;
    }

    /** Takes leadership under {@code epoch}; a lower epoch than the current one is ignored. */
    synchronized void becomeLeader(int epoch) {
        leaderEpoch = Math.max(epoch, leaderEpoch);
        log.maybeAssignEpochStartOffset(leaderEpoch);
    }

    /**
     * Appends as leader, then makes the batch visible to consumers by advancing the high watermark
     * (the leader is the only replica). When the topic fsyncs every batch, the fsync runs on
     * {@code flushExecutor} and the batch becomes visible (and the future completes) only once it
     * is on stable storage; otherwise the future is already complete. Pass {@code Runnable::run} to
     * fsync on the calling thread.
     *
     * @throws org.apache.kafka.common.errors.ApiException when the log rejects the batch (nothing written),
     *         KafkaStorageException while the tiering backlog exceeds its disk budget
     */
    public CompletableFuture<LogAppendInfo> appendAsLeader(MemoryRecords records, Executor flushExecutor) {
        if (backpressure != null && log.isTiered()) {
            backpressure.checkAppend(topicPartition.toString());
        }
        LogAppendInfo info = log.appendAsLeader(records, leaderEpoch);
        if (info.duplicate() || !log.config().flushEveryBatch()) {
            log.updateHighWatermark(log.logEndOffset());
            return CompletableFuture.completedFuture(info);
        }
        return CompletableFuture.supplyAsync(() -> {
            log.flush(info.lastOffset() + 1);
            // Only what is fsynced becomes visible, also when later appends are already in the log.
            log.updateHighWatermark(log.recoveryPoint());
            return info;
        }, flushExecutor);
    }

    /**
     * Checks a client's view of the leader epoch (KIP-320). An absent or -1 epoch skips the check.
     *
     * @throws FencedLeaderEpochException when the client's epoch is older than ours
     * @throws UnknownLeaderEpochException when the client's epoch is newer than ours
     */
    public void checkLeaderEpoch(Optional<Integer> clientEpoch) {
        if (clientEpoch.isEmpty() || clientEpoch.get() < 0) {
            return;
        }
        int epoch = clientEpoch.get();
        int current = leaderEpoch;
        if (epoch < current) {
            throw new FencedLeaderEpochException("Leader epoch " + epoch + " is older than the current " + current
                    + " of " + topicPartition);
        }
        if (epoch > current) {
            throw new UnknownLeaderEpochException("Leader epoch " + epoch + " is newer than the current " + current
                    + " of " + topicPartition);
        }
    }
}
