package io.strata.spark;

import io.strata.spark.PartitionCatalog.PartitionSource;
import org.apache.kafka.common.TopicPartition;
import org.apache.spark.sql.connector.read.InputPartition;
import org.apache.spark.sql.connector.read.PartitionReaderFactory;
import org.apache.spark.sql.connector.read.streaming.CompositeReadLimit;
import org.apache.spark.sql.connector.read.streaming.MicroBatchStream;
import org.apache.spark.sql.connector.read.streaming.Offset;
import org.apache.spark.sql.connector.read.streaming.ReadLimit;
import org.apache.spark.sql.connector.read.streaming.ReadMaxRows;
import org.apache.spark.sql.connector.read.streaming.SupportsTriggerAvailableNow;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Streaming read of tiered segments. A position is the next offset of every partition
 * ({@link StrataStreamOffset}); the latest position comes from the latest manifests, re-read (and partitions
 * discovered again) at every trigger, so each sealed and uploaded segment becomes visible with the manifest
 * version that lists it. {@code maxOffsetsPerTrigger} spreads a trigger's budget over the partitions in proportion
 * to what each has waiting (as Spark's Kafka source does); {@code Trigger.AvailableNow} reads up to the positions
 * of its start and stops. Partitions that appear later start at their log start offset.
 *
 * <p>Thread-safety: Spark calls a stream from its query thread only.
 */
final class StrataMicroBatchStream implements MicroBatchStream, SupportsTriggerAvailableNow {

    private static final Logger LOG = LoggerFactory.getLogger(StrataMicroBatchStream.class);

    private final SourceOptions options;
    private final RowSchema rows;
    private final String checkpointLocation;
    private final SegmentPlanner planner;
    private Map<TopicPartition, PartitionSource> sources = Map.of();
    private PartitionOffsets availableNowCap;
    private PartitionOffsets latestAvailable;

    StrataMicroBatchStream(SourceOptions options, RowSchema rows, String checkpointLocation) {
        this.options = options;
        this.rows = rows;
        this.checkpointLocation = checkpointLocation;
        this.planner = new SegmentPlanner(options.store());
    }

    private Map<TopicPartition, PartitionSource> refresh() {
        Map<TopicPartition, PartitionSource> out = new LinkedHashMap<>();
        for (PartitionSource s : PartitionCatalog.resolve(options.store(), options.selection(),
                options.topicIds())) {
            out.put(s.tp(), s);
        }
        sources = out;
        return out;
    }

    /**
     * The starting positions, resolved once per checkpoint and kept in it ({@code <checkpoint>/strata-initial-offsets.json}),
     * as Spark's Kafka source does: a query restarted before its first batch committed must not resolve "latest" again
     * (records uploaded meanwhile would be skipped).
     */
    @Override
    public Offset initialOffset() {
        org.apache.hadoop.fs.Path file = new org.apache.hadoop.fs.Path(checkpointLocation, "strata-initial-offsets.json");
        try {
            org.apache.hadoop.fs.FileSystem fs = file.getFileSystem(
                    org.apache.spark.sql.SparkSession.active().sessionState().newHadoopConf());
            if (fs.exists(file)) {
                try (var in = fs.open(file)) {
                    return deserializeOffset(new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8));
                }
            }
            List<PartitionSource> found = List.copyOf(refresh().values());
            StrataStreamOffset initial = new StrataStreamOffset(
                    new PartitionOffsets(planner.startOffsets(found, options.range(), "latest")));
            try (var out = fs.create(file, false)) {
                out.write(initial.json().getBytes(java.nio.charset.StandardCharsets.UTF_8));
            }
            return initial;
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException("Cannot keep the initial offsets in " + file, e);
        }
    }

    @Override
    public ReadLimit getDefaultReadLimit() {
        return options.maxOffsetsPerTrigger().map(ReadLimit::maxRows).orElse(ReadLimit.allAvailable());
    }

    @Override
    public Offset latestOffset() {
        throw new UnsupportedOperationException("latestOffset(Offset, ReadLimit) is used with admission control");
    }

    @Override
    public Offset latestOffset(Offset startOffset, ReadLimit limit) {
        PartitionOffsets start = ((StrataStreamOffset) startOffset).offsets();
        Map<TopicPartition, Long> from = new LinkedHashMap<>(start.asMap());
        Map<TopicPartition, Long> end = new LinkedHashMap<>(from);
        for (PartitionSource s : refresh().values()) {
            long available = s.endOffset();
            if (availableNowCap != null) {
                Long cap = availableNowCap.get(s.tp());
                if (cap == null) {
                    continue; // appeared after the AvailableNow run began
                }
                available = Math.min(available, cap);
            }
            from.putIfAbsent(s.tp(), s.logStartOffset());
            end.put(s.tp(), Math.max(from.get(s.tp()), available));
        }
        latestAvailable = new PartitionOffsets(end);
        Optional<Long> maxRows = maxRows(limit);
        if (maxRows.isPresent()) {
            end = limit(from, end, maxRows.get());
        }
        return new StrataStreamOffset(new PartitionOffsets(end));
    }

    @Override
    public Offset reportLatestOffset() {
        return latestAvailable == null ? null : new StrataStreamOffset(latestAvailable);
    }

    private static Optional<Long> maxRows(ReadLimit limit) {
        if (limit instanceof ReadMaxRows m) {
            return Optional.of(m.maxRows());
        }
        if (limit instanceof CompositeReadLimit c) {
            return java.util.Arrays.stream(c.getReadLimits()).map(StrataMicroBatchStream::maxRows)
                    .flatMap(Optional::stream).min(Long::compare);
        }
        return Optional.empty();
    }

    /** At most about {@code maxRows} offsets in all, shared in proportion to what each partition has waiting. */
    static Map<TopicPartition, Long> limit(Map<TopicPartition, Long> from, Map<TopicPartition, Long> end, long maxRows) {
        long total = 0;
        for (Map.Entry<TopicPartition, Long> e : end.entrySet()) {
            total += e.getValue() - from.getOrDefault(e.getKey(), e.getValue());
        }
        if (total <= maxRows) {
            return end;
        }
        Map<TopicPartition, Long> out = new LinkedHashMap<>();
        long granted = 0;
        for (Map.Entry<TopicPartition, Long> e : end.entrySet()) {
            long begin = from.getOrDefault(e.getKey(), e.getValue());
            long share = (long) Math.floor((double) (e.getValue() - begin) * maxRows / total);
            out.put(e.getKey(), begin + share);
            granted += share;
        }
        if (granted == 0) { // tiny budget spread thin: let the first partition with data move
            for (Map.Entry<TopicPartition, Long> e : end.entrySet()) {
                long begin = from.getOrDefault(e.getKey(), e.getValue());
                if (e.getValue() > begin) {
                    out.put(e.getKey(), begin + Math.min(maxRows, e.getValue() - begin));
                    break;
                }
            }
        }
        return out;
    }

    @Override
    public InputPartition[] planInputPartitions(Offset start, Offset end) {
        Map<TopicPartition, Long> from = new HashMap<>(((StrataStreamOffset) start).offsets().asMap());
        Map<TopicPartition, Long> until = ((StrataStreamOffset) end).offsets().asMap();
        Map<TopicPartition, PartitionSource> known = sources;
        boolean stale = false;
        for (Map.Entry<TopicPartition, Long> e : until.entrySet()) {
            PartitionSource s = known.get(e.getKey());
            stale |= s == null || s.endOffset() < e.getValue();
        }
        if (stale) { // e.g. after a restart, re-running the batch of the offset log
            known = refresh();
        }
        List<PartitionSource> list = List.copyOf(known.values());
        for (PartitionSource s : list) {
            from.putIfAbsent(s.tp(), s.logStartOffset());
        }
        SegmentPlanner.Plan plan = planner.plan(list, from, until, ScanFilters.NONE, options.maxBytesPerPartition(),
                options.minPartitions(), options.failOnDataLoss());
        LOG.debug("Micro-batch {} -> {}: {} input partitions", start, end, plan.slices().size());
        return plan.slices().stream().map(SliceInputPartition::new).toArray(InputPartition[]::new);
    }

    @Override
    public PartitionReaderFactory createReaderFactory() {
        return new SliceReaderFactory(options.store(), rows, options.readChunkBytes(), options.failOnDataLoss(),
                Long.MIN_VALUE);
    }

    @Override
    public void prepareForTriggerAvailableNow() {
        Map<TopicPartition, Long> ends = new LinkedHashMap<>();
        refresh().values().forEach(s -> ends.put(s.tp(), s.endOffset()));
        availableNowCap = new PartitionOffsets(ends);
        LOG.info("Trigger.AvailableNow reads up to {}", availableNowCap);
    }

    @Override
    public Offset deserializeOffset(String json) {
        return new StrataStreamOffset(PartitionOffsets.parse(json));
    }

    @Override
    public void commit(Offset end) {
        // Nothing to acknowledge: positions live in Spark's checkpoint at {@code checkpointLocation}.
    }

    @Override
    public void stop() {
    }

    @Override
    public String toString() {
        return "Strata[" + options.selection() + ", checkpoint " + checkpointLocation + "]";
    }
}
