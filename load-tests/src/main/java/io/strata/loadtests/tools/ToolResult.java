package io.strata.loadtests.tools;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.util.Map;

/** The one line a harness tool prints for the harness to parse: {@code RESULT {json}}. */
public final class ToolResult {
    public static final String PREFIX = "RESULT ";
    private static final ObjectMapper JSON = new ObjectMapper();

    private ToolResult() {
    }

    public static void print(Map<String, ?> values) {
        try {
            System.out.println(PREFIX + JSON.writeValueAsString(values));
            System.out.flush();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** The last RESULT line of a tool's output, or null. */
    public static JsonNode parse(String output) {
        JsonNode last = null;
        for (String line : output.lines().toList()) {
            if (line.startsWith(PREFIX)) {
                try {
                    last = JSON.readTree(line.substring(PREFIX.length()));
                } catch (Exception e) {
                    // keep looking
                }
            }
        }
        return last;
    }
}
