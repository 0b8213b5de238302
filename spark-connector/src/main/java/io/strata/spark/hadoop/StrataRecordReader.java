package io.strata.spark.hadoop;

import io.strata.spark.SegmentReading;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.io.LongWritable;
import org.apache.hadoop.mapreduce.InputSplit;
import org.apache.hadoop.mapreduce.RecordReader;
import org.apache.hadoop.mapreduce.TaskAttemptContext;

/**
 * Reads the records of one {@link StrataInputSplit} with the Spark source's slice reader (ranged GETs, CRC check,
 * every codec). Not thread-safe (one task).
 */
final class StrataRecordReader extends RecordReader<LongWritable, StrataRecordWritable> {

    private final LongWritable key = new LongWritable();
    private final StrataRecordWritable value = new StrataRecordWritable();
    private SegmentReading.Cursor cursor;
    private long span;

    @Override
    public void initialize(InputSplit split, TaskAttemptContext context) {
        Configuration conf = context.getConfiguration();
        StrataInputSplit s = (StrataInputSplit) split;
        cursor = SegmentReading.open(s.slice(), StrataInputFormat.store(conf),
                conf.getInt(StrataInputFormat.PREFIX + "readChunkBytes", 4 * 1024 * 1024),
                conf.getBoolean(StrataInputFormat.PREFIX + "failOnDataLoss", true));
        span = Math.max(1, s.slice().untilOffset() - s.slice().fromOffset());
    }

    @Override
    public boolean nextKeyValue() {
        if (!cursor.next()) {
            return false;
        }
        value.set(cursor.topic(), cursor.partition(), cursor.batch(), cursor.record());
        key.set(cursor.record().offset());
        return true;
    }

    @Override
    public LongWritable getCurrentKey() {
        return key;
    }

    @Override
    public StrataRecordWritable getCurrentValue() {
        return value;
    }

    @Override
    public float getProgress() {
        return Math.min(1f, (float) cursor.returned() / span);
    }

    @Override
    public void close() {
    }
}
