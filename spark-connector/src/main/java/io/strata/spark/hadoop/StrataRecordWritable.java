package io.strata.spark.hadoop;

import org.apache.hadoop.io.Writable;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.record.internal.Record;
import org.apache.kafka.common.record.internal.RecordBatch;
import org.apache.kafka.common.utils.Utils;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * One record as a MapReduce value: the fields of Spark's Kafka source (topic, partition, offset, timestamp in ms,
 * timestamp type, key, value, headers; key, value and header values may be null). Mutable, reused by the record
 * reader for each record as Hadoop values are; not thread-safe.
 */
public final class StrataRecordWritable implements Writable {

    private String topic;
    private int partition;
    private long offset;
    private long timestamp;
    private int timestampType;
    private byte[] key;
    private byte[] value;
    private final List<Map.Entry<String, byte[]>> headers = new ArrayList<>();

    void set(String topic, int partition, RecordBatch batch, Record record) {
        this.topic = topic;
        this.partition = partition;
        this.offset = record.offset();
        this.timestamp = record.timestamp();
        this.timestampType = batch.timestampType().id;
        this.key = record.hasKey() ? Utils.toArray(record.key()) : null;
        this.value = record.hasValue() ? Utils.toArray(record.value()) : null;
        headers.clear();
        for (Header h : record.headers()) {
            headers.add(new java.util.AbstractMap.SimpleImmutableEntry<>(h.key(), h.value()));
        }
    }

    public String topic() {
        return topic;
    }

    public int partition() {
        return partition;
    }

    public long offset() {
        return offset;
    }

    /** Milliseconds since the epoch. */
    public long timestamp() {
        return timestamp;
    }

    /** 0 create time, 1 log-append time. */
    public int timestampType() {
        return timestampType;
    }

    public byte[] key() {
        return key;
    }

    public byte[] value() {
        return value;
    }

    public List<Map.Entry<String, byte[]>> headers() {
        return List.copyOf(headers);
    }

    @Override
    public void write(DataOutput out) throws IOException {
        out.writeUTF(topic);
        out.writeInt(partition);
        out.writeLong(offset);
        out.writeLong(timestamp);
        out.writeInt(timestampType);
        writeBytes(out, key);
        writeBytes(out, value);
        out.writeInt(headers.size());
        for (Map.Entry<String, byte[]> h : headers) {
            out.writeUTF(h.getKey());
            writeBytes(out, h.getValue());
        }
    }

    @Override
    public void readFields(DataInput in) throws IOException {
        topic = in.readUTF();
        partition = in.readInt();
        offset = in.readLong();
        timestamp = in.readLong();
        timestampType = in.readInt();
        key = readBytes(in);
        value = readBytes(in);
        headers.clear();
        int n = in.readInt();
        for (int i = 0; i < n; i++) {
            headers.add(new java.util.AbstractMap.SimpleImmutableEntry<>(in.readUTF(), readBytes(in)));
        }
    }

    private static void writeBytes(DataOutput out, byte[] bytes) throws IOException {
        out.writeInt(bytes == null ? -1 : bytes.length);
        if (bytes != null) {
            out.write(bytes);
        }
    }

    private static byte[] readBytes(DataInput in) throws IOException {
        int n = in.readInt();
        if (n < 0) {
            return null;
        }
        byte[] bytes = new byte[n];
        in.readFully(bytes);
        return bytes;
    }

    @Override
    public String toString() {
        return topic + "-" + partition + "@" + offset;
    }
}
