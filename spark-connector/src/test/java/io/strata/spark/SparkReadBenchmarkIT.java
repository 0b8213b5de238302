package io.strata.spark;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@link SparkReadBenchmark} at its smallest (8 MiB, 1 MiB segments, one read of each source), so that it cannot
 * rot: both sources read every record of the sealed segments with the same totals, each has a time and a rate, the
 * direct read fetched the segments from the store itself, and both reports are written.
 */
class SparkReadBenchmarkIT {

    @Test
    @Timeout(value = 3, unit = TimeUnit.MINUTES)
    void bothSourcesReadTheSameRecordsAndReportTheirNumbers() throws Exception {
        Path out = Files.createTempDirectory(Files.createDirectories(Paths.get("target")), "spark-bench");
        SparkReadBenchmark.Result result = SparkReadBenchmark.run(SparkReadBenchmark.Settings.smoke(out));

        assertThat(result.tieredRecords()).as("records in sealed, uploaded segments").isGreaterThan(2000);
        for (String source : List.of(SparkReadBenchmark.DIRECT, SparkReadBenchmark.KAFKA)) {
            List<SparkReadBenchmark.Read> reads = result.of(source);
            assertThat(reads).as(source).hasSize(1);
            SparkReadBenchmark.Read read = reads.get(0);
            assertThat(read.records()).as(source).isEqualTo(result.tieredRecords());
            assertThat(read.valueBytes()).as(source).isEqualTo(result.tieredRecords() * 1024);
            assertThat(read.mibPerSecond()).as(source).isPositive();
            assertThat(read.recordsPerSecond()).as(source).isPositive();
            assertThat(read.nodeCpuSeconds()).as(source).isGreaterThanOrEqualTo(0);
        }
        SparkReadBenchmark.Read direct = result.of(SparkReadBenchmark.DIRECT).get(0);
        assertThat(direct.sparkGetBytes()).as("segment bytes Spark fetched from the store")
                .isGreaterThanOrEqualTo(result.tieredLogBytes());
        assertThat(result.of(SparkReadBenchmark.KAFKA).get(0).sparkGetBytes()).as("the Kafka source never reads the store")
                .isZero();
        assertThat(Files.readString(out.resolve("spark-read.md"))).contains(SparkReadBenchmark.DIRECT)
                .contains(SparkReadBenchmark.KAFKA).contains("node CPU");
        assertThat(out.resolve("spark-read.json")).isNotEmptyFile();
    }
}
