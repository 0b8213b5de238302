package io.strata.reliability.report;

import io.strata.reliability.checker.HistoryChecker;
import io.strata.reliability.history.Event;
import org.knowm.xchart.AnnotationLine;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.XYStyler;
import org.knowm.xchart.style.markers.SeriesMarkers;

import java.awt.BasicStroke;
import java.awt.Color;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.Iterator;
import java.util.List;
import java.util.function.Consumer;

/**
 * The course of a run over time: acknowledgements and consumer reads per second, nemesis starts and stops, phases.
 * Fed event by event (like {@link HistoryChecker}, in the same pass), it keeps two counters per second and the
 * NEMESIS and PHASE events. Draws {@code timeline.png}. Not thread-safe.
 */
public final class Timeline implements Consumer<Event> {

    /** Chart size; with anti-aliasing off this keeps the PNG well under 100 KB. */
    static final int WIDTH = 1000;
    static final int HEIGHT = 400;
    /** At most this many points per series; longer runs are drawn in wider buckets. */
    static final int MAX_POINTS = 600;

    private static final Color ACKS = new Color(0x4C, 0x72, 0xB0);
    private static final Color READS = new Color(0x55, 0xA8, 0x68);
    private static final Color NEMESIS = new Color(0xDD, 0x44, 0x44, 0x40);

    /**
     * A NEMESIS or PHASE event.
     *
     * @param kind "start" or "stop" for a nemesis, "phase" for a phase
     */
    public record Entry(long time, String kind, String description) {
    }

    /** A nemesis from its start to its stop (or to the end of the run if it never stopped). */
    public record Interval(long start, long end, String description) {
    }

    private long[] ackCounts = new long[64];
    private long[] readCounts = new long[64];
    private final List<Entry> entries = new ArrayList<>();
    private long lastTime;

    @Override
    public void accept(Event e) {
        lastTime = Math.max(lastTime, e.time());
        switch (e.type()) {
            case ACK -> ackCounts = count(ackCounts, e.time());
            case READ -> {
                if (!e.process().startsWith(HistoryChecker.DRAIN_PREFIX)) {
                    readCounts = count(readCounts, e.time());
                }
            }
            case NEMESIS -> entries.add(new Entry(e.time(), String.valueOf(e.value()), String.valueOf(e.info())));
            case PHASE -> entries.add(new Entry(e.time(), "phase", String.valueOf(e.info())));
            default -> {
            }
        }
    }

    private static long[] count(long[] counts, long time) {
        int second = (int) Math.max(0, time / 1000);
        if (second >= counts.length) {
            counts = Arrays.copyOf(counts, Math.max(second + 1, counts.length * 2));
        }
        counts[second]++;
        return counts;
    }

    public long durationMs() {
        return lastTime;
    }

    /** NEMESIS and PHASE events, by time. */
    public List<Entry> entries() {
        List<Entry> sorted = new ArrayList<>(entries);
        sorted.sort((a, b) -> Long.compare(a.time(), b.time()));
        return sorted;
    }

    /**
     * Nemesis intervals. A stop closes the latest open start with the same description, or else the oldest open
     * start; a start never stopped lasts to the end of the run.
     */
    public List<Interval> nemesisIntervals() {
        List<Interval> intervals = new ArrayList<>();
        Deque<Entry> open = new ArrayDeque<>();
        for (Entry e : entries()) {
            if (e.kind().equals("start")) {
                open.addLast(e);
            } else if (e.kind().equals("stop") && !open.isEmpty()) {
                Entry start = null;
                for (Iterator<Entry> it = open.descendingIterator(); it.hasNext(); ) {
                    Entry candidate = it.next();
                    if (candidate.description().equals(e.description())) {
                        start = candidate;
                        break;
                    }
                }
                if (start == null) {
                    start = open.peekFirst();
                }
                open.remove(start);
                intervals.add(new Interval(start.time(), e.time(), start.description()));
            }
        }
        for (Entry start : open) {
            intervals.add(new Interval(start.time(), Math.max(start.time(), lastTime), start.description()));
        }
        intervals.sort((a, b) -> Long.compare(a.start(), b.start()));
        return intervals;
    }

    /**
     * Writes the chart: acknowledgements per second (left axis) and consumer reads per second (right axis), nemesis
     * intervals shaded, phases as dashed lines. The final drain's reads are left out: they come all at once at the
     * end and would flatten the consumers' curve.
     */
    public void writeChart(Path png, String title) throws IOException {
        int seconds = (int) (lastTime / 1000) + 1;
        int bucket = Math.max(1, (seconds + MAX_POINTS - 1) / MAX_POINTS);
        String per = bucket == 1 ? "/s" : "/s (" + bucket + " s averages)";
        double[] ackRates = rates(ackCounts, seconds, bucket);
        double[] readRates = rates(readCounts, seconds, bucket);

        XYChart chart = new XYChartBuilder().width(WIDTH).height(HEIGHT).title(title)
                .xAxisTitle("seconds since start").build();
        chart.setYAxisGroupTitle(0, "acks" + per);
        chart.setYAxisGroupTitle(1, "reads" + per);
        XYStyler styler = chart.getStyler();
        styler.setYAxisGroupPosition(1, Styler.YAxisPosition.Right);
        styler.setLegendPosition(Styler.LegendPosition.OutsideS);
        styler.setLegendLayout(Styler.LegendLayout.Horizontal);
        styler.setChartBackgroundColor(Color.WHITE);
        styler.setPlotGridLinesVisible(false);
        styler.setYAxisMin(0, 0.0);
        styler.setYAxisMin(1, 0.0);
        styler.setXAxisMin(0.0);
        styler.setXAxisMax((double) Math.max(1, ackRates.length * bucket));
        styler.setXAxisDecimalPattern("#0");
        styler.setAntiAlias(false); // fewer colours, a smaller PNG
        styler.setAnnotationLineColor(Color.GRAY);
        styler.setAnnotationLineStroke(new BasicStroke(1f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10f,
                new float[] {4f, 4f}, 0f));

        double top = 1;
        for (double r : ackRates) {
            top = Math.max(top, r);
        }
        List<Interval> shaded = union(nemesisIntervals());
        for (int n = 0; n < shaded.size(); n++) {
            // One series per interval, so that nothing is drawn between them; added before the rate lines so that
            // those are drawn over the shading.
            double s = shaded.get(n).start() / 1000.0;
            double e = shaded.get(n).end() / 1000.0;
            XYSeries area = chart.addSeries(n == 0 ? "nemesis active" : "nemesis " + n, new double[] {s, s, e, e},
                    new double[] {0, top * 1.05, top * 1.05, 0});
            area.setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Area);
            area.setMarker(SeriesMarkers.NONE);
            area.setFillColor(NEMESIS);
            area.setLineColor(NEMESIS);
            area.setYAxisGroup(0);
            area.setShowInLegend(n == 0);
        }
        line(chart, "acknowledgements per second", ackRates, bucket, ACKS, 0);
        line(chart, "reads per second (consumers, not the drain)", readRates, bucket, READS, 1);
        for (Entry e : entries) {
            if (e.kind().equals("phase")) {
                chart.addAnnotation(new AnnotationLine(e.time() / 1000.0, true, false));
            }
        }
        try (OutputStream out = Files.newOutputStream(png)) {
            BitmapEncoder.saveBitmap(chart, out, BitmapEncoder.BitmapFormat.PNG);
        }
    }

    private static void line(XYChart chart, String name, double[] rates, int bucket, Color color, int axis) {
        double[] xs = new double[Math.max(1, rates.length)];
        double[] ys = new double[xs.length];
        for (int i = 0; i < rates.length; i++) {
            xs[i] = (double) i * bucket;
            ys[i] = rates[i];
        }
        XYSeries line = chart.addSeries(name, xs, ys);
        line.setMarker(SeriesMarkers.NONE);
        line.setLineColor(color);
        line.setLineWidth(1.2f);
        line.setYAxisGroup(axis);
    }

    private static double[] rates(long[] counts, int seconds, int bucket) {
        double[] rates = new double[(seconds + bucket - 1) / bucket];
        for (int s = 0; s < Math.min(seconds, counts.length); s++) {
            rates[s / bucket] += counts[s];
        }
        for (int i = 0; i < rates.length; i++) {
            rates[i] /= bucket;
        }
        return rates;
    }

    /** Overlapping intervals merged, so overlapping nemeses shade once. */
    static List<Interval> union(List<Interval> intervals) {
        List<Interval> merged = new ArrayList<>();
        for (Interval i : intervals) { // sorted by start
            if (!merged.isEmpty() && i.start() <= merged.get(merged.size() - 1).end()) {
                Interval last = merged.remove(merged.size() - 1);
                merged.add(new Interval(last.start(), Math.max(last.end(), i.end()), last.description()));
            } else {
                merged.add(i);
            }
        }
        return merged;
    }
}
