package io.strata.ingest.group;

import io.netty.util.HashedWheelTimer;
import io.netty.util.Timeout;
import io.netty.util.concurrent.DefaultThreadFactory;
import org.jboss.logging.Logger;

import java.util.concurrent.TimeUnit;

/** {@link GroupTimer} on Netty's hashed wheel: cheap to schedule and cancel by the thousand. */
public final class WheelGroupTimer implements GroupTimer {

    private static final Logger LOG = Logger.getLogger(WheelGroupTimer.class);

    private final HashedWheelTimer timer = new HashedWheelTimer(
            new DefaultThreadFactory("strata-group-timer", true), 10, TimeUnit.MILLISECONDS);

    @Override
    public Cancellable schedule(long delayMs, Runnable task) {
        Timeout timeout = timer.newTimeout(t -> {
            try {
                task.run();
            } catch (RuntimeException e) {
                LOG.errorf(e, "Group timer task failed");
            }
        }, Math.max(0, delayMs), TimeUnit.MILLISECONDS);
        return timeout::cancel;
    }

    @Override
    public long nowMs() {
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime());
    }

    @Override
    public void close() {
        timer.stop();
    }
}
