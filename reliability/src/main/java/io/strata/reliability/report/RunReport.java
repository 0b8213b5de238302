package io.strata.reliability.report;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.strata.reliability.checker.CheckResult;
import io.strata.reliability.checker.HistoryChecker;
import io.strata.reliability.history.History;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The report of a fault-injection run, written into a directory:
 * <ul>
 *   <li>{@value #SUMMARY_MD}: settings, operations, anomalies with examples, the nemesis timeline;</li>
 *   <li>{@value #SUMMARY_JSON}: the same numbers as a {@link Summary}, for {@link #read} (tests, later runs);</li>
 *   <li>{@value #TIMELINE_PNG}: acknowledgements and reads per second with the nemesis intervals shaded.</li>
 * </ul>
 *
 * <p>One history: {@code RunReport.analyze(history, settings).write(dir)} (or the static {@link #write} shortcut)
 * reads the history once, checks it with {@link HistoryChecker} and draws its timeline. Several rounds, each
 * checked on its own history: {@link #combine} writes one table with a row per {@link Round} (no chart; each row
 * can link to its round's own report).
 *
 * <p>Settings are shown in the order of the map given (use a {@link LinkedHashMap}); they should not hold ports or
 * paths, so that reports of different runs compare line by line. A {@code "title"} entry, if present, becomes the
 * heading rather than a row. Instances are immutable.
 *
 * <p>Typical use by a runner:
 * <pre>{@code
 * try (History history = History.create(roundDir.resolve("history.jsonl"))) {
 *     ... workloads and nemeses record into history ...
 * }
 * RunReport.Summary round = RunReport.write(roundDir.resolve("history.jsonl"), settings, roundDir);
 * rounds.add(RunReport.Round.of("round 1", round, "round-1/summary.md"));
 * ...
 * RunReport.Summary all = RunReport.combine(runDir, "Strata, 5 rounds", settings, rounds);
 * }</pre>
 */
public final class RunReport {

    public static final String SUMMARY_MD = "summary.md";
    public static final String SUMMARY_JSON = "summary.json";
    public static final String TIMELINE_PNG = "timeline.png";

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    /**
     * What {@value #SUMMARY_JSON} holds.
     *
     * @param valid    no anomaly (in every round, for a combined report)
     * @param title    the report's heading
     * @param result   the check of the history; null in a combined report
     * @param timeline NEMESIS and PHASE events by time; empty in a combined report
     * @param rounds   a combined report's rounds; empty for one history
     */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Summary(boolean valid, String title, Map<String, String> settings, CheckResult result,
                          List<Timeline.Entry> timeline, List<Round> rounds) {

        public Summary {
            settings = settings == null ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(settings));
            timeline = timeline == null ? List.of() : List.copyOf(timeline);
            rounds = rounds == null ? List.of() : List.copyOf(rounds);
        }
    }

    /**
     * One row of a combined report.
     *
     * @param name    e.g. "round 3"
     * @param nemeses what was injected, e.g. "kill leader of t-0; partition {1} | {2,3}"
     * @param result  the check of the round's history
     * @param report  link to the round's own summary.md, relative to the combined report's directory; may be null
     */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Round(String name, String nemeses, CheckResult result, String report) {

        /** A row from a round's own report: its nemeses are the distinct descriptions of its nemesis starts. */
        public static Round of(String name, Summary roundSummary, String report) {
            Set<String> started = new LinkedHashSet<>();
            for (Timeline.Entry e : roundSummary.timeline()) {
                if (e.kind().equals("start")) {
                    started.add(e.description());
                }
            }
            return new Round(name, started.isEmpty() ? "none" : String.join("; ", started), roundSummary.result(),
                    report);
        }

        public boolean valid() {
            return result.valid();
        }
    }

    private final Summary summary;
    private final Timeline timeline;

    private RunReport(Summary summary, Timeline timeline) {
        this.summary = summary;
        this.timeline = timeline;
    }

    /** Reads and checks a history (one pass, not held in memory), with the default unseen bound. */
    public static RunReport analyze(Path history, Map<String, String> settings) throws IOException {
        return analyze(history, settings, HistoryChecker.DEFAULT_UNSEEN_BOUND);
    }

    /**
     * Reads and checks a history.
     *
     * @param settings    the run's settings, shown as a table
     * @param unseenBound how long after its ACK a value must have been read (see {@link HistoryChecker})
     * @throws io.strata.reliability.history.MalformedHistoryException on a line that is not an event
     */
    public static RunReport analyze(Path history, Map<String, String> settings, Duration unseenBound)
            throws IOException {
        HistoryChecker checker = new HistoryChecker(unseenBound, HistoryChecker.DEFAULT_MAX_EXAMPLES);
        Timeline timeline = new Timeline();
        History.forEach(history, e -> {
            checker.accept(e);
            timeline.accept(e);
        });
        CheckResult result = checker.result();
        String title = settings.getOrDefault("title", "Reliability run");
        Summary summary = new Summary(result.valid(), title, settings, result, timeline.entries(), List.of());
        return new RunReport(summary, timeline);
    }

    /** Shortcut: analyzes the history and writes the report into {@code dir}. */
    public static Summary write(Path history, Map<String, String> settings, Path dir) throws IOException {
        RunReport report = analyze(history, settings);
        report.write(dir);
        return report.summary();
    }

    public Summary summary() {
        return summary;
    }

    public CheckResult result() {
        return summary.result();
    }

    public Timeline timeline() {
        return timeline;
    }

    /** The report as Markdown, without the chart (e.g. for a console). */
    public String markdown() {
        return SummaryMarkdown.render(summary, timeline.nemesisIntervals(), null);
    }

    /** Writes {@value #SUMMARY_MD}, {@value #SUMMARY_JSON} and {@value #TIMELINE_PNG} into {@code dir}. */
    public void write(Path dir) throws IOException {
        Files.createDirectories(dir);
        timeline.writeChart(dir.resolve(TIMELINE_PNG), summary.title() + " — " + (summary.valid() ? "no anomalies"
                : "ANOMALIES"));
        Files.writeString(dir.resolve(SUMMARY_MD),
                SummaryMarkdown.render(summary, timeline.nemesisIntervals(), TIMELINE_PNG), StandardCharsets.UTF_8);
        JSON.writeValue(dir.resolve(SUMMARY_JSON).toFile(), summary);
    }

    /**
     * Writes a report with one row per round ({@value #SUMMARY_MD} and {@value #SUMMARY_JSON}) into {@code dir}.
     *
     * @param settings what all rounds share
     */
    public static Summary combine(Path dir, String title, Map<String, String> settings, List<Round> rounds)
            throws IOException {
        boolean valid = rounds.stream().allMatch(Round::valid);
        Summary summary = new Summary(valid, title, settings, null, List.of(), rounds);
        Files.createDirectories(dir);
        Files.writeString(dir.resolve(SUMMARY_MD), SummaryMarkdown.render(summary, List.of(), null),
                StandardCharsets.UTF_8);
        JSON.writeValue(dir.resolve(SUMMARY_JSON).toFile(), summary);
        return summary;
    }

    /** Reads a {@value #SUMMARY_JSON} back; {@code file} may also be the directory holding it. */
    public static Summary read(Path file) throws IOException {
        Path json = Files.isDirectory(file) ? file.resolve(SUMMARY_JSON) : file;
        return JSON.readValue(json.toFile(), Summary.class);
    }
}
