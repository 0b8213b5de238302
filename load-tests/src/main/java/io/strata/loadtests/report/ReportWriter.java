package io.strata.loadtests.report;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** Writes report.json and report.md. */
public final class ReportWriter {

    private final RunInfo info;
    private final Results results;

    public ReportWriter(RunInfo info, Results results) {
        this.info = info;
        this.results = results;
    }

    public void writeJson(Path file) throws IOException {
        Map<String, Object> root = new LinkedHashMap<>(info.toMap());
        Map<String, Object> limits = new LinkedHashMap<>();
        for (Results.Limit l : results.limits().values()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("title", l.title);
            m.put("unit", l.unit);
            m.put("samples", l.samples);
            putStats(m, l.stats());
            m.putAll(l.details);
            limits.put(l.id, m);
        }
        root.put("limits", limits);
        List<Map<String, Object>> rows = new ArrayList<>();
        for (Results.Row r : results.rows()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("variant", r.def.variant());
            m.put("workload", r.def.workload());
            m.put("title", r.def.workloadTitle());
            m.put("metric", r.def.metric());
            m.put("unit", r.def.unit());
            m.put("higherIsBetter", r.def.higherIsBetter());
            m.put("informational", r.def.informational());
            m.put("systems", r.def.systems());
            for (String s : Results.SYSTEMS) {
                Map<String, Object> sm = new LinkedHashMap<>();
                sm.put("samples", r.samples.get(s));
                putStats(sm, r.stats(s));
                Double frac = fractionOfLimit(r, s);
                if (frac != null) {
                    sm.put("fractionOfLimit", frac);
                }
                sm.put("failures", results.failuresOf(r.def.variant(), r.def.workload(), s).stream()
                        .map(f -> "repetition " + f.repetition() + ": " + f.message()).toList());
                m.put(s, sm);
            }
            double ratio = r.ratio();
            m.put("ratioStrataToKafka", Double.isNaN(ratio) ? null : ratio);
            if (r.def.limit() != null) {
                m.put("limit", r.def.limit());
            }
            rows.add(m);
        }
        root.put("results", rows);
        root.put("failures", results.failures());
        ObjectMapper json = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
        json.writeValue(file.toFile(), root);
    }

    private static void putStats(Map<String, Object> m, Stats st) {
        m.put("count", st.count());
        m.put("median", st.count() == 0 ? null : st.median());
        m.put("min", st.count() == 0 ? null : st.min());
        m.put("max", st.count() == 0 ? null : st.max());
    }

    private Double fractionOfLimit(Results.Row r, String system) {
        if (r.def.limit() == null) {
            return null;
        }
        Results.Limit l = results.limits().get(r.def.limit());
        Stats st = r.stats(system);
        if (l == null || l.stats().count() == 0 || st.count() == 0) {
            return null;
        }
        return st.median() / l.stats().median();
    }

    public void writeMarkdown(Path file, List<String> images) throws IOException {
        StringBuilder md = new StringBuilder();
        md.append("# Strata vs Apache Kafka ").append(setting("kafkaVersion")).append(" — ")
                .append(info.mode()).append(" run ").append(info.timestamp()).append("\n\n");
        md.append("Same machine, same run; the two systems never run at the same time. Every workload ran ")
                .append(info.repetitions()).append(" time(s) per system, alternating the systems in ABBA order, ")
                .append("each repetition on freshly started nodes with empty data directories. ")
                .append("Tables show the median and the min–max range; *Strata/Kafka* is the ratio of medians. ")
                .append(String.format(Locale.ROOT, "The run took %.1f min.%n%n", info.elapsedSeconds() / 60));

        String load = info.machine().getOrDefault("load average (1, 5, 15 min) before / after the run", "");
        try {
            if (Double.parseDouble(load.split(",")[0].trim()) > 0.5) {
                md.append("> **Warning:** the 1-minute load average was ").append(load.split(",")[0].trim())
                        .append(" when the run started: other processes were using the CPU, so these numbers ")
                        .append("carry more noise than a quiet machine would give.\n\n");
            }
        } catch (RuntimeException e) {
            // no load figure
        }
        md.append("## Machine\n\n| | |\n|---|---|\n");
        info.machine().forEach((k, v) -> md.append("| ").append(k).append(" | ").append(v).append(" |\n"));

        md.append("\n## Settings\n\n");
        for (Map.Entry<String, Object> e : info.settings().entrySet()) {
            md.append("- **").append(e.getKey()).append("**: ").append(render(e.getValue())).append("\n");
        }
        md.append("\nVariants:\n\n");
        info.variants().forEach((k, v) -> md.append("- `").append(k).append("`: ").append(v).append("\n"));
        md.append("\nWorkloads:\n\n");
        info.workloads().forEach(w -> md.append("- ").append(w).append("\n"));

        md.append("\n## Physical limits (measured in this run)\n\n| limit | median | min–max |\n|---|---:|---:|\n");
        for (Results.Limit l : results.limits().values()) {
            Stats st = l.stats();
            md.append("| ").append(l.title).append(" | ").append(num(st.median())).append(' ').append(l.unit)
                    .append(" | ").append(num(st.min())).append("–").append(num(st.max())).append(" |\n");
        }

        List<String> variants = results.rows().stream().map(r -> r.def.variant()).distinct().toList();
        for (String variant : variants) {
            md.append("\n## Results: `").append(variant).append("`\n\n");
            md.append("| workload | metric | Kafka median (min–max) | Strata median (min–max) | Strata/Kafka | better "
                    + "| Kafka % of limit | Strata % of limit | limit |\n");
            md.append("|---|---|---:|---:|---:|---|---:|---:|---|\n");
            for (Results.Row r : results.rows()) {
                if (!r.def.variant().equals(variant)) {
                    continue;
                }
                md.append("| ").append(r.def.workloadTitle()).append(" | ").append(r.def.metric()).append(" (")
                        .append(r.def.unit()).append(r.def.informational() ? ", not a property of the system"
                                : r.def.higherIsBetter() ? ", higher is better" : ", lower is better")
                        .append(") | ").append(cell(r, "kafka")).append(" | ").append(cell(r, "strata")).append(" | ");
                double ratio = r.ratio();
                md.append(Double.isNaN(ratio) ? "—" : String.format(Locale.ROOT, "%.2f", ratio)).append(" | ");
                md.append(Double.isNaN(ratio) ? "—" : ((ratio > 1) == r.def.higherIsBetter() && ratio != 1 ? "Strata"
                        : ratio == 1 ? "even" : "Kafka")).append(" | ");
                md.append(pct(fractionOfLimit(r, "kafka"))).append(" | ").append(pct(fractionOfLimit(r, "strata")))
                        .append(" | ");
                Results.Limit l = r.def.limit() == null ? null : results.limits().get(r.def.limit());
                md.append(l == null ? "" : l.title).append(" |\n");
            }
        }

        md.append("\n## Failures\n\n");
        long missing = results.rows().stream()
                .filter(r -> r.def.systems().stream().anyMatch(s -> r.samples.get(s).isEmpty())).count();
        if (results.failures().isEmpty() && missing == 0) {
            md.append("None: every workload produced numbers for both systems.\n");
        } else if (results.failures().isEmpty()) {
            md.append("None recorded, but ").append(missing).append(" metric(s) lack numbers for a system that "
                    + "was not run.\n");
        } else {
            for (Results.Failure f : results.failures()) {
                md.append("- **").append(f.system()).append("**, `").append(f.variant()).append("`, ")
                        .append(f.workload()).append(", repetition ").append(f.repetition()).append(":\n\n```\n")
                        .append(f.message().strip()).append("\n```\n");
            }
        }

        if (!info.notes().isEmpty()) {
            md.append("\n## Notes\n\n");
            info.notes().forEach(n -> md.append("- ").append(n).append("\n"));
        }
        if (!images.isEmpty()) {
            md.append("\n## Charts\n\n");
            images.forEach(i -> md.append("![").append(i).append("](").append(i).append(")\n\n"));
        }
        Files.writeString(file, md.toString(), StandardCharsets.UTF_8);
    }

    private String setting(String key) {
        Object v = info.settings().get(key);
        return v == null ? "" : v.toString();
    }

    private static String render(Object v) {
        if (v instanceof Map<?, ?> m) {
            StringBuilder sb = new StringBuilder();
            m.forEach((k, val) -> sb.append(sb.length() == 0 ? "" : ", ").append('`').append(k).append('=')
                    .append(val).append('`'));
            return sb.toString();
        }
        if (v instanceof List<?> l) {
            return "`" + String.join(" ", l.stream().map(Object::toString).toList()) + "`";
        }
        return String.valueOf(v);
    }

    private String cell(Results.Row r, String system) {
        Stats st = r.stats(system);
        int failed = results.failuresOf(r.def.variant(), r.def.workload(), system).size();
        if (st.count() == 0) {
            return failed > 0 ? "FAILED" : r.def.systems().contains(system) ? "—" : "n/a";
        }
        String s = num(st.median()) + " (" + num(st.min()) + "–" + num(st.max()) + ")";
        return failed > 0 ? s + " [" + failed + " failed]" : s;
    }

    static String num(double v) {
        if (Double.isNaN(v)) {
            return "—";
        }
        double a = Math.abs(v);
        if (a >= 1000) {
            return String.format(Locale.ROOT, "%,.0f", v);
        }
        if (a >= 100) {
            return String.format(Locale.ROOT, "%.0f", v);
        }
        if (a >= 10) {
            return String.format(Locale.ROOT, "%.1f", v);
        }
        return String.format(Locale.ROOT, "%.2f", v);
    }

    private static String pct(Double f) {
        return f == null ? "" : String.format(Locale.ROOT, "%.1f%%", f * 100);
    }
}
