package io.strata.ingest.broker;

import io.strata.ingest.observability.BrokerMetrics;
import io.strata.storage.log.LogAppendInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.record.internal.MemoryRecords;

/**
 * The one way records enter a partition this node leads, whichever protocol brought them: append
 * as leader, count the topic's bytes and records in, and wake fetches waiting for the partition.
 * Runs on the caller's thread (disk I/O: never on an event loop).
 */
public final class LeaderAppender {

    private final TopicManager topics;
    private final FetchPurgatory fetchPurgatory;
    private final BrokerMetrics metrics;

    public LeaderAppender(TopicManager topics, FetchPurgatory fetchPurgatory, BrokerMetrics metrics) {
        this.topics = topics;
        this.fetchPurgatory = fetchPurgatory;
        this.metrics = metrics;
    }

    /**
     * Appends validated batches to the leader's log.
     *
     * @param waitForFlush wait for fsync when the topic flushes every batch
     * @throws org.apache.kafka.common.errors.ApiException with the Kafka error for the client
     */
    public LogAppendInfo append(TopicPartition tp, MemoryRecords records, boolean waitForFlush) {
        Partition partition = topics.leaderPartition(tp);
        LogAppendInfo info = partition.appendAsLeader(records, waitForFlush);
        if (!info.duplicate()) {
            metrics.recordIn(tp.topic(), info.validBytes(), info.recordCount());
            fetchPurgatory.onAppend(tp, info.validBytes());
        }
        return info;
    }
}
