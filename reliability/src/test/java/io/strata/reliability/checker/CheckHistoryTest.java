package io.strata.reliability.checker;

import io.strata.reliability.history.Event;
import io.strata.reliability.history.History;
import io.strata.reliability.report.RunReport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class CheckHistoryTest {

    @TempDir
    Path dir;

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private int run(String... args) {
        return CheckHistory.run(new PrintWriter(out, true), new PrintWriter(err, true), args);
    }

    private Path history(List<Event> events) throws Exception {
        Path file = dir.resolve("history.jsonl");
        try (History h = History.create(file)) {
            events.forEach(h::record);
        }
        return file;
    }

    private static List<Event> base() {
        return List.of(
                Event.send(0, "p1", "t", null, "a", 0), Event.ack(10, "p1", "t", 0, 0, "a", 0),
                Event.send(1, "p1", "t", null, "b", 1), Event.ack(11, "p1", "t", 0, 1, "b", 1),
                Event.nemesis(12, "start", "kill node 1"), Event.nemesis(13, "stop", "kill node 1"),
                Event.read(20, "drain", "t", 0, 0, "a"));
    }

    @Test
    void validHistoryExitsZero() throws Exception {
        List<Event> events = new java.util.ArrayList<>(base());
        events.add(Event.read(21, "drain", "t", 0, 1, "b"));
        assertThat(run(history(events).toString())).isEqualTo(CheckHistory.VALID);
        assertThat(out.toString()).contains("**Result: no anomalies**", "| acknowledged | 2 |",
                "| 0.0 | start | kill node 1 |");
    }

    @Test
    void historyWithAnomaliesExitsOneAndCanWriteTheReport() throws Exception {
        Path report = dir.resolve("report");
        int code = run("--unseen-bound-seconds=60", "--report", report.toString(), history(base()).toString());
        assertThat(code).isEqualTo(CheckHistory.INVALID);
        assertThat(out.toString()).contains("**Result: ANOMALIES: lost 1, unseen 1**", "| unseen bound | 60 s |",
                "value b acknowledged at t-0@1 was not read by the drain");
        assertThat(RunReport.read(report).result().lost().count()).isEqualTo(1);
        assertThat(report.resolve(RunReport.TIMELINE_PNG)).isNotEmptyFile();
    }

    @Test
    void malformedHistoryExitsTwoNamingTheLine() throws Exception {
        Path file = dir.resolve("bad.jsonl");
        Files.writeString(file, "{\"time\":1,\"type\":\"PHASE\",\"process\":\"run\"}\nnot json\n");
        assertThat(run(file.toString())).isEqualTo(CheckHistory.UNREADABLE);
        assertThat(err.toString()).contains("bad.jsonl:2:");
        assertThat(run(dir.resolve("missing.jsonl").toString())).isEqualTo(CheckHistory.UNREADABLE);
        assertThat(err.toString()).contains("no such file");
    }

    @Test
    void usageErrorIsNotMistakenForAValidHistory() {
        assertThat(run()).isEqualTo(CheckHistory.UNREADABLE);
        assertThat(err.toString()).contains("HISTORY");
    }
}
