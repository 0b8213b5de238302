package io.strata.reliability.history;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class HistoryTest {

    @TempDir
    Path dir;

    @Test
    void manyThreadsWriteWholeLinesThatReadBackInEachThreadsOrder() throws Exception {
        Path file = dir.resolve("history.jsonl");
        int threads = 8;
        int perThread = 5_000;
        try (History history = History.create(file)) {
            CountDownLatch start = new CountDownLatch(1);
            List<Thread> writers = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                String producer = "producer-" + t;
                Thread w = new Thread(() -> {
                    try {
                        start.await();
                    } catch (InterruptedException e) {
                        throw new IllegalStateException(e);
                    }
                    for (int i = 0; i < perThread; i++) {
                        // A value with characters JSON must escape, to check lines stay whole.
                        history.record(Event.send(history.now(), producer, "t", 0, producer + "\"\n" + i, i));
                    }
                });
                w.start();
                writers.add(w);
            }
            start.countDown();
            for (Thread w : writers) {
                w.join();
            }
        }
        assertThat(Files.readAllLines(file)).hasSize(threads * perThread);
        List<Event> events = History.read(file);
        assertThat(events).hasSize(threads * perThread);
        Map<String, Long> lastSeq = new HashMap<>();
        Map<String, Long> lastTime = new HashMap<>();
        for (Event e : events) {
            assertThat(e.type()).isEqualTo(Event.Type.SEND);
            assertThat(e.value()).isEqualTo(e.process() + "\"\n" + e.seq());
            assertThat(e.seq()).isEqualTo(lastSeq.getOrDefault(e.process(), -1L) + 1);
            assertThat(e.time()).isGreaterThanOrEqualTo(lastTime.getOrDefault(e.process(), 0L));
            lastSeq.put(e.process(), e.seq());
            lastTime.put(e.process(), e.time());
        }
    }

    @Test
    void everyEventTypeRoundTrips() throws Exception {
        Path file = dir.resolve("all.jsonl");
        List<Event> written = List.of(
                Event.phase(0, "round 1"),
                Event.send(1, "p1", "t", null, "v1", 0),
                Event.ack(2, "p1", "t", 2, 40, "v1", 0),
                Event.fail(3, "p1", "t", null, "v2", 1, "TimeoutException: expired"),
                Event.read(4, "c1", "t", 2, 40, "v1"),
                Event.commit(5, "c1", "g", "t", 2, 41),
                Event.committed(6, "observer", "g", "t", 2, 41),
                Event.nemesis(7, "start", "kill node 2"),
                Event.nemesis(8, "stop", "kill node 2"));
        try (History history = History.create(file)) {
            written.forEach(history::record);
        }
        assertThat(History.read(file)).containsExactlyElementsOf(written);
        try (Stream<Event> stream = History.stream(file)) {
            assertThat(stream.toList()).containsExactlyElementsOf(written);
        }
        // Events read back share their process, topic and group strings rather than each holding a copy.
        List<Event> back = History.read(file);
        assertThat(back.get(2).process()).isSameAs(back.get(1).process());
        assertThat(back.get(6).group()).isSameAs(back.get(5).group());
        // Absent fields are left out of the line, not written as null.
        assertThat(Files.readAllLines(file).get(0)).isEqualTo("{\"time\":0,\"type\":\"PHASE\",\"process\":\"run\","
                + "\"info\":\"round 1\"}");
    }

    @Test
    void clockStartsAtZeroAndNeverGoesBack() throws Exception {
        try (History history = History.create(dir.resolve("clock.jsonl"))) {
            long first = history.now();
            assertThat(first).isBetween(0L, 1_000L);
            long previous = first;
            for (int i = 0; i < 100_000; i++) {
                long now = history.now();
                assertThat(now).isGreaterThanOrEqualTo(previous);
                previous = now;
            }
            Thread.sleep(20);
            assertThat(history.now()).isGreaterThanOrEqualTo(first + 20);
        }
    }

    @Test
    void bufferedEventsReachTheFileWithoutClose() throws Exception {
        Path file = dir.resolve("flushed.jsonl");
        try (History history = History.create(file, Duration.ofMillis(50))) {
            history.record(Event.phase(history.now(), "warm-up"));
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (Files.size(file) == 0 && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertThat(History.read(file)).extracting(Event::info).containsExactly("warm-up");
        }
    }

    @Test
    void recordingAfterCloseFails() throws Exception {
        History history = History.create(dir.resolve("closed.jsonl"));
        history.close();
        history.close(); // idempotent
        assertThatThrownBy(() -> history.record(Event.phase(1, "late")))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("late");
    }

    @Test
    void malformedLineIsReportedWithItsNumber() throws Exception {
        Path file = dir.resolve("bad.jsonl");
        Files.writeString(file, """
                {"time":1,"type":"PHASE","process":"run","info":"round 1"}

                {"time":2,"type":"SEND","process":"p1","topic":"t","value":"v1","seq":0}
                {"time":3,"type":"ACK","process":"p1","topic":"t","partition":0,"offset":
                {"time":4,"type":"PHASE","process":"run","info":"heal"}
                """);
        assertThatThrownBy(() -> History.read(file))
                .isInstanceOfSatisfying(MalformedHistoryException.class, e -> {
                    assertThat(e.line()).isEqualTo(4);
                    assertThat(e.file()).isEqualTo(file);
                })
                .hasMessageContaining("bad.jsonl:4:");
        try (Stream<Event> stream = History.stream(file)) {
            assertThatThrownBy(stream::toList).isInstanceOf(UncheckedIOException.class)
                    .hasCauseInstanceOf(MalformedHistoryException.class)
                    .hasMessageContaining("bad.jsonl:4:");
        }
    }

    @Test
    void eventMissingAFieldItsTypeNeedsIsMalformed() throws Exception {
        Path file = dir.resolve("incomplete.jsonl");
        Files.writeString(file, """
                {"time":1,"type":"READ","process":"c1","topic":"t","partition":0,"offset":5,"value":"v1"}
                {"time":2,"type":"READ","process":"c1","topic":"t","partition":0,"value":"v2"}
                """);
        assertThatThrownBy(() -> History.read(file)).isInstanceOfSatisfying(MalformedHistoryException.class,
                e -> assertThat(e.line()).isEqualTo(2)).hasMessageContaining("\"offset\"");

        Files.writeString(file, "{\"time\":1,\"type\":\"TELEPORT\",\"process\":\"c1\"}\n");
        assertThatThrownBy(() -> History.read(file)).isInstanceOfSatisfying(MalformedHistoryException.class,
                e -> assertThat(e.line()).isEqualTo(1)).hasMessageContaining("TELEPORT");
    }
}
