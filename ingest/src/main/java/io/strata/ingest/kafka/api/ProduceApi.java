package io.strata.ingest.kafka.api;

import io.strata.ingest.broker.LeaderAppender;
import io.strata.ingest.broker.TopicManager;
import io.strata.ingest.kafka.network.CloseConnectionException;
import io.strata.storage.log.LogAppendInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.errors.ApiException;
import org.apache.kafka.common.message.ProduceRequestData.PartitionProduceData;
import org.apache.kafka.common.message.ProduceRequestData.TopicProduceData;
import org.apache.kafka.common.message.ProduceResponseData;
import org.apache.kafka.common.message.ProduceResponseData.PartitionProduceResponse;
import org.apache.kafka.common.message.ProduceResponseData.TopicProduceResponse;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.ProduceRequest;
import org.apache.kafka.common.requests.ProduceResponse;
import org.jboss.logging.Logger;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * Produce: validates and appends each partition's batches, then answers according to acks.
 *
 * <p>acks=0 gets no response; if any partition failed, the connection is closed instead (as Apache
 * Kafka does), since closing is the only signal such a producer gets. acks=1 is answered once the
 * batch is in the leader's log (for topics with flush.messages=1 once it is fsynced); acks=all once
 * every in-sync replica has it, after checking min.insync.replicas before the append
 * (NOT_ENOUGH_REPLICAS) and when replication completes (NOT_ENOUGH_REPLICAS_AFTER_APPEND), or with
 * REQUEST_TIMED_OUT after the request's timeout. The append happens before this method returns, on the
 * connection's event loop, which keeps a producer's pipelined batches in order; fsyncs run on the
 * flush executor, so the event loop moves on to the next request (whose fsync then joins the same
 * group commit).
 */
public final class ProduceApi {

    private static final Logger LOG = Logger.getLogger(ProduceApi.class);

    private final TopicManager topics;
    private final LeaderAppender appender;

    public ProduceApi(TopicManager topics, LeaderAppender appender) {
        this.topics = topics;
        this.appender = appender;
    }

    public CompletableFuture<AbstractResponse> handle(ProduceRequest request) {
        short acks = request.data().acks();
        Errors requestError = Errors.NONE;
        String requestErrorMessage = null;
        if (acks != 0 && acks != 1 && acks != -1) {
            requestError = Errors.INVALID_REQUIRED_ACKS;
        } else if (request.data().transactionalId() != null) {
            requestError = Errors.UNSUPPORTED_VERSION;
            requestErrorMessage = "Transactions are not supported by this node.";
        }

        ProduceResponseData response = new ProduceResponseData();
        List<CompletableFuture<?>> pending = new ArrayList<>();
        for (TopicProduceData topicData : request.data().topicData()) {
            Optional<String> topic = resolve(topicData);
            TopicProduceResponse topicResponse = new TopicProduceResponse()
                    .setName(topicData.name())
                    .setTopicId(topicData.topicId());
            for (PartitionProduceData partitionData : topicData.partitionData()) {
                PartitionProduceResponse partitionResponse = new PartitionProduceResponse()
                        .setIndex(partitionData.index());
                if (requestError != Errors.NONE) {
                    partitionResponse.setErrorCode(requestError.code()).setErrorMessage(requestErrorMessage);
                } else if (topic.isEmpty()) {
                    partitionResponse.setErrorCode(Errors.UNKNOWN_TOPIC_ID.code());
                } else {
                    append(topic.get(), partitionData, acks, request.data().timeoutMs(), partitionResponse, pending);
                }
                topicResponse.partitionResponses().add(partitionResponse);
            }
            response.responses().add(topicResponse);
        }
        CompletableFuture<ProduceResponseData> answered = pending.isEmpty()
                ? CompletableFuture.completedFuture(response)
                : CompletableFuture.allOf(pending.toArray(CompletableFuture[]::new)).handle((ignored, error) -> response);
        if (acks == 0) {
            return answered.thenApply(ProduceApi::noResponseUnlessFailed);
        }
        return answered.thenApply(ProduceResponse::new);
    }

    private static AbstractResponse noResponseUnlessFailed(ProduceResponseData response) {
        for (TopicProduceResponse topic : response.responses()) {
            for (PartitionProduceResponse partition : topic.partitionResponses()) {
                if (partition.errorCode() != Errors.NONE.code()) {
                    throw new CloseConnectionException("acks=0 produce to " + topic.name() + "-" + partition.index()
                            + " failed with " + Errors.forCode(partition.errorCode()));
                }
            }
        }
        return null;
    }

    /** The topic's name; requests from v13 on name topics by id. Unknown names fail at the partition lookup. */
    private Optional<String> resolve(TopicProduceData topicData) {
        if (!Uuid.ZERO_UUID.equals(topicData.topicId())) {
            return topics.topicName(topicData.topicId());
        }
        return Optional.of(topicData.name());
    }

    private void append(String topic, PartitionProduceData partitionData, short acks, int timeoutMs,
                        PartitionProduceResponse out, List<CompletableFuture<?>> pending) {
        TopicPartition tp = new TopicPartition(topic, partitionData.index());
        if (!(partitionData.records() instanceof MemoryRecords records) || records.sizeInBytes() == 0) {
            out.setErrorCode(Errors.INVALID_RECORD.code()).setErrorMessage("The produce request carries no records.");
            return;
        }
        CompletableFuture<LogAppendInfo> appended;
        try {
            appended = appender.append(tp, records, acks, timeoutMs);
        } catch (RuntimeException e) {
            reject(tp, e, out);
            return;
        }
        CompletableFuture<?> done = appended.handle((info, error) -> {
            if (error != null) {
                reject(tp, error instanceof java.util.concurrent.CompletionException ? error.getCause() : error, out);
                return null;
            }
            out.setErrorCode(Errors.NONE.code())
                    .setBaseOffset(info.firstOffset())
                    .setLogAppendTimeMs(info.logAppendTimeMs())
                    .setLogStartOffset(info.logStartOffset());
            return null;
        });
        if (!done.isDone()) {
            pending.add(done);
        }
    }

    private static void reject(TopicPartition tp, Throwable e, PartitionProduceResponse out) {
        Errors error = Errors.forException(e);
        if (e instanceof ApiException) {
            LOG.debugf("Rejected produce to %s: %s", tp, e.getMessage());
        } else {
            LOG.errorf(e, "Append to %s failed", tp);
        }
        out.setErrorCode(error.code()).setErrorMessage(e.getMessage())
                .setBaseOffset(-1).setLogAppendTimeMs(-1).setLogStartOffset(-1);
    }
}
