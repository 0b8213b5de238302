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
 * <p>A schema pruned to the columns a query needs ({@link #prune}) produces only those, in that order, and never
 * copies a key, value or header it does not return nor parses a JSON value none of whose fields is needed
 * ({@code select("offset")} or {@code count()} read no record bodies into rows).
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
    /** Indices into the full schema's fields of the columns produced, in order. */
    private final int[] projection;
    /** Per full-schema column: whether it is produced. */
    private final boolean[] needed;
    private final boolean anyValueField;
    /** Whether the produced columns are the full schema in its order. */
    private final boolean identity;

    RowSchema(StructType valueSchema, boolean includeHeaders) {
        this(valueSchema, includeHeaders, null);
    }

    /** @param required the columns to produce (names of the full schema), or null for all */
    private RowSchema(StructType valueSchema, boolean includeHeaders, StructType required) {
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
        this.needed = new boolean[schema.length()];
        if (required == null) {
            this.projection = java.util.stream.IntStream.range(0, schema.length()).toArray();
        } else {
            this.projection = new int[required.length()];
            for (int c = 0; c < required.length(); c++) {
                projection[c] = schema.fieldIndex(required.fields()[c].name());
            }
        }
        boolean valueField = false;
        int valueFields = valueSchema == null ? 0 : valueSchema.length();
        for (int c : projection) {
            needed[c] = true;
            valueField |= c < valueFields;
        }
        this.anyValueField = valueField;
        this.identity = java.util.Arrays.equals(projection,
                java.util.stream.IntStream.range(0, schema.length()).toArray());
    }

    /**
     * The same source producing only {@code required}'s columns (matched by name; their types stay the full
     * schema's, so nested pruning inside {@code headers} is left to Spark's projection).
     */
    RowSchema prune(StructType required) {
        return new RowSchema(valueSchema, includeHeaders, required);
    }

    /** The columns produced: the full schema, or the pruned one. */
    StructType readSchema() {
        StructField[] fields = new StructField[projection.length];
        for (int c = 0; c < projection.length; c++) {
            fields[c] = schema.fields()[projection[c]];
        }
        return new StructType(fields);
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

    /** The row of the reader's current record, with the produced columns only. */
    InternalRow toRow(String topic, int partition, RecordBatch batch, Record record) {
        Object[] values = new Object[schema.length()];
        int i = 0;
        boolean valueColumn = valueSchema == null;
        if (!valueColumn) {
            InternalRow parsed = anyValueField && record.hasValue()
                    ? JsonValues.parse(Utils.toArray(record.value()), valueSchema) : null;
            for (int f = 0; f < valueSchema.length(); f++, i++) {
                values[i] = parsed == null || !needed[i] ? null : parsed.get(f, valueSchema.fields()[f].dataType());
            }
        }
        values[i] = needed[i] && record.hasKey() ? Utils.toArray(record.key()) : null;
        i++;
        if (valueColumn) {
            values[i] = needed[i] && record.hasValue() ? Utils.toArray(record.value()) : null;
            i++;
        }
        values[i] = needed[i] ? UTF8String.fromString(topic) : null;
        i++;
        values[i++] = partition;
        values[i++] = record.offset();
        values[i++] = record.timestamp() * 1000L;
        values[i++] = batch.timestampType().id;
        if (includeHeaders && needed[i]) {
            Header[] headers = record.headers();
            Object[] rows = new Object[headers.length];
            for (int h = 0; h < headers.length; h++) {
                rows[h] = new GenericInternalRow(new Object[]{UTF8String.fromString(headers[h].key()), headers[h].value()});
            }
            values[i] = new GenericArrayData(rows);
        }
        if (identity) {
            return new GenericInternalRow(values);
        }
        Object[] out = new Object[projection.length];
        for (int c = 0; c < projection.length; c++) {
            out[c] = values[projection[c]];
        }
        return new GenericInternalRow(out);
    }
}
