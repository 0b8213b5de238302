package io.strata.spark.hadoop;

import io.strata.spark.ReadRange;
import io.strata.spark.SegmentReading;
import io.strata.spark.StoreSettings;
import io.strata.spark.SourceConfig;
import io.strata.spark.TopicSelection;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.io.LongWritable;
import org.apache.hadoop.mapreduce.InputFormat;
import org.apache.hadoop.mapreduce.InputSplit;
import org.apache.hadoop.mapreduce.JobContext;
import org.apache.hadoop.mapreduce.RecordReader;
import org.apache.hadoop.mapreduce.TaskAttemptContext;

import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * MapReduce ({@code org.apache.hadoop.mapreduce}) input of Strata topics straight from the object store, over the
 * same planning as the Spark source: one split per uploaded segment (large ones cut at batch boundaries), keys the
 * record offsets, values {@link StrataRecordWritable}s. Configured with the Spark option names prefixed by
 * {@value #PREFIX} (e.g. {@code strata.input.subscribe}, {@code strata.input.bucket},
 * {@code strata.input.startingOffsets}); the store falls back to {@code fs.s3a.*} of the same configuration.
 * Free of Spark classes. Stateless.
 */
public final class StrataInputFormat extends InputFormat<LongWritable, StrataRecordWritable> {

    public static final String PREFIX = "strata.input.";

    /** Sets {@code options} (Spark option names) on a job's configuration. */
    public static void configure(Configuration conf, Map<String, String> options) {
        options.forEach((k, v) -> conf.set(PREFIX + k, v));
    }

    static Function<String, String> options(Configuration conf) {
        return name -> conf.get(PREFIX + name);
    }

    static StoreSettings store(Configuration conf) {
        return SourceConfig.store(options(conf), conf::get);
    }

    @Override
    public List<InputSplit> getSplits(JobContext context) {
        Configuration conf = context.getConfiguration();
        Function<String, String> options = options(conf);
        TopicSelection selection = SourceConfig.selection(options);
        ReadRange range = SourceConfig.range(options);
        long maxBytes = conf.getLong(PREFIX + "maxBytesPerPartition", 128L * 1024 * 1024);
        int minSplits = conf.getInt(PREFIX + "minPartitions", 0);
        boolean failOnDataLoss = conf.getBoolean(PREFIX + "failOnDataLoss", true);
        return SegmentReading.plan(store(conf), selection, SourceConfig.topicIds(options), range, maxBytes, minSplits,
                        failOnDataLoss).stream()
                .<InputSplit>map(StrataInputSplit::new).toList();
    }

    @Override
    public RecordReader<LongWritable, StrataRecordWritable> createRecordReader(InputSplit split,
                                                                              TaskAttemptContext context) {
        return new StrataRecordReader();
    }
}
