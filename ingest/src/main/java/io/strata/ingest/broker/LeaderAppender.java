package io.strata.ingest.broker;

import io.strata.ingest.observability.BrokerMetrics;
import io.strata.storage.log.LogAppendInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.record.internal.MemoryRecords;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;

/**
 * The one way records enter a partition this node leads, whichever protocol brought them: append
 * as leader, then (once the batch is visible: fsynced for topics that fsync every batch) count the
 * topic's bytes and records in and wake fetches waiting for the partition. The append itself runs
 * on the caller's thread: a write to the page cache, short enough for the Kafka event loop (as in
 * Kafka's and Redpanda's produce paths); fsyncs, which can take milliseconds, run on the flush executor.
 */
public final class LeaderAppender {

    private final TopicManager topics;
    private final FetchPurgatory fetchPurgatory;
    private final BrokerMetrics metrics;
    private final Executor flushExecutor;

    public LeaderAppender(TopicManager topics, FetchPurgatory fetchPurgatory, BrokerMetrics metrics, Executor flushExecutor) {
        this.topics = topics;
        this.fetchPurgatory = fetchPurgatory;
        this.metrics = metrics;
        this.flushExecutor = flushExecutor;
    }

    /**
     * Appends validated batches to the leader's log.
     *
     * @return completes when the batch is visible to consumers (exceptionally if the fsync fails)
     * @throws org.apache.kafka.common.errors.ApiException when this node does not lead the partition
     *         or the log rejects the batch (nothing written)
     */
    public CompletableFuture<LogAppendInfo> append(TopicPartition tp, MemoryRecords records) {
        Partition partition = topics.leaderPartition(tp);
        return partition.appendAsLeader(records, flushExecutor).thenApply(info -> {
            if (!info.duplicate()) {
                metrics.recordIn(tp.topic(), info.validBytes(), info.recordCount());
                fetchPurgatory.onAppend(tp, info.validBytes());
            }
            return info;
        });
    }
}
