package io.strata.loadtests.report;

import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.style.Styler;

import java.awt.Color;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

/** Bar charts (PNG) of medians: throughput and latency, Kafka next to Strata. */
public final class Charts {
    private static final Color KAFKA = new Color(0x4C, 0x72, 0xB0);
    private static final Color STRATA = new Color(0xDD, 0x84, 0x52);

    private Charts() {
    }

    /** Writes the charts that have data; returns their file names. */
    public static List<String> write(Results results, Path dir) throws IOException {
        List<String> written = new ArrayList<>();
        if (chart(results, dir.resolve("throughput.png"), "Throughput (median, MiB/s)", "MiB/s",
                r -> r.def.unit().equals("MiB/s"))) {
            written.add("throughput.png");
        }
        if (chart(results, dir.resolve("latency.png"), "End-to-end latency at a fixed rate (median, ms)", "ms",
                r -> r.def.workload().startsWith("latency"))) {
            written.add("latency.png");
        }
        return written;
    }

    private static boolean chart(Results results, Path file, String title, String yTitle,
                                 Predicate<Results.Row> which) throws IOException {
        List<String> labels = new ArrayList<>();
        List<Double> kafka = new ArrayList<>();
        List<Double> strata = new ArrayList<>();
        for (Results.Row r : results.rows()) {
            if (!which.test(r)) {
                continue;
            }
            String metric = r.def.metric().equals("throughput") ? "" : " " + r.def.metric();
            labels.add(r.def.workloadTitle() + metric + switch (r.def.variant()) {
                case "default" -> "";
                case "flush-every-batch" -> " [fsync]";
                default -> " [" + r.def.variant() + "]";
            });
            kafka.add(orZero(r.stats("kafka").median()));
            strata.add(orZero(r.stats("strata").median()));
        }
        if (labels.isEmpty()) {
            return false;
        }
        CategoryChart chart = new CategoryChartBuilder().width(Math.max(900, 130 * labels.size())).height(760)
                .title(title).yAxisTitle(yTitle).build();
        chart.getStyler().setLegendPosition(Styler.LegendPosition.OutsideS);
        chart.getStyler().setXAxisLabelRotation(90);
        chart.getStyler().setLabelsVisible(true);
        chart.getStyler().setDecimalPattern("#,##0.0");
        chart.getStyler().setSeriesColors(new Color[] {KAFKA, STRATA});
        chart.getStyler().setChartBackgroundColor(Color.WHITE);
        chart.addSeries("Apache Kafka", labels, kafka);
        chart.addSeries("Strata", labels, strata);
        BitmapEncoder.saveBitmap(chart, file.toString(), BitmapEncoder.BitmapFormat.PNG);
        return true;
    }

    private static double orZero(double v) {
        return Double.isNaN(v) ? 0.0 : v;
    }
}
