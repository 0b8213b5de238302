package io.strata.spark;

import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.sql.util.CaseInsensitiveStringMap;

import java.io.Serializable;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The options of {@code spark.read.format("strata")} (and {@code readStream}), parsed and checked once on the
 * driver. Names and meanings follow Spark's Kafka source where they mean the same (see the module README for
 * the table). Store settings fall back to Hadoop's S3A properties of the Spark configuration
 * ({@code fs.s3a.endpoint}, {@code fs.s3a.access.key}, {@code fs.s3a.secret.key}, {@code fs.s3a.endpoint.region},
 * {@code fs.s3a.path.style.access}) when not given. Immutable.
 */
public final class SourceOptions implements Serializable {

    /** Which partitions to read: exactly one of the three Kafka-style options. */
    public sealed interface Selection extends Serializable permits Subscribe, SubscribePattern, Assign {
    }

    public record Subscribe(List<String> topics) implements Selection {
    }

    public record SubscribePattern(String regex) implements Selection {
        public Pattern pattern() {
            return Pattern.compile(regex);
        }
    }

    /** Fixed partitions, {@code {"topic":[0,1]}}. */
    public record Assign(Map<String, List<Integer>> partitions) implements Selection {
    }

    public enum ValueFormat { BINARY, JSON }

    private final StoreSettings store;
    private final Selection selection;
    private final String startingOffsets;
    private final String endingOffsets;
    private final Long startingTimestamp;
    private final Long endingTimestamp;
    private final int minPartitions;
    private final long maxBytesPerPartition;
    private final boolean failOnDataLoss;
    private final boolean includeHeaders;
    private final Long maxOffsetsPerTrigger;
    private final int readChunkBytes;
    private final ValueFormat valueFormat;
    private final String valueSchema;
    private final int valueSampleRecords;

    public SourceOptions(CaseInsensitiveStringMap options) {
        Optional<SparkSession> spark = SparkSession.getActiveSession().isDefined()
                ? Optional.of(SparkSession.getActiveSession().get()) : Optional.empty();
        String endpoint = option(options, spark, "endpoint", "fs.s3a.endpoint");
        this.store = new StoreSettings(endpoint,
                option(options, spark, "region", "fs.s3a.endpoint.region"),
                options.get("bucket"),
                options.getOrDefault("prefix", ""),
                Boolean.parseBoolean(Optional.ofNullable(option(options, spark, "pathStyle", "fs.s3a.path.style.access"))
                        .orElse(Boolean.toString(endpoint != null))),
                option(options, spark, "accessKey", "fs.s3a.access.key"),
                option(options, spark, "secretKey", "fs.s3a.secret.key"));
        this.selection = selection(options);
        this.startingOffsets = options.get("startingOffsets");
        this.endingOffsets = options.get("endingOffsets");
        this.startingTimestamp = longOption(options, "startingTimestamp");
        this.endingTimestamp = longOption(options, "endingTimestamp");
        this.minPartitions = Optional.ofNullable(longOption(options, "minPartitions")).map(Long::intValue).orElse(0);
        this.maxBytesPerPartition = Optional.ofNullable(longOption(options, "maxBytesPerPartition"))
                .orElse(128L * 1024 * 1024);
        this.failOnDataLoss = options.getBoolean("failOnDataLoss", true);
        this.includeHeaders = options.getBoolean("includeHeaders", false);
        this.maxOffsetsPerTrigger = longOption(options, "maxOffsetsPerTrigger");
        this.readChunkBytes = Optional.ofNullable(longOption(options, "readChunkBytes")).map(Long::intValue)
                .orElse(4 * 1024 * 1024);
        this.valueFormat = switch (options.getOrDefault("valueFormat", "binary").toLowerCase(Locale.ROOT)) {
            case "binary" -> ValueFormat.BINARY;
            case "json" -> ValueFormat.JSON;
            default -> throw new IllegalArgumentException("valueFormat must be 'binary' or 'json', got "
                    + options.get("valueFormat"));
        };
        this.valueSchema = options.get("valueSchema");
        this.valueSampleRecords = Optional.ofNullable(longOption(options, "valueSampleRecords")).map(Long::intValue)
                .orElse(1000);
        if (startingOffsets != null && startingTimestamp != null) {
            throw new IllegalArgumentException("give only one of startingOffsets and startingTimestamp");
        }
        if (endingOffsets != null && endingTimestamp != null) {
            throw new IllegalArgumentException("give only one of endingOffsets and endingTimestamp");
        }
        if (maxBytesPerPartition < 1024 * 1024) {
            throw new IllegalArgumentException("maxBytesPerPartition must be at least 1 MiB");
        }
        if (readChunkBytes < 64 * 1024) {
            throw new IllegalArgumentException("readChunkBytes must be at least 64 KiB");
        }
        if (maxOffsetsPerTrigger != null && maxOffsetsPerTrigger < 1) {
            throw new IllegalArgumentException("maxOffsetsPerTrigger must be positive");
        }
        if (valueSchema != null) {
            valueStructType(); // fail early on a bad DDL string
        }
    }

    private static String option(CaseInsensitiveStringMap options, Optional<SparkSession> spark, String name,
                                 String hadoopName) {
        String v = options.get(name);
        if (v != null && !v.isBlank()) {
            return v;
        }
        if (spark.isEmpty()) {
            return null;
        }
        String fromHadoop = spark.get().sparkContext().hadoopConfiguration().get(hadoopName);
        return fromHadoop == null || fromHadoop.isBlank() ? null : fromHadoop.trim();
    }

    private static Long longOption(CaseInsensitiveStringMap options, String name) {
        String v = options.get(name);
        if (v == null || v.isBlank()) {
            return null;
        }
        try {
            return Long.parseLong(v.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("option '" + name + "' must be a number, got " + v);
        }
    }

    private static Selection selection(CaseInsensitiveStringMap options) {
        String subscribe = options.get("subscribe");
        String pattern = options.get("subscribePattern");
        String assign = options.get("assign");
        int given = (subscribe != null ? 1 : 0) + (pattern != null ? 1 : 0) + (assign != null ? 1 : 0);
        if (given != 1) {
            throw new IllegalArgumentException("give exactly one of 'subscribe', 'subscribePattern' or 'assign'");
        }
        if (subscribe != null) {
            List<String> topics = Arrays.stream(subscribe.split(",")).map(String::trim).filter(t -> !t.isEmpty()).toList();
            if (topics.isEmpty()) {
                throw new IllegalArgumentException("'subscribe' names no topic");
            }
            return new Subscribe(topics);
        }
        if (pattern != null) {
            Pattern.compile(pattern);
            return new SubscribePattern(pattern);
        }
        try {
            Map<String, List<Integer>> parsed = new com.fasterxml.jackson.databind.ObjectMapper().readValue(assign,
                    new com.fasterxml.jackson.core.type.TypeReference<Map<String, List<Integer>>>() { });
            return new Assign(new java.util.TreeMap<>(parsed));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalArgumentException("'assign' must be JSON like {\"topic\":[0,1]}, got: " + assign, e);
        }
    }

    public StoreSettings store() {
        return store;
    }

    public Selection selection() {
        return selection;
    }

    /** "earliest", "latest", JSON, or null when not given. */
    public String startingOffsets() {
        return startingOffsets;
    }

    public String endingOffsets() {
        return endingOffsets;
    }

    public Long startingTimestamp() {
        return startingTimestamp;
    }

    public Long endingTimestamp() {
        return endingTimestamp;
    }

    public int minPartitions() {
        return minPartitions;
    }

    public long maxBytesPerPartition() {
        return maxBytesPerPartition;
    }

    public boolean failOnDataLoss() {
        return failOnDataLoss;
    }

    public boolean includeHeaders() {
        return includeHeaders;
    }

    public Optional<Long> maxOffsetsPerTrigger() {
        return Optional.ofNullable(maxOffsetsPerTrigger);
    }

    public int readChunkBytes() {
        return readChunkBytes;
    }

    public ValueFormat valueFormat() {
        return valueFormat;
    }

    public int valueSampleRecords() {
        return valueSampleRecords;
    }

    /** The value schema given as a DDL string, if any. */
    public Optional<StructType> valueStructType() {
        if (valueSchema == null) {
            return Optional.empty();
        }
        DataType parsed = DataType.fromDDL(valueSchema);
        if (!(parsed instanceof StructType struct)) {
            throw new IllegalArgumentException("valueSchema must be a list of fields, got " + valueSchema);
        }
        return Optional.of(struct);
    }
}
