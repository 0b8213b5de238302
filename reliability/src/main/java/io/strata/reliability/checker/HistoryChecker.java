package io.strata.reliability.checker;

import io.strata.reliability.checker.CheckResult.Anomaly;
import io.strata.reliability.checker.CheckResult.Example;
import io.strata.reliability.checker.CheckResult.Operations;
import io.strata.reliability.history.Event;
import io.strata.reliability.history.History;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * Finds anomalies in a history. Feed it every event ({@link #accept}, in file order) and ask for the
 * {@link #result()}; or use {@link #check(Path)}, which streams the file without holding it.
 *
 * <p>Anomalies (see {@link CheckResult}):
 * <ul>
 *   <li><b>lost</b>: an acknowledged value that no {@code drain...} process read (the final drain reads every
 *       partition to its end).</li>
 *   <li><b>duplicated</b>: a value read at two different (topic, partition, offset) positions; reading it twice at
 *       the same position is not a duplicate.</li>
 *   <li><b>inconsistent offsets</b>: a position at which two observations disagree on the value: two READs, a READ
 *       and the ACK that named that position, or two ACKs.</li>
 *   <li><b>reordered</b>: for one producer and one partition, an acknowledged value whose offset is below that of a
 *       value the producer sent earlier (lower {@code seq}); idempotent producers keep order. This assumes a
 *       producer's process name stands for one producer instance.</li>
 *   <li><b>committed regressions</b>: per (group, topic, partition), a COMMITTED observation lower than an earlier
 *       observation, or lower than the offset of a COMMIT that had completed before the observation was asked
 *       (strictly earlier time: an observation made while the commit was in flight may still see the old
 *       offset).</li>
 *   <li><b>unseen</b>: an acknowledged value that nobody read, or first read more than a bound after its ACK. A value
 *       never read is counted here and under lost.</li>
 *   <li><b>unexpected</b>: a value read that was never sent.</li>
 * </ul>
 * A value whose send failed (FAIL) is not expected anywhere: failures are indefinite, so reading it is allowed and
 * only counted as "failed but read".
 *
 * <p>Memory: one small entry per distinct value (holding references to its ACK and earliest READ) and one per
 * read or acknowledged position, plus the COMMIT and COMMITTED events; about 1-2 million events fit in a 1 GB heap.
 * Not thread-safe.
 */
public final class HistoryChecker implements Consumer<Event> {

    public static final Duration DEFAULT_UNSEEN_BOUND = Duration.ofSeconds(180);
    public static final int DEFAULT_MAX_EXAMPLES = 10;
    /** Readers whose process name starts with this are the final drain. */
    public static final String DRAIN_PREFIX = "drain";

    private final long unseenBoundMs;
    private final int maxExamples;

    /** Per value: what happened to it. */
    private final Map<String, ValueState> values = new HashMap<>(1 << 16);
    /** Per partition, per offset: the first ACK or READ that named the position. */
    private final Map<TopicPartition, Map<Long, Event>> positions = new HashMap<>();
    private final Set<Position> conflictedPositions = new HashSet<>();
    private final Earliest conflictExamples;
    private long duplicatedValues;
    private final Earliest duplicateExamples;
    private final Map<GroupPartition, List<Event>> commits = new HashMap<>();
    private final Map<GroupPartition, List<Event>> observations = new HashMap<>();

    private long sends;
    private long acks;
    private long fails;
    private long reads;
    private long drainReads;
    private long commitCount;
    private long committedReads;
    private long nemesisEvents;
    private long lastTime;

    public HistoryChecker() {
        this(DEFAULT_UNSEEN_BOUND, DEFAULT_MAX_EXAMPLES);
    }

    public HistoryChecker(Duration unseenBound, int maxExamples) {
        if (unseenBound.isNegative() || maxExamples < 0) {
            throw new IllegalArgumentException("unseenBound and maxExamples must not be negative");
        }
        this.unseenBoundMs = unseenBound.toMillis();
        this.maxExamples = maxExamples;
        this.conflictExamples = new Earliest(maxExamples);
        this.duplicateExamples = new Earliest(maxExamples);
    }

    /** Checks a history file, streaming it. */
    public static CheckResult check(Path history) throws IOException {
        return check(history, DEFAULT_UNSEEN_BOUND);
    }

    public static CheckResult check(Path history, Duration unseenBound) throws IOException {
        HistoryChecker checker = new HistoryChecker(unseenBound, DEFAULT_MAX_EXAMPLES);
        History.forEach(history, checker);
        return checker.result();
    }

    public static CheckResult check(Iterable<Event> events) {
        HistoryChecker checker = new HistoryChecker();
        events.forEach(checker);
        return checker.result();
    }

    /**
     * Takes the next event of the history.
     *
     * @throws IllegalArgumentException if the event lacks a field its type needs (see {@link History#missingField})
     */
    @Override
    public void accept(Event e) {
        String missing = History.missingField(e);
        if (missing != null) {
            throw new IllegalArgumentException("a " + e.type() + " event needs \"" + missing + "\": " + e);
        }
        lastTime = Math.max(lastTime, e.time());
        switch (e.type()) {
            case SEND -> {
                sends++;
                state(e.value()).sent = true;
            }
            case ACK -> {
                acks++;
                ValueState v = state(e.value());
                Event kept = v.share(e);
                if (v.ack == null) {
                    v.ack = kept;
                }
                observePosition(kept);
            }
            case FAIL -> {
                fails++;
                state(e.value()).failed = true;
            }
            case READ -> {
                reads++;
                ValueState v = state(e.value());
                Event r = v.share(e);
                if (r.process().startsWith(DRAIN_PREFIX)) {
                    drainReads++;
                    v.drained = true;
                }
                if (v.read == null) {
                    v.read = r;
                } else {
                    if (!v.duplicated && !samePosition(v.read, r)) {
                        // Until the first read at another position, every read so far was at v.read's position.
                        v.duplicated = true;
                        duplicatedValues++;
                        duplicateExamples.offer(Math.min(v.read.time(), r.time()), () -> new Example(
                                "value " + r.value() + " read at " + position(v.read) + " and at " + position(r),
                                List.of(v.read, r)));
                    }
                    if (r.time() < v.read.time()) {
                        v.read = r;
                    }
                }
                observePosition(r);
            }
            case COMMIT -> {
                commitCount++;
                commits.computeIfAbsent(GroupPartition.of(e), k -> new ArrayList<>()).add(e);
            }
            case COMMITTED -> {
                committedReads++;
                observations.computeIfAbsent(GroupPartition.of(e), k -> new ArrayList<>()).add(e);
            }
            case NEMESIS -> nemesisEvents++;
            case PHASE -> {
            }
        }
    }

    private ValueState state(String value) {
        return values.computeIfAbsent(value, ValueState::new);
    }

    private void observePosition(Event e) {
        Map<Long, Event> byOffset = positions.computeIfAbsent(new TopicPartition(e.topic(), e.partition()),
                k -> new HashMap<>());
        Event first = byOffset.putIfAbsent(e.offset(), e);
        if (first != null && !first.value().equals(e.value())) {
            Position p = new Position(e.topic(), e.partition(), e.offset());
            if (conflictedPositions.add(p)) {
                conflictExamples.offer(Math.min(first.time(), e.time()), () -> new Example(
                        position(e) + " holds " + first.value() + " by " + first.type() + " of " + first.process()
                                + " and " + e.value() + " by " + e.type() + " of " + e.process(),
                        List.of(first, e)));
            }
        }
    }

    /** Computes the result from what was fed so far; may be called again after more events. */
    public CheckResult result() {
        long failedButRead = 0;
        long lost = 0;
        long neverRead = 0;
        long lateRead = 0;
        long unexpected = 0;
        Earliest lostExamples = new Earliest(maxExamples);
        Earliest unseenExamples = new Earliest(maxExamples);
        Earliest unexpectedExamples = new Earliest(maxExamples);
        Map<ProducerPartition, List<Event>> acksByProducer = new HashMap<>();
        for (Map.Entry<String, ValueState> entry : values.entrySet()) {
            ValueState v = entry.getValue();
            Event ack = v.ack;
            Event read = v.read;
            if (v.failed && ack == null && read != null) {
                failedButRead++;
            }
            if (read != null && !v.sent) {
                unexpected++;
                unexpectedExamples.offer(read.time(), () -> new Example(
                        "value " + read.value() + " read at " + position(read) + " was never sent", List.of(read)));
            }
            if (ack == null) {
                continue;
            }
            acksByProducer.computeIfAbsent(new ProducerPartition(ack.process(), ack.topic(), ack.partition()),
                    k -> new ArrayList<>()).add(ack);
            if (!v.drained) {
                lost++;
                lostExamples.offer(ack.time(), () -> new Example("value " + ack.value() + " acknowledged at "
                        + position(ack) + " was not read by the drain"
                        + (read == null ? "" : " (" + read.process() + " read it at " + position(read) + ")"),
                        read == null ? List.of(ack) : List.of(ack, read)));
            }
            if (read == null) {
                neverRead++;
                unseenExamples.offer(ack.time(), () -> new Example("value " + ack.value() + " acknowledged at "
                        + position(ack) + " was never read", List.of(ack)));
            } else if (read.time() - ack.time() > unseenBoundMs) {
                lateRead++;
                unseenExamples.offer(ack.time(), () -> new Example("value " + ack.value() + " first read "
                        + seconds(read.time() - ack.time()) + " after its acknowledgement", List.of(ack, read)));
            }
        }

        Operations ops = new Operations(sends, acks, fails, failedButRead, reads, drainReads, commitCount,
                committedReads, nemesisEvents, lastTime);
        String lostDetail = drainReads == 0 && acks > 0
                ? "no drain read anything, so every acknowledged value counts as lost" : "";
        return new CheckResult(ops,
                new Anomaly("lost", "Lost (acknowledged, not read by the drain)", lost, lostDetail,
                        lostExamples.examples()),
                new Anomaly("duplicated", "Duplicated (values read at two positions)", duplicatedValues, "",
                        duplicateExamples.examples()),
                new Anomaly("inconsistentOffsets", "Inconsistent offsets (positions with two values)",
                        conflictedPositions.size(), "", conflictExamples.examples()),
                reordered(acksByProducer),
                committedRegressions(),
                new Anomaly("unseen", "Unseen (acknowledged, not read within " + seconds(unseenBoundMs) + ")",
                        neverRead + lateRead, neverRead + lateRead == 0 ? "" : neverRead + " never read, " + lateRead
                        + " first read later than " + seconds(unseenBoundMs) + " after the acknowledgement",
                        unseenExamples.examples()),
                new Anomaly("unexpected", "Unexpected (read, never sent)", unexpected, "",
                        unexpectedExamples.examples()),
                unseenBoundMs);
    }

    private Anomaly reordered(Map<ProducerPartition, List<Event>> acksByProducer) {
        long count = 0;
        Earliest examples = new Earliest(maxExamples);
        for (List<Event> list : acksByProducer.values()) {
            list.sort(Comparator.comparingLong(Event::seq));
            Event highest = null;
            for (Event ack : list) {
                if (highest != null && ack.offset() < highest.offset()) {
                    count++;
                    Event before = highest;
                    examples.offer(Math.min(before.time(), ack.time()), () -> new Example(ack.process() + " sent "
                            + before.value() + " (seq " + before.seq() + ") before " + ack.value() + " (seq "
                            + ack.seq() + "), but they were written at offsets " + before.offset() + " and "
                            + ack.offset() + " of " + ack.topic() + "-" + ack.partition(), List.of(before, ack)));
                } else if (highest == null || ack.offset() > highest.offset()) {
                    highest = ack;
                }
            }
        }
        return new Anomaly("reordered", "Reordered (acknowledged out of a producer's order)", count, "",
                examples.examples());
    }

    private Anomaly committedRegressions() {
        long belowObserved = 0;
        long belowCommitted = 0;
        long count = 0;
        Earliest examples = new Earliest(maxExamples);
        Comparator<Event> byTime = Comparator.comparingLong(Event::time);
        for (Map.Entry<GroupPartition, List<Event>> entry : observations.entrySet()) {
            GroupPartition gp = entry.getKey();
            List<Event> seen = new ArrayList<>(entry.getValue());
            seen.sort(byTime); // stable: equal times keep file order
            List<Event> done = new ArrayList<>(commits.getOrDefault(gp, List.of()));
            done.sort(byTime);
            // done[i] -> the commit with the highest offset among done[0..i]
            Event[] highestDone = new Event[done.size()];
            for (int i = 0; i < done.size(); i++) {
                Event c = done.get(i);
                highestDone[i] = i > 0 && highestDone[i - 1].offset() >= c.offset() ? highestDone[i - 1] : c;
            }
            Event highestSeen = null;
            int next = 0;
            for (Event o : seen) {
                boolean bad = false;
                if (highestSeen != null && o.offset() < highestSeen.offset()) {
                    belowObserved++;
                    bad = true;
                    Event before = highestSeen;
                    examples.offer(o.time(), () -> new Example(gp + ": committed offset observed as "
                            + o.offset() + " after it had been observed as " + before.offset(),
                            List.of(before, o)));
                }
                while (next < done.size() && done.get(next).time() < o.time()) {
                    next++;
                }
                if (next > 0 && o.offset() < highestDone[next - 1].offset()) {
                    belowCommitted++;
                    bad = true;
                    Event c = highestDone[next - 1];
                    examples.offer(o.time(), () -> new Example(gp + ": committed offset observed as " + o.offset()
                            + " after a commit of " + c.offset() + " by " + c.process() + " had completed",
                            List.of(c, o)));
                }
                if (bad) {
                    count++;
                }
                if (highestSeen == null || o.offset() > highestSeen.offset()) {
                    highestSeen = o;
                }
            }
        }
        return new Anomaly("committedRegressions", "Committed offset regressions (observations)", count,
                count == 0 ? "" : belowObserved + " below an earlier observation, " + belowCommitted
                        + " below a completed commit", examples.examples());
    }

    private static boolean samePosition(Event a, Event b) {
        return a.offset().equals(b.offset()) && a.partition().equals(b.partition()) && a.topic().equals(b.topic());
    }

    static String position(Event e) {
        return e.topic() + "-" + e.partition() + "@" + e.offset();
    }

    static String seconds(long ms) {
        return ms % 1000 == 0 ? ms / 1000 + " s" : String.format(Locale.ROOT, "%.3f s", ms / 1000.0);
    }

    /** What happened to one value. Kept small: one of these exists per distinct value of the run. */
    private static final class ValueState {
        /** The map's key: events kept for examples share it instead of holding copies of their own. */
        final String value;
        boolean sent;
        boolean failed;
        boolean drained;
        boolean duplicated;
        Event ack;
        /** The earliest READ by time. */
        Event read;

        ValueState(String value) {
            this.value = value;
        }

        Event share(Event e) {
            return e.value() == value ? e : new Event(e.time(), e.type(), e.process(), e.topic(), e.partition(),
                    e.offset(), value, e.seq(), e.group(), e.info());
        }
    }

    private record TopicPartition(String topic, int partition) {
    }

    private record Position(String topic, int partition, long offset) {
    }

    private record ProducerPartition(String producer, String topic, int partition) {
    }

    private record GroupPartition(String group, String topic, int partition) {
        static GroupPartition of(Event e) {
            return new GroupPartition(e.group(), e.topic(), e.partition());
        }

        @Override
        public String toString() {
            return "group " + group + " " + topic + "-" + partition;
        }
    }

    /** Keeps the {@code max} examples with the earliest times; builds an example only when it will be kept. */
    private static final class Earliest {
        private final int max;
        private final List<Example> kept = new ArrayList<>();
        private final List<Long> times = new ArrayList<>();

        Earliest(int max) {
            this.max = max;
        }

        void offer(long time, Supplier<Example> example) {
            if (kept.size() >= max && (max == 0 || time >= times.get(times.size() - 1))) {
                return;
            }
            int at = times.size();
            while (at > 0 && times.get(at - 1) > time) {
                at--;
            }
            times.add(at, time);
            kept.add(at, example.get());
            if (kept.size() > max) {
                times.remove(times.size() - 1);
                kept.remove(kept.size() - 1);
            }
        }

        List<Example> examples() {
            return List.copyOf(kept);
        }
    }
}
