package io.strata.spark.hadoop;

import io.strata.spark.SegmentSlice;
import org.apache.hadoop.io.Writable;
import org.apache.hadoop.mapreduce.InputSplit;
import org.apache.kafka.common.TopicPartition;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;

/** A {@link SegmentSlice} as a MapReduce split (no locality: the bytes are in the object store). */
public final class StrataInputSplit extends InputSplit implements Writable {

    private SegmentSlice slice;

    /** For Hadoop's reflection; {@link #readFields} fills it. */
    public StrataInputSplit() {
    }

    StrataInputSplit(SegmentSlice slice) {
        this.slice = slice;
    }

    SegmentSlice slice() {
        return slice;
    }

    @Override
    public long getLength() {
        return slice.estimatedBytes();
    }

    @Override
    public String[] getLocations() {
        return new String[0];
    }

    @Override
    public void write(DataOutput out) throws IOException {
        out.writeUTF(slice.tp().topic());
        out.writeInt(slice.tp().partition());
        out.writeUTF(slice.root());
        out.writeLong(slice.baseOffset());
        out.writeLong(slice.nextOffset());
        out.writeLong(slice.sizeInBytes());
        out.writeLong(slice.maxTimestamp());
        out.writeUTF(slice.objectStem());
        out.writeLong(slice.fromOffset());
        out.writeLong(slice.untilOffset());
        out.writeLong(slice.estimatedBytes());
    }

    @Override
    public void readFields(DataInput in) throws IOException {
        slice = new SegmentSlice(new TopicPartition(in.readUTF(), in.readInt()), in.readUTF(), in.readLong(),
                in.readLong(), in.readLong(), in.readLong(), in.readUTF(), in.readLong(), in.readLong(), in.readLong());
    }

    @Override
    public String toString() {
        return slice.tp() + " [" + slice.fromOffset() + ", " + slice.untilOffset() + ") of " + slice.logKey();
    }
}
