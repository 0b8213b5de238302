package io.strata.ingest.replication;

import io.strata.storage.log.PartitionLog;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.record.internal.MemoryRecords;

/** What a replica fetcher needs of a partition this node follows. */
public interface FollowerReplica {

    TopicPartition topicPartition();

    Uuid topicId();

    /** The local log; only the fetcher writes it while following. */
    PartitionLog log();

    /** Appends the leader's batches verbatim (offsets and epochs as the leader assigned them). */
    void appendAsFollower(MemoryRecords records);

    /** The leader's high watermark as of the last fetch: this replica's moves up to it (bounded by its log end). */
    void followLeaderHighWatermark(long leaderHighWatermark);
}
