package io.strata.spark;

import org.apache.kafka.common.TopicPartition;
import org.apache.spark.sql.connector.read.Batch;
import org.apache.spark.sql.connector.read.InputPartition;
import org.apache.spark.sql.connector.read.PartitionReaderFactory;
import org.apache.spark.sql.connector.read.Scan;
import org.apache.spark.sql.connector.read.streaming.MicroBatchStream;
import org.apache.spark.sql.sources.Filter;
import org.apache.spark.sql.types.StructType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * A read of Strata's tiered segments: as a batch, it plans once (on first use) from the latest manifests, the
 * resolved starting and ending offsets and the pushed-down filters; as a stream it hands over to
 * {@link StrataMicroBatchStream}. Thread-safety: used by Spark's driver thread.
 */
final class StrataScan implements Scan, Batch {

    private static final Logger LOG = LoggerFactory.getLogger(StrataScan.class);

    private final SourceOptions options;
    private final RowSchema rows;
    private final ScanFilters filters;
    private final Filter[] pushed;
    private SegmentPlanner.Plan plan;

    StrataScan(SourceOptions options, RowSchema rows, ScanFilters filters, Filter[] pushed) {
        this.options = options;
        this.rows = rows;
        this.filters = filters;
        this.pushed = pushed;
    }

    @Override
    public StructType readSchema() {
        return rows.readSchema();
    }

    @Override
    public String description() {
        return "Strata tiered segments in bucket " + options.store().bucket() + " " + options.selection()
                + (pushed.length == 0 ? "" : ", pruning by " + Arrays.toString(pushed));
    }

    @Override
    public Batch toBatch() {
        return this;
    }

    @Override
    public MicroBatchStream toMicroBatchStream(String checkpointLocation) {
        return new StrataMicroBatchStream(options, rows, checkpointLocation);
    }

    @Override
    public InputPartition[] planInputPartitions() {
        if (plan == null) {
            List<PartitionCatalog.PartitionSource> sources = PartitionCatalog.resolve(options.store(),
                    options.selection(), options.topicIds());
            SegmentPlanner planner = new SegmentPlanner(options.store());
            Map<TopicPartition, Long> from = planner.startOffsets(sources, options.range(), "earliest");
            Map<TopicPartition, Long> until = planner.endOffsets(sources, options.range());
            plan = planner.plan(sources, from, until, filters, options.maxBytesPerPartition(), options.minPartitions(),
                    options.failOnDataLoss());
            LOG.info("Planned {} input partitions over {} partitions: {} segments overlap the range, {} skipped by "
                    + "timestamp", plan.slices().size(), sources.size(), plan.segmentsConsidered(),
                    plan.segmentsPrunedByTime());
        }
        return plan.slices().stream().map(SliceInputPartition::new).toArray(InputPartition[]::new);
    }

    @Override
    public PartitionReaderFactory createReaderFactory() {
        return new SliceReaderFactory(options.store(), rows, options.readChunkBytes(), options.failOnDataLoss(),
                filters.minTimestampMs());
    }
}
