package io.strata.reliability.checker;

import io.strata.reliability.history.Event;

import java.util.List;

/**
 * What {@link HistoryChecker} found in one history: operation counts (informational) and one {@link Anomaly} per
 * kind of anomaly. {@link #valid()} means every anomaly count is zero. Immutable; serializes to and from JSON with
 * Jackson as it is.
 *
 * @param unseenBoundMs the bound the {@link #unseen} check used
 */
public record CheckResult(Operations operations, Anomaly lost, Anomaly duplicated, Anomaly inconsistentOffsets,
                          Anomaly reordered, Anomaly committedRegressions, Anomaly unseen, Anomaly unexpected,
                          long unseenBoundMs) {

    /**
     * Counts of what the history holds; none of these is an anomaly.
     *
     * @param sends          SEND events
     * @param acks           ACK events
     * @param fails          FAIL events (indefinite failures)
     * @param failedButRead  values whose send failed and that were read anyway: an indefinite failure may have been
     *                       written, so this is allowed
     * @param reads          READ events, by any process
     * @param drainReads     READ events by the final drain ({@code drain...} processes); zero means the lost check had
     *                       nothing to go by and counts every acknowledged value as lost
     * @param commits        COMMIT events
     * @param committedReads COMMITTED observations
     * @param nemesisEvents  NEMESIS events (starts and stops)
     * @param durationMs     time of the last event
     */
    public record Operations(long sends, long acks, long fails, long failedButRead, long reads, long drainReads,
                             long commits, long committedReads, long nemesisEvents, long durationMs) {
    }

    /**
     * One kind of anomaly.
     *
     * @param count    how many: values, positions or observations, as the kind's title says
     * @param detail   how the count splits, when it does (empty otherwise)
     * @param examples up to a few instances, earliest first
     */
    public record Anomaly(String kind, String title, long count, String detail, List<Example> examples) {

        public Anomaly {
            examples = List.copyOf(examples);
            detail = detail == null ? "" : detail;
        }
    }

    /** One instance of an anomaly: what is wrong, and the events that show it. */
    public record Example(String note, List<Event> events) {

        public Example {
            events = List.copyOf(events);
        }
    }

    /** No anomaly of any kind. */
    public boolean valid() {
        return anomalies().stream().allMatch(a -> a.count() == 0);
    }

    /** Every anomaly, in the order a report shows them. */
    public List<Anomaly> anomalies() {
        return List.of(lost, duplicated, inconsistentOffsets, reordered, committedRegressions, unseen, unexpected);
    }
}
