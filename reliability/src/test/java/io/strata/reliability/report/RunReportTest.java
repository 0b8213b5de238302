package io.strata.reliability.report;

import io.strata.reliability.checker.CheckResult;
import io.strata.reliability.history.Event;
import io.strata.reliability.history.History;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

class RunReportTest {

    @TempDir
    Path dir;

    /**
     * 60 s of traffic on one partition: 10 values a second, each read by a consumer a little later and by the drain
     * at the end, with a node killed from 20 s to 35 s. The values in {@code lostValues} are acknowledged but never
     * read.
     */
    private static Path writeHistory(Path file, int... lostValues) throws IOException {
        try (History h = History.create(file)) {
            h.record(Event.phase(0, "round 1"));
            h.record(Event.nemesis(20_000, "start", "kill node 2 | leader of t-0"));
            h.record(Event.nemesis(35_000, "stop", "kill node 2 | leader of t-0"));
            int n = 600;
            for (int i = 0; i < n; i++) {
                long t = i * 100L;
                h.record(Event.send(t, "p1", "t", null, "v" + i, i));
                h.record(Event.ack(t + 5, "p1", "t", 0, i, "v" + i, i));
                if (!contains(lostValues, i)) {
                    h.record(Event.read(t + 50, "c1", "t", 0, i, "v" + i));
                }
            }
            h.record(Event.commit(30_000, "c1", "g", "t", 0, 300));
            h.record(Event.committed(31_000, "observer", "g", "t", 0, 300));
            h.record(Event.phase(61_000, "drain"));
            for (int i = 0; i < n; i++) {
                if (!contains(lostValues, i)) {
                    h.record(Event.read(62_000, "drain", "t", 0, i, "v" + i));
                }
            }
        }
        return file;
    }

    private static boolean contains(int[] values, int v) {
        for (int x : values) {
            if (x == v) {
                return true;
            }
        }
        return false;
    }

    private static Map<String, String> settings() {
        Map<String, String> s = new LinkedHashMap<>();
        s.put("system", "strata");
        s.put("nodes", "3");
        s.put("acks", "all");
        return s;
    }

    @Test
    void reportOfAHistoryWithLostValuesShowsTheNumbers() throws Exception {
        Path history = writeHistory(dir.resolve("history.jsonl"), 250, 251, 252);
        Path out = dir.resolve("report");
        RunReport.Summary summary = RunReport.write(history, settings(), out);

        assertThat(summary.valid()).isFalse();
        assertThat(summary.result().lost().count()).isEqualTo(3);
        assertThat(summary.result().unseen().count()).isEqualTo(3);

        String md = Files.readString(out.resolve(RunReport.SUMMARY_MD));
        assertThat(md).contains("**Result: ANOMALIES: lost 3, unseen 3**");
        assertThat(md).contains("| system | strata |", "| nodes | 3 |", "| acks | all |");
        assertThat(md).contains("| sends | 600 |", "| acknowledged | 600 |", "| indefinite failures | 0 |",
                "| reads | 1194 |", "| … by the final drain | 597 |", "| commits | 1 |", "| duration | 62.0 s |");
        assertThat(md).contains("| Lost (acknowledged, not read by the drain) | 3 |",
                "| Duplicated (values read at two positions) | 0 |",
                "| Inconsistent offsets (positions with two values) | 0 |",
                "| Unseen (acknowledged, not read within 180 s) | 3 | 3 never read");
        // The nemesis timeline, with the pipe in the description escaped.
        assertThat(md).contains("| 20.0 | start | kill node 2 \\| leader of t-0 |",
                "| 35.0 | stop (after 15.0 s) | kill node 2 \\| leader of t-0 |", "| 61.0 | phase | drain |");
        assertThat(md).contains("![acknowledgements and reads per second, nemeses shaded](timeline.png)");
        // Examples, with their events as history lines.
        assertThat(md).contains("value v250 acknowledged at t-0@250 was not read by the drain",
                "{\"time\":25005,\"type\":\"ACK\",\"process\":\"p1\",\"topic\":\"t\",\"partition\":0,\"offset\":250,"
                        + "\"value\":\"v250\",\"seq\":250}");

        RunReport.Summary back = RunReport.read(out);
        assertThat(back).isEqualTo(summary);
        assertThat(back.result().operations().acks()).isEqualTo(600);
        assertThat(back.settings()).containsExactly(Map.entry("system", "strata"), Map.entry("nodes", "3"),
                Map.entry("acks", "all"));
        assertThat(back.timeline()).extracting(Timeline.Entry::kind).containsExactly("phase", "start", "stop",
                "phase");
        assertThat(Files.readString(out.resolve(RunReport.SUMMARY_JSON))).contains("\"valid\" : false");

        Path png = out.resolve(RunReport.TIMELINE_PNG);
        BufferedImage image = ImageIO.read(png.toFile());
        assertThat(image.getWidth()).isEqualTo(Timeline.WIDTH);
        assertThat(image.getHeight()).isEqualTo(Timeline.HEIGHT);
        assertThat(Files.size(png)).isLessThan(100_000);
    }

    @Test
    void cleanHistoryReportsNoAnomalies() throws Exception {
        Path history = writeHistory(dir.resolve("history.jsonl"));
        RunReport report = RunReport.analyze(history, settings());
        report.write(dir.resolve("report"));
        assertThat(report.summary().valid()).isTrue();
        assertThat(report.markdown()).contains("**Result: no anomalies**").doesNotContain("## Examples")
                .doesNotContain("timeline.png");
        assertThat(Files.readString(dir.resolve("report").resolve(RunReport.SUMMARY_MD)))
                .contains("**Result: no anomalies**", "| Lost (acknowledged, not read by the drain) | 0 |");
        assertThat(RunReport.read(dir.resolve("report").resolve(RunReport.SUMMARY_JSON)).valid()).isTrue();
    }

    @Test
    void combinedReportHasARowPerRoundAndTotals() throws Exception {
        RunReport.Summary first = RunReport.write(writeHistory(dir.resolve("h1.jsonl")), settings(),
                dir.resolve("round-1"));
        RunReport.Summary second = RunReport.write(writeHistory(dir.resolve("h2.jsonl"), 7), settings(),
                dir.resolve("round-2"));
        List<RunReport.Round> rounds = List.of(
                RunReport.Round.of("round 1", first, "round-1/summary.md"),
                RunReport.Round.of("round 2", second, "round-2/summary.md"));
        assertThat(rounds.get(0).nemeses()).isEqualTo("kill node 2 | leader of t-0");

        RunReport.Summary combined = RunReport.combine(dir, "Strata, 2 rounds", settings(), rounds);
        assertThat(combined.valid()).isFalse();

        String md = Files.readString(dir.resolve(RunReport.SUMMARY_MD));
        assertThat(md).startsWith("# Strata, 2 rounds\n").contains("**Result: anomalies in 1 of 2 rounds**");
        assertThat(md).contains("| round | nemeses | acknowledged | indefinite failures | reads | lost | duplicated "
                + "| inconsistent offsets | reordered | committed regressions | unseen | unexpected | result |");
        assertThat(md).contains("| [round 1](round-1/summary.md) | kill node 2 \\| leader of t-0 | 600 | 0 | 1200 "
                + "| 0 | 0 | 0 | 0 | 0 | 0 | 0 | ok |");
        assertThat(md).contains("| [round 2](round-2/summary.md) | kill node 2 \\| leader of t-0 | 600 | 0 | 1198 "
                + "| 1 | 0 | 0 | 0 | 0 | 1 | 0 | **ANOMALIES** |");
        assertThat(md).contains("| **total** |  | 1200 | 0 | 2398 | 1 | 0 | 0 | 0 | 0 | 1 | 0 | **ANOMALIES** |");

        RunReport.Summary back = RunReport.read(dir);
        assertThat(back).isEqualTo(combined);
        assertThat(back.rounds()).extracting(r -> r.result().lost().count()).containsExactly(0L, 1L);
        assertThat(back.result()).isNull();
    }

    @Test
    void chartOfAnHourLongNoisyRunStaysSmall() throws Exception {
        Timeline timeline = new Timeline();
        Random random = new Random(42);
        for (long t = 0; t < 3_600_000; t += 1 + random.nextInt(4)) {
            timeline.accept(Event.ack(t, "p1", "t", 0, t, "v", t));
            if (random.nextInt(3) > 0) {
                timeline.accept(Event.read(t, "c1", "t", 0, t, "v"));
            }
        }
        for (long s = 60; s < 3_600; s += 180) {
            timeline.accept(Event.nemesis(s * 1000, "start", "pause node " + s % 3));
            timeline.accept(Event.nemesis(s * 1000 + 40_000 + random.nextInt(60_000), "stop", "pause node " + s % 3));
            timeline.accept(Event.phase(s * 1000 + 150_000, "heal"));
        }
        Path png = dir.resolve("timeline.png");
        timeline.writeChart(png, "an hour");
        assertThat(Files.size(png)).isLessThan(100_000);
        assertThat(ImageIO.read(png.toFile()).getWidth()).isEqualTo(Timeline.WIDTH);
        assertThat(timeline.nemesisIntervals()).hasSize(20);
    }

    @Test
    void nemesisStopsCloseTheirOwnStarts() {
        Timeline timeline = new Timeline();
        timeline.accept(Event.nemesis(1_000, "start", "kill node 1"));
        timeline.accept(Event.nemesis(2_000, "start", "partition {2} | {1,3}"));
        timeline.accept(Event.nemesis(3_000, "stop", "kill node 1"));
        timeline.accept(Event.nemesis(4_000, "start", "pause node 3"));
        timeline.accept(Event.nemesis(5_000, "stop", "heal all")); // no matching start: closes the oldest open one
        timeline.accept(Event.phase(9_000, "drain"));
        assertThat(timeline.nemesisIntervals()).containsExactly(
                new Timeline.Interval(1_000, 3_000, "kill node 1"),
                new Timeline.Interval(2_000, 5_000, "partition {2} | {1,3}"),
                new Timeline.Interval(4_000, 9_000, "pause node 3"));
        assertThat(Timeline.union(timeline.nemesisIntervals())).containsExactly(
                new Timeline.Interval(1_000, 9_000, "kill node 1"));
    }

    @Test
    void checkResultSurvivesJson() throws Exception {
        Path history = writeHistory(dir.resolve("history.jsonl"), 1);
        RunReport report = RunReport.analyze(history, Map.of());
        report.write(dir.resolve("r"));
        CheckResult back = RunReport.read(dir.resolve("r")).result();
        assertThat(back).isEqualTo(report.result());
        assertThat(back.valid()).isFalse();
        assertThat(back.lost().examples().get(0).events().get(0)).isEqualTo(Event.ack(105, "p1", "t", 0, 1, "v1", 1));
    }
}
