package io.strata.loadtests.report;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A before/after table of two runs' {@code report.json}: for every metric of the later run, the Strata/Kafka ratio of
 * its medians in each run. Two runs on a shared machine differ in their absolute numbers; the ratio, measured with
 * both systems alternating in the same run, is what can be compared across runs.
 *
 * <p>Several earlier runs may be given, newest first: a metric's "before" is that of the first of them that measured it
 * (e.g. a full run and a later run of one variant).
 *
 * <p>Standalone: {@code BeforeAfter <out.md> <after report.json> <before report.json>...}.
 */
public final class BeforeAfter {

    private BeforeAfter() {
    }

    public static void main(String[] args) throws IOException {
        if (args.length < 3) {
            System.err.println("usage: BeforeAfter <out.md> <after report.json> <before report.json>...");
            System.exit(2);
        }
        write(Arrays.stream(args, 2, args.length).map(Path::of).toList(), Path.of(args[1]), Path.of(args[0]));
    }

    public static void write(List<Path> beforeJsons, Path afterJson, Path out) throws IOException {
        ObjectMapper json = new ObjectMapper();
        JsonNode after = json.readTree(afterJson.toFile());
        Map<String, JsonNode> beforeRows = new LinkedHashMap<>();
        Map<String, String> beforeRun = new LinkedHashMap<>();
        StringBuilder md = new StringBuilder();
        md.append("# Before / after: Strata/Kafka ratios\n\n");
        for (Path beforeJson : beforeJsons) {
            JsonNode before = json.readTree(beforeJson.toFile());
            String run = before.path("timestamp").asText();
            for (JsonNode r : before.get("results")) {
                if (!Double.isNaN(ratio(r)) && beforeRows.putIfAbsent(key(r), r) == null) {
                    beforeRun.put(key(r), run);
                }
            }
            md.append("- **before**: run ").append(run).append(", ")
                    .append(before.path("settings").path("strata build").asText("build not recorded")).append('\n');
        }
        md.append("- **after**: run ").append(after.path("timestamp").asText()).append(", ")
                .append(after.path("settings").path("strata build").asText("build not recorded")).append("\n\n");
        md.append("Each ratio is Strata's median over Kafka's in the same run (both systems alternating), which is "
                + "what two runs on a shared machine can be compared by; the absolute numbers are in each run's "
                + "report. A dash: the metric was not measured in that run.\n\n");
        md.append("| variant | workload | metric | better when | before | before run | after | after/before |\n");
        md.append("|---|---|---|---|---:|---|---:|---:|\n");
        for (JsonNode r : after.get("results")) {
            double now = ratio(r);
            if (Double.isNaN(now)) {
                continue;
            }
            JsonNode earlier = beforeRows.get(key(r));
            double then = earlier == null ? Double.NaN : ratio(earlier);
            md.append("| ").append(r.get("variant").asText()).append(" | ").append(r.get("title").asText())
                    .append(" | ").append(r.get("metric").asText()).append(" (").append(r.get("unit").asText())
                    .append(") | ").append(r.get("higherIsBetter").asBoolean() ? "higher" : "lower").append(" | ")
                    .append(fmt(then)).append(" | ").append(beforeRun.getOrDefault(key(r), "")).append(" | ")
                    .append(fmt(now)).append(" | ")
                    .append(Double.isNaN(then) ? "—" : fmt(now / then)).append(" |\n");
        }
        Files.writeString(out, md);
    }

    private static String key(JsonNode row) {
        return row.get("variant").asText() + "/" + row.get("workload").asText() + "/" + row.get("metric").asText();
    }

    /** Strata/Kafka; for a Strata-only ratio (HTTP NDJSON / Kafka produce on the same node) Strata's median. */
    private static double ratio(JsonNode row) {
        if ("ratio".equals(row.path("unit").asText())) {
            JsonNode median = row.path("strata").path("median");
            return median.isNumber() ? median.asDouble() : Double.NaN;
        }
        JsonNode r = row.get("ratioStrataToKafka");
        return r != null && r.isNumber() ? r.asDouble() : Double.NaN;
    }

    private static String fmt(double v) {
        return Double.isNaN(v) ? "—" : String.format(Locale.ROOT, "%.2f", v);
    }
}
