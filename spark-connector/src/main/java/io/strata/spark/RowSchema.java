package io.strata.spark;

import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.record.internal.Record;
import org.apache.kafka.common.record.internal.RecordBatch;
import org.apache.kafka.common.utils.Utils;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.catalyst.expressions.GenericInternalRow;
import org.apache.spark.sql.catalyst.util.GenericArrayData;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.Metadata;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.unsafe.types.UTF8String;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The columns of the source and the conversion of one record to a row.
 *
 * <p>With the default {@code valueFormat=binary} the columns are those of Spark's Kafka source: {@code key} binary,
 * {@code value} binary, {@code topic} string, {@code partition} int, {@code offset} long, {@code timestamp}
 * timestamp, {@code timestampType} int (0 create time, 1 log-append time) and, with {@code includeHeaders=true},
 * {@code headers} array&lt;struct&lt;key string, value binary&gt;&gt;.
 *
 * <p>With {@code valueFormat=json} the value's fields come first as typed columns ({@link JsonValues}), then the
 * same metadata columns without {@code value}; a metadata column whose name a value field already takes is named
 * with a leading underscore ({@code _timestamp}).
 *
 * <p>Immutable, serializable.
 */
final class RowSchema implements Serializable {

    static final StructType HEADER = new StructType(new StructField[]{
            new StructField("key", DataTypes.StringType, true, Metadata.empty()),
            new StructField("value", DataTypes.BinaryType, true, Metadata.empty())});

    private final StructType valueSchema; // null: binary value column
    private final boolean includeHeaders;
    private final StructType schema;
    private final String partitionColumn;
    private final String offsetColumn;
    private final String timestampColumn;

    RowSchema(StructType valueSchema, boolean includeHeaders) {
        this.valueSchema = valueSchema;
        this.includeHeaders = includeHeaders;
        List<StructField> fields = new ArrayList<>();
        Set<String> taken = new HashSet<>();
        if (valueSchema != null) {
            for (StructField f : valueSchema.fields()) {
                fields.add(f);
                taken.add(f.name().toLowerCase(java.util.Locale.ROOT));
            }
        }
        List<String> names = new ArrayList<>();
        for (String m : metadataNames()) {
            String name = m;
            while (taken.contains(name.toLowerCase(java.util.Locale.ROOT))) {
                name = "_" + name;
            }
            taken.add(name.toLowerCase(java.util.Locale.ROOT));
            names.add(name);
        }
        int i = 0;
        for (String m : metadataNames()) {
            String name = names.get(i++);
            fields.add(switch (m) {
                case "key", "value" -> new StructField(name, DataTypes.BinaryType, true, Metadata.empty());
                case "topic" -> new StructField(name, DataTypes.StringType, true, Metadata.empty());
                case "partition", "timestampType" -> new StructField(name, DataTypes.IntegerType, true, Metadata.empty());
                case "offset" -> new StructField(name, DataTypes.LongType, true, Metadata.empty());
                case "timestamp" -> new StructField(name, DataTypes.TimestampType, true, Metadata.empty());
                case "headers" -> new StructField(name, DataTypes.createArrayType(HEADER), true, Metadata.empty());
                default -> throw new IllegalStateException(m);
            });
        }
        this.schema = new StructType(fields.toArray(new StructField[0]));
        List<String> meta = metadataNames();
        this.partitionColumn = names.get(meta.indexOf("partition"));
        this.offsetColumn = names.get(meta.indexOf("offset"));
        this.timestampColumn = names.get(meta.indexOf("timestamp"));
    }

    private List<String> metadataNames() {
        List<String> names = new ArrayList<>(List.of("key", "value", "topic", "partition", "offset", "timestamp",
                "timestampType"));
        if (valueSchema != null) {
            names.remove("value");
        }
        if (includeHeaders) {
            names.add("headers");
        }
        return names;
    }

    StructType schema() {
        return schema;
    }

    String partitionColumn() {
        return partitionColumn;
    }

    String offsetColumn() {
        return offsetColumn;
    }

    String timestampColumn() {
        return timestampColumn;
    }

    /** The row of the reader's current record. */
    InternalRow toRow(String topic, int partition, RecordBatch batch, Record record) {
        Object[] values = new Object[schema.length()];
        int i = 0;
        byte[] value = record.hasValue() ? Utils.toArray(record.value()) : null;
        if (valueSchema != null) {
            InternalRow parsed = JsonValues.parse(value, valueSchema);
            for (int f = 0; f < valueSchema.length(); f++) {
                values[i++] = parsed == null ? null : parsed.get(f, valueSchema.fields()[f].dataType());
            }
        }
        values[i++] = record.hasKey() ? Utils.toArray(record.key()) : null;
        if (valueSchema == null) {
            values[i++] = value;
        }
        values[i++] = UTF8String.fromString(topic);
        values[i++] = partition;
        values[i++] = record.offset();
        values[i++] = record.timestamp() * 1000L;
        values[i++] = batch.timestampType().id;
        if (includeHeaders) {
            Header[] headers = record.headers();
            Object[] rows = new Object[headers.length];
            for (int h = 0; h < headers.length; h++) {
                rows[h] = new GenericInternalRow(new Object[]{UTF8String.fromString(headers[h].key()), headers[h].value()});
            }
            values[i++] = new GenericArrayData(rows);
        }
        return new GenericInternalRow(values);
    }
}
