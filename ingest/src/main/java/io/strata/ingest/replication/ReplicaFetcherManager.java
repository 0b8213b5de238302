package io.strata.ingest.replication;

import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.utils.Time;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;
import java.util.function.IntFunction;

/**
 * The replica fetchers of this node: one per leader it follows partitions from, created when the
 * first partition of that leader is followed and stopped when the last one leaves.
 *
 * <p>Thread-safety: methods are synchronized; {@link #stopFollowing} returns only once no fetcher
 * touches the partition any more, so the caller may then make it a leader or delete its log.
 */
public final class ReplicaFetcherManager implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(ReplicaFetcherManager.class);

    private final int localNodeId;
    private final ReplicationSettings settings;
    private final IntFunction<Optional<Node>> leaderAddress;
    private final Time time;
    private final Map<Integer, ReplicaFetcher> fetchers = new HashMap<>();
    private final Map<TopicPartition, Integer> leaderOf = new HashMap<>();
    private final LongAdder fetchedBytes = new LongAdder();
    private boolean closed;
    private volatile Consumer<TopicPartition> behindLeaderLocalLog = tp -> { };

    /** @param leaderAddress the Kafka listener of a node, empty when the node is not live */
    public ReplicaFetcherManager(int localNodeId, ReplicationSettings settings, IntFunction<Optional<Node>> leaderAddress,
                                 Time time) {
        this.localNodeId = localNodeId;
        this.settings = settings;
        this.leaderAddress = leaderAddress;
        this.time = time;
    }

    /**
     * Told (on a fetcher thread; must not block) when a follower's fetch offset is below what the
     * leader keeps locally: only object storage holds those offsets, so the replica must restart at the
     * remote end.
     */
    public void onBehindLeaderLocalLog(Consumer<TopicPartition> listener) {
        this.behindLeaderLocalLog = listener;
    }

    /**
     * Follows {@code partition} from {@code leaderId} under {@code leaderEpoch}, moving it off any other
     * leader's fetcher. Returns false when the leader's address is unknown (it is not live); the
     * next partition state change tries again.
     */
    public synchronized boolean follow(FollowerReplica partition, int leaderId, int leaderEpoch) {
        if (closed) {
            return false;
        }
        TopicPartition tp = partition.topicPartition();
        Optional<Node> address = leaderAddress.apply(leaderId);
        ReplicaFetcher fetcher = fetchers.get(leaderId);
        if (fetcher != null && address.isPresent() && !sameEndpoint(fetcher.leader(), address.get())) {
            LOG.info("Node {} moved to {}:{}; reconnecting its replica fetcher", leaderId, address.get().host(),
                    address.get().port());
            fetcher.shutdown();
            fetchers.remove(leaderId);
            leaderOf.values().removeIf(id -> id == leaderId);
            fetcher = null;
        }
        Integer previous = leaderOf.get(tp);
        if (previous != null && previous != leaderId) {
            stopFollowing(tp);
        }
        if (fetcher == null) {
            if (address.isEmpty()) {
                return false;
            }
            fetcher = new ReplicaFetcher(localNodeId, address.get(), settings, time, fetchedBytes,
                    tp2 -> behindLeaderLocalLog.accept(tp2));
            fetchers.put(leaderId, fetcher);
            fetcher.start();
        }
        fetcher.add(partition, leaderEpoch);
        leaderOf.put(tp, leaderId);
        return true;
    }

    /** Stops following {@code tp}; no fetcher touches its log after this returns. */
    public synchronized void stopFollowing(TopicPartition tp) {
        Integer leaderId = leaderOf.remove(tp);
        if (leaderId == null) {
            return;
        }
        ReplicaFetcher fetcher = fetchers.get(leaderId);
        if (fetcher != null) {
            fetcher.remove(tp);
            if (fetcher.isEmpty()) {
                fetchers.remove(leaderId);
                fetcher.shutdown();
            }
        }
    }

    /** Bytes of record batches appended as follower since start, over all fetchers. Lock-free. */
    public long fetchedBytes() {
        return fetchedBytes.sum();
    }

    /** Partitions followed, by leader. */
    public synchronized Map<TopicPartition, Integer> followed() {
        return Map.copyOf(leaderOf);
    }

    private static boolean sameEndpoint(Node a, Node b) {
        return a.host().equals(b.host()) && a.port() == b.port();
    }

    @Override
    public synchronized void close() {
        closed = true;
        fetchers.values().forEach(ReplicaFetcher::shutdown);
        fetchers.clear();
        leaderOf.clear();
    }
}
