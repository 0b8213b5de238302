package io.strata.reliability.report;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectWriter;
import io.strata.reliability.checker.CheckResult;
import io.strata.reliability.checker.CheckResult.Anomaly;
import io.strata.reliability.checker.CheckResult.Example;
import io.strata.reliability.checker.CheckResult.Operations;
import io.strata.reliability.history.Event;

import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** Renders a {@link RunReport.Summary} as Markdown. Stateless. */
final class SummaryMarkdown {

    private static final ObjectWriter EVENT_JSON = new ObjectMapper().writerFor(Event.class);

    /** Short names of the anomaly kinds, for the verdict line and the rounds table, in report order. */
    private static final Map<String, String> SHORT_NAMES = shortNames();

    private static Map<String, String> shortNames() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("lost", "lost");
        m.put("duplicated", "duplicated");
        m.put("inconsistentOffsets", "inconsistent offsets");
        m.put("reordered", "reordered");
        m.put("committedRegressions", "committed regressions");
        m.put("unseen", "unseen");
        m.put("unexpected", "unexpected");
        return m;
    }

    private static long count(CheckResult r, String kind) {
        return r.anomalies().stream().filter(a -> a.kind().equals(kind)).mapToLong(Anomaly::count).sum();
    }

    private SummaryMarkdown() {
    }

    /**
     * @param intervals nemesis intervals, for their durations in the timeline table
     * @param chart     file name of the chart to show, or null
     */
    static String render(RunReport.Summary s, List<Timeline.Interval> intervals, String chart) {
        StringBuilder md = new StringBuilder();
        md.append("# ").append(s.title()).append("\n\n");
        md.append("**Result: ").append(verdict(s)).append("**\n\n");
        settings(md, s.settings());
        if (!s.rounds().isEmpty()) {
            rounds(md, s.rounds());
            return md.toString();
        }
        CheckResult r = s.result();
        operations(md, r.operations());
        anomalies(md, r);
        timeline(md, s.timeline(), intervals);
        if (chart != null) {
            md.append("![acknowledgements and reads per second, nemeses shaded](").append(chart).append(")\n\n");
        }
        examples(md, r);
        return md.toString();
    }

    private static String verdict(RunReport.Summary s) {
        if (s.valid()) {
            return "no anomalies";
        }
        if (!s.rounds().isEmpty()) {
            long bad = s.rounds().stream().filter(rd -> !rd.valid()).count();
            return "anomalies in " + bad + " of " + s.rounds().size() + " rounds";
        }
        List<String> found = new ArrayList<>();
        SHORT_NAMES.forEach((kind, name) -> {
            long n = count(s.result(), kind);
            if (n > 0) {
                found.add(name + " " + n);
            }
        });
        return "ANOMALIES: " + String.join(", ", found);
    }

    private static void settings(StringBuilder md, Map<String, String> settings) {
        if (settings.isEmpty()) {
            return;
        }
        md.append("## Settings\n\n| setting | value |\n|---|---|\n");
        settings.forEach((k, v) -> {
            if (!k.equals("title")) {
                md.append("| ").append(cell(k)).append(" | ").append(cell(v)).append(" |\n");
            }
        });
        md.append('\n');
    }

    private static void operations(StringBuilder md, Operations o) {
        md.append("## Operations\n\n| operation | count |\n|---|---:|\n");
        row(md, "sends", o.sends());
        row(md, "acknowledged", o.acks());
        row(md, "indefinite failures", o.fails());
        row(md, "… of which read anyway", o.failedButRead());
        row(md, "reads", o.reads());
        row(md, "… by the final drain", o.drainReads());
        row(md, "commits", o.commits());
        row(md, "committed-offset observations", o.committedReads());
        row(md, "nemesis starts and stops", o.nemesisEvents());
        md.append("| duration | ").append(seconds(o.durationMs())).append(" s |\n\n");
    }

    private static void row(StringBuilder md, String name, long n) {
        md.append("| ").append(name).append(" | ").append(n).append(" |\n");
    }

    private static void anomalies(StringBuilder md, CheckResult r) {
        md.append("## Anomalies\n\n| anomaly | count | detail |\n|---|---:|---|\n");
        for (Anomaly a : r.anomalies()) {
            md.append("| ").append(cell(a.title())).append(" | ").append(a.count()).append(" | ")
                    .append(cell(a.detail())).append(" |\n");
        }
        md.append('\n');
    }

    private static void examples(StringBuilder md, CheckResult r) {
        boolean any = r.anomalies().stream().anyMatch(a -> !a.examples().isEmpty());
        if (!any) {
            return;
        }
        md.append("## Examples\n\n");
        for (Anomaly a : r.anomalies()) {
            if (a.examples().isEmpty()) {
                continue;
            }
            md.append("### ").append(a.title()).append("\n\n");
            if (a.count() > a.examples().size()) {
                md.append("The first ").append(a.examples().size()).append(" of ").append(a.count()).append(".\n\n");
            }
            for (Example ex : a.examples()) {
                md.append("- ").append(ex.note()).append("\n\n  ```json\n");
                for (Event e : ex.events()) {
                    md.append("  ").append(json(e)).append('\n');
                }
                md.append("  ```\n\n");
            }
        }
    }

    private static void timeline(StringBuilder md, List<Timeline.Entry> entries, List<Timeline.Interval> intervals) {
        md.append("## Nemesis timeline\n\n");
        if (entries.isEmpty()) {
            md.append("No nemesis or phase events.\n\n");
            return;
        }
        md.append("| time (s) | event | description |\n|---:|---|---|\n");
        for (Timeline.Entry e : entries) {
            String what = e.kind();
            if (what.equals("stop")) {
                for (Timeline.Interval i : intervals) {
                    if (i.end() == e.time() && i.description().equals(e.description())) {
                        what = "stop (after " + seconds(i.end() - i.start()) + " s)";
                        break;
                    }
                }
            }
            md.append("| ").append(seconds(e.time())).append(" | ").append(what).append(" | ")
                    .append(cell(e.description())).append(" |\n");
        }
        md.append('\n');
    }

    private static void rounds(StringBuilder md, List<RunReport.Round> rounds) {
        md.append("## Rounds\n\n| round | nemeses | acknowledged | indefinite failures | reads");
        SHORT_NAMES.values().forEach(n -> md.append(" | ").append(n));
        md.append(" | result |\n|---|---|---:|---:|---:");
        SHORT_NAMES.values().forEach(n -> md.append("|---:"));
        md.append("|---|\n");
        long[] totals = new long[3 + SHORT_NAMES.size()];
        for (RunReport.Round rd : rounds) {
            CheckResult r = rd.result();
            long[] row = new long[totals.length];
            row[0] = r.operations().acks();
            row[1] = r.operations().fails();
            row[2] = r.operations().reads();
            int col = 3;
            for (String kind : SHORT_NAMES.keySet()) {
                row[col++] = count(r, kind);
            }
            String name = rd.report() == null ? cell(rd.name()) : "[" + cell(rd.name()) + "](" + rd.report() + ")";
            md.append("| ").append(name).append(" | ").append(cell(rd.nemeses()));
            for (int i = 0; i < row.length; i++) {
                md.append(" | ").append(row[i]);
                totals[i] += row[i];
            }
            md.append(" | ").append(rd.valid() ? "ok" : "**ANOMALIES**").append(" |\n");
        }
        md.append("| **total** | ");
        for (long t : totals) {
            md.append(" | ").append(t);
        }
        md.append(" | ").append(rounds.stream().allMatch(RunReport.Round::valid) ? "ok" : "**ANOMALIES**")
                .append(" |\n\n");
    }

    private static String json(Event e) {
        try {
            return EVENT_JSON.writeValueAsString(e);
        } catch (JsonProcessingException ex) {
            throw new UncheckedIOException(ex);
        }
    }

    static String seconds(long ms) {
        return String.format(Locale.ROOT, "%.1f", ms / 1000.0);
    }

    /** A table cell: no line breaks, pipes escaped. */
    private static String cell(String s) {
        return s == null ? "" : s.replace("\r", " ").replace("\n", " ").replace("|", "\\|");
    }
}
