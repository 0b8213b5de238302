package io.strata.spark;

import org.apache.kafka.common.TopicPartition;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.connector.catalog.Table;
import org.apache.spark.sql.connector.catalog.TableProvider;
import org.apache.spark.sql.connector.expressions.Transform;
import org.apache.spark.sql.sources.DataSourceRegister;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.sql.util.CaseInsensitiveStringMap;
import org.apache.kafka.common.utils.Utils;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * {@code spark.read.format("strata")} / {@code spark.readStream.format("strata")}: Strata topics read straight
 * from the object store the cluster tiers to, without a broker (registered by its short name through
 * {@code META-INF/services/org.apache.spark.sql.sources.DataSourceRegister}).
 *
 * <p>The schema is fixed ({@link RowSchema}) except with {@code valueFormat=json}: then the value's fields are
 * columns, from {@code valueSchema} (DDL) or, without it, inferred by Spark's JSON inference from up to
 * {@code valueSampleRecords} values of the first uploaded segments. Stateless.
 */
public final class StrataDataSource implements TableProvider, DataSourceRegister {

    @Override
    public String shortName() {
        return "strata";
    }

    @Override
    public StructType inferSchema(CaseInsensitiveStringMap options) {
        SourceOptions parsed = new SourceOptions(options);
        return rowSchema(parsed, null).schema();
    }

    @Override
    public boolean supportsExternalMetadata() {
        return false;
    }

    @Override
    public Table getTable(StructType schema, Transform[] partitioning, Map<String, String> properties) {
        SourceOptions parsed = new SourceOptions(new CaseInsensitiveStringMap(properties));
        return new StrataTable(rowSchema(parsed, schema));
    }

    /** @param known the schema inferred already for these options (its value fields are reused), or null */
    private static RowSchema rowSchema(SourceOptions options, StructType known) {
        if (options.valueFormat() == SourceOptions.ValueFormat.BINARY) {
            return new RowSchema(null, options.includeHeaders());
        }
        StructType value = options.valueStructType().orElseGet(() -> known != null
                ? valueFieldsOf(known, options.includeHeaders()) : inferValueSchema(options));
        return new RowSchema(value, options.includeHeaders());
    }

    /** The value fields of a schema this source produced (everything before the metadata columns). */
    private static StructType valueFieldsOf(StructType schema, boolean includeHeaders) {
        int metadata = includeHeaders ? 7 : 6;
        StructField[] fields = schema.fields();
        return new StructType(java.util.Arrays.copyOf(fields, fields.length - metadata));
    }

    /** Spark's own JSON schema inference over a sample of values read on the driver. */
    private static StructType inferValueSchema(SourceOptions options) {
        List<PartitionCatalog.PartitionSource> sources = PartitionCatalog.resolve(options.store(), options.selection(),
                options.topicIds());
        SegmentPlanner planner = new SegmentPlanner(options.store());
        Map<TopicPartition, Long> from = planner.startOffsets(sources, options.range(), "earliest");
        Map<TopicPartition, Long> until = planner.endOffsets(sources, options.range());
        SegmentPlanner.Plan plan = planner.plan(sources, from, until, ScanFilters.NONE, options.maxBytesPerPartition(),
                0, false);
        List<String> sample = new ArrayList<>();
        for (SegmentSlice slice : plan.slices()) {
            SliceReader reader = new SliceReader(slice, options.store(), 256 * 1024, false, Long.MIN_VALUE);
            while (sample.size() < options.valueSampleRecords() && reader.next()) {
                if (reader.record().hasValue()) {
                    sample.add(new String(Utils.toArray(reader.record().value()), StandardCharsets.UTF_8));
                }
            }
            if (sample.size() >= options.valueSampleRecords()) {
                break;
            }
        }
        if (sample.isEmpty()) {
            throw new IllegalArgumentException("valueFormat=json without valueSchema needs values to infer the schema "
                    + "from, and the selected partitions have none uploaded: give valueSchema (a DDL string)");
        }
        SparkSession spark = SparkSession.active();
        Dataset<String> values = spark.createDataset(sample, Encoders.STRING());
        return spark.read().json(values).schema();
    }
}
