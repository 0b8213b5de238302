package io.strata.ingest.kafka.api;

import io.strata.ingest.broker.Partition;
import io.strata.ingest.broker.TopicManager;
import io.strata.storage.log.EpochEndOffset;
import io.strata.storage.log.PartitionLog;
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

import java.util.HashSet;
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

    public OffsetsApi(TopicManager topics) {
        this.topics = topics;
    }

    public ListOffsetsResponse listOffsets(ListOffsetsRequest request) {
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
                    lookUp(partition.log(), p.timestamp(), out);
                    if (request.version() < 4) {
                        out.setLeaderEpoch(ListOffsetsResponse.UNKNOWN_EPOCH); // not in the schema before v4
                    }
                } catch (RuntimeException e) {
                    Errors error = Errors.forException(e);
                    if (error == Errors.UNKNOWN_SERVER_ERROR) {
                        LOG.errorf(e, "ListOffsets on %s failed", tp);
                    }
                    out.setErrorCode(error.code());
                }
            }
            response.topics().add(topicResponse);
        }
        return new ListOffsetsResponse(response);
    }

    private static void lookUp(PartitionLog log, long timestamp, ListOffsetsPartitionResponse out) {
        long hw = log.highWatermark();
        if (timestamp == ListOffsetsRequest.LATEST_TIMESTAMP) {
            out.setOffset(hw).setLeaderEpoch(log.latestEpoch().orElse(ListOffsetsResponse.UNKNOWN_EPOCH));
            return;
        }
        Optional<TimestampAndOffset> found = log.offsetForTimestamp(timestamp);
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
