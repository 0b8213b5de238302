package io.strata.reliability.workload;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One client of a workload on a thread of its own, running until told to stop. A client never gives up because the
 * cluster misbehaves (that is what the run is for); an error that escapes its loop is kept and shown by the run.
 */
abstract class Worker implements Runnable {
    private static final Logger LOG = LoggerFactory.getLogger(Worker.class);

    protected final String name;
    private volatile boolean running = true;
    private final AtomicReference<Throwable> failure = new AtomicReference<>();
    private Thread thread;

    protected Worker(String name) {
        this.name = name;
    }

    final void start() {
        thread = new Thread(this, name);
        thread.setDaemon(true);
        thread.start();
    }

    protected final boolean running() {
        return running;
    }

    /** Asks the loop to end and waits for it (up to {@code timeoutMs}). */
    final void stop(long timeoutMs) {
        running = false;
        if (thread == null) {
            return;
        }
        wakeUp();
        try {
            thread.join(timeoutMs);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (thread.isAlive()) {
            LOG.warn("{} did not stop within {} ms", name, timeoutMs);
            thread.interrupt();
        }
    }

    /** Interrupts a blocking call of the loop, e.g. a consumer's poll. */
    protected void wakeUp() {
    }

    /** The error that ended the loop early, if any. */
    final Throwable failure() {
        return failure.get();
    }

    @Override
    public final void run() {
        try {
            loop();
        } catch (Throwable t) {
            if (running) {
                LOG.error("{} failed", name, t);
                failure.set(t);
            }
        }
    }

    protected abstract void loop() throws Exception;

    protected static void pause(long millis) {
        try {
            TimeUnit.MILLISECONDS.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
