package io.strata.spark;

import org.apache.spark.sql.connector.catalog.SupportsRead;
import org.apache.spark.sql.connector.catalog.TableCapability;
import org.apache.spark.sql.connector.read.ScanBuilder;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.sql.util.CaseInsensitiveStringMap;

import java.util.EnumSet;
import java.util.Set;

/** The topics an option set selects, readable as a batch or a micro-batch stream. Immutable. */
final class StrataTable implements SupportsRead {

    private final RowSchema rows;

    StrataTable(RowSchema rows) {
        this.rows = rows;
    }

    @Override
    public String name() {
        return "strata";
    }

    @Override
    public StructType schema() {
        return rows.schema();
    }

    @Override
    public Set<TableCapability> capabilities() {
        return EnumSet.of(TableCapability.BATCH_READ, TableCapability.MICRO_BATCH_READ);
    }

    @Override
    public ScanBuilder newScanBuilder(CaseInsensitiveStringMap options) {
        return new StrataScanBuilder(new SourceOptions(options), rows);
    }
}
