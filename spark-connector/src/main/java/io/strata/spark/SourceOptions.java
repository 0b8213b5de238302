package io.strata.spark;

import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.sql.util.CaseInsensitiveStringMap;

import java.io.Serializable;
import java.util.Locale;
import java.util.Optional;

/**
 * The options of {@code spark.read.format("strata")} (and {@code readStream}), parsed and checked once on the
 * driver. Names and meanings follow Spark's Kafka source where they mean the same (see the module README for
 * the table). Store settings fall back to Hadoop's S3A properties of the Spark configuration
 * ({@code fs.s3a.endpoint}, {@code fs.s3a.access.key}, {@code fs.s3a.secret.key}, {@code fs.s3a.endpoint.region},
 * {@code fs.s3a.path.style.access}) when not given. Immutable.
 */
public final class SourceOptions implements Serializable {

    public enum ValueFormat { BINARY, JSON }

    private final StoreSettings store;
    private final TopicSelection selection;
    private final TopicIds topicIds; // null: list the top level
    private final ReadRange range;
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
        this.store = SourceConfig.store(options::get, name -> spark.map(session ->
                session.sparkContext().hadoopConfiguration().get(name)).orElse(null));
        this.selection = SourceConfig.selection(options::get);
        this.topicIds = SourceConfig.topicIds(options::get).orElse(null);
        this.range = SourceConfig.range(options::get);
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

    public StoreSettings store() {
        return store;
    }

    public TopicSelection selection() {
        return selection;
    }

    /** The topics' ids, when given: planning reads manifests only, without listing the bucket. */
    public Optional<TopicIds> topicIds() {
        return Optional.ofNullable(topicIds);
    }

    public ReadRange range() {
        return range;
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
