package io.strata.ingest.http.produce;

import io.strata.ingest.broker.LeaderAppender;
import io.strata.ingest.broker.Partition;
import io.strata.ingest.broker.TopicManager;
import io.strata.ingest.node.StrataNode;
import io.strata.membership.topic.TopicDescriptor;
import io.strata.storage.log.LogAppendInfo;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.errors.ApiException;
import org.apache.kafka.common.errors.InvalidTopicException;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.common.record.internal.DefaultRecordBatch;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.MemoryRecordsBuilder;
import org.apache.kafka.common.record.internal.Record;
import org.apache.kafka.common.utils.Utils;
import org.jboss.logging.Logger;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * Produces records that arrived over HTTP into the same logs Kafka clients write: chooses each
 * record's partition, builds Kafka v2 record batches (at most the topic's max.message.bytes each)
 * and appends them through {@link io.strata.ingest.broker.LeaderAppender}, so metrics and waiting
 * fetches see them exactly like Kafka produce. Records of partitions another node leads go to that leader
 * ({@link LeaderForwarder}). Blocking (disk I/O, network): call from worker threads only.
 */
@ApplicationScoped
public class HttpProducer {

    private static final Logger LOG = Logger.getLogger(HttpProducer.class);
    private static final int DEFAULT_MAX_BATCH_BYTES = 1024 * 1024;
    /** HTTP records are acknowledged as acks=all; this is how long they wait for the in-sync replicas. */
    private static final long REPLICATION_TIMEOUT_MS = 30_000L;

    @Inject
    StrataNode node;

    @Inject
    LeaderForwarder forwarder;

    private final KeyPartitioner partitioner = new KeyPartitioner();

    /** The topic to read or describe; never creates it. */
    public TopicDescriptor existingTopic(String name) {
        return topics().topic(name).orElseThrow(() -> new TopicNotFoundException(name));
    }

    /** The topic, or null when there is none. */
    public TopicDescriptor topicIfExists(String name) {
        return topics().topic(name).orElse(null);
    }

    /** The topic to produce to, created with the node defaults when it is missing and auto-creation is on. */
    public TopicDescriptor topicForProduce(String name) {
        Optional<TopicDescriptor> topic = topics().topic(name);
        if (topic.isPresent()) {
            return topic.get();
        }
        if (!node.autoCreateTopics()) {
            throw new TopicNotFoundException(name);
        }
        try {
            return topics().createTopic(name, Map.of());
        } catch (TopicExistsException e) {
            return existingTopic(name);
        } catch (InvalidTopicException e) {
            throw new InvalidTopicNameException(e.getMessage());
        }
    }

    /** Checks an explicit partition of a topic. */
    public void checkPartition(TopicDescriptor topic, int partition) {
        if (partition < 0 || partition >= topic.partitions()) {
            throw new PartitionNotFoundException(topic.name(), partition);
        }
    }

    /** The partition of a record with this key (null: none) that names none, as {@link #produce} chooses it. */
    public int partitionFor(TopicDescriptor topic, byte[] key) {
        return partitioner.partition(topic.name(), key, topic.partitions());
    }

    /** The largest batch the partition takes: its log's max.message.bytes where this node leads it. */
    public int maxBatchBytes(TopicPartition tp) {
        Partition partition = topics().partition(tp);
        return partition == null || !partition.isLeader() ? DEFAULT_MAX_BATCH_BYTES : partition.log().config().maxMessageBytes();
    }

    /**
     * Appends a batch the caller built for one partition (uncompressed, create time, base offset 0, no producer
     * id), as {@link #produce} appends the batches it builds, or sends its records to the leader when another
     * node leads the partition. Blocks until the records are acknowledged as acks=all.
     *
     * @param batch one record batch of at most {@link #maxBatchBytes} (a larger one is refused by the log)
     */
    public BatchResult appendBatch(TopicPartition tp, MemoryRecords batch) {
        Partition partition = topics().partition(tp);
        if (partition == null || !partition.isLeader()) {
            List<ProduceRecord> forwarded = new ArrayList<>();
            for (Record r : batch.records()) {
                forwarded.add(new ProduceRecord(null, r.hasKey() ? Utils.toArray(r.key()) : null,
                        r.hasValue() ? Utils.toArray(r.value()) : null, List.of(r.headers()), r.timestamp()));
            }
            return BatchResult.forwarded(tp.partition(), forwarder.forward(tp, forwarded, REPLICATION_TIMEOUT_MS));
        }
        try {
            LogAppendInfo info = node.appender().append(tp, batch, LeaderAppender.ACKS_ALL, REPLICATION_TIMEOUT_MS).join();
            return BatchResult.appended(tp.partition(), info.firstOffset());
        } catch (RuntimeException e) {
            Throwable cause = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
            if (!(cause instanceof ApiException)) {
                LOG.errorf(cause, "Append to %s failed", tp);
            }
            return BatchResult.failed(tp.partition(), Errors.forException(cause), cause.getMessage());
        }
    }

    /** The first offset of a partition this node leads. */
    public long logStartOffset(TopicPartition tp) {
        return topics().leaderPartition(tp).log().logStartOffset();
    }

    /**
     * Appends records, grouped by partition, keeping their order within a partition.
     *
     * @return one result per record, in the order given
     */
    public List<ProduceResult> produce(TopicDescriptor topic, List<ProduceRecord> records) {
        ProduceResult[] results = new ProduceResult[records.size()];
        Map<Integer, List<Integer>> byPartition = new TreeMap<>();
        for (int i = 0; i < records.size(); i++) {
            ProduceRecord record = records.get(i);
            int p = record.partition() != null ? record.partition()
                    : partitioner.partition(topic.name(), record.key(), topic.partitions());
            if (p < 0 || p >= topic.partitions()) {
                results[i] = ProduceResult.failed(p, Errors.UNKNOWN_TOPIC_OR_PARTITION,
                        "Partition " + p + " of topic " + topic.name() + " not found.");
            } else {
                byPartition.computeIfAbsent(p, k -> new ArrayList<>()).add(i);
            }
        }
        for (Map.Entry<Integer, List<Integer>> e : byPartition.entrySet()) {
            appendToPartition(new TopicPartition(topic.name(), e.getKey()), e.getValue(), records, results);
        }
        return Arrays.asList(results);
    }

    private void appendToPartition(TopicPartition tp, List<Integer> indices, List<ProduceRecord> records,
                                   ProduceResult[] results) {
        Partition partition = topics().partition(tp);
        if (partition == null || !partition.isLeader()) {
            // Another node leads it: the records go there, so that an upload to any node stores every line.
            List<ProduceRecord> forwarded = new ArrayList<>(indices.size());
            for (int index : indices) {
                forwarded.add(records.get(index));
            }
            List<ProduceResult> answers = forwarder.forward(tp, forwarded, REPLICATION_TIMEOUT_MS);
            for (int j = 0; j < indices.size(); j++) {
                results[indices.get(j)] = answers.get(j);
            }
            return;
        }
        int maxBatchBytes = partition == null ? DEFAULT_MAX_BATCH_BYTES : partition.log().config().maxMessageBytes();
        long now = System.currentTimeMillis();
        long[] timestamps = new long[records.size()];
        List<PendingBatch> pending = new ArrayList<>();
        MemoryRecordsBuilder builder = null;
        List<Integer> batch = new ArrayList<>();
        long remainingBytes = 0;
        for (int index : indices) {
            remainingBytes += records.get(index).sizeEstimate();
        }
        for (int index : indices) {
            ProduceRecord record = records.get(index);
            long ts = record.timestamp() != null ? record.timestamp() : now;
            timestamps[index] = ts;
            Header[] headers = record.headers().isEmpty() ? Record.EMPTY_HEADERS : record.headers().toArray(Header[]::new);
            if (builder != null && !builder.hasRoomFor(ts, record.key(), record.value(), headers)) {
                pending.add(appendBatch(tp, builder, batch));
                builder = null;
                batch = new ArrayList<>();
            }
            if (builder == null) {
                // Sized for the records still to come (the builder grows its buffer by only 10% at a time).
                int initial = (int) Math.min(maxBatchBytes,
                        Math.max(1024, DefaultRecordBatch.RECORD_BATCH_OVERHEAD + remainingBytes));
                builder = MemoryRecords.builder(ByteBuffer.allocate(initial), Compression.NONE,
                        TimestampType.CREATE_TIME, 0L, maxBatchBytes);
            }
            builder.append(ts, record.key(), record.value(), headers);
            remainingBytes -= record.sizeEstimate();
            batch.add(index);
        }
        if (builder != null) {
            pending.add(appendBatch(tp, builder, batch));
        }
        // Batches are appended in order right away; their fsyncs (if the topic wants them) are awaited together.
        for (PendingBatch p : pending) {
            try {
                LogAppendInfo info = p.appended().join();
                for (int j = 0; j < p.indices().size(); j++) {
                    int index = p.indices().get(j);
                    long ts = info.logAppendTimeMs() >= 0 ? info.logAppendTimeMs() : timestamps[index];
                    results[index] = new ProduceResult(tp.partition(), info.firstOffset() + j, ts, Errors.NONE, null);
                }
            } catch (RuntimeException e) {
                Throwable cause = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
                Errors error = Errors.forException(cause);
                if (!(cause instanceof ApiException)) {
                    LOG.errorf(cause, "Append to %s failed", tp);
                }
                for (int index : p.indices()) {
                    results[index] = ProduceResult.failed(tp.partition(), error, cause.getMessage());
                }
            }
        }
    }

    private record PendingBatch(List<Integer> indices, CompletableFuture<LogAppendInfo> appended) {
    }

    private PendingBatch appendBatch(TopicPartition tp, MemoryRecordsBuilder builder, List<Integer> batch) {
        try {
            return new PendingBatch(batch, node.appender().append(tp, builder.build(), LeaderAppender.ACKS_ALL, REPLICATION_TIMEOUT_MS));
        } catch (RuntimeException e) {
            return new PendingBatch(batch, CompletableFuture.failedFuture(e));
        }
    }

    private TopicManager topics() {
        TopicManager topics = node.topics();
        if (topics == null) {
            throw new IllegalStateException("The node is not started.");
        }
        return topics;
    }
}
