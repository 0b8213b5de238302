package io.strata.ingest.kafka.api;

import io.strata.ingest.broker.Partition;
import io.strata.ingest.broker.TopicManager;
import io.strata.storage.log.EpochEndOffset;
import io.strata.storage.log.PartitionLog;
import io.strata.storage.remote.RemoteLogManager;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.message.ListOffsetsRequestData.ListOffsetsPartition;
import org.apache.kafka.common.message.ListOffsetsRequestData.ListOffsetsTopic;
import org.apache.kafka.common.message.ListOffsetsResponseData;
import org.apache.kafka.common.message.ListOffsetsResponseData.ListOffsetsPartitionResponse;
import org.apache.kafka.common.message.ListOffsetsResponseData.ListOffsetsTopicResponse;
import org.apache.kafka.common.message.OffsetForLeaderEpochRequestData.OffsetForLeaderPartition;
import org.apache.kafka.common.message.OffsetForLeaderEpochRequestData.OffsetForLeaderTopic;
import org.apache.kafka.common.message.OffsetForLeaderEpochResponseData;
import org.apache.kafka.common.message.OffsetForLeaderEpochResponseData.OffsetForLeaderTopicResult;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.internal.FileRecords.TimestampAndOffset;
import org.apache.kafka.common.requests.ListOffsetsRequest;
import org.apache.kafka.common.requests.ListOffsetsResponse;
import org.apache.kafka.common.requests.OffsetsForLeaderEpochRequest;
import org.apache.kafka.common.requests.OffsetsForLeaderEpochResponse;
import org.jboss.logging.Logger;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.Optional;
import java.util.Set;

/**
 * ListOffsets (earliest, latest, by timestamp, max timestamp) and OffsetForLeaderEpoch, the two
 * ways clients locate positions in a partition.
 *
 * <p>Consumers never see past the high watermark: "latest" is the high watermark and a timestamp
 * lookup that lands at or above it finds nothing. Without transactions the last stable offset is
 * the high watermark, so both isolation levels get the same answer.
 */
public final class OffsetsApi {

    private static final Logger LOG = Logger.getLogger(OffsetsApi.class);

    private final TopicManager topics;
    private final RemoteLogManager remote;

    public OffsetsApi(TopicManager topics) {
        this(topics, null);
    }

    /** @param remote answers timestamp lookups among segments only in object storage; null when nothing is tiered */
    public OffsetsApi(TopicManager topics, RemoteLogManager remote) {
        this.topics = topics;
        this.remote = remote;
    }

    /** Completes at once unless a timestamp lookup has to search segments in object storage. */
    public CompletableFuture<ListOffsetsResponse> listOffsets(ListOffsetsRequest request) {
        List<CompletableFuture<Void>> pending = new ArrayList<>(0);
        ListOffsetsResponseData response = new ListOffsetsResponseData();
        Set<TopicPartition> seen = new HashSet<>();
        for (ListOffsetsTopic topic : request.data().topics()) {
            ListOffsetsTopicResponse topicResponse = new ListOffsetsTopicResponse().setName(topic.name());
            for (ListOffsetsPartition p : topic.partitions()) {
                TopicPartition tp = new TopicPartition(topic.name(), p.partitionIndex());
                ListOffsetsPartitionResponse out = new ListOffsetsPartitionResponse()
                        .setPartitionIndex(p.partitionIndex())
                        .setTimestamp(ListOffsetsResponse.UNKNOWN_TIMESTAMP)
                        .setOffset(ListOffsetsResponse.UNKNOWN_OFFSET)
                        .setLeaderEpoch(ListOffsetsResponse.UNKNOWN_EPOCH);
                topicResponse.partitions().add(out);
                if (!seen.add(tp)) {
                    out.setErrorCode(Errors.INVALID_REQUEST.code());
                    continue;
                }
                try {
                    Partition partition = topics.leaderPartition(tp);
                    partition.checkLeaderEpoch(Optional.of(p.currentLeaderEpoch()));
                    partition.checkHighWatermarkKnown();
                    PartitionLog log = partition.log();
                    long timestamp = p.timestamp();
                    boolean searchRemote = remote != null && log.isTiered() && log.localLogStartOffset() > log.logStartOffset()
                            && (timestamp >= 0 || timestamp == ListOffsetsRequest.MAX_TIMESTAMP);
                    if (searchRemote) {
                        pending.add(remote.offsetForTimestamp(tp, timestamp, log.localLogStartOffset())
                                .handle((found, error) -> {
                                    if (error != null) {
                                        fail(tp, error instanceof CompletionException ? error.getCause() : error, out);
                                    } else {
                                        lookUp(log, timestamp, found, out);
                                    }
                                    return null;
                                }));
                    } else {
                        lookUp(log, timestamp, Optional.empty(), out);
                    }
                    if (request.version() < 4) {
                        out.setLeaderEpoch(ListOffsetsResponse.UNKNOWN_EPOCH); // not in the schema before v4
                    }
                } catch (RuntimeException e) {
                    fail(tp, e, out);
                }
            }
            response.topics().add(topicResponse);
        }
        if (pending.isEmpty()) {
            return CompletableFuture.completedFuture(new ListOffsetsResponse(response));
        }
        boolean noEpochs = request.version() < 4;
        return CompletableFuture.allOf(pending.toArray(CompletableFuture[]::new)).thenApply(ignored -> {
            if (noEpochs) {
                response.topics().forEach(t -> t.partitions().forEach(
                        out -> out.setLeaderEpoch(ListOffsetsResponse.UNKNOWN_EPOCH)));
            }
            return new ListOffsetsResponse(response);
        });
    }

    private static void fail(TopicPartition tp, Throwable e, ListOffsetsPartitionResponse out) {
        Errors error = Errors.forException(e);
        if (error == Errors.UNKNOWN_SERVER_ERROR) {
            LOG.errorf(e, "ListOffsets on %s failed", tp);
        }
        out.setErrorCode(error.code());
    }

    /**
     * @param remoteFound what the uploaded segments below the local log answered: for a timestamp it
     *                    comes first (lower offsets); for MAX_TIMESTAMP the larger timestamp wins
     */
    private static void lookUp(PartitionLog log, long timestamp, Optional<TimestampAndOffset> remoteFound,
                               ListOffsetsPartitionResponse out) {
        long hw = log.highWatermark();
        if (timestamp == ListOffsetsRequest.LATEST_TIMESTAMP) {
            out.setOffset(hw).setLeaderEpoch(log.latestEpoch().orElse(ListOffsetsResponse.UNKNOWN_EPOCH));
            return;
        }
        Optional<TimestampAndOffset> found;
        if (remoteFound.isPresent() && timestamp >= 0) {
            found = remoteFound;
        } else {
            Optional<TimestampAndOffset> local = log.offsetForTimestamp(timestamp);
            found = remoteFound.isPresent() && (local.isEmpty() || remoteFound.get().timestamp >= local.get().timestamp)
                    ? remoteFound : local;
        }
        if (found.isPresent() && (found.get().offset < hw || timestamp == ListOffsetsRequest.EARLIEST_TIMESTAMP
                || timestamp == ListOffsetsRequest.EARLIEST_LOCAL_TIMESTAMP)) {
            TimestampAndOffset t = found.get();
            out.setOffset(t.offset).setTimestamp(t.timestamp)
                    .setLeaderEpoch(t.leaderEpoch.orElse(ListOffsetsResponse.UNKNOWN_EPOCH));
        }
    }

    public OffsetsForLeaderEpochResponse offsetForLeaderEpoch(OffsetsForLeaderEpochRequest request) {
        OffsetForLeaderEpochResponseData response = new OffsetForLeaderEpochResponseData();
        for (OffsetForLeaderTopic topic : request.data().topics()) {
            OffsetForLeaderTopicResult topicResult = new OffsetForLeaderTopicResult().setTopic(topic.topic());
            for (OffsetForLeaderPartition p : topic.partitions()) {
                OffsetForLeaderEpochResponseData.EpochEndOffset out = new OffsetForLeaderEpochResponseData.EpochEndOffset()
                        .setPartition(p.partition())
                        .setLeaderEpoch(OffsetsForLeaderEpochResponse.UNDEFINED_EPOCH)
                        .setEndOffset(OffsetsForLeaderEpochResponse.UNDEFINED_EPOCH_OFFSET);
                topicResult.partitions().add(out);
                try {
                    Partition partition = topics.leaderPartition(new TopicPartition(topic.topic(), p.partition()));
                    partition.checkLeaderEpoch(Optional.of(p.currentLeaderEpoch()));
                    EpochEndOffset end = partition.log().endOffsetForEpoch(p.leaderEpoch());
                    out.setLeaderEpoch(end.leaderEpoch()).setEndOffset(end.endOffset());
                } catch (RuntimeException e) {
                    out.setErrorCode(Errors.forException(e).code());
                }
            }
            response.topics().add(topicResult);
        }
        return new OffsetsForLeaderEpochResponse(response);
    }
}
