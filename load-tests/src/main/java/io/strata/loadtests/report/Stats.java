package io.strata.loadtests.report;

import java.util.List;

/** Median and range of a few samples. */
public record Stats(int count, double median, double min, double max) {

    public static Stats of(List<Double> samples) {
        if (samples.isEmpty()) {
            return new Stats(0, Double.NaN, Double.NaN, Double.NaN);
        }
        double[] s = samples.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        int n = s.length;
        double median = n % 2 == 1 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
        return new Stats(n, median, s[0], s[n - 1]);
    }
}
