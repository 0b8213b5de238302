package io.strata.loadtests;

import io.strata.loadtests.moves.MoveBenchmark;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The partition move benchmark in its smallest form (2 and 8 MiB), so that it cannot rot: both systems complete every
 * move, and Strata's new replica copies less than the partition holds (only the untiered tail).
 */
class SmokeMoveBenchmarkIT {

    @TempDir
    Path work;

    @Test
    @Timeout(value = 6, unit = TimeUnit.MINUTES)
    void everyMoveCompletesAndStrataCopiesOnlyTheTail() throws Exception {
        Path repoRoot = Path.of(System.getProperty("strata.repo.root", "..")).toAbsolutePath().normalize();
        List<String[]> rows = MoveBenchmark.run(repoRoot, List.of(2, 8), work);

        assertThat(rows).extracting(r -> r[0] + " " + r[1])
                .containsExactly("strata 2", "strata 8", "kafka 2", "kafka 8");
        for (String[] row : rows) {
            assertThat(Double.parseDouble(row[2])).as("move seconds of " + String.join(" ", row)).isPositive();
        }
        String[] strata8 = rows.get(1);
        assertThat(Double.parseDouble(strata8[3])).as("MiB copied by Strata's new replica of an 8 MiB partition")
                .isLessThan(8.0);
    }
}
