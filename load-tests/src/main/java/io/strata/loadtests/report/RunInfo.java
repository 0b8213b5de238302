package io.strata.loadtests.report;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** What a report says about the run besides the numbers. */
public record RunInfo(String timestamp, String mode, int repetitions, double elapsedSeconds,
                      Map<String, String> machine, Map<String, Object> settings,
                      Map<String, String> variants, List<String> workloads, List<String> notes) {

    public Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("timestamp", timestamp);
        m.put("mode", mode);
        m.put("repetitions", repetitions);
        m.put("elapsedSeconds", elapsedSeconds);
        m.put("machine", machine);
        m.put("settings", settings);
        m.put("variants", variants);
        m.put("workloads", workloads);
        m.put("notes", notes);
        return m;
    }
}
