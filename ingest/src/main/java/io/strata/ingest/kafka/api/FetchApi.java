package io.strata.ingest.kafka.api;

import io.strata.ingest.broker.FetchPurgatory;
import io.strata.ingest.broker.FetchSessionCache;
import io.strata.ingest.broker.Partition;
import io.strata.ingest.broker.TopicManager;
import io.strata.ingest.observability.BrokerMetrics;
import io.strata.storage.log.EpochEndOffset;
import io.strata.storage.log.LogReadResult;
import io.strata.storage.log.PartitionLog;
import io.strata.storage.remote.RemoteLogManager;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.errors.OffsetMovedToTieredStorageException;
import org.apache.kafka.common.errors.OffsetNotAvailableException;
import io.strata.ingest.broker.ReadReplicaSelector;
import org.apache.kafka.common.message.FetchRequestData;
import org.apache.kafka.common.message.FetchRequestData.FetchPartition;
import org.apache.kafka.common.message.FetchRequestData.FetchTopic;
import org.apache.kafka.common.message.FetchResponseData;
import org.apache.kafka.common.message.FetchResponseData.FetchableTopicResponse;
import org.apache.kafka.common.message.FetchResponseData.PartitionData;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.RecordBatch;
import org.apache.kafka.common.record.internal.Records;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.FetchRequest;
import org.apache.kafka.common.requests.FetchResponse;
import org.apache.kafka.common.utils.Time;
import org.jboss.logging.Logger;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.ToLongFunction;

/**
 * Fetch for consumers and for follower replicas: reads each partition and answers with file slices
 * that go to the socket zero-copy. Consumers read up to the high watermark; followers (a replica id
 * in the request) read up to the log end, and each such read tells the partition how far the follower
 * has come. A follower whose last fetched epoch diverges from the leader's history (KIP-320/KIP-595:
 * the epoch ends earlier here, or is unknown) gets the diverging epoch and its end offset instead of
 * records, and truncates before fetching again; an offset only object storage holds gets
 * OFFSET_MOVED_TO_TIERED_STORAGE.
 *
 * <p>Size limits follow Kafka: the first partition with data may exceed the limits by one batch so
 * a consumer always makes progress; after that each partition gets at most its own max bytes and
 * the response at most the request's. When less than min.bytes is available, the fetch waits in
 * the purgatory up to max.wait.ms. Fetch sessions (KIP-227) live in a {@link FetchSessionCache}: an
 * incremental fetch reads every partition of its session and answers only those with new records or changed
 * metadata; a fetch with session id 0 and epoch -1 (the replica fetchers of Strata nodes) is sessionless.
 */
public final class FetchApi {

    private static final Logger LOG = Logger.getLogger(FetchApi.class);

    private final TopicManager topics;
    private final FetchPurgatory purgatory;
    private final FetchPurgatory replicaPurgatory;
    private final BrokerMetrics metrics;
    private final RemoteLogManager remote;
    private final Time time;
    private final ReadReplicaSelector readReplicas;
    private final FetchSessionCache sessions;

    /**
     * @param purgatory        consumer fetches waiting for the high watermark to move
     * @param replicaPurgatory follower fetches waiting for appends
     * @param remote           serves offsets below the local log from object storage; null when nothing is tiered
     * @param readReplicas     picks the replica a consumer in a rack should read from (KIP-392)
     * @param sessions         the node's fetch sessions
     */
    public FetchApi(TopicManager topics, FetchPurgatory purgatory, FetchPurgatory replicaPurgatory,
                    BrokerMetrics metrics, RemoteLogManager remote, Time time, ReadReplicaSelector readReplicas,
                    FetchSessionCache sessions) {
        this.readReplicas = readReplicas;
        this.sessions = sessions;
        this.topics = topics;
        this.purgatory = purgatory;
        this.replicaPurgatory = replicaPurgatory;
        this.metrics = metrics;
        this.remote = remote;
        this.time = time;
    }

    public CompletableFuture<AbstractResponse> handle(FetchRequest request) {
        FetchRequestData data = request.data();
        int replicaId = request.replicaId();
        FetchSessionCache.Context session = sessions.newContext(data, FetchRequest.isValidBrokerId(replicaId));
        if (session.kind() == FetchSessionCache.Kind.ERROR) {
            return CompletableFuture.completedFuture(FetchResponse.of(session.errorResponse()));
        }
        if (FetchRequest.isValidBrokerId(replicaId)) {
            return handleReplica(data, replicaId, session);
        }
        List<Target> targets = resolve(session.toRead(), true);
        String clientRack = data.rackId() == null || data.rackId().isEmpty() ? null : data.rackId();
        ReadOutcome first = readAll(targets, data.maxBytes(), clientRack);
        if (!first.remoteReads.isEmpty()) {
            // Like Kafka, a fetch that needs object storage answers as soon as that read is done.
            return readRemote(first).thenApply(o -> respond(o, session));
        }
        CompletableFuture<AbstractResponse> result = new CompletableFuture<>();
        if (data.maxWaitMs() <= 0 || first.bytes >= data.minBytes() || first.anyError || targets.isEmpty()) {
            result.complete(respond(first, session));
            return result;
        }
        List<TopicPartition> watched = targets.stream().map(t -> t.tp).toList();
        long[] hwAtRead = first.highWatermarks;
        purgatory.park(watched, data.minBytes() - first.bytes, data.maxWaitMs(),
                () -> changedSince(targets, hwAtRead, PartitionLog::highWatermark),
                () -> {
                    try {
                        ReadOutcome again = readAll(targets, data.maxBytes(), clientRack);
                        if (again.remoteReads.isEmpty()) {
                            result.complete(respond(again, session));
                        } else {
                            readRemote(again).whenComplete((o, e) -> {
                                if (e != null) {
                                    result.completeExceptionally(e);
                                } else {
                                    result.complete(respond(o, session));
                                }
                            });
                        }
                    } catch (RuntimeException e) {
                        result.completeExceptionally(e);
                    }
                });
        return result;
    }

    /** A follower's fetch: reads up to the log end, records its progress, waits for appends when empty. */
    private CompletableFuture<AbstractResponse> handleReplica(FetchRequestData data, int replicaId,
                                                              FetchSessionCache.Context session) {
        List<Target> targets = resolve(session.toRead(), false);
        ReadOutcome first = readReplica(targets, data.maxBytes(), replicaId);
        CompletableFuture<AbstractResponse> result = new CompletableFuture<>();
        if (data.maxWaitMs() <= 0 || first.bytes >= data.minBytes() || first.anyError || targets.isEmpty()) {
            result.complete(respond(first, session));
            return result;
        }
        long[] endAtRead = first.highWatermarks;
        replicaPurgatory.park(targets.stream().map(t -> t.tp).toList(), data.minBytes() - first.bytes,
                data.maxWaitMs(), () -> changedSince(targets, endAtRead, PartitionLog::logEndOffset), () -> {
                    try {
                        result.complete(respond(readReplica(targets, data.maxBytes(), replicaId), session));
                    } catch (RuntimeException e) {
                        result.completeExceptionally(e);
                    }
                });
        return result;
    }

    private ReadOutcome readReplica(List<Target> targets, int requestMaxBytes, int replicaId) {
        ReadOutcome outcome = new ReadOutcome(targets);
        int remaining = Math.max(0, requestMaxBytes);
        boolean minOneBatch = true;
        for (int i = 0; i < targets.size(); i++) {
            Target target = targets.get(i);
            PartitionData pd = new PartitionData().setPartitionIndex(target.request.partition());
            outcome.partitions.add(pd);
            if (target.lookupError != Errors.NONE || !target.partition.isFollower(replicaId)) {
                pd.setErrorCode((target.lookupError != Errors.NONE ? target.lookupError : Errors.NOT_LEADER_OR_FOLLOWER).code());
                outcome.anyError = true;
                continue;
            }
            Partition partition = target.partition;
            PartitionLog log = partition.log();
            FetchPartition request = target.request;
            try {
                partition.checkLeaderEpoch(Optional.of(request.currentLeaderEpoch()));
                long fetchOffset = request.fetchOffset();
                long logEnd = log.logEndOffset();
                outcome.highWatermarks[i] = logEnd;
                pd.setHighWatermark(log.highWatermark()).setLastStableOffset(log.highWatermark())
                        .setLogStartOffset(log.logStartOffset());
                if (request.lastFetchedEpoch() >= 0) {
                    EpochEndOffset epochEnd = log.endOffsetForEpoch(request.lastFetchedEpoch());
                    if (epochEnd.leaderEpoch() != request.lastFetchedEpoch() || epochEnd.endOffset() < fetchOffset) {
                        // The follower has batches this log does not: it truncates, then fetches again.
                        pd.divergingEpoch().setEpoch(epochEnd.leaderEpoch()).setEndOffset(epochEnd.endOffset());
                        pd.setRecords(MemoryRecords.EMPTY);
                        continue;
                    }
                }
                int limit = Math.min(request.partitionMaxBytes(), remaining);
                LogReadResult read = log.read(fetchOffset, limit, Long.MAX_VALUE, minOneBatch);
                partition.followerFetched(replicaId, fetchOffset, read.logEndOffset(), time.milliseconds());
                Records records = read.records();
                int size = records.sizeInBytes();
                pd.setHighWatermark(log.highWatermark()).setLastStableOffset(log.highWatermark()).setRecords(records);
                if (size > 0) {
                    minOneBatch = false;
                    remaining = Math.max(0, remaining - size);
                    outcome.bytes += size;
                }
            } catch (RuntimeException e) {
                Errors error = Errors.forException(e);
                if (error == Errors.UNKNOWN_SERVER_ERROR) {
                    LOG.errorf(e, "Replica fetch of %s by node %d failed", target.tp, replicaId);
                }
                pd.setErrorCode(error.code()).setRecords(MemoryRecords.EMPTY);
                outcome.anyError = true;
            }
        }
        return outcome;
    }

    /**
     * Completes the partitions whose fetch offset is only in object storage. The reads run on the
     * remote reader threads; the connection hops back to its event loop when the response is ready.
     */
    private CompletableFuture<ReadOutcome> readRemote(ReadOutcome outcome) {
        List<CompletableFuture<Void>> reads = new ArrayList<>(outcome.remoteReads.size());
        for (RemoteRead r : outcome.remoteReads) {
            reads.add(remote.read(r.tp, r.offset, r.maxBytes, r.minOneBatch).handle((records, error) -> {
                if (error == null) {
                    r.out.setRecords(records);
                    if (records.sizeInBytes() > 0) {
                        metrics.recordOut(r.tp.topic(), records.sizeInBytes(), recordsFrom(records, r.offset));
                    }
                } else {
                    Throwable cause = error instanceof java.util.concurrent.CompletionException ? error.getCause() : error;
                    Errors code = Errors.forException(cause);
                    if (code == Errors.UNKNOWN_SERVER_ERROR) {
                        LOG.errorf(cause, "Remote fetch from %s failed", r.tp);
                    }
                    r.out.setErrorCode(code.code()).setRecords(MemoryRecords.EMPTY);
                }
                return null;
            }));
        }
        return CompletableFuture.allOf(reads.toArray(CompletableFuture[]::new)).thenApply(ignored -> outcome);
    }

    /**
     * @param consumer a consumer's fetch, which a follower may answer too (KIP-392: after the leader
     *                 named it the preferred read replica); a replica fetch needs this node to lead
     */
    private List<Target> resolve(List<FetchTopic> fetchTopics, boolean consumer) {
        List<Target> targets = new ArrayList<>();
        for (FetchTopic fetchTopic : fetchTopics) {
            boolean byId = !Uuid.ZERO_UUID.equals(fetchTopic.topicId());
            Optional<String> topic = byId ? topics.topicName(fetchTopic.topicId()) : Optional.of(fetchTopic.topic());
            for (FetchPartition fp : fetchTopic.partitions()) {
                TopicPartition tp = new TopicPartition(topic.orElse(""), fp.partition());
                Partition partition = null;
                Errors lookupError = Errors.NONE;
                if (topic.isEmpty()) {
                    lookupError = Errors.UNKNOWN_TOPIC_ID;
                } else {
                    try {
                        partition = consumer ? topics.readablePartition(tp) : topics.leaderPartition(tp);
                    } catch (RuntimeException e) {
                        lookupError = Errors.forException(e);
                    }
                }
                targets.add(new Target(fetchTopic, fp, tp, partition, lookupError));
            }
        }
        return targets;
    }

    private ReadOutcome readAll(List<Target> targets, int requestMaxBytes, String clientRack) {
        ReadOutcome outcome = new ReadOutcome(targets);
        int remaining = Math.max(0, requestMaxBytes);
        boolean minOneBatch = true;
        for (int i = 0; i < targets.size(); i++) {
            Target target = targets.get(i);
            PartitionData pd = new PartitionData().setPartitionIndex(target.request.partition());
            outcome.partitions.add(pd);
            if (target.lookupError != Errors.NONE) {
                pd.setErrorCode(target.lookupError.code());
                outcome.anyError = true;
                continue;
            }
            PartitionLog log = target.partition.log();
            try {
                target.partition.checkLeaderEpoch(Optional.of(target.request.currentLeaderEpoch()));
                long hw = log.highWatermark();
                outcome.highWatermarks[i] = hw;
                int limit = Math.min(target.request.partitionMaxBytes(), remaining);
                long fetchOffset = target.request.fetchOffset();
                if (clientRack != null && target.partition.isLeader()) {
                    int preferred = readReplicas.preferredReadReplica(target.partition, clientRack);
                    if (preferred >= 0) {
                        // KIP-392: the consumer reads from a replica in its rack; it fetches there next.
                        pd.setHighWatermark(hw).setLastStableOffset(hw).setLogStartOffset(log.logStartOffset())
                                .setPreferredReadReplica(preferred).setRecords(MemoryRecords.EMPTY);
                        continue;
                    }
                }
                if (!target.partition.isLeader() && fetchOffset > log.logEndOffset()) {
                    throw new OffsetNotAvailableException("Offset " + fetchOffset + " of " + target.tp
                            + " is not on this follower yet.");
                }
                LogReadResult read;
                try {
                    read = log.read(fetchOffset, limit, hw, minOneBatch);
                } catch (OffsetMovedToTieredStorageException moved) {
                    if (remote == null) {
                        throw moved;
                    }
                    pd.setHighWatermark(hw).setLastStableOffset(hw).setLogStartOffset(log.logStartOffset());
                    outcome.remoteReads.add(new RemoteRead(target.tp, fetchOffset, limit, minOneBatch, pd));
                    // The remote read may use its whole limit: reserve it.
                    minOneBatch = false;
                    remaining = Math.max(0, remaining - limit);
                    continue;
                }
                Records records = read.records();
                int size = records.sizeInBytes();
                pd.setHighWatermark(read.highWatermark())
                        .setLastStableOffset(read.highWatermark())
                        .setLogStartOffset(read.logStartOffset())
                        .setRecords(records);
                if (size > 0) {
                    minOneBatch = false;
                    remaining = Math.max(0, remaining - size);
                    outcome.bytes += size;
                    metrics.recordOut(target.tp.topic(), size, read.recordCount());
                }
            } catch (RuntimeException e) {
                Errors error = Errors.forException(e);
                if (error == Errors.UNKNOWN_SERVER_ERROR) {
                    LOG.errorf(e, "Fetch from %s failed", target.tp);
                }
                pd.setErrorCode(error.code())
                        .setHighWatermark(log.highWatermark())
                        .setLastStableOffset(log.highWatermark())
                        .setLogStartOffset(log.logStartOffset())
                        .setRecords(MemoryRecords.EMPTY);
                outcome.anyError = true;
            }
        }
        return outcome;
    }

    /**
     * Whether a partition's {@code position} (high watermark for consumers, log end for followers) moved
     * since the read that found too little (closes the race between reading and parking).
     */
    private static boolean changedSince(List<Target> targets, long[] atRead, ToLongFunction<PartitionLog> position) {
        for (int i = 0; i < targets.size(); i++) {
            Partition partition = targets.get(i).partition;
            if (partition != null && position.applyAsLong(partition.log()) != atRead[i]) {
                return true;
            }
        }
        return false;
    }

    private FetchResponse respond(ReadOutcome outcome, FetchSessionCache.Context session) {
        FetchResponseData data = new FetchResponseData().setErrorCode(Errors.NONE.code()).setSessionId(0);
        FetchableTopicResponse current = null;
        FetchTopic currentRequest = null;
        List<Target> targets = outcome.targets;
        for (int i = 0; i < outcome.partitions.size(); i++) {
            Target target = targets.get(i);
            if (current == null || currentRequest != target.topicRequest) {
                currentRequest = target.topicRequest;
                current = new FetchableTopicResponse()
                        .setTopic(target.topicRequest.topic())
                        .setTopicId(target.topicRequest.topicId());
                data.responses().add(current);
            }
            current.partitions().add(outcome.partitions.get(i));
        }
        return FetchResponse.of(session.respond(data));
    }

    /** Records at or after {@code fetchOffset} in in-memory batches, from their headers (as a local read counts). */
    private static long recordsFrom(Records records, long fetchOffset) {
        long next = fetchOffset;
        for (RecordBatch batch : records.batches()) {
            next = batch.nextOffset();
        }
        return Math.max(0, next - fetchOffset);
    }

    private static final class Target {
        final FetchTopic topicRequest;
        final FetchPartition request;
        final TopicPartition tp;
        final Partition partition;
        final Errors lookupError;

        Target(FetchTopic topicRequest, FetchPartition request, TopicPartition tp, Partition partition, Errors lookupError) {
            this.topicRequest = topicRequest;
            this.request = request;
            this.tp = tp;
            this.partition = partition;
            this.lookupError = lookupError;
        }
    }

    /** A partition of the fetch to be read from object storage. */
    private record RemoteRead(TopicPartition tp, long offset, int maxBytes, boolean minOneBatch, PartitionData out) {
    }

    private static final class ReadOutcome {
        final List<Target> targets;
        final List<PartitionData> partitions;
        final List<RemoteRead> remoteReads = new ArrayList<>(0);
        final long[] highWatermarks;
        long bytes;
        boolean anyError;

        ReadOutcome(List<Target> targets) {
            this.targets = targets;
            partitions = new ArrayList<>(targets.size());
            highWatermarks = new long[targets.size()];
        }
    }
}
