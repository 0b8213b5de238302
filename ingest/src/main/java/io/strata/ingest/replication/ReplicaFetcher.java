package io.strata.ingest.replication;

import io.strata.storage.log.EpochEndOffset;
import io.strata.storage.log.PartitionLog;
import org.apache.kafka.clients.ClientResponse;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.message.FetchResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.Records;
import org.apache.kafka.common.requests.FetchRequest;
import org.apache.kafka.common.requests.FetchResponse;
import org.apache.kafka.common.utils.Time;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;

/**
 * Copies the partitions this node follows from one leader, as Kafka's replica fetcher thread does:
 * a loop of Fetch requests carrying this node's replica id, each partition at its log end offset with
 * the epoch of its last batch. Batches are appended verbatim ({@link PartitionLog#appendAsFollower});
 * a diverging-epoch answer truncates the log to where it agrees with the leader (KIP-101/KIP-279
 * semantics, carried in the fetch response as Kafka 2.7+ does); the high watermark and log start
 * offset follow the leader's.
 *
 * <p>Thread-safety: one thread per leader runs the loop. Partitions are added and removed from other
 * threads; removal takes the lock the loop holds while it applies a response, so once
 * {@link #remove} returns, this fetcher no longer touches that partition's log.
 */
final class ReplicaFetcher implements Runnable {

    private static final Logger LOG = LoggerFactory.getLogger(ReplicaFetcher.class);

    /** A partition followed under a leader epoch. */
    private static final class Followed {
        final FollowerReplica partition;
        final int leaderEpoch;
        long retryAtMs;

        Followed(FollowerReplica partition, int leaderEpoch) {
            this.partition = partition;
            this.leaderEpoch = leaderEpoch;
        }
    }

    private final int localNodeId;
    private final ReplicationSettings settings;
    private final Time time;
    private final LeaderClient client;
    private final Map<TopicPartition, Followed> partitions = new ConcurrentHashMap<>();
    private final ReentrantLock applying = new ReentrantLock();
    /** Bytes appended as follower, shared by the node's fetchers (a metric). */
    private final LongAdder fetchedBytes;
    private final Object idle = new Object();
    private final Thread thread;
    private volatile boolean running = true;
    private int rotation;

    private final Consumer<TopicPartition> behindLeaderLocalLog;

    /** @param behindLeaderLocalLog told when a partition's fetch offset is only in object storage on the leader */
    ReplicaFetcher(int localNodeId, Node leader, ReplicationSettings settings, Time time, LongAdder fetchedBytes,
                   Consumer<TopicPartition> behindLeaderLocalLog) {
        this.behindLeaderLocalLog = behindLeaderLocalLog;
        this.localNodeId = localNodeId;
        this.fetchedBytes = fetchedBytes;
        this.settings = settings;
        this.time = time;
        this.client = new LeaderClient(localNodeId, leader, (int) settings.socketTimeoutMs(), time);
        this.thread = new Thread(this, "strata-replica-fetcher-" + leader.id());
        this.thread.setDaemon(true);
    }

    void start() {
        thread.start();
    }

    Node leader() {
        return client.leader();
    }

    /** Follows {@code partition} under {@code leaderEpoch} (replacing an earlier epoch). */
    void add(FollowerReplica partition, int leaderEpoch) {
        partitions.put(partition.topicPartition(), new Followed(partition, leaderEpoch));
        synchronized (idle) {
            idle.notifyAll();
        }
    }

    /** Stops following; when it returns no response is being applied to the partition. */
    void remove(TopicPartition tp) {
        applying.lock();
        try {
            partitions.remove(tp);
        } finally {
            applying.unlock();
        }
    }

    boolean isEmpty() {
        return partitions.isEmpty();
    }

    void shutdown() {
        running = false;
        client.wakeup();
        synchronized (idle) {
            idle.notifyAll();
        }
        try {
            thread.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        client.close();
    }

    @Override
    public void run() {
        while (running) {
            try {
                Map<TopicPartition, Followed> batch = due();
                if (batch.isEmpty()) {
                    synchronized (idle) {
                        idle.wait(Math.max(1, settings.fetchBackoffMs() / 4));
                    }
                    continue;
                }
                fetchOnce(batch);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (IOException e) {
                if (running) {
                    LOG.info("Replica fetch from node {} failed: {}; retrying in {} ms", client.leader().id(),
                            e.getMessage(), settings.fetchBackoffMs());
                    pause(settings.fetchBackoffMs());
                }
            } catch (RuntimeException e) {
                if (running) {
                    LOG.warn("Replica fetch from node {} failed", client.leader().id(), e);
                    pause(settings.fetchBackoffMs());
                }
            }
        }
    }

    private void pause(long ms) {
        synchronized (idle) {
            try {
                idle.wait(ms);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                running = false;
            }
        }
    }

    /** Partitions not waiting out a back-off, in an order that rotates so that no partition starves. */
    private Map<TopicPartition, Followed> due() {
        long now = time.milliseconds();
        List<Map.Entry<TopicPartition, Followed>> entries = new ArrayList<>(partitions.entrySet());
        Map<TopicPartition, Followed> out = new LinkedHashMap<>();
        int n = entries.size();
        rotation++;
        for (int i = 0; i < n; i++) {
            Map.Entry<TopicPartition, Followed> e = entries.get(Math.floorMod(rotation + i, n));
            if (e.getValue().retryAtMs <= now) {
                out.put(e.getKey(), e.getValue());
            }
        }
        return out;
    }

    private void fetchOnce(Map<TopicPartition, Followed> batch) throws IOException {
        Map<TopicPartition, FetchRequest.PartitionData> fetchData = new LinkedHashMap<>();
        Map<Uuid, String> topicNames = new HashMap<>();
        for (Map.Entry<TopicPartition, Followed> e : batch.entrySet()) {
            FollowerReplica partition = e.getValue().partition;
            PartitionLog log = partition.log();
            OptionalInt lastEpoch = log.latestEpoch();
            fetchData.put(e.getKey(), new FetchRequest.PartitionData(partition.topicId(), log.logEndOffset(),
                    log.logStartOffset(), settings.fetchMaxBytes(), Optional.of(e.getValue().leaderEpoch),
                    lastEpoch.isPresent() ? Optional.of(lastEpoch.getAsInt()) : Optional.empty()));
            topicNames.put(partition.topicId(), e.getKey().topic());
        }
        FetchRequest.Builder request = FetchRequest.Builder.forReplica(ApiKeys.FETCH.latestVersion(), localNodeId, -1L,
                (int) settings.fetchMaxWaitMs(), 1, fetchData).setMaxBytes(settings.fetchResponseMaxBytes());
        ClientResponse response = client.send(request);
        if (response.versionMismatch() != null) {
            throw response.versionMismatch();
        }
        if (response.wasDisconnected()) {
            throw new IOException("Node " + client.leader().id() + " closed the connection");
        }
        FetchResponse fetch = (FetchResponse) response.responseBody();
        if (fetch.error() != Errors.NONE) {
            LOG.warn("Replica fetch from node {} answered {}", client.leader().id(), fetch.error());
            backOff(batch.values());
            return;
        }
        LinkedHashMap<TopicPartition, FetchResponseData.PartitionData> data =
                fetch.responseData(topicNames, response.requestHeader().apiVersion());
        applying.lock();
        try {
            for (Map.Entry<TopicPartition, FetchResponseData.PartitionData> e : data.entrySet()) {
                Followed followed = partitions.get(e.getKey());
                if (followed == null || followed != batch.get(e.getKey())) {
                    continue; // removed or re-added under another epoch meanwhile
                }
                apply(followed, e.getValue());
            }
        } finally {
            applying.unlock();
        }
    }

    private void apply(Followed followed, FetchResponseData.PartitionData pd) {
        FollowerReplica partition = followed.partition;
        PartitionLog log = partition.log();
        TopicPartition tp = partition.topicPartition();
        Errors error = Errors.forCode(pd.errorCode());
        switch (error) {
            case NONE -> {
                if (FetchResponse.isDivergingEpoch(pd)) {
                    truncateOnDivergence(partition, pd.divergingEpoch().epoch(), pd.divergingEpoch().endOffset());
                    return;
                }
                Records records = FetchResponse.recordsOrFail(pd);
                if (records instanceof MemoryRecords memory && memory.sizeInBytes() > 0) {
                    MemoryRecords whole = wholeBatches(memory);
                    if (whole.sizeInBytes() > 0) {
                        partition.appendAsFollower(whole);
                        fetchedBytes.add(whole.sizeInBytes());
                        if (log.config().flushEveryBatch()) {
                            log.flush();
                        }
                    }
                }
                partition.followLeaderHighWatermark(pd.highWatermark());
                if (pd.logStartOffset() > log.logStartOffset()) {
                    log.advanceLogStartOffset(pd.logStartOffset(), time.milliseconds());
                }
            }
            case OFFSET_OUT_OF_RANGE -> {
                long end = log.logEndOffset();
                if (pd.logStartOffset() > end) {
                    LOG.warn("{} is behind the leader's log start {}: restarting the local log there", tp, pd.logStartOffset());
                    log.truncateFullyAndStartAt(pd.logStartOffset());
                } else if (pd.highWatermark() >= 0 && pd.highWatermark() < end) {
                    LOG.warn("{} ends at {} beyond the leader's end: truncating to the leader's high watermark {}", tp,
                            end, pd.highWatermark());
                    log.truncateTo(pd.highWatermark());
                } else {
                    followed.retryAtMs = time.milliseconds() + settings.fetchBackoffMs();
                }
            }
            case OFFSET_MOVED_TO_TIERED_STORAGE -> {
                LOG.warn("{} at {} is only in object storage on the leader: the replica restarts at the remote end", tp,
                        log.logEndOffset());
                followed.retryAtMs = time.milliseconds() + 10 * settings.fetchBackoffMs();
                behindLeaderLocalLog.accept(tp);
            }
            case NOT_LEADER_OR_FOLLOWER, FENCED_LEADER_EPOCH, UNKNOWN_LEADER_EPOCH, UNKNOWN_TOPIC_OR_PARTITION,
                 UNKNOWN_TOPIC_ID -> {
                // The cluster's partition state has moved on; the next state change re-targets this partition.
                LOG.debug("Replica fetch of {} from node {}: {}", tp, client.leader().id(), error);
                followed.retryAtMs = time.milliseconds() + settings.fetchBackoffMs();
            }
            default -> {
                LOG.warn("Replica fetch of {} from node {} failed: {}", tp, client.leader().id(), error);
                followed.retryAtMs = time.milliseconds() + settings.fetchBackoffMs();
            }
        }
    }

    /**
     * The leader says its history ends epoch {@code leaderEpoch} at {@code leaderEndOffset}: truncate to
     * where both logs still agree. When this log's own history of that epoch ends earlier, that is the
     * point; when it does not know the epoch, the next fetch (with an older last epoch) narrows it further.
     */
    private void truncateOnDivergence(FollowerReplica partition, int leaderEpoch, long leaderEndOffset) {
        PartitionLog log = partition.log();
        long target;
        if (leaderEpoch < 0 || leaderEndOffset < 0) {
            target = log.highWatermark(); // the leader knows none of our epochs: keep what was committed
        } else {
            EpochEndOffset mine = log.endOffsetForEpoch(leaderEpoch);
            target = mine.endOffset() < 0 ? leaderEndOffset : Math.min(leaderEndOffset, mine.endOffset());
        }
        target = Math.max(target, log.logStartOffset());
        long before = log.logEndOffset();
        long after = log.truncateTo(target);
        if (after < before) {
            LOG.info("Truncated {} from {} to {}: the leader's epoch {} ends at {}", partition.topicPartition(), before,
                    after, leaderEpoch, leaderEndOffset);
        }
    }

    /** The complete batches of a response (a size limit can cut the last one short). */
    private static MemoryRecords wholeBatches(MemoryRecords records) {
        int valid = records.validBytes();
        if (valid == records.sizeInBytes()) {
            return records;
        }
        ByteBuffer buffer = records.buffer().duplicate();
        buffer.limit(buffer.position() + valid);
        return MemoryRecords.readableRecords(buffer.slice());
    }

    private void backOff(Iterable<Followed> followed) {
        long at = time.milliseconds() + settings.fetchBackoffMs();
        for (Followed f : followed) {
            f.retryAtMs = at;
        }
    }
}
