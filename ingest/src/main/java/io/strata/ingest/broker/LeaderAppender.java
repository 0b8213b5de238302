package io.strata.ingest.broker;

import io.strata.ingest.observability.BrokerMetrics;
import io.strata.storage.log.LogAppendInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.NotEnoughReplicasException;
import org.apache.kafka.common.errors.NotLeaderOrFollowerException;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.internal.MemoryRecords;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.function.BooleanSupplier;

/**
 * The one way records enter a partition this node leads, whichever protocol brought them: append
 * as leader, count the topic's bytes and records in, wake followers waiting to fetch, and for
 * acks=all wait until every in-sync replica has the batch. The append itself runs on the caller's
 * thread: a write to the page cache, short enough for the Kafka event loop (as in Kafka's and
 * Redpanda's produce paths); fsyncs run on the flush executor and replication waits in the
 * {@link ProducePurgatory}, so no thread blocks for either.
 */
public final class LeaderAppender {

    /** acks=all: wait for the in-sync replicas. */
    public static final short ACKS_ALL = -1;

    private final TopicManager topics;
    private final FetchPurgatory replicaFetches;
    private final BrokerMetrics metrics;
    private final Executor flushExecutor;
    private final BooleanSupplier inMajority;

    /**
     * @param replicaFetches follower fetches waiting for new batches (woken by every append)
     * @param inMajority     whether this node sees a majority of the cluster: cut off from it, its
     *                       leaderships have moved or are about to, so it takes no more writes
     */
    public LeaderAppender(TopicManager topics, FetchPurgatory replicaFetches, BrokerMetrics metrics, Executor flushExecutor,
                          BooleanSupplier inMajority) {
        this.inMajority = inMajority;
        this.topics = topics;
        this.replicaFetches = replicaFetches;
        this.metrics = metrics;
        this.flushExecutor = flushExecutor;
    }

    /**
     * Appends validated batches to the leader's log.
     *
     * @param acks      1 (or 0): complete once the batch is in the leader's log (fsynced for topics that
     *                  fsync every batch); -1: once every in-sync replica has it
     * @param timeoutMs how long acks=all waits for the replicas
     * @return completes as {@code acks} asks; exceptionally with NotEnoughReplicasAfterAppendException,
     *         the request timeout (TimeoutException) or NotLeaderOrFollowerException when replication
     *         does not complete as acks=all needs, or when the fsync fails
     * @throws org.apache.kafka.common.errors.ApiException when this node does not lead the partition,
     *         acks=all finds fewer in-sync replicas than min.insync.replicas (NotEnoughReplicasException),
     *         or the log rejects the batch (nothing written in any of these cases)
     */
    public CompletableFuture<LogAppendInfo> append(TopicPartition tp, MemoryRecords records, short acks, long timeoutMs) {
        Partition partition = topics.leaderPartition(tp);
        if (!inMajority.getAsBoolean()) {
            // Kafka's old leader would still take acks=1 writes here and lose them at the next truncation.
            throw new NotLeaderOrFollowerException("This node is cut off from the majority of the cluster; the leadership of "
                    + tp + " may have moved.");
        }
        int minIsr = partition.log().config().minInsyncReplicas();
        if (acks == ACKS_ALL) {
            int isr = partition.inSyncReplicas().size();
            if (isr < minIsr) {
                throw new NotEnoughReplicasException("The in-sync replicas of " + tp + " are " + partition.inSyncReplicas()
                        + ", fewer than min.insync.replicas=" + minIsr + ".");
            }
        }
        CompletableFuture<LogAppendInfo> appended = partition.appendAsLeader(records, flushExecutor);
        LogAppendInfo now = appended.getNow(null);
        if (now != null && !now.duplicate()) {
            counted(tp, now);
        } else if (now == null) {
            appended = appended.thenApply(info -> {
                if (!info.duplicate()) {
                    counted(tp, info);
                }
                return info;
            });
        }
        if (acks != ACKS_ALL) {
            return appended;
        }
        return appended.thenCompose(info -> {
            long required = info.lastOffset() + 1;
            return partition.awaitReplication(required, minIsr, timeoutMs).thenApply(error -> {
                if (error != Errors.NONE) {
                    throw error.exception("Replication of offsets up to " + info.lastOffset() + " of " + tp
                            + " did not complete: " + error.message());
                }
                return info;
            });
        });
    }

    private void counted(TopicPartition tp, LogAppendInfo info) {
        metrics.recordIn(tp.topic(), info.validBytes(), info.recordCount());
        replicaFetches.onAppend(tp, info.validBytes());
    }
}
