package io.strata.ingest.broker;

import io.strata.ingest.replication.FollowerReplica;
import io.strata.ingest.tiering.TieringBackpressure;
import io.strata.membership.partition.PartitionState;
import io.strata.storage.log.LogAppendInfo;
import io.strata.storage.log.PartitionLog;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.errors.FencedLeaderEpochException;
import org.apache.kafka.common.errors.NotLeaderOrFollowerException;
import org.apache.kafka.common.errors.OffsetNotAvailableException;
import org.apache.kafka.common.errors.UnknownLeaderEpochException;
import org.apache.kafka.common.record.internal.MemoryRecords;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;

/**
 * A replica of a partition hosted on this node: its log, its role (leader or follower) under the
 * cluster's partition state, and, while leading, what the leader must know of its followers.
 *
 * <p>Replication follows Apache Kafka's ISR model. Followers fetch from the leader; each replica
 * fetch tells the leader the follower's log end offset. The high watermark is the smallest log end
 * offset over the in-sync replicas (the leader counting its fsynced end for topics that fsync every
 * batch), and only grows while this node leads. A follower is caught up when it fetched up to the
 * leader's end; one that has not been caught up for {@code replica.lag.time.max.ms} is dropped from
 * the ISR, and one that reaches the high watermark (and the start of the current leader epoch) is
 * added back. ISR changes are written to the cluster by the leader ({@link ReplicaChanges}); until
 * a change is committed the high watermark is computed over the larger of the two sets (Kafka's
 * "maximal ISR"), so a pending shrink never lets it advance early.
 *
 * <p>Invariants: only the leader appends client batches, under its own leader epoch; a follower's
 * fetch that diverges from the leader's epoch history (it must truncate first) does not count as
 * progress; the high watermark never passes the log end offset of any in-sync replica.
 *
 * <p>Thread-safety: role changes arrive on the node's leadership thread; appends on network
 * threads; follower progress on the network thread answering a replica fetch. Role and state are
 * volatile snapshots, progress and the high-watermark computation are guarded by this object's lock.
 */
public final class Partition implements FollowerReplica {

    /** What a partition tells the rest of the node; implementations must not block. */
    public interface ReplicaChanges {
        /** The high watermark moved up by {@code bytes} of record batches: consumers may read more. */
        void highWatermarkAdvanced(Partition partition, long bytes);

        /** The leader wants the cluster's ISR changed to {@code newIsr} (written asynchronously). */
        void isrChangeWanted(Partition partition, PartitionState basedOn, List<Integer> newIsr);
    }

    /** What the leader knows of one follower. */
    private static final class FollowerProgress {
        long logEndOffset = -1L;
        long lastCaughtUpTimeMs;
        long lastFetchLeaderLogEndOffset = -1L;
        long lastFetchTimeMs;
    }

    private final TopicPartition topicPartition;
    private final Uuid topicId;
    private final PartitionLog log;
    private final TieringBackpressure backpressure;
    private final int localNodeId;
    private final ReplicaChanges changes;
    private final AppendLedger ledger = new AppendLedger();
    private final ProducePurgatory.Waiters replicationWaiters;

    private volatile PartitionState state;
    private volatile boolean leader;
    private volatile int leaderEpoch;
    /** Log end offset when this node took leadership: a follower below it has not seen this epoch. */
    private volatile long leaderEpochStartOffset;
    /** Guarded by this. Progress of followers while leading. */
    private final Map<Integer, FollowerProgress> followers = new ConcurrentHashMap<>();
    /** The ISR the high watermark is computed over: the committed ISR plus additions asked for. */
    private volatile Set<Integer> maximalIsr = Set.of();
    /** Guarded by this. An ISR change sent to the cluster and not yet seen back. */
    private List<Integer> pendingIsr;

    /** @param backpressure the disk budget of untiered segments, or null when nothing is tiered */
    public Partition(TopicPartition topicPartition, Uuid topicId, PartitionLog log, int localNodeId,
                     TieringBackpressure backpressure, ReplicaChanges changes, ProducePurgatory produces) {
        this.topicPartition = topicPartition;
        this.topicId = topicId;
        this.log = log;
        this.localNodeId = localNodeId;
        this.backpressure = backpressure;
        this.changes = changes;
        this.replicationWaiters = produces.newWaiters();
    }

    @Override
    public TopicPartition topicPartition() {
        return topicPartition;
    }

    @Override
    public Uuid topicId() {
        return topicId;
    }

    @Override
    public PartitionLog log() {
        return log;
    }

    public int leaderEpoch() {
        return leaderEpoch;
    }

    public boolean isLeader() {
        return leader;
    }

    /** The cluster's state of the partition as last applied here. */
    public PartitionState state() {
        return state;
    }

    /** Members of the committed ISR. */
    public List<Integer> inSyncReplicas() {
        PartitionState s = state;
        return s == null ? List.of() : s.isr();
    }

    // ------------------------------------------------------------------ role changes (leadership thread)

    /**
     * Leads the partition under {@code st}: the log records the new epoch at its end, every follower
     * starts unknown (in-sync ones count as just caught up, so they are not dropped at once), and the
     * high watermark moves as far as the ISR allows (at once when this node is the only member).
     */
    public void becomeLeader(PartitionState st, long nowMs) {
        synchronized (this) {
            int epoch = Math.max(st.leaderEpoch(), leaderEpoch);
            log.maybeAssignEpochStartOffset(epoch);
            leaderEpoch = epoch;
            leaderEpochStartOffset = log.logEndOffset();
            followers.clear();
            for (int replica : st.replicas()) {
                if (replica != localNodeId) {
                    FollowerProgress p = new FollowerProgress();
                    p.lastCaughtUpTimeMs = st.isr().contains(replica) ? nowMs : 0L;
                    followers.put(replica, p);
                }
            }
            state = st;
            pendingIsr = null;
            maximalIsr = Set.copyOf(st.isr());
            leader = true;
        }
        maybeIncrementHighWatermark();
    }

    /** Follows the leader named by {@code st}; appends from clients are refused from now on. */
    public void becomeFollower(PartitionState st) {
        synchronized (this) {
            leader = false;
            leaderEpoch = Math.max(st.leaderEpoch(), leaderEpoch);
            state = st;
            followers.clear();
            pendingIsr = null;
            maximalIsr = Set.of();
            ledger.clear();
        }
        replicationWaiters.failAll(new NotLeaderOrFollowerException("Leadership of " + topicPartition
                + " moved to node " + st.leaderNodeId() + " (epoch " + st.leaderEpoch() + ")"));
    }

    /** The replica leaves this node (topic deleted, or reassigned away): no more appends or waiters. */
    public void stopServing(String reason) {
        synchronized (this) {
            leader = false;
            followers.clear();
            pendingIsr = null;
            maximalIsr = Set.of();
            ledger.clear();
        }
        replicationWaiters.failAll(new NotLeaderOrFollowerException(reason));
    }

    /** The cluster changed the ISR (or replicas) without a new leader epoch. */
    public void updateState(PartitionState st) {
        synchronized (this) {
            if (st.leaderEpoch() != leaderEpoch) {
                return; // a role change is on its way
            }
            state = st;
            if (leader) {
                Set<Integer> maximal = new HashSet<>(st.isr());
                if (pendingIsr != null && !st.isr().equals(pendingIsr)) {
                    maximal.addAll(pendingIsr); // our own change is still on its way
                } else {
                    pendingIsr = null;
                }
                maximalIsr = Set.copyOf(maximal);
                for (int replica : st.replicas()) {
                    if (replica != localNodeId) {
                        followers.computeIfAbsent(replica, r -> new FollowerProgress());
                    }
                }
                followers.keySet().retainAll(st.replicas());
            }
        }
        if (leader) {
            maybeIncrementHighWatermark();
            replicationWaiters.recheck(log.highWatermark(), st.isr().size());
        }
    }

    /** Forgets an ISR change the cluster refused (another change won); the next check retries. */
    public synchronized void isrChangeFailed(List<Integer> wanted) {
        if (wanted.equals(pendingIsr)) {
            pendingIsr = null;
            PartitionState s = state;
            if (s != null) {
                maximalIsr = Set.copyOf(s.isr());
            }
        }
    }

    // ------------------------------------------------------------------ follower

    @Override
    public void appendAsFollower(MemoryRecords records) {
        LogAppendInfo info = log.appendAsFollower(records);
        if (info.validBytes() > 0) {
            ledger.appended(info.lastOffset() + 1, info.validBytes());
        }
    }

    @Override
    public void followLeaderHighWatermark(long leaderHighWatermark) {
        long advancedBytes;
        synchronized (this) {
            if (leader) {
                return;
            }
            long before = log.highWatermark();
            log.updateHighWatermark(Math.min(leaderHighWatermark, log.logEndOffset()));
            long after = log.highWatermark();
            if (after <= before) {
                return;
            }
            advancedBytes = ledger.bytesUpTo(after);
        }
        changes.highWatermarkAdvanced(this, advancedBytes); // consumers reading from this follower (KIP-392)
    }

    // ------------------------------------------------------------------ leader: appends

    /**
     * Appends as leader. The returned future completes when the batch is in the log, and for topics
     * that fsync every batch once it is on stable storage ({@code flushExecutor} runs the fsync; pass
     * {@code Runnable::run} to fsync on the calling thread). The high watermark moves when the ISR has
     * the batch: at once when the leader is the only in-sync replica.
     *
     * @throws NotLeaderOrFollowerException when this node does not lead the partition
     * @throws org.apache.kafka.common.errors.ApiException when the log rejects the batch (nothing written),
     *         KafkaStorageException while the tiering backlog exceeds its disk budget
     */
    public CompletableFuture<LogAppendInfo> appendAsLeader(MemoryRecords records, Executor flushExecutor) {
        if (!leader) {
            throw new NotLeaderOrFollowerException("This node no longer leads " + topicPartition + ".");
        }
        if (backpressure != null && log.isTiered()) {
            backpressure.checkAppend(topicPartition.toString());
        }
        LogAppendInfo info = log.appendAsLeader(records, leaderEpoch);
        if (info.duplicate()) {
            return CompletableFuture.completedFuture(info);
        }
        ledger.appended(info.lastOffset() + 1, info.validBytes());
        if (!log.config().flushEveryBatch()) {
            maybeIncrementHighWatermark();
            return CompletableFuture.completedFuture(info);
        }
        return CompletableFuture.supplyAsync(() -> {
            log.flush(info.lastOffset() + 1);
            maybeIncrementHighWatermark();
            return info;
        }, flushExecutor);
    }

    /**
     * Completes when the high watermark reaches {@code requiredOffset} (acks=all): with NONE when the
     * ISR then has at least {@code minInsyncReplicas} members, NOT_ENOUGH_REPLICAS_AFTER_APPEND when not,
     * REQUEST_TIMED_OUT after {@code timeoutMs}, NOT_LEADER_OR_FOLLOWER when leadership moves first.
     */
    public CompletableFuture<org.apache.kafka.common.protocol.Errors> awaitReplication(long requiredOffset,
                                                                                       int minInsyncReplicas,
                                                                                       long timeoutMs) {
        return replicationWaiters.await(requiredOffset, minInsyncReplicas, timeoutMs, log.highWatermark(),
                inSyncReplicas().size());
    }

    // ------------------------------------------------------------------ leader: follower progress

    /** Whether {@code replicaId} is an assigned replica of the partition (other than this node). */
    public boolean isFollower(int replicaId) {
        return leader && followers.containsKey(replicaId);
    }

    /**
     * Records a follower's fetch (Kafka's updateFollowerFetchState): its log end offset is the fetch
     * offset; it counts as caught up at this fetch when it fetched from the leader's end, or at its
     * previous fetch when it now asks from where the leader's end was then. May ask to add it to the
     * ISR and may move the high watermark.
     *
     * @param leaderEndOffsetAtRead the leader's log end offset when the fetch read the log
     */
    public void followerFetched(int replicaId, long fetchOffset, long leaderEndOffsetAtRead, long nowMs) {
        PartitionState basedOn;
        List<Integer> expanded = null;
        synchronized (this) {
            FollowerProgress p = followers.get(replicaId);
            if (p == null || !leader) {
                return;
            }
            if (fetchOffset >= leaderEndOffsetAtRead) {
                p.lastCaughtUpTimeMs = Math.max(p.lastCaughtUpTimeMs, nowMs);
            } else if (fetchOffset >= p.lastFetchLeaderLogEndOffset) {
                p.lastCaughtUpTimeMs = Math.max(p.lastCaughtUpTimeMs, p.lastFetchTimeMs);
            }
            p.logEndOffset = fetchOffset;
            p.lastFetchLeaderLogEndOffset = leaderEndOffsetAtRead;
            p.lastFetchTimeMs = nowMs;
            basedOn = state;
            if (pendingIsr == null && basedOn != null && !maximalIsr.contains(replicaId)
                    && fetchOffset >= log.highWatermark() && fetchOffset >= leaderEpochStartOffset) {
                expanded = new ArrayList<>(basedOn.isr());
                expanded.add(replicaId);
                pendingIsr = List.copyOf(expanded);
                Set<Integer> maximal = new HashSet<>(maximalIsr);
                maximal.add(replicaId);
                maximalIsr = Set.copyOf(maximal);
            }
        }
        if (expanded != null) {
            changes.isrChangeWanted(this, basedOn, expanded);
        }
        maybeIncrementHighWatermark();
    }

    /**
     * In-sync followers that have not caught up for {@code maxLagMs}: asks the cluster to drop them.
     * Returns whether a shrink was asked for.
     */
    public boolean maybeShrinkIsr(long nowMs, long maxLagMs) {
        PartitionState basedOn;
        List<Integer> shrunk;
        synchronized (this) {
            basedOn = state;
            if (!leader || basedOn == null || pendingIsr != null) {
                return false;
            }
            shrunk = new ArrayList<>(basedOn.isr());
            boolean removed = shrunk.removeIf(r -> {
                if (r == localNodeId) {
                    return false;
                }
                FollowerProgress p = followers.get(r);
                return p == null || nowMs - p.lastCaughtUpTimeMs > maxLagMs;
            });
            if (!removed) {
                return false;
            }
            pendingIsr = List.copyOf(shrunk);
            // maximalIsr keeps the larger committed set until the shrink is seen back.
        }
        changes.isrChangeWanted(this, basedOn, shrunk);
        return true;
    }

    /** Log end offset the leader last heard from each follower (-1: none yet), for lag metrics. */
    public synchronized Map<Integer, Long> followerLogEndOffsets() {
        Map<Integer, Long> out = new java.util.TreeMap<>();
        followers.forEach((id, p) -> out.put(id, p.logEndOffset));
        return out;
    }

    /**
     * Moves the high watermark to the smallest log end offset over the maximal ISR, when that is
     * higher; wakes consumers and acks=all producers waiting for it.
     */
    public void maybeIncrementHighWatermark() {
        long advancedBytes;
        long newHw;
        synchronized (this) {
            if (!leader) {
                return;
            }
            long candidate = log.config().flushEveryBatch() ? log.recoveryPoint() : log.logEndOffset();
            for (int replica : maximalIsr) {
                if (replica == localNodeId) {
                    continue;
                }
                FollowerProgress p = followers.get(replica);
                if (p == null || p.logEndOffset < 0) {
                    return; // an in-sync follower not heard from under this epoch holds the mark
                }
                candidate = Math.min(candidate, p.logEndOffset);
            }
            long before = log.highWatermark();
            if (candidate <= before) {
                return;
            }
            log.updateHighWatermark(candidate);
            newHw = log.highWatermark();
            advancedBytes = ledger.bytesUpTo(newHw);
        }
        changes.highWatermarkAdvanced(this, advancedBytes);
        replicationWaiters.recheck(newHw, inSyncReplicas().size());
    }

    // ------------------------------------------------------------------ epochs

    /**
     * A new leader does not know the high watermark until its followers have fetched under its epoch;
     * until the mark reaches the start of that epoch, offsets answered from it could go backwards
     * for a client (Kafka answers OFFSET_NOT_AVAILABLE then, and the client retries).
     *
     * @throws OffsetNotAvailableException while the high watermark is below the current epoch's start
     */
    public void checkHighWatermarkKnown() {
        if (leader && log.highWatermark() < leaderEpochStartOffset) {
            throw new OffsetNotAvailableException("The high watermark of " + topicPartition + " is not known yet under "
                    + "leader epoch " + leaderEpoch + ".");
        }
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

    @Override
    public String toString() {
        return "Partition(" + topicPartition + ", " + (leader ? "leader" : "follower") + ", epoch " + leaderEpoch
                + ", isr " + inSyncReplicas() + ")";
    }
}
