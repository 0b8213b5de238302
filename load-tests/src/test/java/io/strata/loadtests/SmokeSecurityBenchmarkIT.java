package io.strata.loadtests;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.strata.loadtests.security.SecurityBenchmark;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The security benchmark in its smallest form (5,000 records, one repetition, one consume pass), so that it cannot
 * rot: both systems start with a PLAINTEXT and a SASL_SSL listener, the SCRAM user authenticates, and the report has
 * throughput and broker CPU for both systems over both protocols, with the SASL_SSL/PLAINTEXT and Strata/Kafka
 * ratios.
 */
class SmokeSecurityBenchmarkIT {

    @TempDir
    Path work;

    @Test
    // about a minute on a quiet 2-core machine (two node starts, four client tool JVMs per system); 4 minutes
    // when other work keeps the cores busy
    @Timeout(value = 8, unit = TimeUnit.MINUTES)
    void reportHasNumbersForBothSystemsOverBothProtocols() throws Exception {
        Path repoRoot = Path.of(System.getProperty("strata.repo.root", "..")).toAbsolutePath().normalize();
        Path dir = SecurityBenchmark.run(SecurityBenchmark.Options.smoke(repoRoot, work));

        assertThat(Files.readString(dir.resolve("report.md"))).contains("## Cost of security (SASL_SSL / PLAINTEXT)");
        JsonNode report = new ObjectMapper().readTree(dir.resolve("report.json").toFile());
        List<String> failures = new ArrayList<>();
        report.get("failures").forEach(f -> failures.add(f.toString()));
        assertThat(failures).as("failures").isEmpty();

        List<String> seen = new ArrayList<>();
        for (JsonNode row : report.get("results")) {
            String what = row.get("workload").asText() + " " + row.get("protocol").asText() + " "
                    + row.get("metric").asText();
            seen.add(what);
            for (String system : List.of("kafka", "strata")) {
                assertThat(row.get(system).get("median").asDouble(-1)).as(system + " " + what).isPositive();
            }
            assertThat(row.get("ratioStrataToKafka").asDouble(-1)).as("Strata/Kafka of " + what).isPositive();
        }
        assertThat(seen).contains("produce PLAINTEXT throughput", "produce SASL_SSL throughput",
                "consume PLAINTEXT throughput", "consume SASL_SSL throughput",
                "produce SASL_SSL broker-cpu-per-gib", "consume SASL_SSL broker-cpu-per-gib");
        for (JsonNode row : report.get("securedToPlaintext")) {
            assertThat(row.get("ratioOfMedians").asDouble(-1))
                    .as("SASL_SSL/PLAINTEXT of " + row.get("system").asText() + " " + row.get("workload").asText()
                            + " " + row.get("metric").asText()).isPositive();
        }
        for (JsonNode run : report.get("nodeRuns")) {
            assertThat(run.get("tls").asText()).as("TLS session of " + run.get("system").asText()).startsWith("TLSv1.");
        }
        assertThat(report.get("nodeRuns")).hasSize(2);
    }
}
