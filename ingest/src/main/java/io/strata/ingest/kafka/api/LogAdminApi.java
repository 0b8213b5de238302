package io.strata.ingest.kafka.api;

import io.strata.ingest.broker.Partition;
import io.strata.ingest.broker.TopicManager;
import io.strata.storage.log.PartitionLog;
import io.strata.storage.remote.RemoteLogManager;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.OffsetOutOfRangeException;
import org.apache.kafka.common.message.DeleteRecordsRequestData.DeleteRecordsPartition;
import org.apache.kafka.common.message.DeleteRecordsRequestData.DeleteRecordsTopic;
import org.apache.kafka.common.message.DeleteRecordsResponseData;
import org.apache.kafka.common.message.DeleteRecordsResponseData.DeleteRecordsPartitionResult;
import org.apache.kafka.common.message.DeleteRecordsResponseData.DeleteRecordsTopicResult;
import org.apache.kafka.common.message.DescribeLogDirsRequestData.DescribableLogDirTopic;
import org.apache.kafka.common.message.DescribeLogDirsResponseData;
import org.apache.kafka.common.message.DescribeLogDirsResponseData.DescribeLogDirsPartition;
import org.apache.kafka.common.message.DescribeLogDirsResponseData.DescribeLogDirsResult;
import org.apache.kafka.common.message.DescribeLogDirsResponseData.DescribeLogDirsTopic;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.DeleteRecordsRequest;
import org.apache.kafka.common.requests.DeleteRecordsResponse;
import org.apache.kafka.common.requests.DescribeLogDirsRequest;
import org.apache.kafka.common.requests.DescribeLogDirsResponse;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The log admin APIs of one node: DescribeLogDirs (what {@code kafka-log-dirs} shows: the node's one
 * log directory, each hosted replica's size and how far it lags the high watermark) and DeleteRecords
 * ({@code kafka-delete-records}: the leader moves the log start offset; followers follow it through
 * their fetches, and for a tiered partition the manifest moves first).
 */
public final class LogAdminApi {

    private static final Logger LOG = Logger.getLogger(LogAdminApi.class);

    private final TopicManager topics;
    private final Path logDir;
    private final RemoteLogManager remote;

    /** @param remote tiered storage, or null when nothing is tiered */
    public LogAdminApi(TopicManager topics, Path logDir, RemoteLogManager remote) {
        this.topics = topics;
        this.logDir = logDir;
        this.remote = remote;
    }

    public DescribeLogDirsResponse describeLogDirs(DescribeLogDirsRequest request) {
        Map<String, Set<Integer>> wanted = null;
        if (request.data().topics() != null) {
            wanted = new TreeMap<>();
            for (DescribableLogDirTopic t : request.data().topics()) {
                wanted.put(t.topic(), Set.copyOf(t.partitions()));
            }
        }
        Map<String, DescribeLogDirsTopic> byTopic = new TreeMap<>();
        for (Partition partition : topics.replicas().hostedPartitions()) {
            TopicPartition tp = partition.topicPartition();
            if (wanted != null && !wanted.getOrDefault(tp.topic(), Set.of()).contains(tp.partition())) {
                continue;
            }
            PartitionLog log = partition.log();
            byTopic.computeIfAbsent(tp.topic(), name -> new DescribeLogDirsTopic().setName(name)).partitions()
                    .add(new DescribeLogDirsPartition().setPartitionIndex(tp.partition())
                            .setPartitionSize(log.sizeInBytes())
                            .setOffsetLag(Math.max(0, log.highWatermark() - log.logEndOffset()))
                            .setIsFutureKey(false));
        }
        DescribeLogDirsResult dir = new DescribeLogDirsResult().setErrorCode(Errors.NONE.code())
                .setLogDir(logDir.toString()).setTopics(new java.util.ArrayList<>(byTopic.values()));
        try {
            FileStore store = Files.getFileStore(logDir);
            dir.setTotalBytes(store.getTotalSpace()).setUsableBytes(store.getUsableSpace());
        } catch (IOException e) {
            dir.setTotalBytes(-1).setUsableBytes(-1);
        }
        DescribeLogDirsResponseData data = new DescribeLogDirsResponseData().setErrorCode(Errors.NONE.code());
        data.results().add(dir);
        return new DescribeLogDirsResponse(data);
    }

    public DeleteRecordsResponse deleteRecords(DeleteRecordsRequest request) {
        DeleteRecordsResponseData data = new DeleteRecordsResponseData();
        for (DeleteRecordsTopic t : request.data().topics()) {
            DeleteRecordsTopicResult topicResult = new DeleteRecordsTopicResult().setName(t.name());
            for (DeleteRecordsPartition p : t.partitions()) {
                DeleteRecordsPartitionResult out = new DeleteRecordsPartitionResult().setPartitionIndex(p.partitionIndex())
                        .setLowWatermark(DeleteRecordsResponse.INVALID_LOW_WATERMARK);
                TopicPartition tp = new TopicPartition(t.name(), p.partitionIndex());
                try {
                    out.setLowWatermark(deleteBefore(tp, p.offset())).setErrorCode(Errors.NONE.code());
                } catch (RuntimeException e) {
                    Errors error = Errors.forException(e);
                    if (error == Errors.UNKNOWN_SERVER_ERROR) {
                        LOG.errorf(e, "DeleteRecords on %s failed", tp);
                    }
                    out.setErrorCode(error.code());
                }
                topicResult.partitions().add(out);
            }
            data.topics().add(topicResult);
        }
        return new DeleteRecordsResponse(data);
    }

    /** Moves the log start offset to {@code offset} (-1: the high watermark); returns the new log start. */
    private long deleteBefore(TopicPartition tp, long offset) {
        Partition partition = topics.leaderPartition(tp);
        PartitionLog log = partition.log();
        long hw = log.highWatermark();
        long target = offset == DeleteRecordsRequest.HIGH_WATERMARK ? hw : offset;
        if (target < 0 || target > hw) {
            throw new OffsetOutOfRangeException("Cannot delete records of " + tp + " before offset " + offset
                    + ": it must lie between 0 and the high watermark " + hw + ".");
        }
        if (remote != null && log.isTiered()) {
            return remote.deleteRecordsBefore(tp, target, partition.leaderEpoch());
        }
        log.advanceLogStartOffset(target, System.currentTimeMillis());
        return log.logStartOffset();
    }
}
