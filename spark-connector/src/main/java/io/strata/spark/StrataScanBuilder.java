package io.strata.spark;

import org.apache.spark.sql.connector.read.Scan;
import org.apache.spark.sql.connector.read.ScanBuilder;
import org.apache.spark.sql.connector.read.SupportsPushDownFilters;
import org.apache.spark.sql.connector.read.SupportsPushDownRequiredColumns;
import org.apache.spark.sql.sources.Filter;
import org.apache.spark.sql.types.StructType;

import java.util.ArrayList;
import java.util.List;

/**
 * Builds a {@link StrataScan}, taking filters on {@code partition}, {@code offset} and {@code timestamp} for
 * pruning, and the columns the query needs (the others are not produced, so e.g. {@code select("offset")} copies
 * no key or value). Every filter is also handed back to Spark to evaluate on the rows (the pruning bounds are
 * conservative), so the columns filters refer to stay among the required ones. Not thread-safe (Spark uses a
 * builder once, on one thread).
 */
final class StrataScanBuilder implements ScanBuilder, SupportsPushDownFilters, SupportsPushDownRequiredColumns {

    private final SourceOptions options;
    private final RowSchema rows;
    private RowSchema produced;
    private Filter[] pushed = new Filter[0];
    private ScanFilters filters = ScanFilters.NONE;

    StrataScanBuilder(SourceOptions options, RowSchema rows) {
        this.options = options;
        this.rows = rows;
        this.produced = rows;
    }

    @Override
    public Filter[] pushFilters(Filter[] candidates) {
        List<Filter> used = new ArrayList<>();
        filters = ScanFilters.from(candidates, rows.partitionColumn(), rows.offsetColumn(), rows.timestampColumn(), used);
        pushed = used.toArray(new Filter[0]);
        return candidates;
    }

    @Override
    public Filter[] pushedFilters() {
        return pushed;
    }

    @Override
    public void pruneColumns(StructType requiredSchema) {
        produced = rows.prune(requiredSchema);
    }

    @Override
    public Scan build() {
        return new StrataScan(options, produced, filters, pushed);
    }
}
