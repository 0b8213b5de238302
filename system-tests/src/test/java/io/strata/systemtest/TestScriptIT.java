package io.strata.systemtest;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import io.strata.systemtest.support.ProcessRunner;
import io.strata.systemtest.support.ToolResult;
import org.junit.jupiter.api.Test;

/** {@code bin/test}, the documented way to run the tests: asking it for help installs and builds nothing. */
class TestScriptIT {

    @Test
    void helpPrintsTheUsageAtOnceWithoutInstallingOrStartingMaven() {
        Path root = Paths.get(System.getProperty("strata.repo.root", "..")).toAbsolutePath().normalize();
        for (String flag : List.of("--help", "-h")) {
            ToolResult help = ProcessRunner.run(List.of("bash", root.resolve("bin/test").toString(), flag), Map.of(),
                    root, null, Duration.ofSeconds(30)).assertSuccess();
            assertThat(help.stdout()).startsWith("Usage: bin/test")
                    .contains("bin/test -pl system-tests -am -Dit.test=KcatIT")
                    .contains("35-40 minutes");
            assertThat(help.stdout() + help.stderr()).doesNotContain("install-test-tools:")
                    .doesNotContainIgnoringCase("usage: mvn");
            assertThat(help.elapsed()).isLessThan(Duration.ofSeconds(10));
        }
    }
}
