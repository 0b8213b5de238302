package io.strata.reliability.checker;

import io.strata.reliability.checker.CheckResult.Anomaly;
import io.strata.reliability.history.Event;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static io.strata.reliability.history.Event.ack;
import static io.strata.reliability.history.Event.commit;
import static io.strata.reliability.history.Event.committed;
import static io.strata.reliability.history.Event.fail;
import static io.strata.reliability.history.Event.read;
import static io.strata.reliability.history.Event.send;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class HistoryCheckerTest {

    /**
     * Two producers on two partitions, a consumer group that reads, commits and is observed, and a drain that reads
     * everything again.
     */
    private static List<Event> cleanHistory() {
        List<Event> h = new ArrayList<>();
        h.add(Event.phase(0, "round 1"));
        for (int i = 0; i < 5; i++) {
            h.add(send(10 + i, "p1", "t", null, "p1-" + i, i));
            h.add(send(10 + i, "p2", "t", null, "p2-" + i, i));
        }
        h.add(Event.nemesis(12, "start", "kill node 2"));
        for (int i = 0; i < 5; i++) {
            h.add(ack(20 + i, "p1", "t", 0, 100 + i, "p1-" + i, i));
            h.add(ack(20 + i, "p2", "t", 1, 200 + i, "p2-" + i, i));
        }
        h.add(Event.nemesis(30, "stop", "kill node 2"));
        for (int i = 0; i < 5; i++) {
            h.add(read(40 + i, "c1", "t", 0, 100 + i, "p1-" + i));
            h.add(read(40 + i, "c1", "t", 1, 200 + i, "p2-" + i));
        }
        h.add(commit(50, "c1", "g", "t", 0, 105));
        h.add(committed(49, "observer", "g", "t", 0, 100)); // asked before the commit completed
        h.add(committed(60, "observer", "g", "t", 0, 105));
        h.add(committed(70, "observer", "g", "t", 0, 105));
        h.add(Event.phase(80, "drain"));
        for (int i = 0; i < 5; i++) {
            h.add(read(90 + i, "drain-0", "t", 0, 100 + i, "p1-" + i));
            h.add(read(90 + i, "drain-1", "t", 1, 200 + i, "p2-" + i));
        }
        return h;
    }

    private static CheckResult check(List<Event> history) {
        return HistoryChecker.check(history);
    }

    private static List<Event> with(List<Event> history, Event... more) {
        List<Event> h = new ArrayList<>(history);
        h.addAll(List.of(more));
        return h;
    }

    private static List<Event> without(List<Event> history, Event... less) {
        List<Event> h = new ArrayList<>(history);
        h.removeAll(List.of(less));
        return h;
    }

    private static void assertOnly(CheckResult r, String kind, long count) {
        assertThat(r.valid()).isFalse();
        for (Anomaly a : r.anomalies()) {
            assertThat(a.count()).as(a.kind()).isEqualTo(a.kind().equals(kind) ? count : 0);
        }
    }

    @Test
    void cleanHistoryIsValidAndCounted() {
        CheckResult r = check(cleanHistory());
        assertThat(r.valid()).isTrue();
        assertThat(r.anomalies()).allSatisfy(a -> assertThat(a.examples()).isEmpty());
        CheckResult.Operations ops = r.operations();
        assertThat(ops.sends()).isEqualTo(10);
        assertThat(ops.acks()).isEqualTo(10);
        assertThat(ops.fails()).isZero();
        assertThat(ops.reads()).isEqualTo(20);
        assertThat(ops.drainReads()).isEqualTo(10);
        assertThat(ops.commits()).isEqualTo(1);
        assertThat(ops.committedReads()).isEqualTo(3);
        assertThat(ops.nemesisEvents()).isEqualTo(2);
        assertThat(ops.durationMs()).isEqualTo(94);
        assertThat(r.unseenBoundMs()).isEqualTo(180_000);
    }

    @Test
    void acknowledgedValueTheDrainDidNotReadIsLost() {
        List<Event> h = without(cleanHistory(), read(92, "drain-0", "t", 0, 102, "p1-2"));
        CheckResult r = check(h);
        assertOnly(r, "lost", 1);
        assertThat(r.lost().examples()).singleElement().satisfies(ex -> {
            assertThat(ex.events()).containsExactly(ack(22, "p1", "t", 0, 102, "p1-2", 2),
                    read(42, "c1", "t", 0, 102, "p1-2"));
            assertThat(ex.note()).contains("p1-2", "t-0@102", "c1");
        });
    }

    @Test
    void acknowledgedValueNobodyReadIsLostAndUnseenOnceEach() {
        List<Event> h = with(cleanHistory(), send(15, "p1", "t", null, "p1-5", 5), ack(25, "p1", "t", 0, 105,
                "p1-5", 5));
        CheckResult r = check(h);
        assertThat(r.lost().count()).isEqualTo(1);
        assertThat(r.unseen().count()).isEqualTo(1);
        assertThat(r.unseen().detail()).startsWith("1 never read, 0 ");
        assertThat(r.unseen().examples()).singleElement()
                .satisfies(ex -> assertThat(ex.events()).containsExactly(ack(25, "p1", "t", 0, 105, "p1-5", 5)));
        assertThat(r.duplicated().count() + r.inconsistentOffsets().count() + r.reordered().count()
                + r.committedRegressions().count() + r.unexpected().count()).isZero();
    }

    @Test
    void failedSendsAreNotLostWhetherReadOrNot() {
        List<Event> h = with(cleanHistory(),
                send(16, "p1", "t", null, "p1-5", 5), fail(26, "p1", "t", null, "p1-5", 5, "TimeoutException"),
                send(17, "p1", "t", null, "p1-6", 6), fail(27, "p1", "t", null, "p1-6", 6, "TimeoutException"),
                read(96, "drain-0", "t", 0, 105, "p1-5"));
        CheckResult r = check(h);
        assertThat(r.valid()).isTrue();
        assertThat(r.operations().fails()).isEqualTo(2);
        assertThat(r.operations().failedButRead()).isEqualTo(1);
    }

    @Test
    void valueReadAtTwoOffsetsIsDuplicated() {
        List<Event> h = with(cleanHistory(), read(97, "drain-0", "t", 0, 105, "p1-3"));
        CheckResult r = check(h);
        assertOnly(r, "duplicated", 1);
        assertThat(r.duplicated().examples()).singleElement().satisfies(ex -> {
            assertThat(ex.events()).containsExactly(read(43, "c1", "t", 0, 103, "p1-3"),
                    read(97, "drain-0", "t", 0, 105, "p1-3"));
            assertThat(ex.note()).contains("t-0@103", "t-0@105");
        });
        // A third position does not count the value again.
        assertThat(check(with(h, read(98, "drain-0", "t", 0, 106, "p1-3"))).duplicated().count()).isEqualTo(1);
    }

    @Test
    void valueReadTwiceAtTheSameOffsetIsNotDuplicated() {
        List<Event> h = with(cleanHistory(), read(45, "c2", "t", 0, 103, "p1-3"), read(95, "drain-0", "t", 0, 103,
                "p1-3"));
        assertThat(check(h).valid()).isTrue();
    }

    @Test
    void sameOffsetReadWithTwoValuesIsInconsistent() {
        // p2-4 is read at its own offset and also at p1-1's offset on partition 0.
        List<Event> h = with(cleanHistory(), read(46, "c2", "t", 0, 101, "p2-4"));
        CheckResult r = check(h);
        assertThat(r.inconsistentOffsets().count()).isEqualTo(1);
        assertThat(r.inconsistentOffsets().examples()).singleElement().satisfies(ex -> assertThat(ex.events())
                .containsExactly(ack(21, "p1", "t", 0, 101, "p1-1", 1), read(46, "c2", "t", 0, 101, "p2-4")));
        assertThat(r.duplicated().count()).isEqualTo(1); // p2-4 is also at two positions
        assertThat(r.lost().count() + r.reordered().count() + r.unseen().count()).isZero();
    }

    @Test
    void readsDisagreeingOnAnOffsetNobodyAcknowledgedAreInconsistent() {
        List<Event> h = with(cleanHistory(),
                send(16, "p3", "t", null, "p3-0", 0), fail(26, "p3", "t", null, "p3-0", 0, "NotLeader"),
                send(17, "p3", "t", null, "p3-1", 1), fail(27, "p3", "t", null, "p3-1", 1, "NotLeader"),
                read(47, "c1", "t", 0, 110, "p3-0"), read(96, "drain-0", "t", 0, 110, "p3-1"));
        CheckResult r = check(h);
        assertOnly(r, "inconsistentOffsets", 1);
        assertThat(r.inconsistentOffsets().examples().get(0).note()).contains("t-0@110", "p3-0", "p3-1");
    }

    @Test
    void acknowledgementOfAnOffsetReadWithAnotherValueIsInconsistent() {
        // p1-4 is acknowledged at 104 (as in the clean history); the drain finds p1-4 at 105 and p1-x at 104.
        List<Event> h = without(cleanHistory(), read(44, "c1", "t", 0, 104, "p1-4"),
                read(94, "drain-0", "t", 0, 104, "p1-4"));
        h = with(h, send(18, "p1", "t", null, "p1-x", 9), fail(28, "p1", "t", null, "p1-x", 9, "timeout"),
                read(94, "drain-0", "t", 0, 104, "p1-x"), read(95, "drain-0", "t", 0, 105, "p1-4"));
        CheckResult r = check(h);
        assertOnly(r, "inconsistentOffsets", 1);
        assertThat(r.inconsistentOffsets().examples()).singleElement().satisfies(ex -> assertThat(ex.events())
                .containsExactly(ack(24, "p1", "t", 0, 104, "p1-4", 4), read(94, "drain-0", "t", 0, 104, "p1-x")));
    }

    @Test
    void producerValuesWrittenAgainstTheirSequenceAreReordered() {
        List<Event> h = new ArrayList<>();
        long[] offsets = {10, 12, 11, 13, 9}; // seq 2 lands below seq 1; seq 4 below everything before it
        for (int seq = 0; seq < offsets.length; seq++) {
            h.add(send(seq, "p1", "t", null, "v" + seq, seq));
        }
        for (int seq = offsets.length - 1; seq >= 0; seq--) { // callbacks in any order
            h.add(ack(10 + seq, "p1", "t", 0, offsets[seq], "v" + seq, seq));
            h.add(read(20 + seq, "drain", "t", 0, offsets[seq], "v" + seq));
        }
        CheckResult r = check(h);
        assertOnly(r, "reordered", 2);
        assertThat(r.reordered().examples()).hasSize(2).first().satisfies(ex -> assertThat(ex.events())
                .containsExactly(ack(11, "p1", "t", 0, 12, "v1", 1), ack(12, "p1", "t", 0, 11, "v2", 2)));
    }

    @Test
    void orderIsOnlyRequiredPerProducerAndPartition() {
        List<Event> h = List.of(
                send(0, "p1", "t", null, "a", 0), send(1, "p1", "t", null, "b", 1),
                send(2, "p2", "t", null, "c", 0),
                ack(3, "p1", "t", 1, 50, "a", 0), ack(4, "p1", "t", 0, 10, "b", 1), // other partition
                ack(5, "p2", "t", 1, 40, "c", 0), // other producer, lower offset, lower seq
                read(6, "drain", "t", 1, 50, "a"), read(6, "drain", "t", 0, 10, "b"),
                read(6, "drain", "t", 1, 40, "c"));
        assertThat(check(h).valid()).isTrue();
    }

    @Test
    void committedOffsetObservedLowerThanBeforeIsARegression() {
        List<Event> h = with(cleanHistory(), committed(75, "observer", "g", "t", 0, 103));
        CheckResult r = check(h);
        assertOnly(r, "committedRegressions", 1);
        assertThat(r.committedRegressions().detail()).startsWith("1 below an earlier observation");
        assertThat(r.committedRegressions().examples().get(0).events())
                .containsExactly(committed(60, "observer", "g", "t", 0, 105), committed(75, "observer", "g", "t", 0,
                        103));
    }

    @Test
    void committedOffsetObservedBelowACompletedCommitIsARegression() {
        List<Event> h = List.of(
                commit(100, "c1", "g", "t", 0, 20),
                commit(120, "c1", "g", "t", 0, 18), // a lower commit does not lower what must be seen
                committed(150, "observer", "g", "t", 0, 15));
        CheckResult r = check(h);
        assertOnly(r, "committedRegressions", 1);
        assertThat(r.committedRegressions().detail()).isEqualTo("0 below an earlier observation, 1 below a "
                + "completed commit");
        assertThat(r.committedRegressions().examples()).singleElement().satisfies(ex -> assertThat(ex.events())
                .containsExactly(commit(100, "c1", "g", "t", 0, 20), committed(150, "observer", "g", "t", 0, 15)));
    }

    @Test
    void committedOffsetObservedBeforeTheCommitCompletedMayBeLower() {
        List<Event> h = List.of(
                committed(90, "observer", "g", "t", 0, 15),
                committed(100, "observer", "g", "t", 0, 15), // same millisecond as the commit's return
                commit(100, "c1", "g", "t", 0, 20),
                committed(101, "observer", "g", "t", 0, 20),
                commit(102, "c1", "g", "t", 1, 30), // another partition
                committed(103, "observer", "g", "t", 0, 20),
                commit(104, "c1", "other", "t", 0, 50)); // another group
        assertThat(check(h).valid()).isTrue();
    }

    @Test
    void bothKindsOfRegressionInOneObservationCountOnce() {
        List<Event> h = List.of(
                committed(90, "observer", "g", "t", 0, 20),
                commit(100, "c1", "g", "t", 0, 20),
                committed(150, "observer", "g", "t", 0, 15));
        CheckResult r = check(h);
        assertThat(r.committedRegressions().count()).isEqualTo(1);
        assertThat(r.committedRegressions().detail()).isEqualTo("1 below an earlier observation, 1 below a "
                + "completed commit");
        assertThat(r.committedRegressions().examples()).hasSize(2);
    }

    @Test
    void valueFirstReadLaterThanTheBoundIsUnseen() {
        List<Event> h = List.of(
                send(0, "p1", "t", null, "late", 0), ack(1_000, "p1", "t", 0, 0, "late", 0),
                send(0, "p1", "t", null, "just-in-time", 1), ack(1_000, "p1", "t", 0, 1, "just-in-time", 1),
                read(181_001, "drain", "t", 0, 0, "late"),
                read(181_000, "drain", "t", 0, 1, "just-in-time"));
        CheckResult r = check(h);
        assertOnly(r, "unseen", 1);
        assertThat(r.unseen().detail()).startsWith("0 never read, 1 first read later than 180 s");
        assertThat(r.unseen().examples().get(0).events()).extracting(Event::value).containsExactly("late", "late");

        HistoryChecker patient = new HistoryChecker(Duration.ofSeconds(300), 10);
        h.forEach(patient);
        assertThat(patient.result().valid()).isTrue();
        assertThat(patient.result().unseenBoundMs()).isEqualTo(300_000);
    }

    @Test
    void unseenUsesTheEarliestReadEvenIfRecordedLater() {
        List<Event> h = List.of(
                send(0, "p1", "t", null, "v", 0), ack(1_000, "p1", "t", 0, 0, "v", 0),
                read(500_000, "drain", "t", 0, 0, "v"),
                read(2_000, "c1", "t", 0, 0, "v")); // recorded after the drain's read, but earlier in time
        assertThat(check(h).valid()).isTrue();
    }

    @Test
    void valueReadButNeverSentIsUnexpected() {
        List<Event> h = with(cleanHistory(), read(96, "drain-0", "t", 0, 105, "ghost"));
        CheckResult r = check(h);
        assertOnly(r, "unexpected", 1);
        assertThat(r.unexpected().examples()).singleElement().satisfies(ex -> assertThat(ex.events())
                .containsExactly(read(96, "drain-0", "t", 0, 105, "ghost")));
    }

    @Test
    void examplesAreTheEarliestTenButEveryOneIsCounted() {
        List<Event> h = new ArrayList<>();
        for (int i = 24; i >= 0; i--) {
            h.add(send(i, "p1", "t", null, "v" + i, i));
            h.add(ack(100 + i, "p1", "t", 0, i, "v" + i, i));
        }
        h.add(read(500, "drain", "t", 0, 0, "v0"));
        CheckResult r = check(h);
        assertThat(r.lost().count()).isEqualTo(24);
        assertThat(r.lost().examples()).hasSize(10);
        assertThat(r.lost().examples()).extracting(ex -> ex.events().get(0).value())
                .containsExactly("v1", "v2", "v3", "v4", "v5", "v6", "v7", "v8", "v9", "v10");
    }

    @Test
    void withoutAnyDrainReadEveryAcknowledgedValueIsLostAndTheDetailSaysWhy() {
        List<Event> h = cleanHistory().stream().filter(e -> e.process() == null || !e.process().startsWith("drain"))
                .toList();
        CheckResult r = check(h);
        assertThat(r.lost().count()).isEqualTo(10);
        assertThat(r.lost().detail()).contains("no drain");
        assertThat(r.unseen().count()).isZero();
    }

    @Test
    void eventMissingARequiredFieldIsRefused() {
        HistoryChecker checker = new HistoryChecker();
        Event noOffset = new Event(1, Event.Type.READ, "c1", "t", 0, null, "v", null, null, null);
        assertThatThrownBy(() -> checker.accept(noOffset)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("offset");
    }
}
