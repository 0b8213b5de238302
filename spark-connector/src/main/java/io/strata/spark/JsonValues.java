package io.strata.spark;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.catalyst.expressions.GenericInternalRow;
import org.apache.spark.sql.catalyst.util.ArrayBasedMapData;
import org.apache.spark.sql.catalyst.util.GenericArrayData;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.BinaryType;
import org.apache.spark.sql.types.BooleanType;
import org.apache.spark.sql.types.ByteType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DateType;
import org.apache.spark.sql.types.Decimal;
import org.apache.spark.sql.types.DecimalType;
import org.apache.spark.sql.types.DoubleType;
import org.apache.spark.sql.types.FloatType;
import org.apache.spark.sql.types.IntegerType;
import org.apache.spark.sql.types.LongType;
import org.apache.spark.sql.types.MapType;
import org.apache.spark.sql.types.ShortType;
import org.apache.spark.sql.types.StringType;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.sql.types.TimestampType;
import org.apache.spark.unsafe.types.UTF8String;

import java.io.IOException;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * Converts one JSON object (a record value, e.g. one NDJSON line sent to Strata's HTTP ingest) into a row of a
 * given schema, the way Spark's {@code from_json} does in its permissive mode: a value that is not a JSON object
 * gives a null row, a field that is missing or of another type gives null. Field names match case-sensitively.
 * Timestamps are ISO-8601 strings (zone offset, or UTC when none) or numbers of seconds since the epoch; dates
 * ISO strings; binary base64 strings.
 *
 * <p>Stateless; thread-safe.
 */
final class JsonValues {

    private static final ObjectMapper JSON = new ObjectMapper();

    private JsonValues() {
    }

    /** The row for {@code value}, or null when it is absent or not a JSON object. */
    static InternalRow parse(byte[] value, StructType schema) {
        if (value == null) {
            return null;
        }
        JsonNode node;
        try {
            node = JSON.readTree(value);
        } catch (IOException e) {
            return null;
        }
        return node != null && node.isObject() ? struct(node, schema) : null;
    }

    private static InternalRow struct(JsonNode node, StructType schema) {
        StructField[] fields = schema.fields();
        Object[] values = new Object[fields.length];
        for (int i = 0; i < fields.length; i++) {
            JsonNode child = node.get(fields[i].name());
            values[i] = child == null || child.isNull() ? null : convert(child, fields[i].dataType());
        }
        return new GenericInternalRow(values);
    }

    private static Object convert(JsonNode node, DataType type) {
        try {
            if (type instanceof StringType) {
                return UTF8String.fromString(node.isTextual() ? node.textValue() : node.toString());
            } else if (type instanceof LongType) {
                return node.isIntegralNumber() ? (Object) node.longValue() : node.isTextual() ? Long.parseLong(node.textValue()) : null;
            } else if (type instanceof IntegerType) {
                return node.isIntegralNumber() && node.canConvertToInt() ? (Object) node.intValue()
                        : node.isTextual() ? Integer.parseInt(node.textValue()) : null;
            } else if (type instanceof ShortType) {
                return node.isIntegralNumber() ? (Object) (short) node.intValue() : null;
            } else if (type instanceof ByteType) {
                return node.isIntegralNumber() ? (Object) (byte) node.intValue() : null;
            } else if (type instanceof DoubleType) {
                return node.isNumber() ? (Object) node.doubleValue() : node.isTextual() ? Double.parseDouble(node.textValue()) : null;
            } else if (type instanceof FloatType) {
                return node.isNumber() ? (Object) node.floatValue() : node.isTextual() ? Float.parseFloat(node.textValue()) : null;
            } else if (type instanceof BooleanType) {
                return node.isBoolean() ? node.booleanValue() : null;
            } else if (type instanceof DecimalType d) {
                if (!node.isNumber() && !node.isTextual()) {
                    return null;
                }
                Decimal dec = Decimal.apply(node.isNumber() ? node.decimalValue() : new java.math.BigDecimal(node.textValue()));
                return dec.changePrecision(d.precision(), d.scale()) ? dec : null;
            } else if (type instanceof TimestampType) {
                if (node.isNumber()) {
                    return (long) (node.doubleValue() * 1_000_000L);
                }
                return node.isTextual() ? micros(node.textValue()) : null;
            } else if (type instanceof DateType) {
                return node.isTextual() ? (Object) (int) LocalDate.parse(node.textValue().substring(0,
                        Math.min(10, node.textValue().length()))).toEpochDay() : null;
            } else if (type instanceof BinaryType) {
                return node.isTextual() ? Base64.getDecoder().decode(node.textValue()) : null;
            } else if (type instanceof StructType s) {
                return node.isObject() ? struct(node, s) : null;
            } else if (type instanceof ArrayType a) {
                if (!node.isArray()) {
                    return null;
                }
                Object[] items = new Object[node.size()];
                for (int i = 0; i < items.length; i++) {
                    JsonNode item = node.get(i);
                    items[i] = item.isNull() ? null : convert(item, a.elementType());
                }
                return new GenericArrayData(items);
            } else if (type instanceof MapType m && m.keyType() instanceof StringType) {
                if (!node.isObject()) {
                    return null;
                }
                List<Object> keys = new ArrayList<>();
                List<Object> vals = new ArrayList<>();
                for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
                    Map.Entry<String, JsonNode> e = it.next();
                    keys.add(UTF8String.fromString(e.getKey()));
                    vals.add(e.getValue().isNull() ? null : convert(e.getValue(), m.valueType()));
                }
                return new ArrayBasedMapData(new GenericArrayData(keys.toArray()), new GenericArrayData(vals.toArray()));
            }
        } catch (RuntimeException e) {
            return null; // permissive: a value that does not fit its column is null
        }
        return null;
    }

    private static Long micros(String text) {
        Instant instant;
        try {
            instant = OffsetDateTime.parse(text).toInstant();
        } catch (RuntimeException e) {
            try {
                instant = Instant.parse(text);
            } catch (RuntimeException e2) {
                instant = LocalDateTime.parse(text.replace(' ', 'T')).toInstant(ZoneOffset.UTC);
            }
        }
        return instant.getEpochSecond() * 1_000_000L + instant.getNano() / 1000;
    }
}
