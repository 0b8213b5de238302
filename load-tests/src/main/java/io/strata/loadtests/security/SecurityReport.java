package io.strata.loadtests.security;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.strata.loadtests.report.Stats;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.ToDoubleFunction;

/**
 * The security benchmark's measurements and its report ({@code report.md}, {@code report.json}): per workload,
 * protocol and system the median and range over the repetitions of throughput (MiB/s), broker CPU seconds per GiB and
 * (produce) p99 send latency; per system the cost of security as SASL_SSL/PLAINTEXT, both as the ratio of medians and
 * as the median of the ratios paired within one node run (the two protocols measured on the same node minutes
 * apart, which cancels drift between runs); per protocol the Strata/Kafka ratios. Not thread-safe: one benchmark
 * thread fills it, then writes it.
 */
public final class SecurityReport {

    public static final List<String> SYSTEMS = List.of("kafka", "strata");
    public static final List<String> WORKLOADS = List.of("produce", "consume");

    /** One workload over one protocol in one node run; p99 is NaN for consume. */
    public record Measurement(String system, int repetition, String protocol, String workload, double mibPerSec,
                              double recordsPerSec, double cpuSecondsPerGiB, double p99Ms) {
    }

    /** A node run: its order of protocols, the TLS session its SASL_SSL listener negotiated, other processes' CPU. */
    public record NodeRun(String system, int repetition, List<String> protocolOrder, String tls, double foreignCores,
                          long startupMs) {
    }

    public record Failure(String system, int repetition, String protocol, String workload, String message) {
    }

    private record Metric(String id, String title, String unit, boolean higherIsBetter,
                          ToDoubleFunction<Measurement> value, boolean produceOnly) {
    }

    private static final List<Metric> METRICS = List.of(
            new Metric("throughput", "Throughput", "MiB/s", true, Measurement::mibPerSec, false),
            new Metric("broker-cpu-per-gib", "Broker CPU per GiB", "CPU s/GiB", false, Measurement::cpuSecondsPerGiB, false),
            new Metric("p99", "Send latency p99", "ms", false, Measurement::p99Ms, true));

    private final List<Measurement> measurements = new ArrayList<>();
    private final List<NodeRun> nodeRuns = new ArrayList<>();
    private final List<Failure> failures = new ArrayList<>();
    private final Map<String, String> info = new LinkedHashMap<>();
    private final Map<String, String> settings = new LinkedHashMap<>();
    private final List<String> notes = new ArrayList<>();

    public void add(Measurement m) {
        measurements.add(m);
    }

    public void add(NodeRun r) {
        nodeRuns.add(r);
    }

    public void add(Failure f) {
        failures.add(f);
    }

    /** Run facts for the report's header (time, mode, sizes, machine). */
    public Map<String, String> info() {
        return info;
    }

    /** Settings of the brokers and clients. */
    public Map<String, String> settings() {
        return settings;
    }

    public List<String> notes() {
        return notes;
    }

    public List<Failure> failures() {
        return List.copyOf(failures);
    }

    private List<Double> samples(Metric metric, String workload, String protocol, String system) {
        return measurements.stream().filter(m -> m.workload().equals(workload) && m.protocol().equals(protocol)
                        && m.system().equals(system)).map(m -> metric.value().applyAsDouble(m))
                .filter(d -> !Double.isNaN(d)).toList();
    }

    private Stats stats(Metric metric, String workload, String protocol, String system) {
        return Stats.of(samples(metric, workload, protocol, system));
    }

    /** SASL_SSL/PLAINTEXT of one node run for each run that measured both. */
    private List<Double> pairedRatios(Metric metric, String workload, String system) {
        List<Double> ratios = new ArrayList<>();
        for (NodeRun run : nodeRuns) {
            if (!run.system().equals(system)) {
                continue;
            }
            Double plain = value(metric, workload, "PLAINTEXT", system, run.repetition());
            Double secured = value(metric, workload, "SASL_SSL", system, run.repetition());
            if (plain != null && secured != null && plain > 0) {
                ratios.add(secured / plain);
            }
        }
        return ratios;
    }

    private Double value(Metric metric, String workload, String protocol, String system, int repetition) {
        return measurements.stream().filter(m -> m.workload().equals(workload) && m.protocol().equals(protocol)
                        && m.system().equals(system) && m.repetition() == repetition)
                .map(m -> metric.value().applyAsDouble(m)).filter(d -> !Double.isNaN(d)).findFirst().orElse(null);
    }

    private static double ratio(double a, double b) {
        return b > 0 && !Double.isNaN(a) ? a / b : Double.NaN;
    }

    private List<Metric> metricsOf(String workload) {
        return METRICS.stream().filter(m -> workload.equals("produce") || !m.produceOnly()).toList();
    }

    // ------------------------------------------------------------------ JSON

    public void writeJson(Path file) throws IOException {
        ObjectMapper json = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
        ObjectNode root = json.createObjectNode();
        info.forEach(root::put);
        ObjectNode s = root.putObject("settings");
        settings.forEach(s::put);
        ArrayNode results = root.putArray("results");
        ArrayNode cost = root.putArray("securedToPlaintext");
        for (String workload : WORKLOADS) {
            for (Metric metric : metricsOf(workload)) {
                for (String protocol : SecuredListeners.PROTOCOLS) {
                    ObjectNode row = results.addObject();
                    row.put("workload", workload).put("protocol", protocol).put("metric", metric.id())
                            .put("unit", metric.unit());
                    for (String system : SYSTEMS) {
                        statsNode(row.putObject(system), samples(metric, workload, protocol, system));
                    }
                    number(row, "ratioStrataToKafka", ratio(stats(metric, workload, protocol, "strata").median(),
                            stats(metric, workload, protocol, "kafka").median()));
                }
                for (String system : SYSTEMS) {
                    ObjectNode row = cost.addObject();
                    row.put("workload", workload).put("system", system).put("metric", metric.id());
                    number(row, "ratioOfMedians", ratio(stats(metric, workload, "SASL_SSL", system).median(),
                            stats(metric, workload, "PLAINTEXT", system).median()));
                    statsNode(row.putObject("paired"), pairedRatios(metric, workload, system));
                }
            }
        }
        ArrayNode runs = root.putArray("nodeRuns");
        for (NodeRun r : nodeRuns) {
            ObjectNode n = runs.addObject().put("system", r.system()).put("repetition", r.repetition())
                    .put("tls", r.tls()).put("startupMs", r.startupMs());
            r.protocolOrder().forEach(n.putArray("protocolOrder")::add);
            number(n, "foreignCores", r.foreignCores());
        }
        ArrayNode f = root.putArray("failures");
        for (Failure x : failures) {
            f.addObject().put("system", x.system()).put("repetition", x.repetition()).put("protocol", x.protocol())
                    .put("workload", x.workload()).put("message", x.message());
        }
        notes.forEach(root.putArray("notes")::add);
        json.writeValue(file.toFile(), root);
    }

    private static void statsNode(ObjectNode node, List<Double> samples) {
        samples.forEach(node.putArray("samples")::add);
        Stats st = Stats.of(samples);
        number(node, "median", st.median());
        number(node, "min", st.min());
        number(node, "max", st.max());
    }

    private static void number(ObjectNode node, String field, double v) {
        if (Double.isNaN(v) || Double.isInfinite(v)) {
            node.putNull(field);
        } else {
            node.put(field, v);
        }
    }

    // ------------------------------------------------------------------ Markdown

    public void writeMarkdown(Path file) throws IOException {
        StringBuilder md = new StringBuilder();
        md.append("# Security benchmark: SASL_SSL (SCRAM-SHA-512 over TLS) against PLAINTEXT\n\n");
        info.forEach((k, v) -> md.append("- ").append(k).append(": ").append(v).append('\n'));
        md.append("\nRatios are ratios of medians unless marked paired. SASL_SSL/PLAINTEXT: throughput below 1 and CPU "
                + "above 1 are the cost of security. Strata/Kafka: throughput above 1, CPU and latency below 1 favour "
                + "Strata.\n\n");

        md.append("## Cost of security (SASL_SSL / PLAINTEXT)\n\n");
        md.append("| workload | metric | Kafka | Kafka paired (range) | Strata | Strata paired (range) |\n");
        md.append("|---|---|---:|---:|---:|---:|\n");
        for (String workload : WORKLOADS) {
            for (Metric metric : metricsOf(workload)) {
                md.append("| ").append(workload).append(" | ").append(metric.title().toLowerCase(Locale.ROOT));
                for (String system : SYSTEMS) {
                    md.append(" | ").append(fmt(ratio(stats(metric, workload, "SASL_SSL", system).median(),
                            stats(metric, workload, "PLAINTEXT", system).median()), 2));
                    Stats paired = Stats.of(pairedRatios(metric, workload, system));
                    md.append(" | ").append(fmt(paired.median(), 2)).append(range(paired, 2));
                }
                md.append(" |\n");
            }
        }

        for (Metric metric : METRICS) {
            md.append("\n## ").append(metric.title()).append(" (").append(metric.unit()).append(")\n\n");
            md.append("| workload | protocol | Kafka median (range) | Strata median (range) | Strata/Kafka |\n");
            md.append("|---|---|---:|---:|---:|\n");
            int digits = metric.id().equals("p99") ? 0 : 1;
            for (String workload : WORKLOADS) {
                if (metric.produceOnly() && !workload.equals("produce")) {
                    continue;
                }
                for (String protocol : SecuredListeners.PROTOCOLS) {
                    Stats k = stats(metric, workload, protocol, "kafka");
                    Stats st = stats(metric, workload, protocol, "strata");
                    md.append("| ").append(workload).append(" | ").append(protocol)
                            .append(" | ").append(fmt(k.median(), digits)).append(range(k, digits))
                            .append(" | ").append(fmt(st.median(), digits)).append(range(st, digits))
                            .append(" | ").append(fmt(ratio(st.median(), k.median()), 2)).append(" |\n");
                }
            }
        }

        md.append("\n## Node runs (in order)\n\n| system | repetition | protocol order | startup ms | TLS negotiated "
                + "| CPU used by other processes (cores) |\n|---|---:|---|---:|---|---:|\n");
        for (NodeRun r : nodeRuns) {
            md.append("| ").append(r.system()).append(" | ").append(r.repetition()).append(" | ")
                    .append(String.join(", ", r.protocolOrder())).append(" | ").append(r.startupMs()).append(" | ")
                    .append(r.tls()).append(" | ").append(fmt(r.foreignCores(), 2)).append(" |\n");
        }
        if (!failures.isEmpty()) {
            md.append("\n## Failures\n\n");
            for (Failure x : failures) {
                md.append("- ").append(x.system()).append(" repetition ").append(x.repetition()).append(' ')
                        .append(x.protocol()).append(' ').append(x.workload()).append(": ")
                        .append(x.message().replace("\n", " / ")).append('\n');
            }
        }
        md.append("\n## Settings\n\n");
        settings.forEach((k, v) -> md.append("- ").append(k).append(": `").append(v).append("`\n"));
        if (!notes.isEmpty()) {
            md.append("\n## Notes\n\n");
            notes.forEach(n -> md.append("- ").append(n).append('\n'));
        }
        Files.writeString(file, md);
    }

    private static String range(Stats s, int digits) {
        return s.count() > 1 ? " (" + fmt(s.min(), digits) + "–" + fmt(s.max(), digits) + ")" : "";
    }

    private static String fmt(double v, int digits) {
        return Double.isNaN(v) ? "–" : String.format(Locale.ROOT, "%." + digits + "f", v);
    }
}
