package io.strata.loadtests.report;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Every number of a run: per-system samples of each metric, physical limits, failures. */
public final class Results {

    public static final List<String> SYSTEMS = List.of("kafka", "strata");

    /**
     * One metric of one workload in one durability variant. A {@code strataOnly} metric has no Kafka counterpart
     * (e.g. the HTTP API): it has no Strata/Kafka ratio and no Kafka numbers are expected.
     */
    public record MetricDef(String variant, String workload, String workloadTitle, String metric, String unit,
                            boolean higherIsBetter, String limit, boolean informational, boolean strataOnly) {

        public MetricDef(String variant, String workload, String workloadTitle, String metric, String unit,
                         boolean higherIsBetter, String limit) {
            this(variant, workload, workloadTitle, metric, unit, higherIsBetter, limit, false, false);
        }

        public MetricDef(String variant, String workload, String workloadTitle, String metric, String unit,
                         boolean higherIsBetter, String limit, boolean informational) {
            this(variant, workload, workloadTitle, metric, unit, higherIsBetter, limit, informational, false);
        }

        public static MetricDef strataOnly(String variant, String workload, String workloadTitle, String metric,
                                           String unit, boolean higherIsBetter, String limit) {
            return new MetricDef(variant, workload, workloadTitle, metric, unit, higherIsBetter, limit, false, true);
        }

        /** The systems this metric is measured on. */
        public List<String> systems() {
            return strataOnly ? List.of("strata") : SYSTEMS;
        }

        String key() {
            return variant + "/" + workload + "/" + metric;
        }
    }

    /** A failed or skipped workload run. */
    public record Failure(String variant, String workload, String system, int repetition, String message) {
    }

    /** Samples of one metric, per system. */
    public static final class Row {
        public final MetricDef def;
        public final Map<String, List<Double>> samples = new LinkedHashMap<>();

        Row(MetricDef def) {
            this.def = def;
            for (String s : SYSTEMS) {
                samples.put(s, new ArrayList<>());
            }
        }

        public Stats stats(String system) {
            return Stats.of(samples.get(system));
        }

        /** Strata median / Kafka median, or NaN (also for informational and Strata-only metrics). */
        public double ratio() {
            if (def.informational() || def.strataOnly()) {
                return Double.NaN;
            }
            Stats k = stats("kafka");
            Stats s = stats("strata");
            if (k.count() == 0 || s.count() == 0 || k.median() == 0) {
                return Double.NaN;
            }
            return s.median() / k.median();
        }
    }

    /** A physical limit measured in the run. */
    public static final class Limit {
        public final String id;
        public final String title;
        public final String unit;
        public final List<Double> samples = new ArrayList<>();
        public final Map<String, Object> details = new LinkedHashMap<>();

        Limit(String id, String title, String unit) {
            this.id = id;
            this.title = title;
            this.unit = unit;
        }

        public Stats stats() {
            return Stats.of(samples);
        }
    }

    private final Map<String, Row> rows = new LinkedHashMap<>();
    private final Map<String, Limit> limits = new LinkedHashMap<>();
    private final List<Failure> failures = new ArrayList<>();

    public synchronized void define(MetricDef def) {
        rows.computeIfAbsent(def.key(), k -> new Row(def));
    }

    public synchronized void add(MetricDef def, String system, double value) {
        rows.computeIfAbsent(def.key(), k -> new Row(def)).samples.get(system).add(value);
    }

    public synchronized void fail(String variant, String workload, String system, int repetition, String message) {
        failures.add(new Failure(variant, workload, system, repetition, message));
    }

    public synchronized Limit limit(String id, String title, String unit) {
        return limits.computeIfAbsent(id, k -> new Limit(id, title, unit));
    }

    public Collection<Row> rows() {
        return rows.values();
    }

    public Map<String, Limit> limits() {
        return limits;
    }

    public List<Failure> failures() {
        return failures;
    }

    public List<Failure> failuresOf(String variant, String workload, String system) {
        return failures.stream()
                .filter(f -> f.variant().equals(variant) && f.workload().equals(workload) && f.system().equals(system))
                .toList();
    }
}
