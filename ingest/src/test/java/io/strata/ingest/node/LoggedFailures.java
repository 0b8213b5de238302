package io.strata.ingest.node;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * Collects the failures the node logs (a warning or error carrying an exception, from Strata's own
 * loggers) on one thread while a test drives a request, so that an internal failure a handler catches
 * and answers with some other error still shows. Install once ({@link #install}), then
 * {@link #watch} before each request and read {@link #failures} after it.
 *
 * <p>Thread-safety: records may arrive from any thread; only those of the watched thread are kept.
 */
public final class LoggedFailures extends Handler {

    private final List<String> failures = new CopyOnWriteArrayList<>();
    private volatile long watched = -1;

    private LoggedFailures() {
    }

    /** Starts collecting for the loggers under {@code io.strata}. */
    public static LoggedFailures install() {
        LoggedFailures handler = new LoggedFailures();
        Logger.getLogger("io.strata").addHandler(handler);
        return handler;
    }

    /** Forgets what was collected and watches the calling thread from now on. */
    public void watch() {
        failures.clear();
        watched = Thread.currentThread().getId();
    }

    /** What the watched thread logged since {@link #watch}. */
    public List<String> failures() {
        return List.copyOf(failures);
    }

    @Override
    public void publish(LogRecord record) {
        if (record.getLevel().intValue() >= Level.WARNING.intValue() && record.getThrown() != null
                && record.getLongThreadID() == watched) {
            failures.add(record.getLoggerName() + ": " + record.getMessage() + ": " + record.getThrown());
        }
    }

    @Override
    public void flush() {
    }

    @Override
    public void close() {
        Logger.getLogger("io.strata").removeHandler(this);
    }
}
