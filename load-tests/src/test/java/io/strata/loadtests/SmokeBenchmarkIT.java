package io.strata.loadtests;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import picocli.CommandLine;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Runs the benchmark harness in smoke mode (tiny counts) against both systems, as single nodes and as three-node
 * clusters, and with many partitions, and checks that the report has numbers for every workload from every system it applies to (Strata-only
 * rows, such as HTTP ingest, from Strata), so that the harness cannot rot unnoticed.
 */
class SmokeBenchmarkIT {

    @Test
    // about 2 minutes more for the cluster variant (three nodes of each system start and stop) and 2 for the
    // partitions variant (a node of each holds 1,000 partitions and restarts)
    @Timeout(value = 11, unit = TimeUnit.MINUTES)
    void smokeRunReportsNumbersForBothSystemsForEveryWorkload() throws Exception {
        Path repoRoot = Path.of(System.getProperty("strata.repo.root", "..")).toAbsolutePath().normalize();
        Path jar = Path.of(System.getProperty("strata.node.jar",
                repoRoot.resolve("ingest/target/quarkus-app/quarkus-run.jar").toString()));
        String systems = System.getProperty("bench.systems", "kafka,strata");
        Path out = Path.of("target", "smoke-results").toAbsolutePath();

        Benchmark benchmark = new Benchmark();
        int exit = new CommandLine(benchmark).execute("--mode", "smoke", "--repo-root", repoRoot.toString(),
                "--strata-jar", jar.toString(), "--results-dir", out.toString(), "--systems", systems,
                "--node-start-timeout-s", "60");
        assertThat(exit).isZero();

        Path dir = benchmark.reportDir();
        assertThat(dir.resolve("report.md")).isRegularFile();
        assertThat(dir.resolve("report.json")).isRegularFile();
        assertThat(dir.resolve("throughput.png")).isRegularFile();
        assertThat(dir.resolve("latency.png")).isRegularFile();

        JsonNode report = new ObjectMapper().readTree(dir.resolve("report.json").toFile());
        List<String> problems = new ArrayList<>();
        for (JsonNode f : report.get("failures")) {
            problems.add(f.get("system").asText() + " " + f.get("variant").asText() + " " + f.get("workload").asText()
                    + ": " + f.get("message").asText());
        }
        assertThat(problems).as("workload failures").isEmpty();

        JsonNode rows = report.get("results");
        assertThat(rows.size()).isGreaterThanOrEqualTo(20);
        List<String> workloads = new ArrayList<>();
        for (JsonNode row : rows) {
            String what = row.get("variant").asText() + "/" + row.get("workload").asText() + "/" + row.get("metric").asText();
            workloads.add(row.get("workload").asText());
            List<String> measuredOn = new ArrayList<>();
            row.get("systems").forEach(sys -> measuredOn.add(sys.asText()));
            for (String system : systems.split(",")) {
                if (!measuredOn.contains(system)) {
                    assertThat(row.get(system).get("samples").size()).as(system + " samples of " + what).isZero();
                    continue;
                }
                JsonNode median = row.get(system).get("median");
                assertThat(median.isNumber()).as(system + " median of " + what).isTrue();
                if (row.get("informational").asBoolean()) {
                    assertThat(median.asDouble()).as(system + " median of " + what).isGreaterThanOrEqualTo(0.0);
                } else {
                    assertThat(median.asDouble()).as(system + " median of " + what).isGreaterThan(0.0);
                }
            }
            if (systems.contains("kafka") && systems.contains("strata") && !row.get("informational").asBoolean()
                    && measuredOn.contains("kafka")) {
                assertThat(row.get("ratioStrataToKafka").isNumber()).as("ratio of " + what).isTrue();
            }
        }
        assertThat(workloads).contains("node", "produce-1k-acks1", "produce-1k-acksall", "produce-100b-acks1",
                "produce-100b-acksall", "consume-1k", "consume-100b", "latency-1k", "ingest-ndjson",
                "produce-1k-acksall-rf3", "consume-wide", "hold-many");
        assertThat(report.get("limits").get("loopback-tcp").get("median").asDouble()).isGreaterThan(0.0);
        assertThat(report.get("limits").get("disk-write-then-sync").get("median").asDouble()).isGreaterThan(0.0);

        String md = Files.readString(dir.resolve("report.md"));
        assertThat(md).contains("## Physical limits", "## Results: `default`", "## Results: `flush-every-batch`",
                "## Results: `cluster`", "## Results: `partitions`");
    }
}
