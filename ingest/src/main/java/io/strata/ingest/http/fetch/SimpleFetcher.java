package io.strata.ingest.http.fetch;

import io.quarkus.runtime.ShutdownEvent;
import io.strata.ingest.broker.Partition;
import io.strata.ingest.node.StrataNode;
import io.strata.ingest.observability.BrokerMetrics;
import io.strata.storage.log.LogReadResult;
import io.strata.storage.log.PartitionLog;
import io.strata.storage.remote.RemoteLogManager;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.OffsetMovedToTieredStorageException;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.record.internal.Record;
import org.apache.kafka.common.record.internal.RecordBatch;
import org.apache.kafka.common.record.internal.Records;

import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Reads a partition for HTTP clients without any consumer state: from an offset, up to a byte
 * limit, below the high watermark. When nothing is there yet the read waits in the node's
 * {@link io.strata.ingest.broker.FetchPurgatory} (no thread is held while waiting) and is redone
 * on this fetcher's own threads when data arrives or the wait ends, never on the appending thread.
 * Offsets below the local log are read from object storage, like Kafka fetches of tiered data.
 */
@ApplicationScoped
public class SimpleFetcher {

    @Inject
    StrataNode node;

    @Inject
    BrokerMetrics metrics;

    private final AtomicInteger threadIds = new AtomicInteger();
    private final ExecutorService readers = new ThreadPoolExecutor(2, 2, 60, TimeUnit.SECONDS,
            new LinkedBlockingQueue<>(), r -> {
        Thread t = new Thread(r, "strata-http-fetch-" + threadIds.incrementAndGet());
        t.setDaemon(true);
        return t;
    });

    /** How keys and values are shown. */
    public record Formats(RecordFormat key, RecordFormat value) {
        public static final Formats BASE64 = new Formats(RecordFormat.BASE64, RecordFormat.BASE64);
    }

    /**
     * @throws org.apache.kafka.common.errors.ApiException for unknown partitions and offsets out of range
     */
    public CompletionStage<FetchedRecords> fetch(TopicPartition tp, long offset, int maxBytes, long timeoutMs,
                                                 Formats formats) {
        Partition partition = node.topics().leaderPartition(tp);
        FetchedRecords first;
        try {
            first = read(partition, offset, maxBytes, formats);
        } catch (OffsetMovedToTieredStorageException moved) {
            return readRemote(partition, offset, maxBytes, moved, formats);
        }
        if (!first.records().isEmpty() || timeoutMs <= 0) {
            return CompletableFuture.completedFuture(first);
        }
        CompletableFuture<FetchedRecords> result = new CompletableFuture<>();
        long hwAtRead = first.highWatermark();
        node.fetchPurgatory().park(List.of(tp), 1, timeoutMs,
                () -> partition.log().highWatermark() != hwAtRead,
                () -> {
                    Runnable reread = () -> {
                        try {
                            result.complete(read(partition, offset, maxBytes, formats));
                        } catch (RuntimeException e) {
                            result.completeExceptionally(e);
                        }
                    };
                    try {
                        readers.execute(reread);
                    } catch (RejectedExecutionException e) {
                        reread.run(); // shutting down
                    }
                });
        return result;
    }

    private FetchedRecords read(Partition partition, long offset, int maxBytes, Formats formats) {
        PartitionLog log = partition.log();
        LogReadResult read = log.read(offset, maxBytes, log.highWatermark(), true);
        return convert(partition.topicPartition(), offset, read.records(), read.highWatermark(), read.logStartOffset(),
                formats);
    }

    /** An offset below the local log: read from object storage on the remote reader threads, as Kafka fetches do. */
    private CompletionStage<FetchedRecords> readRemote(Partition partition, long offset, int maxBytes,
                                                       OffsetMovedToTieredStorageException moved, Formats formats) {
        RemoteLogManager remote = node.remote();
        if (remote == null) {
            throw moved;
        }
        TopicPartition tp = partition.topicPartition();
        long hw = partition.log().highWatermark();
        long logStart = partition.log().logStartOffset();
        return remote.read(tp, offset, maxBytes, true).thenApply(records -> convert(tp, offset, records, hw, logStart, formats));
    }

    private FetchedRecords convert(TopicPartition tp, long offset, Records records, long highWatermark,
                                   long logStartOffset, Formats formats) {
        List<FetchedRecords.Record> out = new ArrayList<>();
        long next = offset;
        for (RecordBatch batch : records.batches()) {
            if (batch.isControlBatch()) {
                next = Math.max(next, batch.nextOffset());
                continue;
            }
            String type = batch.timestampType().toString();
            for (Record r : batch) {
                if (r.offset() < offset) {
                    continue;
                }
                List<FetchedRecords.Header> headers = new ArrayList<>();
                for (Header h : r.headers()) {
                    headers.add(new FetchedRecords.Header(h.key(), h.value() == null ? null : Base64.getEncoder().encodeToString(h.value())));
                }
                long ts = batch.timestampType() == org.apache.kafka.common.record.TimestampType.LOG_APPEND_TIME
                        ? batch.maxTimestamp() : r.timestamp();
                out.add(record(r.offset(), ts, type, formats.key().render(r.hasKey() ? r.key() : null),
                        formats.value().render(r.hasValue() ? r.value() : null), headers));
            }
            next = Math.max(next, batch.nextOffset());
        }
        if (records.sizeInBytes() > 0) {
            // Counted as a Kafka fetch counts them: the offsets this read advanced over.
            metrics.recordOut(tp.topic(), records.sizeInBytes(), next - offset);
        }
        return new FetchedRecords(tp.topic(), tp.partition(), next, highWatermark, logStartOffset, out);
    }

    private static FetchedRecords.Record record(long offset, long timestamp, String type, RecordFormat.Rendered key,
                                                RecordFormat.Rendered value, List<FetchedRecords.Header> headers) {
        String error = null;
        if (key.fallbackReason() != null) {
            error = "key " + key.fallbackReason();
        }
        if (value.fallbackReason() != null) {
            error = (error == null ? "" : error + "; ") + "value " + value.fallbackReason();
        }
        if (error != null) {
            error += ": given as base64";
        }
        return new FetchedRecords.Record(offset, timestamp, type, key.node(), value.node(), headers,
                key.fallbackReason() == null ? null : "base64", value.fallbackReason() == null ? null : "base64", error);
    }

    void stop(@Observes ShutdownEvent event) {
        readers.shutdownNow();
    }
}
