package io.strata.systemtest.support;

import java.time.Duration;
import java.util.List;

/** Outcome of one child process run by a test: exit code and everything it printed. */
public record ToolResult(List<String> command, int exitCode, String stdout, String stderr, boolean timedOut,
                         Duration elapsed) {

    /** Fails with the full output unless the process exited 0 within its timeout. */
    public ToolResult assertSuccess() {
        if (timedOut || exitCode != 0) {
            throw new AssertionError("command failed: " + describe());
        }
        return this;
    }

    public List<String> stdoutLines() {
        return stdout.lines().toList();
    }

    public String describe() {
        return String.join(" ", command)
                + "\n  " + (timedOut ? "TIMED OUT after " + elapsed.toMillis() + " ms (killed)" : "exit code " + exitCode)
                + "\n  --- stdout ---\n" + indent(stdout)
                + "\n  --- stderr ---\n" + indent(stderr);
    }

    @Override
    public String toString() {
        return describe();
    }

    private static String indent(String text) {
        String trimmed = text.length() > 20_000 ? "...\n" + text.substring(text.length() - 20_000) : text;
        return trimmed.lines().map(l -> "  " + l).reduce((a, b) -> a + "\n" + b).orElse("  <empty>");
    }
}
