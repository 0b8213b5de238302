package io.strata.ingest.group;

/**
 * Schedules the coordinator's deadlines (session timeouts, rebalance timeouts, delayed joins) and
 * tells the time. Tasks run on a timer thread and must be short.
 */
public interface GroupTimer extends AutoCloseable {

    /** Runs {@code task} once, about {@code delayMs} from now, unless cancelled first. */
    Cancellable schedule(long delayMs, Runnable task);

    /** Milliseconds, monotonic enough for deadlines. */
    long nowMs();

    @Override
    default void close() {
    }

    /** A scheduled task. */
    interface Cancellable {
        void cancel();
    }
}
