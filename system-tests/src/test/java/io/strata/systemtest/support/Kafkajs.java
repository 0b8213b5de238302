package io.strata.systemtest.support;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/** Runs the node.js scripts under {@code system-tests/src/test/js} that drive kafkajs. */
public final class Kafkajs {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Marks the line of a script's stdout that carries its JSON result. */
    private static final String RESULT_PREFIX = "RESULT ";

    private Kafkajs() {
    }

    public static ToolResult run(String script, Duration timeout, String... args) {
        Path dir = jsDir();
        if (!Files.isDirectory(dir.resolve("node_modules").resolve("kafkajs"))) {
            throw new AssertionError("kafkajs is not installed in " + dir + ": run bin/install-test-tools (npm ci)");
        }
        List<String> command = new ArrayList<>(List.of("node", dir.resolve(script).toString()));
        command.addAll(Arrays.asList(args));
        return ProcessRunner.run(command, Map.of(), dir, null, timeout);
    }

    /** The JSON a script printed on its {@code RESULT} line. */
    public static JsonNode result(ToolResult run) {
        String line = run.stdoutLines().stream().filter(l -> l.startsWith(RESULT_PREFIX)).reduce((a, b) -> b)
                .orElseThrow(() -> new AssertionError("no RESULT line in output of " + run.describe()));
        try {
            return JSON.readTree(line.substring(RESULT_PREFIX.length()));
        } catch (Exception e) {
            throw new AssertionError("bad RESULT json in " + run.describe(), e);
        }
    }

    static Path jsDir() {
        String root = System.getProperty("strata.repo.root");
        Path base = root != null ? Paths.get(root, "system-tests") : Paths.get("");
        return base.resolve("src").resolve("test").resolve("js").toAbsolutePath().normalize();
    }
}
