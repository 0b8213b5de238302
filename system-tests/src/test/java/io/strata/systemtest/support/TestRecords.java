package io.strata.systemtest.support;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.record.TimestampType;

/**
 * Deterministic test records: record {@code i} always has the same key, value, headers and timestamp, and carries
 * {@code i} in its {@code seq} header, so whatever a consumer gets back can be checked field by field.
 */
public final class TestRecords {
    public static final String SEQ_HEADER = "seq";
    private static final byte[] ALPHABET =
            "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 _-".getBytes(StandardCharsets.US_ASCII);

    private final String label;
    private final long baseTimestamp;

    public TestRecords(String label, long baseTimestamp) {
        this.label = label;
        this.baseTimestamp = baseTimestamp;
    }

    public byte[] key(int i) {
        if (i % 3001 == 17) {
            return null;
        }
        return ("key-" + i).getBytes(StandardCharsets.UTF_8);
    }

    public byte[] value(int i) {
        if (i % 5003 == 42) {
            return null;
        }
        if (i % 997 == 5) {
            return new byte[0];
        }
        int length = 40 + Math.floorMod(i * 7919, 160);
        byte[] value = new byte[length];
        byte[] prefix = (label + "-value-" + i + ":").getBytes(StandardCharsets.UTF_8);
        System.arraycopy(prefix, 0, value, 0, Math.min(prefix.length, length));
        for (int j = prefix.length; j < length; j++) {
            value[j] = ALPHABET[Math.floorMod(i * 31 + j * 17, ALPHABET.length)];
        }
        return value;
    }

    public List<Header> headers(int i) {
        List<Header> headers = new ArrayList<>();
        headers.add(new RecordHeader(SEQ_HEADER, ByteBuffer.allocate(4).putInt(i).array()));
        headers.add(new RecordHeader("source", label.getBytes(StandardCharsets.UTF_8)));
        if (i % 7 == 0) {
            headers.add(new RecordHeader("nullable", null));
        }
        if (i % 11 == 0) {
            headers.add(new RecordHeader("dup", "first".getBytes(StandardCharsets.UTF_8)));
            headers.add(new RecordHeader("dup", "second-\u00e9\u4e2d".getBytes(StandardCharsets.UTF_8)));
        }
        return headers;
    }

    public long timestamp(int i) {
        return baseTimestamp + 3L * i;
    }

    public ProducerRecord<byte[], byte[]> record(String topic, int i) {
        return new ProducerRecord<>(topic, null, timestamp(i), key(i), value(i), new RecordHeaders(headers(i)));
    }

    public ProducerRecord<byte[], byte[]> record(String topic, Integer partition, int i) {
        return new ProducerRecord<>(topic, partition, timestamp(i), key(i), value(i), new RecordHeaders(headers(i)));
    }

    /** The sequence number a consumed record carries, or fails if it has none. */
    public static int seq(ConsumerRecord<byte[], byte[]> record) {
        Header header = record.headers().lastHeader(SEQ_HEADER);
        if (header == null || header.value() == null || header.value().length != 4) {
            throw new AssertionError("record without a valid seq header at " + record.topic() + "-"
                    + record.partition() + "@" + record.offset());
        }
        return ByteBuffer.wrap(header.value()).getInt();
    }

    /** Fails with a precise message unless the consumed record is exactly record {@code i} as produced. */
    public void assertMatches(ConsumerRecord<byte[], byte[]> record, int i) {
        String where = record.topic() + "-" + record.partition() + "@" + record.offset() + " (seq " + i + ")";
        if (!Arrays.equals(record.key(), key(i))) {
            throw new AssertionError(where + ": key " + show(record.key()) + " != expected " + show(key(i)));
        }
        if (!Arrays.equals(record.value(), value(i))) {
            throw new AssertionError(where + ": value " + show(record.value()) + " != expected " + show(value(i)));
        }
        if (record.timestamp() != timestamp(i) || record.timestampType() != TimestampType.CREATE_TIME) {
            throw new AssertionError(where + ": timestamp " + record.timestamp() + " " + record.timestampType()
                    + " != expected " + timestamp(i) + " CreateTime");
        }
        List<Header> expected = headers(i);
        Header[] actual = record.headers().toArray();
        boolean same = actual.length == expected.size();
        for (int h = 0; same && h < actual.length; h++) {
            same = actual[h].key().equals(expected.get(h).key())
                    && Arrays.equals(actual[h].value(), expected.get(h).value());
        }
        if (!same) {
            throw new AssertionError(where + ": headers " + describe(Arrays.asList(actual)) + " != expected "
                    + describe(expected));
        }
    }

    private static String describe(List<Header> headers) {
        StringBuilder sb = new StringBuilder("[");
        for (Header h : headers) {
            sb.append(h.key()).append('=').append(show(h.value())).append(' ');
        }
        return sb.append(']').toString();
    }

    private static String show(byte[] bytes) {
        if (bytes == null) {
            return "null";
        }
        String text = new String(bytes, StandardCharsets.UTF_8);
        return '"' + (text.length() > 80 ? text.substring(0, 80) + "..." : text) + "\" (" + bytes.length + " bytes)";
    }
}
