package io.strata.systemtest.support;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/** Runs kcat (librdkafka's command-line client). */
public final class Kcat {
    private Kcat() {
    }

    public static ToolResult run(String stdin, Duration timeout, String... args) {
        List<String> command = new ArrayList<>();
        command.add(executable());
        command.addAll(Arrays.asList(args));
        return ProcessRunner.run(command, Map.of(), null, stdin, timeout);
    }

    static String executable() {
        for (String name : List.of("kcat", "kafkacat")) {
            for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(":")) {
                Path candidate = Paths.get(dir, name);
                if (Files.isExecutable(candidate)) {
                    return candidate.toString();
                }
            }
        }
        throw new AssertionError("kcat is not installed: run bin/install-test-tools (apt-get install kcat)");
    }
}
